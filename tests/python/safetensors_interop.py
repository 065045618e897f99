"""Safetensors interop with PyTorch for the CnnMl.Torch tests.

  dump PATH   reads a safetensors file (written by C#) with PyTorch and prints, as JSON, every
              tensor's dtype, shape and values (floats widened to float64, bool as 0/1) and the metadata.
  write PATH  writes tensors of every dtype CnnMl reads, made by PyTorch, and prints the same JSON
              description of what it wrote (computed from the tensors, not by reading the file back).
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_io  # noqa: E402


def describe(tensors, metadata):
    out = {"tensors": {}, "metadata": metadata}
    for name, t in tensors.items():
        values = t.flatten()
        if t.is_floating_point():
            values = values.to(torch.float64).tolist()
        else:
            values = values.to(torch.int64).tolist()
        out["tensors"][name] = {"dtype": st_io.NAMES[t.dtype], "shape": list(t.shape), "values": values}
    return out


def write(path):
    g = torch.Generator().manual_seed(2024)
    tensors = {
        "f32": torch.randn(3, 4, generator=g),
        "f64": torch.randn(2, 3, generator=g, dtype=torch.float64),
        "bf16": (torch.randn(5, generator=g) * 100).to(torch.bfloat16),
        "i64": torch.tensor([[-(2 ** 40), 7], [2 ** 62, -1]], dtype=torch.int64),
        "i32": torch.tensor([-(2 ** 31), 0, 2 ** 31 - 1], dtype=torch.int32),
        "u8": torch.arange(0, 256, 37, dtype=torch.uint8).reshape(1, 7),
        "bool": torch.tensor([[True, False, False], [True, True, False]]),
        "scalar": torch.tensor(3.25),
        "empty": torch.zeros(0, 3),
        "layer1.0.conv1.weight": torch.randn(2, 1, 3, 3, generator=g),
    }
    metadata = {"format": "pt", "written_by": "python"}
    st_io.save(tensors, path, metadata)
    return describe(tensors, metadata)


if __name__ == "__main__":
    command, path = sys.argv[1], sys.argv[2]
    if command == "dump":
        result = describe(*st_io.load(path))
    else:
        result = write(path)
    print(json.dumps(result))
