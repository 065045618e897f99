#!/usr/bin/python3
"""Whether libtorch's own CPU kernels should run their AVX-512 code paths on this machine (issue 19).

Debian's libtorch 1.13 carries ATen kernels compiled for AVX2 and for AVX-512 and picks AVX2 unless
the ATEN_CPU_CAPABILITY environment variable says otherwise (torch.__config__.show(): "CPU capability
usage: AVX2"). Convolutions and matrix products go through oneDNN and MKL, which choose their own
instructions; what the variable changes is everything else: element-wise operations, batch norm,
pooling, autocast's casts, the optimizers' _foreach_ kernels.

This script runs the same train-step and infer rows on both sides (bench/CnnMl.Bench and
bench/python) with ATEN_CPU_CAPABILITY=avx2 and =avx512, alternating, and reports per row and side
the median images/s and, for the training steps, the median CPU seconds per 1,000 images over the
timed steps (the process's user + system time, both sides' `cpu_seconds`: it counts the work of every
thread, so it shows a kernel change even when the wall clock hides it in noise), and the ratio of each.

    bench/python/cpu_capability.py [--reps N] [--out PATH]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(ROOT, "bench/CnnMl.Bench/bin/Release/net10.0/CnnMl.Bench")
PYTHON = os.environ.get("PYTHON", "/usr/bin/python3")
CAPABILITIES = ("avx2", "avx512")

# label | workload | options shared by both sides
ROWS = [
    ("lenet5 28x28 b64 train", "train-step", "--model lenet5 --batch 64 --size 28 --channels 1 --classes 10 --threads 1 --warmup 50 --steps 600"),
    ("resnet18 (small stem) 32x32 b64 train", "train-step", "--model resnet18_small --batch 64 --size 32 --channels 3 --classes 10 --threads 2 --warmup 2 --steps 10"),
    ("resnet18 (small stem) 32x32 b64 train bf16", "train-step", "--model resnet18_small --batch 64 --size 32 --channels 3 --classes 10 --threads 2 --warmup 2 --steps 15 --amp bf16"),
    ("efficientnet_b0 112x112 b16 train", "train-step", "--model efficientnet_b0 --batch 16 --size 112 --channels 3 --classes 10 --threads 2 --warmup 2 --steps 20"),
    ("efficientnet_b0 112x112 b16 train bf16", "train-step", "--model efficientnet_b0 --batch 16 --size 112 --channels 3 --classes 10 --threads 2 --warmup 2 --steps 20 --amp bf16"),
    ("densenet121 112x112 b16 train bf16", "train-step", "--model densenet121 --batch 16 --size 112 --channels 3 --classes 10 --threads 2 --warmup 2 --steps 15 --amp bf16"),
    ("efficientnet_b0 112x112 b64 infer", "infer", "--model efficientnet_b0 --batch 64 --size 112 --channels 3 --classes 10 --threads 2 --warmup 1 --iters 5 --latency-iters 10"),
]


def run(side, workload, options, capability):
    """One run: (images/s, CPU seconds of the timed steps or None, images of the timed steps or None)."""
    if side == "cnnml":
        cmd = [BENCH, workload]
    else:
        cmd = [PYTHON, os.path.join(ROOT, "bench/python", workload.replace("-", "_") + ".py")]
    env = dict(os.environ, ATEN_CPU_CAPABILITY=capability)
    out = subprocess.run(cmd + options.split(), env=env, capture_output=True, text=True, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    cpu = result.get("cpu_seconds")  # train-step only: the timed steps' process CPU time
    images = result["images_per_sec"] * result["seconds"] if cpu is not None else None
    return result["images_per_sec"], cpu, images


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reps", type=int, default=2)
    p.add_argument("--out", default=None, help="markdown table to write (default: stdout only)")
    a = p.parse_args(argv)

    runs = {}  # (label, side, capability) -> [(images/s, CPU s per 1000 images)]
    for rep in range(a.reps):
        for label, workload, options in ROWS:
            for side in ("pytorch", "cnnml"):
                order = CAPABILITIES if (rep + (side == "cnnml")) % 2 == 0 else tuple(reversed(CAPABILITIES))
                for capability in order:
                    ips, cpu, images = run(side, workload, options, capability)
                    per_k = cpu / images * 1000 if images else None
                    runs.setdefault((label, side, capability), []).append((ips, per_k))
                    print(f"[{rep + 1}/{a.reps}] {label} {side} {capability}: {ips} img/s, {cpu} CPU s", file=sys.stderr)

    def med(values):
        values = [v for v in values if v is not None]
        return statistics.median(values) if values else None

    lines = [
        "| Workload | Side | img/s AVX2 | img/s AVX-512 | AVX-512/AVX2 img/s | CPU s per 1k images AVX2 | CPU s per 1k images AVX-512 | AVX2/AVX-512 CPU |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, _, _ in ROWS:
        for side in ("pytorch", "cnnml"):
            r2, r5 = runs[(label, side, "avx2")], runs[(label, side, "avx512")]
            ips2, ips5 = med([x[0] for x in r2]), med([x[0] for x in r5])
            cpu2, cpu5 = med([x[1] for x in r2]), med([x[1] for x in r5])
            name = "PyTorch" if side == "pytorch" else "CnnMl"
            f2 = lambda v: "-" if v is None else f"{v:.2f}"
            lines.append(f"| {label} | {name} | {ips2:,.1f} | {ips5:,.1f} | {ips5 / ips2:.3f} "
                         f"| {f2(cpu2)} | {f2(cpu5)} | {f2(cpu2 / cpu5 if cpu2 and cpu5 else None)} |")
    text = "\n".join(lines)
    print(text)
    if a.out:
        with open(a.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
