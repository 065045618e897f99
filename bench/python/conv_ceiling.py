#!/usr/bin/python3
"""PyTorch 1.13 eager reference for the CnnMl `conv-ceiling` bench workload.

GFLOP/s of one large 3x3 convolution (stride 1, padding 1, forward only, no gradients) on fixed
random tensors, in float32 or (--amp bf16) on bfloat16 tensors, NCHW or channels-last: the practical
peak of the machine, against which the report sets each train-step model's achieved GFLOP/s at its
precision. FLOPs per call are 2*N*Cout*H*W*Cin*9.

Prints one JSON line with the same fields as `CnnMl.Bench conv-ceiling`:
{workload, model, impl, batch, size, channels, out_channels, threads, params, images_per_sec, steps,
 seconds, gflops, peak_rss_mb, amp, channels_last}.

Run it with Debian's interpreter (/usr/bin/python3): python3-torch lives there.
"""
import argparse
import json
import sys
import time

import torch
import torch.nn.functional as F

from train_step import peak_rss_mb


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--size", type=int, default=56)
    p.add_argument("--channels", type=int, default=256)
    p.add_argument("--out-channels", type=int, default=256)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--amp", default="none", choices=("none", "bf16"),
                   help="bf16: input, weight and bias in bfloat16, as autocast gives the convolution")
    p.add_argument("--channels-last", type=int, default=0, help="1: input and weight channels-last")
    a = p.parse_args(argv)

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    dtype = torch.bfloat16 if a.amp == "bf16" else torch.float32
    layout = torch.channels_last if a.channels_last else torch.contiguous_format
    x = torch.randn(a.batch, a.channels, a.size, a.size).to(dtype).contiguous(memory_format=layout)
    weight = torch.randn(a.out_channels, a.channels, 3, 3).to(dtype).contiguous(memory_format=layout)
    bias = torch.randn(a.out_channels).to(dtype)

    with torch.no_grad():
        for _ in range(a.warmup):
            F.conv2d(x, weight, bias, stride=1, padding=1)
        start = time.perf_counter()
        for _ in range(a.steps):
            F.conv2d(x, weight, bias, stride=1, padding=1)
        seconds = time.perf_counter() - start

    flops_per_call = 2.0 * a.batch * a.out_channels * a.size * a.size * a.channels * 9
    print(json.dumps({
        "workload": "conv-ceiling", "model": "conv3x3", "impl": "pytorch",
        "batch": a.batch, "size": a.size, "channels": a.channels, "out_channels": a.out_channels,
        "threads": torch.get_num_threads(), "params": weight.numel() + bias.numel(),
        "images_per_sec": round(a.batch * a.steps / seconds, 2), "steps": a.steps,
        "seconds": round(seconds, 4), "gflops": round(flops_per_call * a.steps / seconds / 1e9, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1), "amp": a.amp, "channels_last": bool(a.channels_last),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
