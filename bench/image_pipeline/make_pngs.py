"""Writes the first N Fashion-MNIST training images as PNGs in ImageFolder layout: ROOT/<label>/<index>.png.
    make_pngs.py ROOT [N]   (Debian's dataset-fashion-mnist; /usr/bin/python3 with python3-pil and python3-numpy)
"""
import gzip
import os
import sys

import numpy as np
from PIL import Image

SOURCE = "/usr/share/datasets/fashion-mnist"


def main(root, count):
    with gzip.open(os.path.join(SOURCE, "train-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(os.path.join(SOURCE, "train-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    for i in range(count):
        folder = os.path.join(root, str(labels[i]))
        os.makedirs(folder, exist_ok=True)
        Image.fromarray(images[i], "L").save(os.path.join(folder, f"{i:05d}.png"))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5000)
