"""Shared helpers for the serialization tests: byte buffers from either library, hand-made archives."""

from __future__ import annotations

import io
import pickle
import struct
import zipfile

import numpy as np

import ember
from ember import serialization

try:
    import torch
except ImportError:  # the parity tests skip without PyTorch
    torch = None

# every ember dtype with its PyTorch counterpart's name
DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]


def sample(name: str, shape=(2, 3), seed: int = 0) -> np.ndarray:
    """A NumPy array of the dtype `name` with varied values."""
    rng = np.random.default_rng(seed)
    if name == "bool":
        out = rng.random(shape) > 0.5
    elif name.startswith("float"):
        out = rng.standard_normal(shape) * 10
    else:
        info = np.iinfo(name)
        out = rng.integers(max(info.min, -1000), min(info.max, 1000), shape, endpoint=True)
    return np.asarray(out).astype(name)  # 0-d shapes give NumPy scalars, not arrays


def ember_bytes(obj, **kwargs) -> bytes:
    buf = io.BytesIO()
    serialization.save(obj, buf, **kwargs)
    return buf.getvalue()


def torch_bytes(obj, **kwargs) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf, **kwargs)
    return buf.getvalue()


def eload(data: bytes, **kwargs):
    return serialization.load(io.BytesIO(data), **kwargs)


def tload(data: bytes, **kwargs):
    kwargs.setdefault("weights_only", True)
    return torch.load(io.BytesIO(data), **kwargs)


def as_np(t) -> np.ndarray:
    if isinstance(t, ember.Tensor):
        return np.asarray(t.detach()._host())
    return t.detach().cpu().numpy()


def records(data: bytes) -> dict:
    """{record name: bytes} of a checkpoint zip."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def make_archive(pkl: bytes, storages: dict | None = None, name: str = "archive",
                 extra: dict | None = None, compress: int = zipfile.ZIP_STORED, byteorder: str = "little") -> bytes:
    """A checkpoint zip with the given data.pkl and storage records (`{key: bytes}`)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compress) as zf:
        zf.writestr(f"{name}/data.pkl", pkl)
        zf.writestr(f"{name}/byteorder", byteorder)
        for key, data in (storages or {}).items():
            zf.writestr(f"{name}/data/{key}", data)
        for rec, data in (extra or {}).items():
            zf.writestr(f"{name}/{rec}", data)
        zf.writestr(f"{name}/version", "3\n")
    return buf.getvalue()


def set_central_offset(data: bytes, record: str, offset: int) -> bytes:
    """Point the central directory entry of `record` at another local-header offset."""
    out = bytearray(data)
    pos = 0
    while True:
        pos = out.find(b"PK\x01\x02", pos)
        assert pos >= 0, record
        n = struct.unpack("<H", out[pos + 28:pos + 30])[0]
        if out[pos + 46:pos + 46 + n].decode() == record:
            out[pos + 42:pos + 46] = struct.pack("<I", offset)
            return bytes(out)
        pos += 4


def header_offset(data: bytes, record: str) -> int:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.getinfo(record).header_offset


# -- a small pickle assembler for crafted checkpoints ---------------------------------------------------

class G:
    """A global written by name (module and name need not exist here)."""

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name

    def __call__(self, *args):  # the pickler wants reduce functions to be callable
        raise TypeError("only written into pickles")


class Call:
    """`func(*args)` in the pickle (a REDUCE)."""

    def __init__(self, func, *args) -> None:
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


class Pid:
    """A persistent id (BINPERSID) in the pickle."""

    def __init__(self, pid) -> None:
        self.pid = pid


class _Assembler(pickle._Pickler):
    dispatch = pickle._Pickler.dispatch.copy()

    def persistent_id(self, obj):
        return obj.pid if isinstance(obj, Pid) else None

    def _save_g(self, obj: G) -> None:
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode())
        self.memoize(obj)

    dispatch[G] = _save_g


def assemble(obj, protocol: int = 2) -> bytes:
    buf = io.BytesIO()
    _Assembler(buf, protocol).dump(obj)
    return buf.getvalue()


def storage(key: str = "0", numel: int = 4, kind: str = "FloatStorage", location: str = "cpu") -> Pid:
    return Pid(("storage", G("torch", kind), key, location, numel))


def tensor_v2(st, offset=0, size=(4,), stride=(1,), requires_grad=False):
    from collections import OrderedDict

    return Call(G("torch._utils", "_rebuild_tensor_v2"), st, offset, size, stride, requires_grad, OrderedDict())


FLOATS4 = np.arange(4, dtype=np.float32).tobytes()
