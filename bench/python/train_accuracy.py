#!/usr/bin/python3
"""PyTorch 1.13 eager reference for the CnnMl `train-accuracy` bench workload.

Trains one model with one recipe on the Fashion-MNIST training set (or its first --train-limit
rows) and measures accuracy on the 10,000 test images, as `CnnMl.Bench train-accuracy` does
through the pipeline (FashionMnist.Load -> trainer -> MulticlassClassification.Evaluate):

- pixels scaled to 0..1 (as ToTensor), then (x - mean) / std when --normalize gives them;
- the training rows reshuffled at the start of every epoch, batches of --batch, the last partial
  batch kept (the trainer keeps it too), cross-entropy loss;
- optimizer sgd (momentum, L2 weight decay), adam (L2 weight decay) or adamw (decoupled decay),
  a constant, per-epoch cosine or per-epoch step-decay learning rate (--schedule), the model's default PyTorch initialization (the zoo matches it);
- the test set scored in eval mode.

Prints one JSON line with the same fields as the C# side:
{model, impl, recipe, epochs, batch, threads, train_rows, params, test_accuracy, train_seconds,
 images_per_sec, final_train_loss, peak_rss_mb}.

    /usr/bin/python3 bench/python/train_accuracy.py --model lenet5 --epochs 2 --batch 64 \
        --optimizer adam --lr 0.002 --weight-decay 0 --normalize 0.2860,0.3530

Run it with Debian's interpreter (/usr/bin/python3): python3-torch lives there.
"""
import argparse
import contextlib
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from train_step import MODELS, device_fields, peak_rss_mb


def read_idx(directory, train):
    prefix = "train" if train else "t10k"

    def open_any(name):
        path = os.path.join(directory, name)
        return gzip.open(path + ".gz", "rb") if os.path.exists(path + ".gz") else open(path, "rb")

    with open_any(f"{prefix}-images-idx3-ubyte") as f:
        images = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 1, 28, 28)
    with open_any(f"{prefix}-labels-idx1-ubyte") as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
    x = torch.from_numpy(images.astype(np.float32) / np.float32(255))
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


def recipe_name(a):
    """The recipe as one string; CnnMl.Bench builds the same one from the same options."""
    parts = [a.optimizer, f"lr={a.lr:g}", f"b={a.batch}"]
    if a.optimizer == "sgd":
        parts.append(f"m={a.momentum:g}")
    parts.append(f"wd={a.weight_decay:g}")
    if a.schedule == "step":
        parts.append(f"step({a.step_size},{a.step_gamma:g})")
    elif a.schedule != "constant":
        parts.append(a.schedule)
    parts.append("norm=" + ("none" if a.normalize == "none" else a.normalize))
    if a.amp != "none":
        parts.append("amp=" + a.amp)
    return " ".join(parts)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="lenet5", choices=sorted(MODELS))
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--optimizer", default="adam", choices=["sgd", "adam", "adamw"])
    p.add_argument("--lr", type=float, default=0.002)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--schedule", default="constant", choices=["constant", "cosine", "step"],
                   help="per-epoch learning rate: constant, cosine (T_max = epochs) or step (StepLR)")
    p.add_argument("--step-size", type=int, default=1, help="epochs between decays of the step schedule")
    p.add_argument("--step-gamma", type=float, default=0.1, help="factor of each decay of the step schedule")
    p.add_argument("--normalize", default="none", help="'mean,std' (one channel) or 'none'")
    p.add_argument("--train-limit", type=int, default=0, help="first N training rows (0: all 60,000)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu", help="cpu or cuda[:N]; batches are copied to it as they are drawn")
    p.add_argument("--amp", default="none", choices=("none", "bf16"),
                   help="bf16: train under torch.autocast(device, dtype=torch.bfloat16) around forward and loss; "
                        "weights, optimizer state and the test pass stay float32")
    p.add_argument("--dir", default="/usr/share/datasets/fashion-mnist")
    a = p.parse_args(argv)

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    x_train, y_train = read_idx(a.dir, True)
    x_test, y_test = read_idx(a.dir, False)
    if a.train_limit > 0:
        x_train, y_train = x_train[:a.train_limit], y_train[:a.train_limit]
    if a.normalize != "none":
        mean, std = (float(v) for v in a.normalize.split(","))
        x_train = (x_train - mean) / std
        x_test = (x_test - mean) / std

    device = torch.device(a.device)
    model = MODELS[a.model](10, 1).to(device)
    params = sum(t.numel() for t in model.parameters())
    if a.optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=a.momentum, weight_decay=a.weight_decay)
    elif a.optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=a.lr, weight_decay=a.weight_decay)
    else:
        opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=a.weight_decay)

    # Stepped once per epoch, as the trainer's LearningRateSchedule.Cosine (CosineAnnealingLR, T_max = epochs) and .Step (StepLR).
    if a.schedule == "cosine":
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=a.epochs)
    elif a.schedule == "step":
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=a.step_size, gamma=a.step_gamma)
    else:
        sched = None
    autocast = (lambda: torch.autocast(device.type, dtype=torch.bfloat16)) if a.amp == "bf16" else contextlib.nullcontext
    n = x_train.shape[0]
    loss_sum, seen = 0.0, 0
    start = time.perf_counter()
    for epoch in range(1, a.epochs + 1):
        model.train()
        order = torch.randperm(n)
        loss_sum, seen = 0.0, 0
        for i in range(0, n, a.batch):
            idx = order[i:i + a.batch]
            xb, yb = x_train[idx].to(device, non_blocking=True), y_train[idx].to(device, non_blocking=True)
            with autocast():
                loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
            seen += len(idx)
        if sched is not None:
            sched.step()
        print(f"epoch {epoch}: train loss {loss_sum / seen:.4f} ({time.perf_counter() - start:.1f} s)", file=sys.stderr)
    train_seconds = time.perf_counter() - start

    model.eval()
    correct = 0
    with torch.inference_mode():
        for i in range(0, x_test.shape[0], 256):
            logits = model(x_test[i:i + 256].to(device))
            correct += (logits.argmax(1).cpu() == y_test[i:i + 256]).sum().item()

    print(json.dumps({
        "model": a.model, "impl": "pytorch", "recipe": recipe_name(a), "epochs": a.epochs, "batch": a.batch,
        "threads": torch.get_num_threads(), "train_rows": n, "params": params,
        "test_accuracy": round(correct / x_test.shape[0], 4), "train_seconds": round(train_seconds, 2),
        "images_per_sec": round(n * a.epochs / train_seconds, 1), "final_train_loss": round(loss_sum / seen, 4),
        "peak_rss_mb": round(peak_rss_mb(), 1), **device_fields(device, a.amp),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
