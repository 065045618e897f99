"""Pillow reference for CnnMl's image transforms (tests/Core.Tests/Image*Tests.cs).

    image_reference.py pixels DIR   writes small PNG/JPEG/BMP files into DIR with Pillow, decodes them
                                    again with Pillow and writes DIR/reference.json: for every file, its
                                    size, and ExtractPixels' expected output for every ColorBits /
                                    ColorsOrder / interleave combination, plus the grayscale (convert("L")).
Run with Debian's /usr/bin/python3 (python3-pil, python3-numpy).
"""
import json
import os
import sys

import numpy as np
from PIL import Image

WIDTH, HEIGHT = 7, 5
ORDERS = {1: "ARGB", 2: "ARBG", 3: "ABRG", 4: "ABGR", 5: "AGRB", 6: "AGBR"}
BITS = {"A": 1, "R": 2, "G": 4, "B": 8}
RGBA_INDEX = {"R": 0, "G": 1, "B": 2, "A": 3}


def write_images(directory):
    rng = np.random.default_rng(1234)
    noise = rng.integers(0, 256, size=(HEIGHT, WIDTH, 4), dtype=np.uint8)
    # A smooth picture compresses to JPEG without surprises; noise checks exact lossless decodes.
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
    smooth = np.stack([xx * 30 + 20, yy * 40 + 10, (xx + yy) * 15 + 60], axis=-1).astype(np.uint8)
    files = {
        "rgb.png": Image.fromarray(noise[:, :, :3], "RGB"),
        "rgba.png": Image.fromarray(noise, "RGBA"),
        "gray.png": Image.fromarray(noise[:, :, 0], "L"),
        "rgb.bmp": Image.fromarray(noise[:, :, :3], "RGB"),
        "photo.jpg": Image.fromarray(smooth, "RGB"),
        "gray.jpg": Image.fromarray(smooth[:, :, 1], "L"),
    }
    for name, image in files.items():
        options = {"quality": 90} if name.endswith(".jpg") else {}
        image.save(os.path.join(directory, name), **options)
    return sorted(files)


def extract(rgba, bits, order, interleave):
    channels = [RGBA_INDEX[c] for c in ORDERS[order] if bits & BITS[c]]
    selected = rgba[:, :, channels]
    return selected if interleave else selected.transpose(2, 0, 1)


def pixels(directory):
    reference = {}
    for name in write_images(directory):
        with Image.open(os.path.join(directory, name)) as image:
            rgba = np.asarray(image.convert("RGBA"))
            gray = np.asarray(image.convert("RGB").convert("L"))
        combos = {}
        for bits in range(1, 16):
            for order in ORDERS:
                for interleave in (False, True):
                    values = extract(rgba, bits, order, interleave)
                    combos[f"{bits}-{order}-{int(interleave)}"] = values.reshape(-1).astype(int).tolist()
        scaled = (extract(rgba, 15, 1, False).astype(np.float32) - np.float32(128)) * np.float32(1 / 128)
        reference[name] = {
            "width": rgba.shape[1],
            "height": rgba.shape[0],
            "combos": combos,
            "scaled": [float(v) for v in scaled.reshape(-1)],
            "gray": gray.reshape(-1).astype(int).tolist(),
        }
    with open(os.path.join(directory, "reference.json"), "w") as f:
        json.dump(reference, f)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "pixels":
        sys.exit("usage: image_reference.py pixels DIR")
    pixels(sys.argv[2])
