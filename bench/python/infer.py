#!/usr/bin/python3
"""PyTorch 1.13 eager reference for the CnnMl `infer` bench workload.

Inference as a PyTorch user writes it: model.eval() and calls under torch.no_grad() (no batch norm
folding, no inference_mode, default memory format). Measures batch throughput (images/s from the
median of the timed calls) and batch-1 latency (median ms) on fixed random input, warm-up calls
excluded, and prints one JSON line with the same fields as `CnnMl.Bench infer`. The models are
train_step.py's MODELS (LeNet-5 and the small-stem ResNet-18 as the zoo builds them, torchvision
for the rest, GoogLeNet and Inception v3 without auxiliary heads).
"""
import argparse
import contextlib
import json
import os
import resource
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_step import MODELS, add_model_arguments, device_fields  # noqa: E402


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def median_seconds(model, x, warmup, iters):
    """Median wall seconds of one call (to the end of its GPU kernels on a GPU), and process CPU
    seconds per call over the timed calls."""
    sync = torch.cuda.synchronize if x.device.type == "cuda" else (lambda: None)
    with torch.no_grad():
        for _ in range(warmup):
            model(x)
            sync()
        times = []
        cpu_start = time.process_time()
        for _ in range(iters):
            start = time.perf_counter()
            model(x)
            sync()
            times.append(time.perf_counter() - start)
        cpu = (time.process_time() - cpu_start) / iters
    return statistics.median(times), cpu


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_model_arguments(p)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--iters", type=int, default=10)
    p.add_argument("--latency-iters", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu", help="cpu or cuda[:N]")
    p.add_argument("--amp", default="none", choices=("none", "bf16"), help="bf16: the forward under torch.autocast(device, dtype=torch.bfloat16)")
    a = p.parse_args(argv)
    device = torch.device(a.device)

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    model = MODELS[a.model](a.classes, a.channels).to(device)
    model.eval()
    params = sum(t.numel() for t in model.parameters())
    x = torch.randn(a.batch, a.channels, a.size, a.size).to(device)
    x1 = torch.randn(1, a.channels, a.size, a.size).to(device)

    autocast = torch.autocast(device.type, dtype=torch.bfloat16) if a.amp == "bf16" else contextlib.nullcontext()
    with autocast:
        batch_seconds, batch_cpu = median_seconds(model, x, a.warmup, a.iters)
        latency_seconds, latency_cpu = median_seconds(model, x1, a.warmup, a.latency_iters)

    print(json.dumps({
        **device_fields(device, a.amp),
        "workload": "infer", "model": a.model, "impl": "pytorch", "batch": a.batch, "size": a.size,
        "channels": a.channels, "classes": a.classes, "threads": torch.get_num_threads(), "params": params,
        "images_per_sec": round(a.batch / batch_seconds, 2), "latency_ms": round(latency_seconds * 1000, 3),
        "cpu_ms_per_batch": round(batch_cpu * 1000, 3), "cpu_ms_per_image": round(latency_cpu * 1000, 3),
        "steps": a.iters, "latency_steps": a.latency_iters, "peak_rss_mb": round(peak_rss_mb(), 1),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
