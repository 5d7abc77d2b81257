"""The safetensors format by hand, for the torch-side tools (Debian has no python3-safetensors).

Writes exactly what src/nn/safetensors.ts's encodeSafetensors writes for the same tensors: an
8-byte little-endian u64 header size N, N bytes of compact JSON (separators "," and ":",
"__metadata__" first, then the tensors in the order given) padded with spaces to a multiple of
8, then each tensor's little-endian bytes back to back in that order. The reader validates the
layout as decodeSafetensors does (dtypes, shapes against byte lengths, offsets tiling the data).
"""
import json
import struct

import numpy as np
import torch

# stored dtype -> (torch dtype, little-endian numpy dtype of the raw bits)
DTYPES = {
    "F16": (torch.float16, "<i2"),
    "BF16": (torch.bfloat16, "<i2"),
    "F32": (torch.float32, "<f4"),
    "F64": (torch.float64, "<f8"),
    "I32": (torch.int32, "<i4"),
}
MAX_HEADER = 100_000_000


def _raw(t, stored):
    """The tensor's elements as `stored`, as little-endian bytes in C order."""
    tdt, npdt = DTYPES[stored]
    t = t.detach().to("cpu").contiguous().to(tdt)
    if stored in ("F16", "BF16"):  # numpy has no bfloat16: move the bits as int16
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    return t.numpy().astype(npdt).tobytes()


def encode(tensors, store_as="F32", metadata=None):
    """tensors: list of (name, torch tensor) (a state_dict's items()); float tensors stored as store_as."""
    parts, chunks, offset = [], [], 0
    if metadata is not None:
        parts.append('"__metadata__":' + json.dumps(metadata, separators=(",", ":")))
    for name, t in tensors:
        stored = "I32" if t.dtype == torch.int32 else store_as
        raw = _raw(t, stored)
        entry = {"dtype": stored, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        parts.append(json.dumps(name) + ":" + json.dumps(entry, separators=(",", ":")))
        chunks.append(raw)
        offset += len(raw)
    header = ("{" + ",".join(parts) + "}").encode("utf-8")
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header + b"".join(chunks)


def decode(data):
    """Returns (list of (name, stored dtype, torch tensor) in data order, metadata dict).

    F16 and BF16 come back as float32 (exact), F32 float32, F64 float64, I32 int32."""
    if len(data) < 8:
        raise ValueError(f"safetensors: file is truncated: {len(data)} bytes")
    (n,) = struct.unpack_from("<Q", data, 0)
    if n > MAX_HEADER or 8 + n > len(data):
        raise ValueError(f"safetensors: header size {n} is over the limit or past the end of the file")
    header = json.loads(data[8:8 + n].decode("utf-8"))
    if not isinstance(header, dict):
        raise ValueError("safetensors: header is not a JSON object")
    metadata = header.pop("__metadata__", {})
    body = memoryview(data)[8 + n:]
    entries = []
    for name, info in header.items():
        stored, shape, (b, e) = info["dtype"], info["shape"], info["data_offsets"]
        if stored not in DTYPES:
            raise ValueError(f"safetensors: tensor {name!r}: unsupported dtype {stored}")
        npdt = DTYPES[stored][1]
        count = 1
        for d in shape:
            count *= d
        if e - b != count * np.dtype(npdt).itemsize or not 0 <= b <= e <= len(body):
            raise ValueError(f"safetensors: tensor {name!r}: data_offsets {[b, e]} do not fit shape {shape}")
        entries.append((b, e, name, stored, shape))
    entries.sort()
    at = 0
    for b, e, name, _, _ in entries:
        if b != at:
            raise ValueError(f"safetensors: tensor {name!r} begins at {b}, not at {at} (hole or overlap)")
        at = e if e > b else at
    if at != len(body):
        raise ValueError(f"safetensors: {len(body) - at} bytes after the last tensor")
    out = []
    for b, e, name, stored, shape in entries:
        tdt, npdt = DTYPES[stored]
        arr = np.frombuffer(body[b:e], dtype=npdt).copy()
        if stored in ("F16", "BF16"):
            t = torch.from_numpy(arr.astype(np.int16)).view(tdt).to(torch.float32)
        else:
            t = torch.from_numpy(arr.astype(npdt[1:]))
        out.append((name, stored, t.reshape(shape)))
    return out, metadata
