"""ONNX references for the CnnMl.CnnEstimators export tests (Debian's python3-onnx 1.12, torch 1.13).

    /usr/bin/python3 onnx_reference.py check MODEL.onnx [...]
        runs onnx.checker.check_model (with full_check: shape inference too) on each file; prints
        "ok FILE" per file and exits 1 at the first failure, naming it.

    /usr/bin/python3 onnx_reference.py torchvision NAME WEIGHTS.safetensors CLASSES SIZE MEAN STD OUT.onnx
        builds torchvision's NAME with CLASSES classes (GoogLeNet without auxiliary heads or input
        transform), loads the state_dict from WEIGHTS, wraps it as CnnMl's exports are wrapped (raw
        pixels in, (x - mean) / std per channel, softmax out) and writes it with PyTorch's own
        torch.onnx.export (opset 17, dynamic batch). MEAN and STD are comma-separated.
"""
import os
import sys
import warnings

import onnx
import torch
from torchvision import models

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_io  # noqa: E402

warnings.filterwarnings("ignore")


def check(paths):
    for path in paths:
        try:
            # From the path, the checker and shape inference read the file in C++ (fast for large models).
            onnx.checker.check_model(path, full_check=True)
        except Exception as error:  # the checker raises several exception types
            print(f"FAILED {path}: {error}", file=sys.stderr)
            return 1
        print(f"ok {path}")
    return 0


class Wrapped(torch.nn.Module):
    def __init__(self, model, mean, std):
        super().__init__()
        self.model = model
        self.register_buffer("mean", torch.tensor(mean).reshape(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(std).reshape(1, -1, 1, 1))

    def forward(self, x):
        return torch.softmax(self.model((x - self.mean) / self.std), dim=1)


def torchvision_export(name, weights, classes, size, mean, std, out):
    kwargs = {"num_classes": classes}
    if name == "googlenet":
        kwargs.update(aux_logits=False, transform_input=False, init_weights=False)
    model = getattr(models, name)(**kwargs)
    state, _ = st_io.load(weights)
    model.load_state_dict(state, strict=True)
    wrapped = Wrapped(model, mean, std).eval()
    channels = len(mean)
    with torch.no_grad():
        torch.onnx.export(wrapped, torch.rand(2, channels, size, size), out, opset_version=17,
                          input_names=["input"], output_names=["probabilities"],
                          dynamic_axes={"input": {0: "batch"}, "probabilities": {0: "batch"}})
    print(f"exported {name} to {out}")
    return 0


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "check":
        return check(sys.argv[2:])
    if len(sys.argv) == 9 and sys.argv[1] == "torchvision":
        _, _, name, weights, classes, size, mean, std, out = sys.argv
        return torchvision_export(name, weights, int(classes), int(size),
                                  [float(v) for v in mean.split(",")], [float(v) for v in std.split(",")], out)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
