#!/usr/bin/python3
"""PyTorch 1.13 eager reference for the CnnMl `epoch` bench workload.

One epoch of a network on the real Fashion-MNIST training set (or its first --train-limit rows),
data loading included, in float32 or under torch.autocast("cpu", dtype=torch.bfloat16) around the
forward and the loss (--amp bf16), written the way a PyTorch user writes it: a torch.utils.data.Dataset over the IDX files (decoded once into a
uint8 tensor; each item converted to float in 0..1, as ToTensor does), a DataLoader with
batch_size=--batch and shuffle=True, and the usual loop (zero_grad, forward, cross-entropy,
backward, step, running loss; its epoch mean is printed as final_train_loss, a check that both
sides trained alike). The clock starts before the Dataset reads the files and stops after
the last step, as `CnnMl.Bench epoch` times FashionMnist.Load → trainer Fit.

Prints one JSON line with the same fields as the C# side:
{workload, model, impl, optimizer, lr, batch, threads, params, train_rows, images_per_sec, seconds,
 load_seconds, loader, final_train_loss, peak_rss_mb, amp}. peak_rss_mb is the largest of this process and its DataLoader
workers (a worker's own peak counts: it holds the data set too).

Run it with Debian's interpreter (/usr/bin/python3): python3-torch lives there.
"""
import argparse
import contextlib
import gzip
import json
import os
import resource
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset, Subset

from train_step import MODELS, peak_rss_mb


class FashionMnistIdx(Dataset):
    """The Fashion-MNIST training or test set from its IDX files (.gz or raw): (image [1, 28, 28] float in 0..1, label)."""

    def __init__(self, directory, train=True):
        prefix = "train" if train else "t10k"
        self.images = torch.from_numpy(self._read(directory, f"{prefix}-images-idx3-ubyte", 16).reshape(-1, 1, 28, 28))
        self.labels = torch.from_numpy(self._read(directory, f"{prefix}-labels-idx1-ubyte", 8).astype(np.int64))

    @staticmethod
    def _read(directory, name, header):
        path = os.path.join(directory, name)
        with (gzip.open(path + ".gz", "rb") if os.path.exists(path + ".gz") else open(path, "rb")) as f:
            return np.frombuffer(f.read(), dtype=np.uint8, offset=header).copy()

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        return self.images[index].float().div_(255), self.labels[index]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="lenet5", choices=sorted(MODELS))
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--optimizer", default="adam", choices=["sgd", "adam", "adamw"], help="sgd (momentum 0.9), adam or adamw")
    p.add_argument("--lr", type=float, default=0.002)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--workers", type=int, default=0, help="DataLoader num_workers")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--amp", default="none", choices=("none", "bf16"), help="bf16: autocast forward and loss")
    p.add_argument("--train-limit", type=int, default=0, help="first N training rows (0: all 60,000)")
    p.add_argument("--dir", default="/usr/share/datasets/fashion-mnist")
    a = p.parse_args(argv)

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    start = time.perf_counter()
    data = FashionMnistIdx(a.dir, train=True)
    if 0 < a.train_limit < len(data):
        data = Subset(data, range(a.train_limit))
    load_seconds = time.perf_counter() - start
    loader = DataLoader(data, batch_size=a.batch, shuffle=True, num_workers=a.workers)
    model = MODELS[a.model](10, 1)
    params = sum(t.numel() for t in model.parameters())
    if a.optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=0.9)
    elif a.optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    else:
        opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0)
    autocast = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if a.amp == "bf16" else contextlib.nullcontext
    model.train()
    running_loss = 0.0
    for x, y in loader:
        opt.zero_grad()
        with autocast():
            loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        running_loss += loss.item() * len(y)
    seconds = time.perf_counter() - start
    del loader  # joins the workers, so their peak resident set is in RUSAGE_CHILDREN

    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    print(json.dumps({
        "workload": "epoch", "model": a.model, "impl": "pytorch", "optimizer": a.optimizer, "lr": a.lr,
        "batch": a.batch, "threads": torch.get_num_threads(), "params": params, "train_rows": len(data),
        "images_per_sec": round(len(data) / seconds, 1), "seconds": round(seconds, 2),
        "load_seconds": round(load_seconds, 3), "loader": f"DataLoader(num_workers={a.workers})",
        "final_train_loss": round(running_loss / len(data), 4),
        "peak_rss_mb": round(max(peak_rss_mb(), children), 1), "amp": a.amp,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
