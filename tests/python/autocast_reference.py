"""One bfloat16 mixed-precision training step in PyTorch 1.13 (torch.autocast on the CPU), for the
CnnMl.CnnEstimators precision tests.

    /usr/bin/python3 autocast_reference.py OUT_DIR

Builds torchvision's ResNet-18 with CnnMl's small-input stem (3x3 stride-1 conv1, no max-pool; the
same state_dict keys as the zoo's resnet18_small), 10 classes, seeded random weights, and runs one
training-mode forward pass and cross-entropy loss under torch.autocast("cpu", dtype=torch.bfloat16)
on a fixed batch of 4 32x32 images, then backward (outside autocast, as PyTorch's recipe does), once
in the default (NCHW) layout and once channels-last (model and input); then, in evaluation mode
under torch.no_grad(), the logits of the same batch in float32 and under autocast to bfloat16 (what a
PyTorch user scoring in bfloat16 writes). Writes
  OUT_DIR/weights.safetensors  the state_dict before the step
  OUT_DIR/step.safetensors     input, target, and per layout (nchw., channels_last.) the loss and the
                               float32 gradients of conv1.weight, layer4.1.conv2.weight, fc.weight, fc.bias;
                               eval.fp32_logits and eval.bf16_logits (float32 copies) of the NCHW model
"""
import os
import sys

import torch
import torch.nn.functional as F
from torchvision import models

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_io  # noqa: E402

GRADIENTS = ["conv1.weight", "layer4.1.conv2.weight", "fc.weight", "fc.bias"]


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = sys.argv[1]
    torch.manual_seed(7)
    model = models.resnet18(num_classes=10)
    model.conv1 = torch.nn.Conv2d(3, 64, 3, 1, 1, bias=False)
    model.maxpool = torch.nn.Identity()
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    x = torch.randn(4, 3, 32, 32)
    target = torch.tensor([1, 7, 3, 9])
    data = {"input": x, "target": target}
    for layout, memory_format in (("nchw", torch.contiguous_format), ("channels_last", torch.channels_last)):
        model.load_state_dict(weights)
        model.zero_grad(set_to_none=True)
        model = model.to(memory_format=memory_format).train()
        with torch.autocast("cpu", dtype=torch.bfloat16):
            logits = model(x.to(memory_format=memory_format))
            loss = F.cross_entropy(logits, target)
        loss.backward()
        parameters = dict(model.named_parameters())
        data[f"{layout}.loss"] = loss.detach().float().reshape(1)
        for name in GRADIENTS:
            data[f"{layout}.grad.{name}"] = parameters[name].grad.float().contiguous()
        print(f"{layout}: loss {loss.item():.6f} ({loss.dtype}), logits {logits.dtype}")
    model.load_state_dict(weights)
    model = model.to(memory_format=torch.contiguous_format).eval()
    with torch.no_grad():
        data["eval.fp32_logits"] = model(x).contiguous()
        with torch.autocast("cpu", dtype=torch.bfloat16):
            logits = model(x)
        data["eval.bf16_logits"] = logits.float().contiguous()
    print(f"eval: autocast logits {logits.dtype}")
    st_io.save(weights, os.path.join(out, "weights.safetensors"))
    st_io.save(data, os.path.join(out, "step.safetensors"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
