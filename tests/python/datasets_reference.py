"""numpy reference for CnnMl.Datasets (tests/Datasets.Tests).

    datasets_reference.py fashion-mnist DIR   reads DIR/{train,t10k}-{images,labels}-*.gz with gzip + numpy
                                              and prints JSON: row counts, per-class counts, and for the
                                              first training image its label, byte sum and float sum
                                              (bytes / 255 as float32, as torchvision's ToTensor).
Run with Debian's /usr/bin/python3 (python3-numpy).
"""
import gzip
import json
import os
import sys

import numpy as np


def read_idx(path, offset):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def fashion_mnist(directory):
    result = {}
    for split, prefix in (("train", "train"), ("test", "t10k")):
        images = read_idx(os.path.join(directory, f"{prefix}-images-idx3-ubyte.gz"), 16).reshape(-1, 28, 28)
        labels = read_idx(os.path.join(directory, f"{prefix}-labels-idx1-ubyte.gz"), 8)
        result[split] = {
            "count": int(labels.shape[0]),
            "images": int(images.shape[0]),
            "per_class": np.bincount(labels, minlength=10).tolist(),
            "first_label": int(labels[0]),
            "first_byte_sum": int(images[0].astype(np.int64).sum()),
            "first_float_sum": float((images[0].astype(np.float32) / np.float32(255)).astype(np.float64).sum()),
            "last_label": int(labels[-1]),
            "last_byte_sum": int(images[-1].astype(np.int64).sum()),
        }
    print(json.dumps(result))


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "fashion-mnist":
        sys.exit(__doc__)
    fashion_mnist(sys.argv[2])
