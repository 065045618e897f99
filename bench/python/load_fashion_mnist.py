"""numpy side of the dataset-loading benchmark (bench/datasets.sh).

Reads Fashion-MNIST's training gz files with gzip + numpy, scales the pixels to float32 in 0..1
(as torchvision's ToTensor) and sums them; one JSON line per repetition, timed from opening the
files to the sum, the same fields as bench/CnnMl.DataBench.

    /usr/bin/python3 bench/python/load_fashion_mnist.py [--reps N] [--dir FOLDER]
"""
import argparse
import gzip
import json
import os
import time

import numpy as np


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--dir", default="/usr/share/datasets/fashion-mnist")
    args = parser.parse_args()
    for rep in range(args.reps):
        start = time.perf_counter()
        with gzip.open(os.path.join(args.dir, "train-images-idx3-ubyte.gz"), "rb") as f:
            images = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 1, 28, 28)
        with gzip.open(os.path.join(args.dir, "train-labels-idx1-ubyte.gz"), "rb") as f:
            labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
        read = time.perf_counter() - start
        features = images.astype(np.float32) / np.float32(255)
        total_sum = float(features.sum(dtype=np.float64))
        label_sum = int(labels.sum(dtype=np.int64))
        total = time.perf_counter() - start
        print(json.dumps({"side": "numpy", "rep": rep, "rows": int(labels.shape[0]), "feature_sum": round(total_sum, 3),
                          "label_sum": label_sum, "read_s": round(read, 4), "total_s": round(total, 4)}), flush=True)


if __name__ == "__main__":
    main()
