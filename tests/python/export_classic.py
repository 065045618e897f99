"""Reference data for AlexNet, VGG and ResNet from torchvision, for the CnnMl.CnnEstimators tests.

Run with Debian's interpreter (/usr/bin/python3, torch 1.13, torchvision 0.14):

    /usr/bin/python3 export_classic.py OUT_DIR [keys] [NAME ...]

For each exported model NAME it writes
  OUT_DIR/NAME.weights.safetensors  randomly initialised state_dict (batch-norm statistics set from
                                    one random batch, then perturbed, so eval mode is a real test)
  OUT_DIR/NAME.data.safetensors     input, target, eval_logits (float32), train_loss and
                                    first_conv_grad (float64)
With "keys" it also writes OUT_DIR/classic_keys.json: for every torchvision variant of these
families, its state_dict keys and shapes in order and its parameter count (built without running
the initialisers, which is all a key listing needs).

Train mode runs in float64 with every dropout probability set to 0 so both sides are deterministic
and well conditioned.
"""
import json
import os
import sys
import warnings

import torch
import torch.nn.functional as F
from torchvision import models

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_io  # noqa: E402

warnings.filterwarnings("ignore")

# name -> (first conv weight key, input size, batch, classes)
EXPORTS = {
    "resnet18": ("conv1.weight", 64, 2, 10),
    "resnet34": ("conv1.weight", 64, 2, 10),
    "resnet50": ("conv1.weight", 64, 2, 10),
    "resnet101": ("conv1.weight", 64, 1, 10),
    "resnet152": ("conv1.weight", 64, 1, 10),
    "alexnet": ("features.0.weight", 63, 2, 10),
    "vgg11_bn": ("features.0.weight", 32, 2, 10),
}

VARIANTS = ["alexnet"] + [f"vgg{d}{bn}" for d in (11, 13, 16, 19) for bn in ("", "_bn")] + [
    f"resnet{d}" for d in (18, 34, 50, 101, 152)]


def calibrate_batch_norms(model, size):
    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    if not norms:
        return
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.momentum = 1.0
    model.train()
    with torch.no_grad():
        model(torch.randn(4, 3, size, size))
        for m, momentum in zip(norms, momenta):
            m.momentum = momentum
            m.weight.uniform_(0.5, 1.5)
            m.bias.normal_(0, 0.1)
            m.running_mean.add_(torch.randn_like(m.running_mean), alpha=0.05)
            m.running_var.mul_(torch.empty_like(m.running_var).uniform_(0.8, 1.25))


def export(name, out_dir):
    first_conv, size, batch, classes = EXPORTS[name]
    torch.manual_seed(1234)
    model = getattr(models, name)(num_classes=classes)
    calibrate_batch_norms(model, size)
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    x = torch.randn(batch, 3, size, size)
    target = torch.randint(0, classes, (batch,))
    model.eval()
    with torch.no_grad():
        eval_logits = model(x)
    # Train mode in float64: the float32 gradient of the first convolution of a deep network with
    # batch statistics from a tiny batch differs from the float64 one by several percent (even within
    # PyTorch), so only float64 can be compared at 1e-4.
    for m in model.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = 0.0
    model.double().train()
    loss = F.cross_entropy(model(x.double()), target)
    loss.backward()
    grad = dict(model.named_parameters())[first_conv].grad
    st_io.save(weights, os.path.join(out_dir, f"{name}.weights.safetensors"))
    st_io.save({"input": x, "target": target, "eval_logits": eval_logits,
                "train_loss": loss.detach().reshape(1), "first_conv_grad": grad},
               os.path.join(out_dir, f"{name}.data.safetensors"), {"first_conv": first_conv})


def export_keys(out_dir):
    # Skip the initialisers: only names, shapes and counts are needed.
    saved = {n: getattr(torch.nn.init, n) for n in ("kaiming_normal_", "kaiming_uniform_", "normal_", "constant_", "uniform_")}
    for n in saved:
        setattr(torch.nn.init, n, lambda t, *a, **k: t)
    try:
        keys = {}
        for variant in VARIANTS:
            model = getattr(models, variant)()
            keys[variant] = {"keys": [[k, list(v.shape)] for k, v in model.state_dict().items()],
                             "parameters": sum(p.numel() for p in model.parameters())}
            del model
    finally:
        for n, f in saved.items():
            setattr(torch.nn.init, n, f)
    with open(os.path.join(out_dir, "classic_keys.json"), "w") as f:
        json.dump(keys, f)


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    args = sys.argv[2:]
    if "keys" in args:
        export_keys(out_dir)
    for name in args:
        if name != "keys":
            export(name, out_dir)


if __name__ == "__main__":
    main()
