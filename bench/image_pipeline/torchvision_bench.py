"""torchvision side of the image pipeline benchmark: ImageFolder + Resize(32x32) + ToTensor over ROOT,
item by item (as a DataLoader worker does), best of N passes after a warm-up.
    torchvision_bench.py ROOT [--repeats N]
Prints one JSON line like CnnMl.ImageBench.
"""
import json
import sys
import time

import torch
from torchvision import datasets, transforms


def main():
    root = sys.argv[1]
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[2] == "--repeats" else 3
    dataset = datasets.ImageFolder(root, transform=transforms.Compose([transforms.Resize((32, 32)), transforms.ToTensor()]))
    checksum = 0.0

    def run(limit):
        nonlocal checksum
        start = time.perf_counter()
        for i in range(limit):
            x, _ = dataset[i]
            checksum += float(x.view(-1)[x.numel() // 2])
        return time.perf_counter() - start

    run(min(500, len(dataset)))
    best = min(run(len(dataset)) for _ in range(repeats))
    print(json.dumps({"side": "torchvision", "images": len(dataset), "seconds": round(best, 4),
                      "images_per_s": round(len(dataset) / best, 1), "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
