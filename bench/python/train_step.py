#!/usr/bin/python3
"""PyTorch 1.13 eager reference for the CnnMl `train-step` bench workload.

Runs SGD (momentum 0.9) training steps of one model on fixed synthetic tensors (created once)
and prints one JSON line with the same fields as `CnnMl.Bench train-step`:
{model, impl, batch, size, channels, classes, threads, params, images_per_sec, steps, seconds, peak_rss_mb}.

Run it with Debian's interpreter (/usr/bin/python3): python3-torch lives there. Debian's build
starts with one intra-op thread; --threads sets it explicitly, as the C# side does.
"""
import argparse
import contextlib
import json
import os
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class LeNet5(nn.Module):
    """LeNet-5 (LeCun et al. 1998) as CnnMl.Models.LeNet.LeNet5 builds it: 6 and 16 channels of 5x5
    convolutions, sigmoid, 2x2 average pooling, then 120/84/classes dense layers. On 28x28 input the
    first convolution pads by 2 so the paper's 32x32 geometry is kept. Must stay identical to the
    zoo's lenet5 (both sides print their parameter count: 61,706 at 10 classes). With relu=True it is
    the zoo's lenet5_relu: ReLU and 2x2 max-pooling in the same layout."""

    def __init__(self, num_classes=10, in_channels=1, relu=False):
        super().__init__()
        act, pool = (nn.ReLU, nn.MaxPool2d) if relu else (nn.Sigmoid, nn.AvgPool2d)
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, kernel_size=5, padding=2), act(), pool(2),
            nn.Conv2d(6, 16, kernel_size=5), act(), pool(2))
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(16 * 5 * 5, 120), act(), nn.Linear(120, 84), act(),
            nn.Linear(84, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x))


def tv_models():
    """torchvision.models, imported on first use: scripts that build only LeNet (epoch.py) do not pay
    its ~40 MB of resident memory."""
    import torchvision
    return torchvision.models


def resnet_small(name):
    """torchvision's ResNet <name> with the small-input stem (CIFAR-style): 3x3 stride-1 conv1, no max-pool.
    The replaced conv1 gets the initialization torchvision gives every ResNet convolution (Kaiming
    normal, fan_out, ReLU), as the zoo's resnet18_small and the ResNet trainer's SmallInputStem do;
    nn.Conv2d's default would differ."""
    def create(num_classes, in_channels):
        model = getattr(tv_models(), name)(num_classes=num_classes)
        model.conv1 = nn.Conv2d(in_channels, 64, kernel_size=3, stride=1, padding=1, bias=False)
        nn.init.kaiming_normal_(model.conv1.weight, mode="fan_out", nonlinearity="relu")
        model.maxpool = nn.Identity()
        return model
    return create


def resnet_any_channels(name):
    """torchvision's ResNet <name>; for other than 3 input channels its 7x7 stem convolution is rebuilt
    for them with torchvision's ResNet initialization (Kaiming normal, fan_out, ReLU), as the zoo builds it."""
    def create(num_classes, in_channels):
        model = getattr(tv_models(), name)(num_classes=num_classes)
        if in_channels != 3:
            model.conv1 = nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
            nn.init.kaiming_normal_(model.conv1.weight, mode="fan_out", nonlinearity="relu")
        return model
    return create


def torchvision_rgb(name, **kwargs):
    """torchvision.models.<name> for 3-channel input, untrained, with the zoo row's options."""
    def create(num_classes, in_channels):
        if in_channels != 3:
            raise SystemExit(f"{name}: the bench builds it for 3 input channels only, got {in_channels}")
        return getattr(tv_models(), name)(weights=None, num_classes=num_classes, **kwargs)
    return create


def efficientnet_b0(num_classes, in_channels):
    """torchvision's EfficientNet-B0; for other than 3 input channels its stem convolution is rebuilt
    for them with the initialization torchvision gives every EfficientNet convolution (Kaiming normal,
    fan_out), as the zoo builds its stem for any channel count."""
    model = tv_models().efficientnet_b0(weights=None, num_classes=num_classes)
    if in_channels != 3:
        stem = model.features[0][0]
        model.features[0][0] = nn.Conv2d(in_channels, stem.out_channels, kernel_size=stem.kernel_size,
                                         stride=stem.stride, padding=stem.padding, bias=False)
        nn.init.kaiming_normal_(model.features[0][0].weight, mode="fan_out")
    return model


# GoogLeNet and Inception v3 as the zoo builds them: no auxiliary heads, no transform_input (the zoo has
# neither), torchvision's own initialization (init_weights=True, its default when left unset).
NO_AUX = {"aux_logits": False, "transform_input": False, "init_weights": True}

MODELS = {
    "lenet5": LeNet5,
    "lenet5_relu": lambda num_classes, in_channels: LeNet5(num_classes, in_channels, relu=True),
    "resnet18_small": resnet_small("resnet18"),
    "resnet50_small": resnet_small("resnet50"),
    "resnet18": resnet_any_channels("resnet18"),
    "resnet50": resnet_any_channels("resnet50"),
    "vgg11_bn": torchvision_rgb("vgg11_bn"),
    "densenet121": torchvision_rgb("densenet121"),
    "efficientnet_b0": efficientnet_b0,
    "googlenet": torchvision_rgb("googlenet", **NO_AUX),
    "inception_v3": torchvision_rgb("inception_v3", **NO_AUX),
}


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def device_fields(device, amp="none"):
    """The "device", "amp" and "gpu" fields of a run off the CPU (none for a plain CPU run), as the C# side writes them."""
    if device.type == "cpu" and amp == "none":
        return {}
    fields = {"device": str(device), "amp": amp}
    if device.type == "cuda":
        fields["gpu"] = torch.cuda.get_device_name(device)
    return fields


def add_model_arguments(p):
    """The options every per-model workload shares (train_step.py, infer.py), as the C# side names them."""
    p.add_argument("--model", default="lenet5", choices=sorted(MODELS))
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--size", type=int, default=28)
    p.add_argument("--channels", type=int, default=1)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--threads", type=int, default=1)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_model_arguments(p)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--phases", type=int, default=0,
                   help="1: also time zero_grad/forward/backward/step separately (ms per step)")
    p.add_argument("--device", default="cpu", help="cpu or cuda[:N]")
    p.add_argument("--amp", default="none", choices=("none", "bf16"), help="bf16: autocast forward and loss")
    p.add_argument("--channels-last", type=int, default=0,
                   help="1: model and batch in torch.channels_last (PyTorch's default, 0, is NCHW)")
    a = p.parse_args(argv)
    device = torch.device(a.device)
    cuda = device.type == "cuda"
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    autocast = (lambda: torch.autocast(device.type, dtype=torch.bfloat16)) if a.amp == "bf16" else contextlib.nullcontext

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    model = MODELS[a.model](a.classes, a.channels).to(device)
    model.train()
    params = sum(t.numel() for t in model.parameters())
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(a.batch, a.channels, a.size, a.size).to(device)
    y = torch.randint(0, a.classes, (a.batch,)).to(device)
    if a.channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    # Under torchrun (WORLD_SIZE > 1) each rank trains --batch images per step in DistributedDataParallel
    # over Gloo, c10d's runtime statistics recorded every step (issue 18's bench).
    ranks = int(os.environ.get("WORLD_SIZE", "1"))
    if ranks > 1:
        import torch.distributed as dist
        dist.init_process_group("gloo")
        model = torch.nn.parallel.DistributedDataParallel(model)
        model._set_ddp_runtime_logging_sample_rate(1)

    ticks = [0.0, 0.0, 0.0, 0.0]  # zero_grad, forward+loss, backward, step

    def step():
        opt.zero_grad()
        with autocast():
            loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    def timed_step():
        t0 = time.perf_counter()
        opt.zero_grad()
        t1 = time.perf_counter()
        with autocast():
            loss = F.cross_entropy(model(x), y)
        t2 = time.perf_counter()
        loss.backward()
        t3 = time.perf_counter()
        opt.step()
        t4 = time.perf_counter()
        for i, dt in enumerate((t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            ticks[i] += dt

    for _ in range(a.warmup):
        step()
    run = timed_step if a.phases else step
    sync()
    if ranks > 1:
        dist.barrier()
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(a.steps):
        run()
    sync()
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    if ranks > 1:
        stats = model._get_ddp_logging_data()
        dist.barrier()
        if dist.get_rank() != 0:
            return 0

    result = {
        "model": a.model, "impl": "pytorch", "batch": a.batch, "size": a.size, "channels": a.channels,
        "classes": a.classes, "threads": torch.get_num_threads(), "params": params,
        "images_per_sec": round(a.batch * ranks * a.steps / seconds, 2), "steps": a.steps, "ranks": ranks,
        "seconds": round(seconds, 4), "cpu_seconds": round(cpu_seconds, 4), "peak_rss_mb": round(peak_rss_mb(), 1),
        "channels_last": bool(a.channels_last),
    }
    result.update(device_fields(device, a.amp))
    if ranks > 1:
        # c10d's averages over the recorded steps (all of them, warm-up included), in nanoseconds.
        result["allreduce_ms"] = round(stats.get("avg_backward_comm_time", 0) / 1e6, 3)
        result["overlap_ms"] = round(stats.get("avg_backward_compute_comm_overlap_time", 0) / 1e6, 3)
    if a.phases:
        for name, t in zip(("zero_grad_ms", "forward_ms", "backward_ms", "step_ms"), ticks):
            result[name] = round(t * 1000 / a.steps, 3)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
