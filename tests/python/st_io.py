"""A minimal safetensors reader and writer for the reference scripts.

The format: an 8-byte little-endian header length, a JSON header mapping each tensor name to
{dtype, shape, data_offsets} (plus an optional "__metadata__" object of strings), then the raw
little-endian bytes of every tensor. Written here because Debian has no python3-safetensors.
"""
import json
import struct

import numpy as np
import torch

# safetensors dtype name -> (torch dtype, numpy dtype used to move the raw bytes)
DTYPES = {
    "F64": (torch.float64, np.float64),
    "F32": (torch.float32, np.float32),
    "BF16": (torch.bfloat16, np.int16),
    "I64": (torch.int64, np.int64),
    "I32": (torch.int32, np.int32),
    "U8": (torch.uint8, np.uint8),
    "BOOL": (torch.bool, np.bool_),
}
NAMES = {torch_type: name for name, (torch_type, _) in DTYPES.items()}


def _to_bytes(t):
    t = t.detach().contiguous().cpu()
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)
    return t.numpy().astype(t.numpy().dtype.newbyteorder("<"), copy=False).tobytes()


def save(tensors, path, metadata=None):
    """Writes a dict of name -> tensor (and optional dict of str -> str metadata)."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name]
        data = _to_bytes(t)
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for data in blobs:
            f.write(data)


def load(path):
    """Reads a file into (dict of name -> tensor, metadata dict)."""
    with open(path, "rb") as f:
        raw = f.read()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + length].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    base = 8 + length
    tensors = {}
    for name, entry in header.items():
        torch_type, np_type = DTYPES[entry["dtype"]]
        begin, end = entry["data_offsets"]
        array = np.frombuffer(raw[base + begin:base + end], dtype=np.dtype(np_type).newbyteorder("<")).astype(np_type)
        t = torch.from_numpy(array.copy()).reshape(entry["shape"])
        if torch_type == torch.bfloat16:
            t = t.view(torch.bfloat16)
        tensors[name] = t
    return tensors, metadata
