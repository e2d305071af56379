"""Tensor creation: from data (with PyTorch's dtype inference) and filled with constants or ranges."""

from __future__ import annotations

import math
import numbers

import numpy as np

from . import _tensor
from .backend import dtypes as _dt
from .backend.device import device as Device

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "full", "empty", "eye",
           "arange", "range", "linspace", "logspace", "zeros_like", "ones_like", "full_like", "empty_like",
           "scalar_tensor", "empty_strided"]

_size = _tensor._normalize_size


def _xp(device):
    if device is None:
        return np
    dev = Device(device)
    if dev.type == "cpu":
        return np
    _tensor.mark_cuda_in_use()
    return dev.xp


def _np_dtype(dtype) -> np.dtype:
    if dtype is None:
        return _dt.get_default_dtype().np
    if not isinstance(dtype, _dt.dtype):
        raise TypeError(f"dtype must be an ember.dtype, not {type(dtype).__name__}")
    return dtype.np


def _infer(data):
    """NumPy array of `data` with PyTorch's inference: Python floats -> default dtype, ints -> int64."""
    if isinstance(data, _tensor.Tensor):
        return data._host()
    if isinstance(data, np.ndarray):
        _dt.from_numpy_dtype(data.dtype)
        return data
    if isinstance(data, np.generic):
        arr = np.asarray(data)
        _dt.from_numpy_dtype(arr.dtype)
        return arr
    if isinstance(data, bool):
        return np.asarray(data)
    if isinstance(data, numbers.Integral):
        return np.asarray(data, dtype=np.int64)
    if isinstance(data, numbers.Real):
        return np.asarray(data, dtype=_dt.get_default_dtype().np)
    if isinstance(data, (list, tuple)):
        _check_ragged(data)
        if any(isinstance(x, _tensor.Tensor) for x in data):
            parts = [_infer(x) for x in data]
            dt = parts[0].dtype if parts else np.float32
            for p in parts[1:]:
                dt = _dt.promote_types(_dt.from_numpy_dtype(dt), _dt.from_numpy_dtype(p.dtype)).np
            return np.stack(parts).astype(dt) if parts else np.zeros((0,), dt)
        arr = np.array(data)
        if arr.size == 0 and arr.dtype == np.float64:
            return arr.astype(_dt.get_default_dtype().np)
        if arr.dtype == np.float64 and not _has_np_float64(data):
            return arr.astype(_dt.get_default_dtype().np)
        if arr.dtype.kind in "US" or arr.dtype == object:
            raise TypeError(f"new(): invalid data type '{arr.dtype.name}'")
        _dt.from_numpy_dtype(arr.dtype)
        return arr
    if hasattr(data, "__array__") or hasattr(data, "__cuda_array_interface__"):
        arr = np.asarray(data)
        _dt.from_numpy_dtype(arr.dtype)
        return arr
    raise TypeError(f"Could not infer dtype of {type(data).__name__}")


def _has_np_float64(data) -> bool:
    for x in data:
        if isinstance(x, (list, tuple)):
            if _has_np_float64(x):
                return True
        elif isinstance(x, np.float64):
            return True
    return False


def _check_ragged(data) -> None:
    """PyTorch's error for nested sequences of unequal length."""
    def walk(seq, dim):
        if not isinstance(seq, (list, tuple)):
            return None
        lens = None
        shapes = set()
        for x in seq:
            if isinstance(x, (list, tuple)):
                n = len(x)
                if lens is None:
                    lens = n
                elif n != lens:
                    raise ValueError(f"expected sequence of length {lens} at dim {dim + 1} (got {n})")
                shapes.add(walk(x, dim + 1))
        return lens
    walk(data, 0)


def to_array(data, dtype: _dt.dtype | None, device=None, copy: bool = True):
    """An array of `data` on `device` with `dtype` (None: inferred)."""
    arr = _infer(data)
    if dtype is not None:
        if not isinstance(dtype, _dt.dtype):
            raise TypeError(f"dtype must be an ember.dtype, not {type(dtype).__name__}")
        arr = arr.astype(dtype.np, copy=copy)
    elif copy:
        arr = arr.copy()
    xp = _xp(device)
    if xp is not np:
        arr = xp.asarray(arr)
    return arr


def empty_array(shape: tuple, dtype: _dt.dtype, device=None):
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(shape)}")
    return _xp(device).empty(shape, dtype.np)


def _leaf(arr, requires_grad: bool) -> _tensor.Tensor:
    t = _tensor.Tensor._make(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def tensor(data, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False):
    """Copy `data` into a new leaf tensor, inferring the dtype as PyTorch does."""
    return _leaf(to_array(data, dtype, device, copy=True), requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Like tensor(), but shares memory with an ndarray or tensor when dtype and device allow."""
    if isinstance(data, _tensor.Tensor):
        if (dtype is None or data.dtype is dtype) and (device is None or data.device == Device(device)):
            return data
        return data.to(device=device, dtype=dtype)
    if isinstance(data, np.ndarray) and (device is None or Device(device).type == "cpu"):
        arr = data if dtype is None or data.dtype == dtype.np else data.astype(dtype.np)
        _dt.from_numpy_dtype(arr.dtype)
        return _tensor.Tensor._make(arr)
    return _leaf(to_array(data, dtype, device, copy=False), False)


asarray = as_tensor


def from_numpy(ndarray: np.ndarray):
    """A tensor sharing memory with `ndarray` (writes to one show in the other)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dt.from_numpy_dtype(ndarray.dtype)
    return _tensor.Tensor._make(ndarray)


def _filled(value, size, dtype, device, requires_grad):
    shape = _size(size)
    dt = dtype or _dt.get_default_dtype()
    return _leaf(_xp(device).full(shape, value, dt.np) if shape else
                 _xp(device).asarray(np.array(value, dt.np)), requires_grad)


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False):
    shape = _size(size)
    return _leaf(_xp(device).zeros(shape, _np_dtype(dtype)), requires_grad)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False):
    shape = _size(size)
    return _leaf(_xp(device).ones(shape, _np_dtype(dtype)), requires_grad)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
          memory_format=None, pin_memory: bool = False):
    return _leaf(empty_array(_size(size), dtype or _dt.get_default_dtype(), device), requires_grad)


def empty_strided(size, stride, dtype=None, device=None, requires_grad: bool = False):
    return empty(size, dtype=dtype, device=device, requires_grad=requires_grad)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False):
    if dtype is None:
        dtype = _dt.result_type_of([], [], [fill_value])
    return _filled(fill_value, (size,), dtype, device, requires_grad)


def scalar_tensor(s, dtype=None, device=None, requires_grad: bool = False):
    return _leaf(_xp(device).asarray(np.array(s, _np_dtype(dtype))), requires_grad)


def eye(n: int, m: int | None = None, *, dtype=None, device=None, requires_grad: bool = False):
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    return _leaf(_xp(device).eye(n, n if m is None else m, dtype=_np_dtype(dtype)), requires_grad)


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad: bool = False):
    """Values in [start, end) by step; int64 when every bound is an integer, else the default dtype."""
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, _tensor.Tensor) else v for v in (start, end, step)]
    start, end, step = vals
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0 and end != start:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        dtype = _dt.result_type_of([], [], vals)
    n = max(0, math.ceil((end - start) / step))
    if dtype.is_floating_point:
        arr = (np.arange(n, dtype=np.float64) * step + start).astype(dtype.np)
    else:
        arr = np.arange(start, start + n * step, step, dtype=np.int64)[:n].astype(dtype.np)
    return _leaf(_xp(device).asarray(arr), requires_grad)


def range(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad: bool = False):  # noqa: A001
    """Deprecated in PyTorch: like arange but includes `end`."""
    if end is None:
        start, end = 0, start
    n = int(math.floor((end - start) / step)) + 1
    dt = dtype or _dt.get_default_dtype()
    arr = (np.arange(n, dtype=np.float64) * step + start).astype(dt.np)
    return _leaf(_xp(device).asarray(arr), requires_grad)


def linspace(start, end, steps: int, *, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False):
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dt = dtype or _dt.get_default_dtype()
    arr = np.linspace(float(start), float(end), int(steps), dtype=np.float64)
    if not dt.is_floating_point:
        arr = np.trunc(arr)
    return _leaf(_xp(device).asarray(arr.astype(dt.np)), requires_grad)


def logspace(start, end, steps: int, base: float = 10.0, *, out=None, dtype=None, layout=None,
             device=None, requires_grad: bool = False):
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dt = dtype or _dt.get_default_dtype()
    arr = np.power(float(base), np.linspace(float(start), float(end), int(steps), dtype=np.float64))
    return _leaf(_xp(device).asarray(arr.astype(dt.np)), requires_grad)


def _like(input, dtype, device):
    return (input.shape, dtype or input.dtype, device if device is not None else input.device)


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
               memory_format=None):
    shape, dt, dev = _like(input, dtype, device)
    return zeros(shape, dtype=dt, device=dev, requires_grad=requires_grad)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
              memory_format=None):
    shape, dt, dev = _like(input, dtype, device)
    return ones(shape, dtype=dt, device=dev, requires_grad=requires_grad)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
               memory_format=None):
    shape, dt, dev = _like(input, dtype, device)
    return empty(shape, dtype=dt, device=dev, requires_grad=requires_grad)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
              memory_format=None):
    shape, dt, dev = _like(input, dtype, device)
    return _filled(fill_value, (shape,), dt, dev, requires_grad)
