"""Pooling: max/avg (1d, 2d, 3d), adaptive max/avg, max_unpool and lp_pool, with PyTorch's argument
checks and messages; the array work is in ember.ops.pool and ember.ops.resample."""

from __future__ import annotations

import math

import numpy as np

from ... import _tensor
from ...backend import dtypes as _dt
from ...ops import pool as _pool
from ...ops import resample as _rs
from ...ops.conv import Geometry

Tensor = _tensor.Tensor

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices", "max_pool2d_with_indices",
           "max_pool3d_with_indices", "avg_pool1d", "avg_pool2d", "avg_pool3d", "adaptive_max_pool1d",
           "adaptive_max_pool2d", "adaptive_max_pool3d", "adaptive_max_pool1d_with_indices",
           "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d_with_indices", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_avg_pool3d", "max_unpool1d", "max_unpool2d", "max_unpool3d",
           "lp_pool1d", "lp_pool2d", "lp_pool3d"]

_COUNT = {1: "one", 2: "two", 3: "three"}
_SCALAR = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
           "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _ints(value) -> tuple | None:
    if value is None:
        return None
    if isinstance(value, int):
        return (value,)
    return tuple(int(v) for v in value)


def _arg(value, nd: int, fn: str, what: str, phrase: str) -> tuple:
    """A pooling argument expanded to nd ints; wrong lengths raise PyTorch's message for fn."""
    v = _ints(value)
    if len(v) == 1:
        return v * nd
    if len(v) != nd:
        raise RuntimeError(f"{fn}: {what} {phrase} {_COUNT[nd]} ints")
    return v


def _batch(input: Tensor, nd: int):
    if input.dim() == nd + 1:
        return input.unsqueeze(0), False
    return input, True


def _out_size(size: int, k: int, pad: int, stride: int, dil: int, ceil: bool) -> int:
    num = size + 2 * pad - dil * (k - 1) - 1 + (stride - 1 if ceil else 0)
    out = num // stride + 1
    if ceil and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def _axes_text(values) -> str:
    return "x".join(str(v) for v in values)


def _pool_geometry(x: Tensor, ks, st, pad, dil, ceil: bool, nd: int) -> tuple:
    """(output size, geometry with the right padding widened so ceil-mode windows fit)."""
    spatial = tuple(x.shape[2:])
    osize = tuple(_out_size(s, k, p, t, d, ceil) for s, k, p, t, d in zip(spatial, ks, pad, st, dil))
    if any(o <= 0 for o in osize):
        c = x.shape[1]
        raise RuntimeError(f"Given input size: ({_axes_text((c,) + spatial)}). Calculated output size: "
                           f"({_axes_text((c,) + osize)}). Output size is too small")
    pads = []
    for s, k, p, t, d, o in zip(spatial, ks, pad, st, dil, osize):
        need = (o - 1) * t + d * (k - 1) + 1
        pads.append((p, max(need - s - p, 0)))
    return osize, Geometry(st, tuple(pads), dil)


def _common_pool_checks(ks, st, pad, dil, nd: int) -> None:
    letters = ("H", "W") if nd == 2 else ("T", "H", "W") if nd == 3 else ("W",)
    if any(k <= 0 for k in ks):
        parts = " ".join(f"k{a}: {k}" for a, k in zip(letters, ks))
        raise RuntimeError(f"kernel size should be greater than zero, but got {parts}")
    if any(s <= 0 for s in st):
        parts = " ".join(f"d{a}: {s}" for a, s in zip(letters, st))
        raise RuntimeError(f"stride should be greater than zero, but got {parts}")
    if any(d <= 0 for d in dil):
        parts = " ".join(f"dilation{a}: {d}" for a, d in zip(letters, dil))
        raise RuntimeError(f"dilation should be greater than zero, but got {parts}")
    for p in pad:
        if p < 0:
            raise RuntimeError(f"pad must be non-negative, but got pad: {p}")
    for p, k, d in zip(pad, ks, dil):
        if p > (d * (k - 1) + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p}, "
                               f"kernel_size={k} and dilation={d}")


def _check_dims(input: Tensor, nd: int) -> None:
    dim = input.dim()
    if dim not in (nd + 1, nd + 2) or input.numel() == 0 and dim == nd + 1:
        raise RuntimeError(f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for input")
    if 0 in tuple(input.shape[dim - nd - 1:]):
        raise RuntimeError(f"Expected {nd + 1}D or {nd + 2}D (batch mode) tensor with optional 0 dim batch "
                           f"size for input, but got:{list(input.shape)}")


# -- max pooling ------------------------------------------------------------------------------------

def _max_pool(input: Tensor, nd: int, kernel_size, stride, padding, dilation, ceil_mode: bool, fn: str,
              indices: bool):
    ks = _arg(kernel_size, nd, fn, "kernel_size", "must either be a single int, or a tuple of")
    st = ks if stride is None or (not isinstance(stride, int) and len(stride) == 0) else \
        _arg(stride, nd, fn, "stride", "must either be omitted, a single int, or a tuple of")
    pad = _arg(padding, nd, fn, "padding", "must either be a single int, or a tuple of")
    dil = _arg(dilation, nd, fn, "dilation", "must be either a single int, or a tuple of")
    if any(s == 0 for s in st):
        raise RuntimeError("stride should not be zero")
    _common_pool_checks(ks, st, pad, dil, nd)
    _check_dims(input, nd)
    x, batched = _batch(input, nd)
    osize, geom = _pool_geometry(x, ks, st, pad, dil, ceil_mode, nd)
    res = _pool.MaxPool.apply(x, ks, geom, osize, indices)
    out, idx = res if indices else (res, None)
    if out.grad_fn is not None:
        out.grad_fn._name = f"MaxPool{nd}DWithIndicesBackward0"
    if not batched:
        return out.squeeze(0), (idx.squeeze(0) if indices else None)
    return out, idx


def _max_pool1d_checks(input: Tensor, kernel_size, stride, padding, dilation) -> None:
    dim = input.dim()
    if dim not in (2, 3) or 0 in tuple(input.shape[dim - 2:]):
        raise RuntimeError("max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch "
                           f"size for input, but got:{list(input.shape)}")
    for name, v, phrase in (("kernel_size", kernel_size, "an int, list of ints or tuple of ints"),
                            ("stride", stride, "None, an int, list of ints, or tuple of ints"),
                            ("padding", padding, "an int, list of ints, or tuple of ints"),
                            ("dilation", dilation, "an int, list of ints or tuple of ints")):
        vals = _ints(v)
        if vals is not None and len(vals) != 1 and not (name == "stride" and len(vals) == 0):
            raise RuntimeError(f"max_pool1d() {name} must be {phrase} of size 1 but got size {len(vals)}")
    k = _ints(kernel_size)[0]
    s = _ints(stride)[0] if stride is not None and len(_ints(stride)) else k
    p = _ints(padding)[0]
    d = _ints(dilation)[0]
    if k <= 0:
        raise RuntimeError(f"max_pool1d() kernel_size must be greater than zero, but got {k}")
    if s <= 0:
        raise RuntimeError(f"max_pool1d() stride must be greater than zero, but got {s}")
    if p < 0:
        raise RuntimeError(f"max_pool1d() padding must be non-negative, but got {p}")
    if p > k // 2:
        raise RuntimeError(f"max_pool1d() padding should be at most half of kernel size, but got padding={p} "
                           f"and kernel_size={k}")
    if d <= 0:
        raise RuntimeError(f"max_pool1d() dilation must be greater than zero, but got {d}")
    out = _out_size(input.shape[-1], k, p, s, d, False)
    if out <= 0:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {out}")


def max_pool1d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False,
                            return_indices: bool = True):
    """max_pool1d returning (values, indices)."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """Max over sliding windows of (N, C, L) or (C, L) input; return_indices adds the argmax positions."""
    _max_pool1d_checks(input, kernel_size, stride, padding, dilation)
    x = input.unsqueeze(-2)
    stride = None if stride is None or len(_ints(stride)) == 0 else (1,) + _ints(stride)
    out, idx = _max_pool(x, 2, (1,) + _ints(kernel_size), stride, (0,) + _ints(padding),
                         (1,) + _ints(dilation),
                         ceil_mode, "max_pool2d", return_indices)
    out = out.squeeze(-2)
    return (out, idx.squeeze(-2)) if return_indices else out


def max_pool2d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False,
                            return_indices: bool = True):
    """max_pool2d returning (values, indices)."""
    return _max_pool(input, 2, kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d", True)


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """Max over sliding windows of (N, C, H, W) or (C, H, W) input; indices are flat positions h * W + w."""
    out, idx = _max_pool(input, 2, kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d",
                         return_indices)
    return (out, idx) if return_indices else out


def max_pool3d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False,
                            return_indices: bool = True):
    """max_pool3d returning (values, indices)."""
    return _max_pool(input, 3, kernel_size, stride, padding, dilation, ceil_mode, "max_pool3d", True)


def max_pool3d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """Max over sliding windows of (N, C, D, H, W) or (C, D, H, W) input."""
    out, idx = _max_pool(input, 3, kernel_size, stride, padding, dilation, ceil_mode, "max_pool3d",
                         return_indices)
    return (out, idx) if return_indices else out


# -- average pooling --------------------------------------------------------------------------------

def _avg_pool(input: Tensor, nd: int, kernel_size, stride, padding, ceil_mode: bool, count_include_pad: bool,
              divisor_override, fn: str) -> Tensor:
    ks = _arg(kernel_size, nd, fn, "kernel_size", "must either be a single int, or a tuple of")
    st = ks if stride is None or (not isinstance(stride, int) and len(stride) == 0) else \
        _arg(stride, nd, fn, "stride", "must either be omitted, a single int, or a tuple of")
    pad = _arg(padding, nd, fn, "padding", "must either be a single int, or a tuple of")
    if any(s == 0 for s in st):
        raise RuntimeError("stride should not be zero")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    if not input.dtype.is_floating_point and input.dtype is not _dt.int64:
        name = _SCALAR.get(input.dtype.name if hasattr(input.dtype, "name") else str(input.dtype),
                           str(input.dtype))
        raise NotImplementedError(f"\"{fn}\" not implemented for '{name}'")
    if input.dim() < nd + 1:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(input.dim(), 1)}, "
                         f"{max(input.dim(), 1) - 1}], but got {-nd - 1})")
    _common_pool_checks(ks, st, pad, (1,) * nd, nd)
    _check_dims(input, nd)
    x, batched = _batch(input, nd)
    osize, geom = _pool_geometry(x, ks, st, pad, (1,) * nd, ceil_mode, nd)
    div = _pool.avg_divisor(tuple(x.shape[2:]), ks, st, pad, osize, count_include_pad, divisor_override)
    out = _pool.AvgPool.apply(x, ks, geom, osize, div, divisor_override)
    if out.grad_fn is not None:
        out.grad_fn._name = f"AvgPool{nd}DBackward0"
    return out if batched else out.squeeze(0)


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """Mean over sliding windows of (N, C, L) or (C, L) input."""
    if input.dim() not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.dim()}-dimensional tensor for "
                           "argument #1 'self' (while checking arguments for avg_pool1d)")
    for name, v in (("kernel_size", kernel_size), ("stride", stride), ("padding", padding)):
        vals = _ints(v)
        if vals is not None and len(vals) != 1 and not (name == "stride" and len(vals) == 0):
            raise RuntimeError(f"avg_pool1d() argument '{name}' should contain one int (got {len(vals)})")
    x = input.unsqueeze(-2)
    out = _avg_pool(x, 2, (1,) + _ints(kernel_size),
                    None if stride is None or len(_ints(stride)) == 0 else (1,) + _ints(stride),
                    (0,) + _ints(padding), ceil_mode, count_include_pad, None, "avg_pool2d")
    return out.squeeze(-2)


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """Mean over sliding windows of (N, C, H, W) or (C, H, W) input."""
    return _avg_pool(input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                     "avg_pool2d")


def avg_pool3d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """Mean over sliding windows of (N, C, D, H, W) or (C, D, H, W) input."""
    return _avg_pool(input, 3, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                     "avg_pool3d")


# -- adaptive pooling -------------------------------------------------------------------------------

def _adaptive_size(input: Tensor, output_size, nd: int, fn: str, internal: bool) -> tuple:
    if isinstance(output_size, int) or output_size is None:
        sizes = (output_size,) * nd
    else:
        sizes = tuple(output_size)
    if len(sizes) != nd:
        if nd == 1:
            raise RuntimeError(f"{fn}() argument 'output_size' should contain one int (got {len(sizes)})")
        if internal:
            raise RuntimeError(f"{fn}(): internal error: output_size.size() must be {nd}")
        raise RuntimeError(f"{fn}: output_size must be {nd}")
    spatial = input.shape[input.dim() - nd:]
    sizes = tuple(int(s) if s is not None else int(d) for s, d in zip(sizes, spatial))
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"{fn}: elements of output_size must be greater than or equal to 0 but received "
                           "{" + ", ".join(str(s) for s in sizes) + "}")
    return sizes


def _adaptive_checks(input: Tensor, nd: int, fn: str, colon: bool) -> None:
    dim = input.dim()
    if nd == 1:
        if dim not in (2, 3):
            raise RuntimeError(f"Expected 2 to 3 dimensions, but got {dim}-dimensional tensor for argument "
                               f"#1 'self' (while checking arguments for {fn})")
        return
    if dim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{fn}(): Expected {nd + 1}D or {nd + 2}D tensor, but got{':' if colon else ''} "
                           f"{list(input.shape)}")
    for i in range(1, dim):
        if input.shape[i] == 0:
            raise RuntimeError(f"{fn}(): Expected input to have non-zero size for non-batch dimensions, but "
                               f"input has sizes {list(input.shape)} with dimension {i} being empty")


def _float_only(input: Tensor, fn: str) -> None:
    if not input.dtype.is_floating_point:
        name = _SCALAR.get(input.dtype.name if hasattr(input.dtype, "name") else str(input.dtype),
                           str(input.dtype))
        raise NotImplementedError(f"\"{fn}\" not implemented for '{name}'")


def _adaptive_avg(input: Tensor, output_size, nd: int) -> Tensor:
    fn = f"adaptive_avg_pool{nd}d"
    if nd == 1:
        _adaptive_checks(input, 1, fn, False)
        out = _adaptive_avg(input.unsqueeze(-2), (1,) + tuple(_adaptive_size(input, output_size, 1, fn,
                                                                             False)), 2)
        return out.squeeze(-2)
    _adaptive_checks(input, nd, fn, False)
    sizes = _adaptive_size(input, output_size, nd, fn, False)
    _float_only(input, fn)
    if all(s == 1 for s in sizes):
        return input.mean(tuple(range(-nd, 0)), keepdim=True)
    x, batched = _batch(input, nd)
    spatial = tuple(x.shape[2:])
    if 0 in sizes:
        empty = _tensor.Tensor._make(np.zeros_like(x._data, shape=tuple(x.shape[:2]) + tuple(sizes)))
        return empty if batched else empty.squeeze(0)
    if all(s % o == 0 for s, o in zip(spatial, sizes)):
        ks = tuple(s // o for s, o in zip(spatial, sizes))
        geom = Geometry(ks, ((0, 0),) * nd, (1,) * nd)
        div = _pool.avg_divisor(spatial, ks, ks, (0,) * nd, sizes, True, None)
        out = _pool.AvgPool.apply(x, ks, geom, sizes, div, None)
    else:
        taps = tuple(_rs.average_taps(s, o, x._data.dtype) for s, o in zip(spatial, sizes))
        out = _rs.Resample.apply(x, taps)
    if out.grad_fn is not None:
        out.grad_fn._name = f"AdaptiveAvgPool{nd}DBackward0"
    return out if batched else out.squeeze(0)


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """Average pooling of (N, C, L) or (C, L) input to `output_size` positions."""
    return _adaptive_avg(input, output_size, 1)


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """Average pooling of (N, C, H, W) or (C, H, W) input to `output_size` (None keeps a dim)."""
    return _adaptive_avg(input, output_size, 2)


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    """Average pooling of (N, C, D, H, W) or (C, D, H, W) input to `output_size`."""
    return _adaptive_avg(input, output_size, 3)


def _adaptive_max(input: Tensor, output_size, nd: int) -> tuple:
    fn = f"adaptive_max_pool{nd}d"
    if nd == 1:
        _adaptive_checks(input, 1, fn, True)
        sizes = _adaptive_size(input, output_size, 1, fn, True)
        out, idx = _adaptive_max(input.unsqueeze(-2), (1,) + tuple(sizes), 2)
        return out.squeeze(-2), idx.squeeze(-2)
    _adaptive_checks(input, nd, fn, True)
    sizes = _adaptive_size(input, output_size, nd, fn, True)
    _float_only(input, fn)
    x, batched = _batch(input, nd)
    if 0 in sizes:
        shape = tuple(x.shape[:2]) + tuple(sizes)
        out = _tensor.Tensor._make(np.zeros_like(x._data, shape=shape))
        idx = _tensor.Tensor._make(np.zeros_like(x._data, shape=shape, dtype=np.int64))
        return (out, idx) if batched else (out.squeeze(0), idx.squeeze(0))
    out, idx = _pool.AdaptiveMaxPool.apply(x, sizes)
    if out.grad_fn is not None:
        out.grad_fn._name = f"AdaptiveMaxPool{nd}DBackward0"
    return (out, idx) if batched else (out.squeeze(0), idx.squeeze(0))


def adaptive_max_pool1d_with_indices(input: Tensor, output_size, return_indices: bool = False) -> tuple:
    """adaptive_max_pool1d returning (values, indices)."""
    return _adaptive_max(input, output_size, 1)


def adaptive_max_pool2d_with_indices(input: Tensor, output_size, return_indices: bool = False) -> tuple:
    """adaptive_max_pool2d returning (values, indices)."""
    return _adaptive_max(input, output_size, 2)


def adaptive_max_pool3d_with_indices(input: Tensor, output_size, return_indices: bool = False) -> tuple:
    """adaptive_max_pool3d returning (values, indices)."""
    return _adaptive_max(input, output_size, 3)


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """Max pooling of (N, C, L) or (C, L) input to `output_size` positions."""
    out, idx = _adaptive_max(input, output_size, 1)
    return (out, idx) if return_indices else out


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """Max pooling of (N, C, H, W) or (C, H, W) input to `output_size` (None keeps a dim)."""
    out, idx = _adaptive_max(input, output_size, 2)
    return (out, idx) if return_indices else out


def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False):
    """Max pooling of (N, C, D, H, W) or (C, D, H, W) input to `output_size`."""
    out, idx = _adaptive_max(input, output_size, 3)
    return (out, idx) if return_indices else out


# -- max unpooling ----------------------------------------------------------------------------------

def _unpool_size(input: Tensor, nd: int, ks, st, pad, output_size) -> tuple:
    spatial = tuple(input.shape[input.dim() - nd:])
    default = tuple((i - 1) * s + k - 2 * p for i, s, k, p in zip(spatial, st, ks, pad))
    if output_size is None:
        return default
    sizes = tuple(int(s) for s in output_size)
    if len(sizes) == nd + 2:
        sizes = sizes[2:]
    if len(sizes) != nd:
        raise ValueError(f"output_size should be a sequence containing {nd} or {nd + 2} elements, but it has "
                         f"a length of '{len(sizes)}'")
    for d, (size, dflt, s) in enumerate(zip(sizes, default, st)):
        lo, hi = dflt - s, dflt + s
        if not lo < size < hi:
            raise ValueError(f'invalid output_size "{tuple(output_size)}" (dim {d} must be between {lo} and '
                             f'{hi})')
    return sizes


def _max_unpool(input: Tensor, indices: Tensor, nd: int, kernel_size, stride, padding, output_size) -> Tensor:
    ks = _arg(kernel_size, nd, f"max_unpool{nd}d", "kernel_size", "must either be a single int, or a tuple "
                                                                  "of")
    st = ks if stride is None else _arg(stride, nd, f"max_unpool{nd}d", "stride", "must be a tuple of")
    pad = _arg(padding, nd, f"max_unpool{nd}d", "padding", "must be a tuple of")
    if nd == 1:
        x, idx = input.unsqueeze(-1), indices.unsqueeze(-1)
        size = _unpool_size(input, 1, ks, st, pad, output_size)
        out = _max_unpool(x, idx, 2, ks + (1,), st + (1,), pad + (0,), size + (1,))
        return out.squeeze(-1)
    size = _unpool_size(input, nd, ks, st, pad, output_size)
    if indices.dtype is not _dt.int64:
        raise RuntimeError("elements in indices should be type int64 but got: "
                           f"{_SCALAR.get(indices.dtype.name, '?')}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError("Expected shape of indices to be same as that of the input tensor "
                           f"({list(input.shape)}) but got indices tensor with shape: {list(indices.shape)}")
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"Input to max_unpooling{nd}d should be a {nd + 1}d or {nd + 2}d Tensor, but got "
                           f"a tensor with {input.dim()} dimensions.")
    x, batched = _batch(input, nd)
    idx = indices if batched else indices.unsqueeze(0)
    plane = math.prod(size)
    arr = idx._data
    if arr.size:
        flat = arr.reshape(arr.shape[0] * arr.shape[1], -1)
        bad = (flat < 0) | (flat >= plane)
        if bad.any():
            # PyTorch reports the last bad index of the first plane that has one
            row = int(np.flatnonzero(bad.any(axis=1))[0])
            value = int(flat[row][bad[row]][-1])
            raise RuntimeError(f"Found an invalid max index: {value} (output volumes are of size "
                               f"{_axes_text(size)})")
    out = _pool.MaxUnpool.apply(x, arr, tuple(x.shape[:2]) + tuple(size))
    if out.grad_fn is not None:
        out.grad_fn._name = f"MaxUnpool{nd}DBackward0"
    return out if batched else out.squeeze(0)


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """Partial inverse of max_pool1d: values placed at their indices, zeros elsewhere."""
    return _max_unpool(input, indices, 1, kernel_size, stride, padding, output_size)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """Partial inverse of max_pool2d: values placed at their flat indices, zeros elsewhere."""
    return _max_unpool(input, indices, 2, kernel_size, stride, padding, output_size)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """Partial inverse of max_pool3d."""
    return _max_unpool(input, indices, 3, kernel_size, stride, padding, output_size)


# -- power-average pooling --------------------------------------------------------------------------

def _lp_pool(input: Tensor, nd: int, norm_type: float, kernel_size, stride, ceil_mode: bool) -> Tensor:
    ks = _ints(kernel_size)
    ks = ks * nd if len(ks) == 1 else ks
    if nd == 1:
        out = avg_pool1d(input.pow(norm_type), ks, stride, 0, ceil_mode)
    elif nd == 2:
        out = avg_pool2d(input.pow(norm_type), ks, stride, 0, ceil_mode)
    else:
        out = avg_pool3d(input.pow(norm_type), ks, stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(math.prod(ks)).pow(1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """Power-average pooling: (sum of x ** p over each window) ** (1 / p)."""
    return _lp_pool(input, 1, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """Power-average pooling over 2-D windows."""
    return _lp_pool(input, 2, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """Power-average pooling over 3-D windows."""
    return _lp_pool(input, 3, norm_type, kernel_size, stride, ceil_mode)
