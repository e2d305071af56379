"""safetensors files through the `safetensors` package (the optional `io` extra: `pip install ember[io]`).

`save_safetensors({name: tensor}, path, metadata)` and `load_safetensors(path) -> {name: tensor}` are the
ember counterparts of `safetensors.torch.save_file` / `load_file`; both are in `ember.serialization`.
"""

from __future__ import annotations

import json
import os
import struct
from typing import Any

import numpy as np

from ._tensor import Tensor

__all__ = ["save_safetensors", "load_safetensors"]


def _library():
    try:
        import safetensors.numpy as st
    except ImportError:
        raise ImportError("safetensors support needs the optional `safetensors` package: "
                          "pip install 'ember[io]' (or pip install safetensors)") from None
    return st


def save_safetensors(tensors: dict, path: str | os.PathLike, metadata: dict | None = None) -> None:
    """Write `{name: tensor}` to a safetensors file (atomically: temporary file, fsync, rename).

    Views and non-contiguous tensors are written by value (safetensors 0.8.0 writes the wrong bytes for
    non-contiguous arrays, so each array is made contiguous first). `metadata` is a dict of str to str.
    """
    from .serialization import _atomic_write

    st = _library()
    if not isinstance(tensors, dict):
        raise TypeError(f"tensors must be a dict of name to Tensor, not {type(tensors).__name__}")
    if metadata is not None and not (isinstance(metadata, dict) and
                                     all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())):
        raise TypeError("metadata must be a dict of str to str")
    arrays = {}
    for name, t in tensors.items():
        if not isinstance(name, str):
            raise TypeError(f"tensor names must be str, got {type(name).__name__}")
        if not isinstance(t, Tensor):
            raise TypeError(f"'{name}' is a {type(t).__name__}, not a Tensor")
        arr = t.detach()._host()
        # np.ascontiguousarray would turn 0-d arrays into 1-d ones
        arrays[name] = arr if arr.flags.c_contiguous else arr.copy(order="C")
    _atomic_write(os.fspath(path), lambda tmp: st.save_file(arrays, tmp, metadata=metadata), by_name=True)


def load_safetensors(path: str | os.PathLike, device: Any = "cpu") -> dict:
    """Read a safetensors file into `{name: tensor}` on `device`.

    bfloat16 tensors (which ember has no dtype for) are widened exactly to float32.
    """
    st = _library()
    path = os.fspath(path)
    try:
        arrays = st.load_file(path)
    except TypeError as e:
        if "bfloat16" not in str(e):
            raise
        arrays = _load_with_bf16(path, st)
    out = {}
    for name, arr in arrays.items():
        if not arr.flags.writeable:
            arr = arr.copy()
        t = Tensor._make(arr)
        out[name] = t if device is None or str(device) == "cpu" else t.to(device)
    return out


def _load_with_bf16(path: str, st) -> dict:
    """Read a file holding BF16 tensors: those from the raw bytes (the format's header gives their
    offsets), every other tensor through the library."""
    from safetensors import safe_open

    with open(path, "rb") as fh:
        (n,) = struct.unpack("<Q", fh.read(8))
        header = json.loads(fh.read(n))
        base = 8 + n
        out = {}
        with safe_open(path, framework="np") as sf:
            for name in sf.keys():
                info = header[name]
                if info["dtype"] != "BF16":
                    out[name] = sf.get_tensor(name)
                    continue
                start, end = info["data_offsets"]
                fh.seek(base + start)
                raw = np.frombuffer(fh.read(end - start), "<u2")
                out[name] = (raw.astype(np.uint32) << 16).view(np.float32).reshape(info["shape"])
    return out
