"""Tensor creation: from data (with PyTorch's dtype inference) and filled with constants or ranges."""

from __future__ import annotations

import builtins
import math
import warnings

import numpy as np

from . import _tensor
from .backend import dtypes as _dt
from .backend.device import device as Device
from .backend.device import device_of, get_cupy

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "full", "empty", "eye",
           "arange", "range", "linspace", "logspace", "zeros_like", "ones_like", "full_like", "empty_like",
           "scalar_tensor", "empty_strided"]

Tensor = _tensor.Tensor
_normalize_size = _tensor._normalize_size

_NEG_STRIDES = ("At least one stride in the given numpy array is negative, and tensors with negative strides "
                "are not currently supported. (You can probably work around this by making a copy of your "
                "array  with array.copy().) ")


# -- devices -------------------------------------------------------------------------------------------

def _target(device) -> Device | None:
    """None for host memory, else the CUDA device to allocate on."""
    if device is None:
        return None
    dev = Device(device)
    return None if dev.type == "cpu" else dev


def _build(dev: Device | None, make):
    """`make(xp)` run with the array module of `dev` (and, for CUDA, that GPU current)."""
    if dev is None:
        return make(np)
    xp = dev.xp
    _tensor.mark_cuda_in_use()
    if dev.index is None:
        return make(xp)
    with xp.cuda.Device(dev.index):
        return make(xp)


def _move(arr, dev: Device | None):
    """A host or device array moved to `dev` (None: host)."""
    if dev is None:
        return arr if type(arr) is np.ndarray else arr.get()
    if device_of(arr) == Device("cuda", dev.index) and dev.index is not None:
        return arr
    return _build(dev, lambda xp: xp.asarray(arr))


# -- dtype inference from Python data -------------------------------------------------------------------

def _check_dtype_arg(fn: str, dtype) -> None:
    if dtype is not None and not isinstance(dtype, _dt.dtype):
        raise TypeError(f"{fn}(): argument 'dtype' must be torch.dtype, not {type(dtype).__name__}")


def _np_dtype(dtype) -> np.dtype:
    if dtype is None:
        return _dt.get_default_dtype().np
    if not isinstance(dtype, _dt.dtype):
        raise TypeError(f"argument 'dtype' must be torch.dtype, not {type(dtype).__name__}")
    return dtype.np


def _is_seq(x) -> bool:
    return isinstance(x, (list, tuple, builtins.range)) or (
        isinstance(x, (np.ndarray, Tensor)) and x.ndim > 0)


def _scalar_dtype(x) -> _dt.dtype:
    """The dtype PyTorch infers for one element of data."""
    t = type(x)
    if t is float:
        return _dt.get_default_dtype()
    if t is int:
        return _dt.int64
    if t is bool:
        return _dt.bool
    if isinstance(x, Tensor):
        return x.dtype
    if isinstance(x, (np.generic, np.ndarray)):
        return _dt.from_numpy_dtype(x.dtype)
    if isinstance(x, bool):
        return _dt.bool
    if isinstance(x, int):
        return _dt.int64
    if isinstance(x, float):
        return _dt.get_default_dtype()
    if isinstance(x, str):
        raise TypeError(f"new(): invalid data type '{t.__name__}'")
    if isinstance(x, complex):
        raise TypeError("ember does not support complex dtypes")
    raise RuntimeError(f"Could not infer dtype of {t.__name__}")


_PLAIN = frozenset((int, float, bool))


def _sizes_of(data) -> list:
    """The shape of nested sequences, read down the first elements (as PyTorch does)."""
    sizes = []
    x = data
    while True:
        if isinstance(x, str):
            raise ValueError(f"too many dimensions '{type(x).__name__}'")
        if isinstance(x, (np.ndarray, Tensor)):
            if x.ndim == 0 and isinstance(x, np.ndarray) and sizes:
                raise TypeError("len() of unsized object")
            sizes.extend(x.shape)
            return sizes
        if not isinstance(x, (list, tuple, builtins.range)):
            return sizes
        sizes.append(len(x))
        if not x:
            return sizes
        x = x[0]


def _flatten(seq, dim: int, sizes: list, flat: list, dtypes: set) -> None:
    """Check `seq` against `sizes` (PyTorch's errors) and append its scalars to `flat`."""
    n = sizes[dim]
    if isinstance(seq, (np.ndarray, Tensor)):
        if tuple(seq.shape) != tuple(sizes[dim:]):
            got = seq.shape[0] if seq.ndim else 0
            bad = next((i for i, (a, b) in enumerate(zip(seq.shape, sizes[dim:])) if a != b), 0)
            raise ValueError(f"expected sequence of length {sizes[dim + bad]} at dim {dim + bad} "
                             f"(got {seq.shape[bad] if seq.ndim > bad else got})")
        if isinstance(seq, Tensor):
            raise TypeError("only integer tensors of a single element can be converted to an index")
        dtypes.add(_dt.from_numpy_dtype(seq.dtype))
        flat.extend(seq.ravel().tolist())
        return
    if len(seq) != n:
        raise ValueError(f"expected sequence of length {n} at dim {dim} (got {len(seq)})")
    if dim == len(sizes) - 1:
        types = set(map(type, seq))
        if types <= _PLAIN:
            dtypes.update(_scalar_dtype(t()) for t in types)
            flat.extend(seq)
            return
        for x in seq:
            if _is_seq(x):
                if isinstance(x, Tensor):
                    raise TypeError("only integer tensors of a single element can be converted to an index")
                raise TypeError(f"'{type(x).__name__}' object cannot be interpreted as an integer")
            dtypes.add(_scalar_dtype(x))
            flat.append(x.item() if isinstance(x, (Tensor, np.generic, np.ndarray)) else x)
        return
    for x in seq:
        if not _is_seq(x):
            if isinstance(x, str):
                raise ValueError(f"too many dimensions '{type(x).__name__}'")
            raise TypeError("not a sequence")
        _flatten(x, dim + 1, sizes, flat, dtypes)


def _checked_cast(arr: np.ndarray, dtype: _dt.dtype) -> np.ndarray:
    """Python numbers converted to `dtype`, with PyTorch's overflow error for integer targets."""
    if dtype.category == 1 and arr.size:
        info = np.iinfo(dtype.np)
        if arr.dtype.kind == "f":
            with np.errstate(invalid="ignore"):
                bad = not (np.all(arr >= float(info.min)) and np.all(arr <= float(info.max)))
        elif arr.dtype.kind in "iu":
            # negative integers may wrap into unsigned types (PyTorch allows -255..255 for uint8)
            lo = -info.max if info.min == 0 else info.min
            bad = bool(arr.min() < lo or arr.max() > info.max)
        else:
            bad = False
        if bad:
            raise RuntimeError(f"value cannot be converted to type {dtype.name} without overflow")
    with np.errstate(over="ignore", invalid="ignore"):
        return arr.astype(dtype.np)


def _from_sequence(data, dtype: _dt.dtype | None) -> np.ndarray:
    sizes = _sizes_of(data)
    flat: list = []
    dtypes: set = set()
    if 0 in sizes:
        # PyTorch checks nothing further once a dimension is empty
        return np.zeros(sizes, (dtype or _dt.get_default_dtype()).np)
    _flatten(data, 0, sizes, flat, dtypes)
    if dtype is None:
        dtype = _dt.get_default_dtype()
        if dtypes:
            it = iter(dtypes)
            dtype = next(it)
            for d in it:
                dtype = _dt.promote_types(dtype, d)
    try:
        wide = np.array(flat)
    except OverflowError:
        wide = np.array(flat, dtype=object)
    if wide.dtype == object or wide.dtype.kind == "u" and wide.dtype.itemsize == 8:
        if dtype.category == 2:
            wide = np.array([float(v) for v in flat])
        else:
            raise ValueError("Overflow when unpacking long long")
    return _checked_cast(wide, dtype).reshape(sizes)


def _check_numpy(arr: np.ndarray) -> None:
    _dt.from_numpy_dtype(arr.dtype)
    if any(s < 0 for s in arr.strides):
        raise ValueError(_NEG_STRIDES)


def _infer(data, dtype: _dt.dtype | None = None):
    """An array of `data` (not a Tensor) with PyTorch's inference: Python floats -> default dtype, ints ->
    int64, bools -> bool, NumPy data keeps its dtype, mixed sequences promote."""
    if dtype is None:
        t = type(data)
        if t is float:
            return np.array(data, _dt.get_default_dtype().np)
        if t is bool or t is int and -(1 << 63) <= data < (1 << 63):
            return np.array(data, np.bool_ if t is bool else np.int64)
    if isinstance(data, np.ndarray):
        _check_numpy(data)
        return data
    if isinstance(data, (list, tuple, builtins.range)):
        return _from_sequence(data, dtype)
    if isinstance(data, str):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    if hasattr(data, "__cuda_array_interface__"):
        arr = get_cupy().asarray(data)
        _dt.from_numpy_dtype(arr.dtype)
        return arr
    if isinstance(data, (np.generic, bool, int, float)):
        d = _scalar_dtype(data)
        if isinstance(data, np.generic):
            return np.asarray(data)
        return _from_sequence([data], dtype or d).reshape(())
    if hasattr(data, "__array__"):
        arr = np.asarray(data)
        _check_numpy(arr)
        return arr
    _scalar_dtype(data)
    raise RuntimeError(f"Could not infer dtype of {type(data).__name__}")


def to_array(data, dtype: _dt.dtype | None, device=None, copy: bool = True):
    """A fresh (or, with copy=False, possibly shared) array of `data` on `device` with `dtype`."""
    _check_dtype_arg("tensor", dtype)
    if isinstance(data, Tensor):
        arr = data._data
        dev = _target(device) if device is not None else _target(data.device)
    else:
        arr = _infer(data, dtype)
        if arr is not data and not isinstance(data, np.generic) and not hasattr(data, "__array__"):
            copy = False  # built from Python data: already a fresh array
        dev = _target(device) if device is not None else (
            None if type(arr) is np.ndarray else Device("cuda", device_of(arr).index))
    if dtype is not None and arr.dtype != dtype.np:
        arr = arr.astype(dtype.np, order="C")
    elif copy:
        arr = arr.copy(order="C")
    return _move(arr, dev)


def empty_array(shape: tuple, dtype: _dt.dtype, device=None):
    """Uninitialised memory (zeros, in fact) of `shape`, with PyTorch's error for negative sizes."""
    _check_sizes(shape)
    return _build(_target(device), lambda xp: xp.empty(shape, dtype.np))


def _check_sizes(shape: tuple) -> None:
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(shape)}")


def _leaf(arr, requires_grad: bool) -> Tensor:
    t = Tensor._make(arr)
    if requires_grad:
        if arr.dtype.kind not in "fc":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t._rg = True
    return t


def _result(arr, requires_grad: bool, out: Tensor | None, dtype_given: bool = False) -> Tensor:
    """The new leaf, or `out` resized and overwritten with it."""
    if out is None:
        return _leaf(arr, requires_grad)
    if not isinstance(out, Tensor):
        raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
    if dtype_given and out._data.dtype != arr.dtype:
        raise RuntimeError(f"dtype {_short(arr.dtype)} does not match dtype of out parameter "
                           f"({_short(out._data.dtype)})")
    out._check_inplace()
    if out._data.shape == arr.shape:
        out._data[...] = arr
    else:
        out._data = _move(arr.astype(out._data.dtype), _target(out.device))
    out._vc[0] += 1
    return out


def _short(np_dtype) -> str:
    return {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
            "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}[np.dtype(np_dtype).name]


def _shape(fn: str, args: tuple, size) -> tuple:
    """The size of a factory call given as `*size`, one sequence, or the `size=` keyword."""
    if size is not None:
        if args:
            raise TypeError(f"{fn}() got multiple values for argument 'size'")
        args = (size,)
    elif not args:
        raise TypeError(f'{fn}() missing 1 required positional arguments: "size"')
    seq = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
    for i, s in enumerate(seq):
        if isinstance(s, bool) or not isinstance(s, (int, np.integer, Tensor)) or (
                isinstance(s, Tensor) and (s.numel() != 1 or s.dtype.category != 1)):
            raise TypeError(f"{fn}(): argument 'size' failed to unpack the object at pos {i + 1} with error "
                            f"\"type must be tuple of ints,but got {type(s).__name__}\"")
    return _normalize_size(args)


# -- from data ---------------------------------------------------------------------------------------------

def tensor(data, *, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Copy `data` into a new leaf tensor, inferring the dtype as PyTorch does."""
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or sourceTensor.detach().clone().requires_grad_(True), "
                      "rather than torch.tensor(sourceTensor).", UserWarning, stacklevel=2)
    return _leaf(to_array(data, dtype, device, copy=True), requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like tensor(), but shares memory with an ndarray or tensor when dtype and device allow."""
    _check_dtype_arg("as_tensor", dtype)
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dtype) if device is not None or dtype is not None else data
    if isinstance(data, np.ndarray):
        _check_numpy(data)
    return Tensor._make(to_array(data, dtype, device, copy=False))


def asarray(obj, *, dtype=None, device=None, copy: bool | None = None,
            requires_grad: bool | None = None) -> Tensor:
    """A tensor from `obj`, sharing its memory unless copy=True or a dtype/device change needs a copy
    (copy=False then raises)."""
    _check_dtype_arg("asarray", dtype)
    if isinstance(obj, Tensor):
        if copy is False and dtype is not None and dtype is not obj.dtype:
            raise ValueError(f"can't alias tensor with dtype '{_short(obj._data.dtype)}' into dtype "
                             f"'{_short(dtype.np)}'.")
        if requires_grad is None and obj._rg:
            warnings.warn("torch.asarray: unspecified requires_grad now defaults to obj.requires_grad "
                          "instead of False. Pass requires_grad=False explicitly to get the old behavior and "
                          "silence this warning.", UserWarning, stacklevel=2)
        res = obj.to(device=device, dtype=dtype) if device is not None or dtype is not None else obj
        if copy and res is obj:
            res = obj.clone()
        if requires_grad is False and res._rg:
            res = res.detach()
        elif requires_grad and not res._rg:
            res = (res.detach() if res is obj else res).requires_grad_(True)
        return res
    if isinstance(obj, np.ndarray) or hasattr(obj, "__cuda_array_interface__"):
        arr = _infer(obj)
        if copy is False and dtype is not None and arr.dtype != dtype.np:
            raise ValueError(f"can't alias tensor with dtype '{_short(arr.dtype)}' into dtype "
                             f"'{_short(dtype.np)}'.")
        return _leaf(to_array(arr, dtype, device, copy=bool(copy)), bool(requires_grad))
    if copy is False:
        raise ValueError("can't alias arbitrary sequence into a tensor.")
    return _leaf(to_array(obj, dtype, device, copy=True), bool(requires_grad))


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with `ndarray` (writes to one show in the other)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    try:
        _check_numpy(ndarray)
    except TypeError:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{ndarray.dtype.type.__name__}. The only supported types "
            "are: float64, float32, float16, int64, int32, int16, int8, uint8, and bool.") from None
    if not ndarray.flags.writeable:
        warnings.warn("The given NumPy array is not writable, and PyTorch does not support non-writable "
                      "tensors. This means writing to this tensor will result in undefined behavior. You may "
                      "want to copy the array to protect its data or make it writable before converting it "
                      "to a tensor.", UserWarning, stacklevel=2)
    return Tensor._make(ndarray)


def legacy_new(cls, args: tuple, device=None) -> Tensor:
    """`Tensor(...)`, `FloatTensor(...)` & co.: a tensor of the class's dtype from sizes (`Tensor(2, 3)`,
    `Tensor(torch.Size([2]))`) or from data (`Tensor([[1, 2]])`); `Tensor()` is empty."""
    dt = cls._default_dtype or _dt.get_default_dtype()
    typed = cls._default_dtype is not None
    if len(args) == 1 and isinstance(args[0], Tensor):
        src = args[0]
        if typed and src.dtype is not dt:
            raise TypeError(f"expected {dt} (got {src.dtype})")
        return src
    if not args:
        arr = empty_array((0,), dt, device)
    elif len(args) == 1 and (isinstance(args[0], bool)
                             or not isinstance(args[0], (int, np.integer, _tensor.Size))):
        data = args[0]
        if isinstance(data, (bool, float, complex, np.generic)) or data is None:
            name = type(data).__name__
            if isinstance(data, np.generic):
                name = "numpy." + name
            raise TypeError(f"new(): data must be a sequence (got {name})")
        arr = to_array(data, dt, device, copy=True)
    else:
        arr = empty_array(_shape("new", args, None), dt, device)
    self = object.__new__(Tensor if typed else cls)
    Tensor._init(self, arr)
    return self


# -- constants ---------------------------------------------------------------------------------------------

def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
          pin_memory: bool = False, **kwargs) -> Tensor:
    """A tensor of zeros; `zeros(2, 3)`, `zeros((2, 3))` and `zeros(size=(2, 3))` are the same."""
    shape = _shape("zeros", size, kwargs.pop("size", None))
    _no_kwargs("zeros", kwargs)
    if any(s < 0 for s in shape):
        raise RuntimeError("zeros: Dimension size must be non-negative.")
    dt = _out_dtype(dtype, out)
    arr = _build(_target(device), lambda xp: xp.zeros(shape, dt))
    return _result(arr, requires_grad, out, dtype is not None)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
         pin_memory: bool = False, **kwargs) -> Tensor:
    """A tensor of ones."""
    shape = _shape("ones", size, kwargs.pop("size", None))
    _no_kwargs("ones", kwargs)
    _check_sizes(shape)
    dt = _out_dtype(dtype, out)
    arr = _build(_target(device), lambda xp: xp.ones(shape, dt))
    return _result(arr, requires_grad, out, dtype is not None)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
          pin_memory: bool = False, memory_format=None, **kwargs) -> Tensor:
    """A tensor whose values are unspecified."""
    shape = _shape("empty", size, kwargs.pop("size", None))
    _no_kwargs("empty", kwargs)
    _check_sizes(shape)
    dt = _out_dtype(dtype, out)
    arr = _build(_target(device), lambda xp: xp.empty(shape, dt))
    return _result(arr, requires_grad, out, dtype is not None)


def _no_kwargs(fn: str, kwargs: dict) -> None:
    if kwargs:
        raise TypeError(f"{fn}() got an unexpected keyword argument '{next(iter(kwargs))}'")


def _out_dtype(dtype, out) -> np.dtype:
    if dtype is None and out is not None:
        return out._data.dtype
    return _np_dtype(dtype)


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
                  pin_memory: bool = False) -> Tensor:
    """An uninitialised tensor with the given strides (in elements)."""
    shape = _shape("empty_strided", (size,), None)
    stride = tuple(int(s) for s in stride)
    if len(stride) != len(shape):
        raise RuntimeError("mismatch in length of strides and shape")
    _check_sizes(shape)
    dt = _np_dtype(dtype)
    n = 0 if 0 in shape else 1 + sum((s - 1) * st for s, st in zip(shape, stride))

    def make(xp):
        buf = xp.empty(n, dt)
        return xp.lib.stride_tricks.as_strided(buf, shape, tuple(st * dt.itemsize for st in stride))
    return _leaf(_build(_target(device), make), requires_grad)


# C++ names PyTorch's fill overflow error uses
_CNAME = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "int64_t", "int32": "int",
          "int16": "int16_t", "int8": "int8_t", "uint8": "uint8_t", "bool": "bool"}


def _fill_value(value, dt: _dt.dtype):
    """`value` as a scalar of dtype dt, with PyTorch's overflow check."""
    if isinstance(value, Tensor):
        value = value.item()
    elif isinstance(value, np.generic):
        value = value.item()
    if dt.category == 1 and not isinstance(value, bool):
        info = np.iinfo(dt.np)
        lo = -info.max if info.min == 0 and isinstance(value, int) else info.min
        if not lo <= value <= info.max:
            raise RuntimeError(f"value cannot be converted to type {_CNAME[dt.name]} without overflow")
    elif dt.category == 2 and isinstance(value, (int, float)) and math.isfinite(value):
        if abs(value) > float(np.finfo(dt.np).max):
            raise RuntimeError(f"value cannot be converted to type {_CNAME[dt.name]} without overflow")
    return value


def _scalar_value_dtype(value) -> _dt.dtype:
    if isinstance(value, Tensor):
        value = value.item()
    if isinstance(value, bool):
        return _dt.bool
    if isinstance(value, (int, np.integer)):
        return _dt.int64
    if isinstance(value, (float, np.floating, np.bool_)):
        return _dt.get_default_dtype()
    raise TypeError(f"full(): argument 'fill_value' must be Number, not {type(value).__name__}")


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
         pin_memory: bool = False) -> Tensor:
    """A tensor filled with `fill_value`; its dtype follows the value (bool, int64 or the default float)."""
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, "
                        f"not {type(size).__name__}")
    shape = _shape("full", (size,), None)
    _check_sizes(shape)
    _check_dtype_arg("full", dtype)
    dt = dtype or (out.dtype if out is not None else _scalar_value_dtype(fill_value))
    value = _fill_value(fill_value, dt)
    return _result(_build(_target(device), lambda xp: xp.full(shape, value, dt.np)), requires_grad, out,
                   dtype is not None)


def scalar_tensor(s, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
                  pin_memory: bool = False) -> Tensor:
    """A 0-d tensor holding `s` (of the default dtype unless dtype is given)."""
    if isinstance(s, Tensor):
        s = s.item()
    dt = _np_dtype(dtype)
    return _leaf(_build(_target(device), lambda xp: xp.asarray(np.array(s, dt))), requires_grad)


def eye(n: int, m: int | None = None, *, out=None, dtype=None, layout=None, device=None,
        requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """The n x m identity matrix (m defaults to n)."""
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    if m is None:
        m = n
    elif m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    dt = _out_dtype(dtype, out)
    return _result(_build(_target(device), lambda xp: xp.eye(n, m, dtype=dt)), requires_grad, out,
                   dtype is not None)


# -- ranges ------------------------------------------------------------------------------------------------

def _number(v):
    if isinstance(v, Tensor):
        return v.item()
    if isinstance(v, np.generic):
        return v.item()
    return v


def _fmt(v: float) -> str:
    """A number as C++ streams print it (PyTorch's range errors)."""
    return f"{v:g}"


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Values in [start, end) by step: int64 when every bound is an integer, else the default dtype."""
    if end is None:
        start, end = 0, start
    vals = [_number(v) for v in (start, end, step)]
    _check_dtype_arg("arange", dtype)
    given = dtype is not None
    if dtype is None:
        dtype = out.dtype if out is not None else _dt.result_type_of([], [], vals)
        if dtype is _dt.bool:
            dtype = _dt.int64
    if dtype is _dt.bool:
        raise NotImplementedError("\"arange_cpu\" not implemented for 'Bool'")
    for v in vals:
        if not isinstance(v, (int, float)):
            raise TypeError(f"arange(): argument must be Number, not {type(v).__name__}")
    if not (math.isfinite(vals[0]) and math.isfinite(vals[1])):
        raise RuntimeError(f"unsupported range: {_fmt(vals[0])} -> {_fmt(vals[1])}")
    if dtype is _dt.int64:
        # int64 bounds are truncated before the length is computed; other dtypes use the exact bounds
        xs, xe, xst = (int(v) for v in vals)
        if xst == 0:
            raise (ValueError if vals[2] != 0 else RuntimeError)("step must be nonzero")
    else:
        xs, xe, xst = (float(v) for v in vals)
        if xst == 0:
            raise RuntimeError("step must be nonzero")
    if not ((xst > 0 and xe >= xs) or (xst < 0 and xe <= xs)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    size = -((xs - xe) // xst) if dtype is _dt.int64 else (xe - xs) / xst
    if not 0 <= size <= 2.0 ** 63:
        raise RuntimeError("invalid size, possible overflow?")
    n = math.ceil(size)
    if dtype.is_floating_point:
        arr = (np.arange(n, dtype=np.float64) * xst + xs).astype(dtype.np)
    else:
        with np.errstate(over="ignore"):
            arr = (np.arange(n, dtype=np.int64) * int(vals[2]) + int(vals[0])).astype(dtype.np)
    return _result(_move(arr, _target(device)), requires_grad, out, given)


def range(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,  # noqa: A001
          requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Deprecated in PyTorch: like arange, but `end` is included and the dtype is the default one."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because its behavior "
                  "is inconsistent with Python's range builtin. Instead, use torch.arange, which produces "
                  "values in [start, end).", UserWarning, stacklevel=2)
    if end is None:
        raise TypeError('range() missing 1 required positional arguments: "end"')
    xs, xe, xst = (float(_number(v)) for v in (start, end, step))
    if xst == 0:
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(xs) and math.isfinite(xe)):
        raise RuntimeError(f"unsupported range: {_fmt(xs)} -> {_fmt(xe)}")
    if not ((xst > 0 and xe >= xs) or (xst < 0 and xe <= xs)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    n = int(math.floor((xe - xs) / xst)) + 1
    dt = _out_dtype(dtype, out)
    arr = (np.arange(n, dtype=np.float64) * xst + xs).astype(dt)
    return _result(_move(arr, _target(device)), requires_grad, out, dtype is not None)


def _check_steps(fn: str, steps) -> int:
    if isinstance(steps, Tensor):
        steps = steps.item()
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)):
        raise TypeError(f"{fn}(): argument 'steps' must be int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return int(steps)


def _symmetric(start, end, step, steps: int):
    """PyTorch's linspace pattern: the first half counts up from start, the second down from end, so both
    ends are exact."""
    idx = np.arange(steps)
    half = steps // 2
    lo = start + step * idx[:half].astype(np.asarray(step).dtype)
    hi = end - step * (steps - idx[half:] - 1).astype(np.asarray(step).dtype)
    return np.concatenate([lo, hi])


def linspace(start, end, steps: int, *, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """`steps` evenly spaced values from start to end inclusive (default float dtype)."""
    steps = _check_steps("linspace", steps)
    _check_dtype_arg("linspace", dtype)
    dt = dtype or (out.dtype if out is not None else _dt.get_default_dtype())
    start, end = _number(start), _number(end)
    if dt.is_floating_point:
        # computed in the output's precision, as PyTorch does (half steps in float32)
        work = np.float32 if dt is _dt.float16 else dt.np.type
        s = work(dt.np.type(start))
        e = work(dt.np.type(end))
        step = work(dt.np.type((e - s) / (steps - 1))) if steps > 1 else work(0)
    else:
        s, e = float(int(start)), float(int(end))
        step = (e - s) / (steps - 1) if steps > 1 else 0.0
    if steps == 1:
        arr = np.array([s])
    else:
        with np.errstate(over="ignore", invalid="ignore"):
            arr = _symmetric(s, e, step, steps)
    with np.errstate(invalid="ignore"):
        arr = arr.astype(dt.np)
    return _result(_move(arr, _target(device)), requires_grad, out, dtype is not None)


def logspace(start, end, steps: int, base: float = 10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """`steps` values base**x for x evenly spaced from start to end inclusive."""
    steps = _check_steps("logspace", steps)
    _check_dtype_arg("logspace", dtype)
    dt = dtype or (out.dtype if out is not None else _dt.get_default_dtype())
    start, end, base = float(_number(start)), float(_number(end)), float(_number(base))
    if dt.is_floating_point:
        work = np.float32 if dt is _dt.float16 else dt.np.type
        s, e = work(dt.np.type(start)), work(dt.np.type(end))
        step = work((e - s) / work(steps - 1)) if steps > 1 else work(0)
    else:
        s, e = start, end
        step = (e - s) / (steps - 1) if steps > 1 else 0.0
    expo = np.array([s], dtype=np.float64) if steps == 1 else _symmetric(s, e, step, steps)
    with np.errstate(over="ignore", invalid="ignore"):
        arr = np.power(base, expo.astype(np.float64)).astype(dt.np)
    return _result(_move(arr, _target(device)), requires_grad, out, dtype is not None)


# -- *_like ------------------------------------------------------------------------------------------------

def _like(fn: str, input, dtype, device):
    """The array module call's target: (input array or None when the device changes, dtype, device)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    _check_dtype_arg(fn, dtype)
    dt = dtype or input.dtype
    if device is None or Device(device) == input.device or (
            Device(device).type == input.device.type and Device(device).index is None):
        return input._data, dt, None
    return None, dt, Device(device)


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
               memory_format=None) -> Tensor:
    """Zeros with input's shape (and dtype, device, layout unless given)."""
    src, dt, dev = _like("zeros_like", input, dtype, device)
    if src is None:
        return zeros(input.shape, dtype=dt, device=dev, requires_grad=requires_grad)
    return _leaf(np.zeros_like(src, dtype=dt.np), requires_grad)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
              memory_format=None) -> Tensor:
    """Ones with input's shape (and dtype, device, layout unless given)."""
    src, dt, dev = _like("ones_like", input, dtype, device)
    if src is None:
        return ones(input.shape, dtype=dt, device=dev, requires_grad=requires_grad)
    return _leaf(np.ones_like(src, dtype=dt.np), requires_grad)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
               memory_format=None) -> Tensor:
    """An uninitialised tensor with input's shape (and dtype, device, layout unless given)."""
    src, dt, dev = _like("empty_like", input, dtype, device)
    if src is None:
        return empty(input.shape, dtype=dt, device=dev, requires_grad=requires_grad)
    return _leaf(np.empty_like(src, dtype=dt.np), requires_grad)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
              memory_format=None) -> Tensor:
    """`fill_value` in input's shape, with input's dtype unless given (the value is cast to it)."""
    src, dt, dev = _like("full_like", input, dtype, device)
    value = _fill_value(fill_value, dt)
    if src is None:
        return full(tuple(input.shape), value, dtype=dt, device=dev, requires_grad=requires_grad)
    return _leaf(np.full_like(src, value, dtype=dt.np), requires_grad)
