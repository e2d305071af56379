"""Reductions, scans, sorting and counting: sum, mean, max, var, norm, cumsum, sort, unique and kin.

`dim` is an int, a sequence of ints, or None (every dim); `keepdim` keeps reduced dims with size 1.
Ops that pick elements (max/min with a dim, sort, topk, median, mode, kthvalue, cummax) compute
their indices with NumPy and route the gradient through `_Pick`, whose backward scatters it back to
those positions. Reductions that pick among ties without an index (amax, max() over everything,
median()) split the gradient evenly among the tied elements, as PyTorch does.
"""

from __future__ import annotations

import functools
import math
import operator
import types
import warnings

import numpy as np

from .. import _tensor
from ..backend.device import xp_of
from ._common import Op, Tensor, floating, wrap_dim
from .elementwise import _array_op

__all__ = [
    "sum", "mean", "nansum", "nanmean", "prod", "max", "min", "amax", "amin", "argmax", "argmin",
    "aminmax", "var", "std", "var_mean", "std_mean", "norm", "logsumexp", "cumsum", "cumprod", "cummax",
    "cummin", "all", "any", "count_nonzero", "topk", "sort", "argsort", "msort", "median", "nanmedian",
    "mode", "kthvalue", "unique", "unique_consecutive", "bincount", "histc", "return_types",
]
METHODS = (
    "sum", "mean", "nansum", "nanmean", "prod", "max", "min", "amax", "amin", "argmax", "argmin",
    "aminmax", "var", "std", "norm", "logsumexp", "cumsum", "cumprod", "cummax", "cummin", "all", "any",
    "count_nonzero", "topk", "sort", "argsort", "msort", "median", "nanmedian", "mode", "kthvalue",
    "unique", "unique_consecutive", "bincount", "histc",
)
INPLACE = ("cumsum", "cumprod")


# -- result tuples (torch.return_types) ----------------------------------------------------------------

def _return_type(name: str, fields: tuple) -> type:
    """A tuple subclass with named fields that prints like PyTorch's `torch.return_types.<name>`."""

    def __new__(cls, sequence):
        seq = tuple(sequence)
        if len(seq) != len(fields):
            raise TypeError(f"torch.return_types.{name} takes a {len(fields)}-sequence ({len(seq)}-sequence "
                            "given)")
        return tuple.__new__(cls, seq)

    def __repr__(self) -> str:
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"torch.return_types.{name}(\n{body})"

    def __reduce__(self):
        return (type(self), (tuple(self),))

    ns = {"__slots__": (), "__new__": __new__, "__repr__": __repr__, "__reduce__": __reduce__,
          "_fields": fields, "n_fields": len(fields), "n_sequence_fields": len(fields),
          "__module__": __name__, "__qualname__": f"return_types.{name}",
          "__doc__": f"The result of {name}: a tuple ({', '.join(fields)})."}
    for i, f in enumerate(fields):
        ns[f] = property(operator.itemgetter(i))
    return type(name, (tuple,), ns)


_VI = ("values", "indices")
return_types = types.SimpleNamespace(**{
    n: _return_type(n, _VI) for n in ("max", "min", "sort", "topk", "median", "nanmedian", "mode",
                                      "kthvalue", "cummax", "cummin")
})
return_types.aminmax = _return_type("aminmax", ("min", "max"))


# -- dims and shapes -----------------------------------------------------------------------------------

def _dims(input: Tensor, dim, empty_is_all: bool = True) -> tuple:
    """`dim` as a sorted tuple of non-negative axes (None, and by default an empty sequence: every axis).

    A 0-d tensor accepts dim 0 / -1 but has no axis to reduce, so it gives ()."""
    nd = input._data.ndim
    if dim is None:
        return tuple(range(nd))
    if isinstance(dim, (int, np.integer)) and not isinstance(dim, bool):
        d = wrap_dim(int(dim), nd)
        return (d,) if nd else ()
    if isinstance(dim, Tensor):
        return _dims(input, dim.tolist(), empty_is_all)
    if not isinstance(dim, (tuple, list, _tensor.Size)):
        raise TypeError(f"dim must be an int, a tuple of ints or None, not {type(dim).__name__}")
    if not dim:
        return tuple(range(nd)) if empty_is_all else ()
    seen = set()
    for d in dim:
        w = wrap_dim(int(d), nd)
        if w in seen:
            raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
        seen.add(w)
    return tuple(sorted(seen)) if nd else ()


def _one_dim(input: Tensor, dim, op: str) -> int:
    """A single int dim, wrapped (0 for a 0-d tensor)."""
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}(): argument 'dim' (position 1) must be int, not {type(dim).__name__}")
    return wrap_dim(int(dim), input._data.ndim)


def _kept_shape(shape, dims) -> tuple:
    if dims is None:
        return (1,) * len(shape)
    return tuple(1 if i in dims else n for i, n in enumerate(shape))


def _unreduce(g: Tensor, ctx) -> Tensor:
    """The gradient of a reduction with its reduced dims restored as size 1 (it broadcasts to the input)."""
    if not ctx.keepdim and g._data.ndim != len(ctx.shape):
        g = g.reshape(_kept_shape(ctx.shape, ctx.dims))
    return g


def _unreduce_array(g, ctx):
    if not ctx.keepdim and g.ndim != len(ctx.shape):
        g = g.reshape(_kept_shape(ctx.shape, ctx.dims))
    return g


def _grad_to_input(g: Tensor, ctx) -> Tensor:
    """Bring the gradient of a reduction back to the input's shape (re-insert reduced dims, expand)."""
    return _unreduce(g, ctx).expand(ctx.shape)


def _numel(shape, dims) -> int:
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def _const(arr) -> Tensor:
    return Tensor._make(arr)


def _squeeze_dims(arr, dims):
    return arr.reshape([n for i, n in enumerate(arr.shape) if i not in dims]) if dims else arr


def _type_name(np_dtype) -> str:
    """PyTorch's C++ scalar type name (Float, Long, Bool, ...)."""
    return {"f2": "Half", "f4": "Float", "f8": "Double", "i1": "Char", "i2": "Short", "i4": "Int",
            "i8": "Long", "u1": "Byte", "b1": "Bool"}[np.dtype(np_dtype).str[1:]]


def _np_dtype(dtype):
    return None if dtype is None else dtype.np


def _check_nonempty(x, dims, op: str, sep: str = "(): ") -> None:
    """Reductions without an identity (max, amax, ...) refuse to reduce an empty dim."""
    for d in dims:
        if x.shape[d] == 0:
            raise IndexError(f"{op}{sep}Expected reduction dim {d} to have non-zero size.")


def _all_reduce_nonempty(x, op: str) -> None:
    if x.size == 0:
        raise RuntimeError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0. Specify "
                           "the reduction dim with the 'dim' argument.")


# -- sum and mean ---------------------------------------------------------------------------------------

def _filled(g, ctx):
    """A fresh (writable, so the engine can keep it) array of the input's shape holding g broadcast."""
    out = np.empty_like(g, shape=ctx.shape)
    out[...] = _unreduce_array(g, ctx)
    return out


def _total(x, dims, keepdim: bool, dtype):
    """x.sum(dims, dtype=dtype, keepdims=keepdim). Sums of large contiguous float32/float64 arrays, over
    everything or over trailing dims, are matrix-vector products (see _chunk_sums): 2-3x faster than NumPy's
    pairwise summation, with errors of the size of PyTorch's (BLAS sums each chunk with several partials)."""
    if (x.dtype == dtype and x.dtype in (np.float32, np.float64) and x.size >= 4096 and type(x) is np.ndarray
            and x.flags.c_contiguous):
        if dims is None:
            flat = x.reshape(-1)
            body = flat.size - flat.size % _CHUNK
            total = _chunk_sums(flat[:body].reshape(1, body), _CHUNK).sum() + flat[body:].sum()
            return np.asarray(total, x.dtype).reshape((1,) * x.ndim if keepdim else ())
        if dims == tuple(range(x.ndim - len(dims), x.ndim)) and len(dims) < x.ndim:
            kept = x.shape[:x.ndim - len(dims)]
            n = x.size // math.prod(kept)
            chunk = _chunk_for(n)
            if chunk:
                parts = _chunk_sums(x.reshape(-1, n), chunk)
                # the few totals of each line: another product (a reduction along a short axis is slow)
                out = parts[:, 0] if parts.shape[1] == 1 else parts @ np.ones(parts.shape[1], x.dtype)
                return out.reshape(kept + (1,) * len(dims) if keepdim else kept)
    return np.asarray(x.sum(axis=dims, keepdims=keepdim, dtype=dtype))


_CHUNK = 128  # most elements BLAS sums into one partial total: NumPy's pairwise sum has blocks of 128 too


def _chunk_sums(a2, chunk: int):
    """(R, n) contiguous, n a multiple of chunk -> (R, n / chunk) totals of consecutive chunks, by GEMV."""
    return (a2.reshape(-1, chunk) @ np.ones(chunk, a2.dtype)).reshape(a2.shape[0], -1)


@functools.lru_cache(maxsize=256)
def _chunk_for(n: int) -> int | None:
    """The largest divisor of n from 16 to _CHUNK (n itself when it is that small), else None."""
    if n <= _CHUNK:
        return n if n >= 16 else None
    return next((c for c in range(_CHUNK, 15, -1) if n % c == 0), None)


@_array_op
class Sum(Op):
    @staticmethod
    def forward(ctx, x, dims, keepdim, np_dtype):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        if np_dtype is None:
            if x.dtype.kind in "biu":
                np_dtype = np.int64
            elif x.dtype == np.float16:
                # accumulate in float32 as PyTorch does
                return np.asarray(x.sum(axis=dims, keepdims=keepdim, dtype=np.float32).astype(np.float16))
            else:
                np_dtype = x.dtype
        return _total(x, dims, keepdim, np_dtype)

    @staticmethod
    def backward(ctx, g):
        return _grad_to_input(g, ctx), None, None, None

    @staticmethod
    def backward_array(ctx, g):
        return _filled(g, ctx), None, None, None


@_array_op
class Mean(Op):
    @staticmethod
    def forward(ctx, x, dims, keepdim, np_dtype):
        kind = x.dtype.kind
        if np_dtype is not None and np.dtype(np_dtype).kind != "f":
            raise RuntimeError(
                "mean(): could not infer output dtype. Optional dtype must be either a floating point or "
                f"complex dtype. Got: {_type_name(np_dtype)}")
        if kind != "f" and (np_dtype is None or np.dtype(np_dtype).kind != "f"):
            raise RuntimeError(
                "mean(): could not infer output dtype. Input dtype must be either a floating point or "
                f"complex dtype. Got: {_type_name(x.dtype)}")
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        n = ctx.n = x.size if dims is None else _numel(x.shape, dims)
        out_dt = np_dtype or x.dtype
        # sum then divide (what np.mean does, minus its overhead); float16 accumulates in float32
        acc = np.float32 if out_dt == np.float16 else out_dt
        total = _total(x, dims, keepdim, np.dtype(acc))
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(np.true_divide(total, n, dtype=acc), out_dt)

    @staticmethod
    def backward(ctx, g):
        return _grad_to_input(g / ctx.n, ctx), None, None, None

    @staticmethod
    def backward_array(ctx, g):
        with np.errstate(invalid="ignore", divide="ignore"):
            g = np.true_divide(g, ctx.n, dtype=g.dtype)
        return _filled(g, ctx), None, None, None


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A001
    """Sum of all elements, or over `dim`; integer and bool inputs sum to int64."""
    if dim is None:
        # the common loss.sum(): NumPy's axis=None path, no dim bookkeeping
        return Sum.apply(input, None, keepdim, _np_dtype(dtype))
    out = Sum.apply(input, _dims(input, dim), keepdim, _np_dtype(dtype))
    if out.grad_fn is not None:
        out.grad_fn._name = "SumBackward1"
    return out


def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Mean of all elements, or over `dim`; integer inputs need a floating `dtype`."""
    if dim is None:
        return Mean.apply(input, None, keepdim, _np_dtype(dtype))
    out = Mean.apply(input, _dims(input, dim), keepdim, _np_dtype(dtype))
    if out.grad_fn is not None:
        out.grad_fn._name = "MeanBackward1"
    return out


# -- NaN-ignoring sum and mean ----------------------------------------------------------------------------

class Nansum(Op):
    @staticmethod
    def forward(ctx, x, dims, keepdim, np_dtype):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        if x.dtype.kind in "biu":
            return np.asarray(x.sum(axis=dims, keepdims=keepdim, dtype=np_dtype or np.int64))
        ctx.save_for_backward(x)
        acc = np_dtype or (np.float32 if x.dtype == np.float16 else None)
        out = np.nansum(x, axis=dims, keepdims=keepdim, dtype=acc)
        return np.asarray(out, np_dtype or x.dtype)

    @staticmethod
    def backward(ctx, g):
        keep = ~np.isnan(ctx.saved_tensors[0]._data)
        return _unreduce(g, ctx) * _const(keep.astype(g._data.dtype)), None, None, None


class Nanmean(Op):
    _name = "DivBackward0"

    @staticmethod
    def forward(ctx, x, dims, keepdim, np_dtype):
        if np_dtype is not None:
            x = x.astype(np_dtype)
        if x.dtype.kind != "f":
            raise RuntimeError("nanmean(): expected input to have floating point or complex dtype but got "
                               f"{_type_name(x.dtype)}")
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        ctx.save_for_backward(x)
        count = (~np.isnan(x)).sum(axis=dims, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            total = np.nansum(x, axis=dims, keepdims=True)
            out = np.asarray(total / count, x.dtype)
        return out if keepdim else _squeeze_dims(out, dims)

    @staticmethod
    def backward(ctx, g):
        keep = ~np.isnan(ctx.saved_tensors[0]._data)
        with np.errstate(invalid="ignore", divide="ignore"):
            w = (keep / keep.sum(axis=ctx.dims, keepdims=True)).astype(g._data.dtype)
        return _unreduce(g, ctx) * _const(w), None, None, None


def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Sum treating NaN as zero."""
    return Nansum.apply(input, _dims(input, dim), keepdim, _np_dtype(dtype))


def nanmean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Mean over the non-NaN elements (NaN where there are none)."""
    return Nanmean.apply(input, _dims(input, dim), keepdim, _np_dtype(dtype))


# -- helper ops for gradients: flips, shifts, scans, gathers along an axis --------------------------------

class _Flip(Op):
    """Reverse the order along one axis (self-inverse)."""

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        return np.flip(x, axis).copy()

    @staticmethod
    def backward(ctx, g):
        return _Flip.apply(g, ctx.axis), None


class _ShiftLast(Op):
    """Shift by one along the last axis: right (fill enters at the front) or left (fill at the back)."""

    @staticmethod
    def forward(ctx, x, fill, left):
        ctx.left = left
        out = np.empty_like(x)
        if left:
            out[..., :-1] = x[..., 1:]
            out[..., -1:] = fill
        else:
            out[..., 1:] = x[..., :-1]
            out[..., :1] = fill
        return out

    @staticmethod
    def backward(ctx, g):
        return _ShiftLast.apply(g, 0, not ctx.left), None, None


def _full_index(idx, axis):
    """The advanced index that addresses, for each entry of idx, that position along `axis`."""
    xp = xp_of(idx)
    nd = idx.ndim
    index = []
    for d in range(nd):
        if d == axis:
            index.append(idx)
        else:
            shape = [1] * nd
            shape[d] = idx.shape[d]
            index.append(xp.arange(idx.shape[d]).reshape(shape))
    return tuple(index)


class _Pick(Op):
    """x's values at `idx` along `axis` (idx has x's ndim); the gradient goes back to those positions."""

    @staticmethod
    def forward(ctx, x, idx, axis, keepdim, unique):
        ctx.shape, ctx.idx, ctx.axis, ctx.keepdim, ctx.unique = x.shape, idx, axis, keepdim, unique
        if x.ndim == 0:
            return x.copy()
        out = np.take_along_axis(x, idx, axis)
        return out if keepdim else np.squeeze(out, axis)

    @staticmethod
    def backward(ctx, g):
        if not ctx.shape:
            return g, None, None, None, None
        if not ctx.keepdim:
            g = g.unsqueeze(ctx.axis)
        return _Place.apply(g, ctx.idx, ctx.axis, ctx.shape, ctx.unique), None, None, None, None


class _Place(Op):
    """Zeros of `shape` with g written (accumulated when indices repeat) at idx along axis."""

    @staticmethod
    def forward(ctx, g, idx, axis, shape, unique):
        ctx.idx, ctx.axis, ctx.unique = idx, axis, unique
        out = np.zeros_like(g, shape=shape)
        index = _full_index(idx, axis)
        if unique:
            out[index] = g
        else:
            np.add.at(out, index, g)
        return out

    @staticmethod
    def backward(ctx, gg):
        return _Pick.apply(gg, ctx.idx, ctx.axis, True, ctx.unique), None, None, None, None


def _pick(input: Tensor, idx, axis: int, keepdim: bool, name: str, kind: str, unique: bool = True):
    """(values, indices) of a selection, `idx` computed with keepdim: values carry the gradient."""
    values = _Pick.apply(input, idx, axis, keepdim, unique)
    if values.grad_fn is not None:
        values.grad_fn._name = name
    if input._data.ndim == 0:
        idx = idx.reshape(())
    elif not keepdim:
        idx = np.squeeze(idx, axis)
    return getattr(return_types, kind)((values, Tensor._make(idx)))


# -- prod, cumsum, cumprod ---------------------------------------------------------------------------------

class Cumsum(Op):
    @staticmethod
    def forward(ctx, x, axis, np_dtype):
        ctx.axis = axis
        if np_dtype is None and x.dtype.kind in "biu":
            np_dtype = np.int64
        if x.ndim == 0:
            return x.astype(np_dtype or x.dtype, copy=True)
        return np.cumsum(x, axis=axis, dtype=np_dtype)

    @staticmethod
    def backward(ctx, g):
        return _RevCumsum.apply(g, ctx.axis), None, None


class _RevCumsum(Op):
    """Sums from each position to the end along axis: the adjoint of cumsum."""

    @staticmethod
    def forward(ctx, g, axis):
        ctx.axis = axis
        if g.ndim == 0:
            return g.copy()
        return np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis).copy()

    @staticmethod
    def backward(ctx, gg):
        return Cumsum.apply(gg, ctx.axis, None), None


class Cumprod(Op):
    @staticmethod
    def forward(ctx, x, axis, np_dtype):
        ctx.axis = axis
        if np_dtype is None and x.dtype.kind in "biu":
            np_dtype = np.int64
        out = x.astype(np_dtype or x.dtype, copy=True) if x.ndim == 0 else np.cumprod(x, axis=axis,
                                                                                      dtype=np_dtype)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        axis = ctx.axis
        if x._data.ndim == 0:
            return g, None, None
        if not (x._data == 0).any():
            # valid wherever x has no zero, so its derivative is right too
            return _RevCumsum.apply(g * out, axis) / x, None, None
        # with zeros: grad_k = sum_{i>=k} g_i prod_{j<=i, j!=k} x_j, written without division
        last = x._data.ndim - 1
        xt = x.transpose(axis, last) if axis != last else x
        gt = g.transpose(axis, last) if axis != last else g
        n = xt._data.shape[-1]
        dt = np.result_type(x._data.dtype, g._data.dtype)
        eye = np.eye(n, dtype=dt)
        others = xt.unsqueeze(-2) * _const(1 - eye) + _const(eye)  # row k: x with x_k replaced by 1
        partial = cumprod(others, -1)
        upper = _const(np.triu(np.ones((n, n), dt)))  # i >= k
        grad = (gt.unsqueeze(-2) * partial * upper).sum(-1)
        return (grad.transpose(axis, last) if axis != last else grad), None, None

    @staticmethod
    def backward_array(ctx, g):
        x, out = (t._data for t in ctx.saved_tensors)
        axis = ctx.axis
        if x.ndim == 0:
            return g, None, None
        with np.errstate(divide="ignore", invalid="ignore"):
            if not (x == 0).any():
                rev = np.flip(np.cumsum(np.flip(g * out, axis), axis), axis)
                return rev / x, None, None
            # first zero z of each line: before it divide, at it use the prefix and the suffix products
            n = x.shape[axis]
            zero = x == 0
            z = np.where(zero.any(axis, keepdims=True), zero.argmax(axis, keepdims=True), n)
            pos = np.arange(n).reshape([n if d == axis else 1 for d in range(x.ndim)])
            before = pos < z
            rev = np.flip(np.cumsum(np.flip(g * out, axis), axis), axis)
            grad = np.where(before, rev / np.where(before, x, 1), 0)
            tail = np.cumprod(np.where(pos <= z, 1, x), axis)
            tail_sum = np.sum(np.where(pos >= z, g * tail, 0), axis, keepdims=True)
            zc = np.minimum(z, n - 1)
            prefix = np.where(z > 0, np.take_along_axis(out, np.maximum(zc - 1, 0), axis), 1)
            grad = grad + np.where(pos == z, prefix * tail_sum, 0)
        return grad.astype(np.result_type(x.dtype, g.dtype), copy=False), None, None


def _cum_axis(input: Tensor, dim) -> int:
    if dim is None:
        raise TypeError("cumsum() missing 1 required positional arguments: \"dim\"")
    return wrap_dim(int(dim), input._data.ndim)


def cumsum(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Running sum along `dim`; integer and bool inputs give int64."""
    return Cumsum.apply(input, _cum_axis(input, dim), _np_dtype(dtype))


def cumprod(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Running product along `dim`; the gradient is exact with zeros in the input."""
    return Cumprod.apply(input, _cum_axis(input, dim), _np_dtype(dtype))


def _prod_others(x: Tensor, dims: tuple) -> Tensor:
    """For each element, the product of the other elements of its slice over `dims` (no division)."""
    nd = x._data.ndim
    keep = [d for d in range(nd) if d not in dims]
    perm = keep + list(dims)
    xp = x.permute(perm) if perm != list(range(nd)) else x
    pshape = xp._data.shape
    flat = xp.reshape(pshape[:len(keep)] + (-1,))
    left = cumprod(_ShiftLast.apply(flat, 1, False), -1)
    right = _Flip.apply(cumprod(_ShiftLast.apply(_Flip.apply(flat, -1), 1, False), -1), -1)
    res = (left * right).reshape(pshape)
    return res.permute(tuple(np.argsort(perm).tolist())) if perm != list(range(nd)) else res


class Prod(Op):
    @staticmethod
    def forward(ctx, x, dims, keepdim, np_dtype):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        if np_dtype is None and x.dtype.kind in "biu":
            np_dtype = np.int64
        out = np.asarray(np.prod(x, axis=dims, keepdims=keepdim, dtype=np_dtype))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        if not ctx.dims:
            return g, None, None, None
        g = _unreduce(g, ctx)
        if not (x._data == 0).any():
            return g * (_unreduce(out, ctx) / x), None, None, None
        return g * _prod_others(x, ctx.dims), None, None, None

    @staticmethod
    def backward_array(ctx, g):
        x, out = (t._data for t in ctx.saved_tensors)
        dims = ctx.dims
        if not dims:
            return g, None, None, None
        g = _unreduce_array(g, ctx)
        zero = x == 0
        if not zero.any():
            return g * (_unreduce_array(out, ctx) / x), None, None, None
        # a slice with one zero: only that element gets a gradient, the product of the others
        nzero = zero.sum(axis=dims, keepdims=True)
        others = np.prod(np.where(zero, 1, x), axis=dims, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            grad = np.where(nzero == 0, _unreduce_array(out, ctx) / np.where(zero, 1, x),
                            np.where((nzero == 1) & zero, others, 0))
        return g * grad, None, None, None


def prod(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Product of all elements, or along the int `dim`; integer and bool inputs give int64."""
    if dim is None:
        return Prod.apply(input, tuple(range(input._data.ndim)), False, _np_dtype(dtype))
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"prod(): argument 'dim' (position 1) must be int, not {type(dim).__name__}")
    out = Prod.apply(input, _dims(input, dim), keepdim, _np_dtype(dtype))
    if out.grad_fn is not None:
        out.grad_fn._name = "ProdBackward1"
    return out


# -- max, min, amax, amin, aminmax, argmax, argmin -----------------------------------------------------------

def _tie_weight(x, result, dims, nan_equal: bool):
    """1/count on the elements equal to their slice's result, 0 elsewhere (the even split among ties)."""
    eq = x == result
    if nan_equal and x.dtype.kind == "f":
        eq |= np.isnan(x) & np.isnan(result)
    count = eq.sum(axis=dims, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return eq / count


class _EvenSplit(Op):
    """Base of reductions whose gradient is split evenly among the elements equal to the result."""

    nan_equal = False
    reduce = None

    @classmethod
    def forward(cls, ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        res = np.asarray(cls.reduce(x, axis=dims, keepdims=True))
        ctx.res = res
        ctx.save_for_backward(x)
        return res if keepdim else _squeeze_dims(res, dims)

    @classmethod
    def backward(cls, ctx, g):
        weight = _tie_weight(ctx.saved_tensors[0]._data, ctx.res, ctx.dims, cls.nan_equal)
        return _unreduce(g, ctx) * _const(weight.astype(g._data.dtype)), None, None


class Amax(_EvenSplit):
    reduce = staticmethod(np.amax)


class Amin(_EvenSplit):
    reduce = staticmethod(np.amin)


class _MaxAll(_EvenSplit):
    _name = "MaxBackward1"
    nan_equal = True
    reduce = staticmethod(np.amax)


class _MinAll(_EvenSplit):
    _name = "MinBackward1"
    nan_equal = True
    reduce = staticmethod(np.amin)


def _extreme(input: Tensor, dim, keepdim, other, name: str, all_op, binary: str, argfn):
    if other is not None or isinstance(dim, Tensor):
        if other is None:
            other = dim
        from . import elementwise

        return getattr(elementwise, binary)(input, other)
    x = input._data
    if dim is None:
        if keepdim:
            raise TypeError(f"{name}() received an invalid combination of arguments - got (Tensor, "
                            "keepdim=bool), but expected (Tensor input, int dim, bool keepdim)")
        _all_reduce_nonempty(x, name)
        return all_op.apply(input, tuple(range(x.ndim)), False)
    axis = _one_dim(input, dim, name)
    if x.ndim == 0:
        idx = np.zeros((), np.int64)
    else:
        _check_nonempty(x, (axis,), name)
        idx = argfn(x, axis=axis, keepdims=True)
    return _pick(input, idx, axis, keepdim, name.capitalize() + "Backward0", name)


def max(input: Tensor, dim=None, keepdim: bool = False, *, other=None):  # noqa: A001
    """max(x): the largest value; max(x, dim): (values, indices); max(x, other): elementwise maximum."""
    return _extreme(input, dim, keepdim, other, "max", _MaxAll, "maximum", np.argmax)


def min(input: Tensor, dim=None, keepdim: bool = False, *, other=None):  # noqa: A001
    """min(x): the smallest value; min(x, dim): (values, indices); min(x, other): elementwise minimum."""
    return _extreme(input, dim, keepdim, other, "min", _MinAll, "minimum", np.argmin)


def _amax_amin(input: Tensor, dim, keepdim: bool, op, name: str) -> Tensor:
    dims = _dims(input, dim)
    x = input._data
    if x.ndim and len(dims) == x.ndim and x.size == 0 and (dim is None or dim == () or dim == []):
        _all_reduce_nonempty(x, name)
    for given in (dim,) if isinstance(dim, int) else dim or ():
        if x.ndim and x.shape[given % x.ndim] == 0:  # PyTorch names the dim as given, unlike max(dim)
            raise IndexError(f"{name}(): Expected reduction dim {given} to have non-zero size.")
    return op.apply(input, dims, keepdim)


def amax(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """Largest value over `dim` (every dim by default); the gradient is split evenly among ties."""
    return _amax_amin(input, dim, keepdim, Amax, "amax")


def amin(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """Smallest value over `dim` (every dim by default); the gradient is split evenly among ties."""
    return _amax_amin(input, dim, keepdim, Amin, "amin")


def aminmax(input: Tensor, *, dim=None, keepdim: bool = False):
    """(min, max) over `dim` (an int) or over every element."""
    x = input._data
    if dim is None:
        if x.size == 0:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation "
                               "has no identity.")
        dims = tuple(range(x.ndim))
    else:
        dims = (_one_dim(input, dim, "aminmax"),) if x.ndim else ()
        _check_nonempty(x, dims, "aminmax", ": ")
    lo, hi = Amin.apply(input, dims, keepdim), Amax.apply(input, dims, keepdim)
    for t in (lo, hi):
        if t.grad_fn is not None:
            t.grad_fn._name = "AminmaxBackward0"
    return return_types.aminmax((lo, hi))


def _arg_extreme(input: Tensor, dim, keepdim: bool, fn, name: str) -> Tensor:
    x = input._data
    if x.dtype == np.bool_:
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        if x.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        idx = np.asarray(fn(x.reshape(-1)), np.int64) if x.ndim else np.zeros((), np.int64)
        return Tensor._make(idx.reshape((1,) * x.ndim) if keepdim else idx)
    axis = _one_dim(input, dim, name)
    if x.ndim == 0:
        return Tensor._make(np.zeros((), np.int64))
    _check_nonempty(x, (axis,), name)
    return Tensor._make(np.asarray(fn(x, axis=axis, keepdims=keepdim), np.int64))


def argmax(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the largest value (of the flattened tensor when dim is None); the first on ties."""
    return _arg_extreme(input, dim, keepdim, np.argmax, "argmax")


def argmin(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the smallest value (of the flattened tensor when dim is None); the first on ties."""
    return _arg_extreme(input, dim, keepdim, np.argmin, "argmin")


# -- var, std ----------------------------------------------------------------------------------------------

class _Var(Op):
    """var or std over dims with a correction."""

    @staticmethod
    def forward(ctx, x, dims, correction, keepdim, take_sqrt):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        ctx.take_sqrt = take_sqrt
        n = _numel(x.shape, dims)
        dof = n - correction
        name = "std" if take_sqrt else "var"
        if dof <= 0:
            warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than "
                          "the reduction factor (input numel divided by output numel).", UserWarning,
                          stacklevel=4)
        ctx.dof = dof if dof > 0 else 0
        with np.errstate(divide="ignore", invalid="ignore"):
            m = np.mean(x, axis=dims, keepdims=True) if n else np.full_like(x, np.nan, shape=_kept_shape(
                x.shape, dims))
            d = x - m
            v = np.asarray(np.sum(d * d, axis=dims, keepdims=True) / np.asarray(ctx.dof, x.dtype), x.dtype)
        out = np.sqrt(v) if take_sqrt else v
        if not keepdim:
            out = _squeeze_dims(out, dims)
        ctx.save_for_backward(x, out)
        ctx._name = "StdBackward0" if take_sqrt else "VarBackward0"
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        g = _unreduce(g, ctx)
        if ctx.take_sqrt:
            # d std = d var / (2 std), taken as 0 where std is 0 (all equal values)
            zero = (out._data == 0)
            safe = _unreduce(out + _const(zero.astype(out._data.dtype)), ctx)
            g = g / (safe * 2) * _const(_kept_array(~zero, ctx).astype(out._data.dtype))
        with np.errstate(divide="ignore"):
            scale = np.divide(2.0, ctx.dof) if ctx.dof else math.inf
        return g * scale * (x - x.mean(ctx.dims, keepdim=True)), None, None, None, None


def _kept_array(a, ctx):
    return a if ctx.keepdim else a.reshape(_kept_shape(ctx.shape, ctx.dims))


def _var_args(input: Tensor, dim, unbiased, correction, name: str):
    if isinstance(dim, bool):
        if unbiased is not None:
            raise TypeError(f"{name}() received an invalid combination of arguments")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got both unbiased and "
                        "correction")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    if input._data.dtype.kind != "f":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    return _dims(input, dim), correction


def _with_mean(input: Tensor, dim, unbiased, keepdim: bool, correction, name: str) -> tuple:
    dims, c = _var_args(input, dim, unbiased, correction, name)
    spread = _Var.apply(input, dims, c, keepdim, name == "std_mean")
    avg = Mean.apply(input, dims, keepdim, None)
    for t in (spread, avg):
        if t.grad_fn is not None:
            t.grad_fn._name = "StdMeanBackward0" if name == "std_mean" else "VarMeanBackward0"
    return spread, avg


def var(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    """Variance over `dim` with `correction` (1: Bessel's; `unbiased=False` means 0)."""
    dims, c = _var_args(input, dim, unbiased, correction, "var")
    return _Var.apply(input, dims, c, keepdim, False)


def std(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    """Standard deviation over `dim` with `correction` (1: Bessel's; `unbiased=False` means 0)."""
    dims, c = _var_args(input, dim, unbiased, correction, "std")
    return _Var.apply(input, dims, c, keepdim, True)


def var_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> tuple:
    """(var, mean) over `dim`."""
    return _with_mean(input, dim, unbiased, keepdim, correction, "var_mean")


def std_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> tuple:
    """(std, mean) over `dim`."""
    return _with_mean(input, dim, unbiased, keepdim, correction, "std_mean")


# -- norm, logsumexp -----------------------------------------------------------------------------------------

class _VectorNorm(Op):
    _name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, x, p, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim, ctx.p = x.shape, dims, keepdim, p
        a = np.abs(x) if p != 2 else None
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if p == 2:
                out = np.sqrt(np.sum(x * x, axis=dims, keepdims=True))
            elif p == 1:
                out = np.sum(a, axis=dims, keepdims=True)
            elif p == 0:
                out = np.sum(x != 0, axis=dims, keepdims=True).astype(x.dtype)
            elif p == math.inf:
                out = np.amax(a, axis=dims, keepdims=True)
            elif p == -math.inf:
                out = np.amin(a, axis=dims, keepdims=True)
            else:
                out = np.sum(a ** p, axis=dims, keepdims=True) ** (1.0 / p)
        out = np.asarray(out, x.dtype)
        out = out if keepdim else _squeeze_dims(out, dims)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        p = ctx.p
        x, out = ctx.saved_tensors
        g = _unreduce(g, ctx)
        dt = g._data.dtype
        if p == 0:
            return None, None, None, None
        sign = np.sign(x._data).astype(dt)
        if p in (math.inf, -math.inf):
            ties = _tie_weight(np.abs(x._data), _kept_array(out._data, ctx), ctx.dims, False)
            return g * _const((sign * ties).astype(dt)), None, None, None
        if p == 1:
            return g * _const(sign), None, None, None
        # where the norm is 0 the gradient is taken as 0, as PyTorch does
        norm = _unreduce(out, ctx)
        zero = norm._data == 0
        safe = norm + _const(zero.astype(dt))
        live = _const((~zero).astype(dt))
        if p == 2:
            return x * (g / safe * live), None, None, None
        xzero = x._data == 0
        ax = x * _const(sign) + _const(xzero.astype(dt))
        grad = g * _const(sign * ~xzero) * ax.pow(p - 1) / safe.pow(p - 1) * live
        return grad, None, None, None


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, out=None, dtype=None) -> Tensor:
    """Vector p-norm over `dim` (every element by default): p=2/'fro' (default), 1, inf, -inf, 0, any p;
    p='nuc' is the nuclear norm of the matrices over two dims."""
    if out is not None:
        raise TypeError("norm(): the out= argument is not supported")
    if dtype is not None:
        input = input.to(dtype)
    x = input._data
    if x.dtype.kind != "f":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{_type_name(x.dtype)}")
    if isinstance(p, str):
        if p not in ("fro", "nuc"):
            raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
        if dim is not None and not isinstance(dim, (int, np.integer)) and len(dim) > 2:
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dim))}")
        if p == "nuc":
            return _nuclear_norm(input, dim, keepdim)
        p = 2
    if p is None:
        p = 2
    p = float(p)
    dims = _dims(input, dim)
    if p in (math.inf, -math.inf) and x.ndim:
        if x.size == 0 and len(dims) == x.ndim:
            if dim is None:
                raise RuntimeError("linalg.vector_norm cannot compute the inf norm on an empty tensor "
                                   "because the operation does not have an identity")
        for d in dims:
            if x.shape[d] == 0:
                raise RuntimeError(f"linalg.vector_norm cannot compute the inf norm on the dimension {d}"
                                   "because this dimension is empty and the operation does not have an "
                                   "identity")
    return _VectorNorm.apply(input, p, dims, keepdim)


def _nuclear_norm(input: Tensor, dim, keepdim: bool) -> Tensor:
    nd = input._data.ndim
    if dim is None:
        if nd != 2:
            if nd < 2:
                raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
            got = " ".join(map(str, range(nd)))
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {got}")
        dim = (0, 1)
    if isinstance(dim, (int, np.integer)) or len(dim) != 2:
        raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple.")
    if nd < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    d0, d1 = (wrap_dim(int(d), nd) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    # linalg's SVD-based matrix_norm: its backward is differentiable (create_graph=True)
    from .linalg_decomp import matrix_norm  # deferred: linalg_decomp imports this module

    return matrix_norm(input, "nuc", dim=(d0, d1), keepdim=keepdim)


class Logsumexp(Op):
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        x = floating(x)
        kept = _kept_shape(x.shape, dims)
        if x.size:
            m = np.amax(x, axis=dims, keepdims=True)
            m = np.where(np.isfinite(m), m, 0)
        else:
            m = np.zeros_like(x, shape=kept)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = np.log(np.sum(np.exp(x - m), axis=dims, keepdims=True)) + m
        out = np.asarray(out, x.dtype)
        out = out if keepdim else _squeeze_dims(out, dims)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        return _unreduce(g, ctx) * (x - _unreduce(out, ctx)).exp(), None, None


def logsumexp(input: Tensor, dim, keepdim: bool = False) -> Tensor:
    """log(sum(exp(x))) over `dim`, computed stably (shifted by the max)."""
    return Logsumexp.apply(input, _dims(input, dim), keepdim)


# -- all, any, count_nonzero ---------------------------------------------------------------------------------

def _logical_reduce(input: Tensor, dim, keepdim: bool, fn) -> Tensor:
    x = input._data
    dims = _dims(input, dim, empty_is_all=False) if dim is not None else tuple(range(x.ndim))
    # an empty dim sequence reduces nothing: the elementwise truth value
    res = np.asarray(fn(x, axis=dims, keepdims=keepdim)) if dims else np.asarray(x != 0)
    return Tensor._make(res.astype(np.uint8) if x.dtype == np.uint8 else res)


def all(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """Whether every element (over `dim`) is non-zero; bool (uint8 for uint8 input)."""
    return _logical_reduce(input, dim, keepdim, np.all)


def any(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """Whether some element (over `dim`) is non-zero; bool (uint8 for uint8 input)."""
    return _logical_reduce(input, dim, keepdim, np.any)


def count_nonzero(input: Tensor, dim=None) -> Tensor:
    """Number of non-zero elements over `dim` (every element by default), int64."""
    dims = _dims(input, dim)
    return Tensor._make(np.asarray(np.count_nonzero(input._data, axis=dims) if dims else
                                   (input._data != 0).astype(np.int64), np.int64))


# -- sorting and selection ----------------------------------------------------------------------------------

def _argsort(x, axis: int, descending: bool):
    """Stable argsort along axis; descending keeps equal elements in their original order. NaN is the
    largest value."""
    if not descending:
        return np.argsort(x, axis=axis, kind="stable")
    n = x.shape[axis]
    rev = np.argsort(np.flip(x, axis), axis=axis, kind="stable")
    return np.flip(n - 1 - rev, axis)


def _sort_axis(input: Tensor, dim) -> int:
    return wrap_dim(int(dim), input._data.ndim)


def sort(input: Tensor, dim: int = -1, descending: bool = False, stable=None):
    """(values, indices) sorted along `dim`; equal elements keep their order; NaN sorts as largest."""
    axis = _sort_axis(input, dim)
    x = input._data
    idx = np.zeros((), np.int64) if x.ndim == 0 else _argsort(x, axis, descending)
    return _pick(input, idx, axis, True, "SortBackward1" if stable is not None else "SortBackward0", "sort")


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """Indices that sort `input` along `dim` (stable)."""
    axis = _sort_axis(input, dim)
    x = input._data
    return Tensor._make(np.zeros((), np.int64) if x.ndim == 0 else _argsort(x, axis, descending))


def msort(input: Tensor) -> Tensor:
    """`input` sorted along its first dim."""
    return sort(input, 0).values


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):  # noqa: A002
    """(values, indices) of the k largest (or smallest) elements along `dim`, in order."""
    axis = _sort_axis(input, dim)
    x = input._data
    if x.dtype == np.bool_:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    n = x.shape[axis] if x.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    if x.ndim == 0:
        idx = np.zeros((), np.int64)
    elif 0 < 4 * k < n and type(x) is np.ndarray and x.dtype.kind in "fiu":
        idx = _topk_indices(x, k, axis, largest)
    else:
        idx = np.take(_argsort(x, axis, largest), np.arange(k), axis=axis)
    return _pick(input, idx, axis, True, "TopkBackward0", "topk")


def _topk_indices(x, k: int, axis: int, largest: bool):
    """The first k positions of _argsort(x, axis, largest) without sorting whole lines: a partition picks
    each line's k best, and only they are sorted. Where the partition left out an element tied with the
    k-th value, that line takes its ties in index order instead (NaN counts as the largest value)."""
    lines = np.moveaxis(x, axis, -1)
    shape = lines.shape
    a = lines.reshape(-1, shape[-1])
    n = a.shape[1]
    pivot = n - k if largest else k - 1
    part = np.argpartition(a, pivot, axis=1)
    cols = np.sort(part[:, pivot:] if largest else part[:, :k], axis=1)
    kth = np.take_along_axis(a, part[:, pivot:pivot + 1], axis=1)
    same = _equal_nan(a, kth)
    short = np.nonzero(same.sum(axis=1) != _equal_nan(np.take_along_axis(a, cols, axis=1), kth).sum(axis=1))[0]
    if short.size:  # those lines: every element beyond the k-th value, then its ties in index order
        b, t = a[short], same[short]
        beyond = _beyond(b, kth[short], largest)
        t &= np.cumsum(t, axis=1) <= k - beyond.sum(axis=1, keepdims=True)
        cols[short] = np.nonzero(beyond | t)[1].reshape(short.size, k)
    order = _argsort(np.take_along_axis(a, cols, axis=1), 1, largest)
    idx = np.take_along_axis(cols, order, axis=1)
    return np.moveaxis(idx.reshape(shape[:-1] + (k,)), -1, axis)


def _equal_nan(a, b):
    same = a == b
    if a.dtype.kind == "f":
        same |= np.isnan(a) & np.isnan(b)
    return same


def _beyond(a, kth, largest: bool):
    """Elements strictly beyond the k-th value in the order of sort (NaN largest)."""
    if not largest:
        return a < kth
    out = a > kth
    if a.dtype.kind == "f":
        out |= np.isnan(a) & ~np.isnan(kth)
    return out


def _select_dim(input: Tensor, dim, name: str) -> int:
    axis = _one_dim(input, dim, name)
    if input._data.ndim:
        _check_nonempty(input._data, (axis,), name)
    return axis


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False):
    """(values, indices) of the k-th smallest element along `dim` (k counts from 1)."""
    axis = _one_dim(input, dim, "kthvalue")
    x = input._data
    n = x.shape[axis] if x.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {axis}")
    if x.ndim == 0:
        return _pick(input, np.zeros((), np.int64), 0, keepdim, "KthvalueBackward0", "kthvalue")
    idx = np.take(np.argsort(x, axis=axis, kind="stable"), [k - 1], axis=axis)
    return _pick(input, idx, axis, keepdim, "KthvalueBackward0", "kthvalue")


def _median_positions(x, axis: int, ignore_nan: bool):
    """Stable sort order and, per line, the sorted position of the (lower) median (keepdim)."""
    order = np.argsort(x, axis=axis, kind="stable")
    n = x.shape[axis]
    if x.dtype.kind == "f":
        nans = np.isnan(x).sum(axis=axis, keepdims=True)
        if ignore_nan:
            pos = np.maximum(n - nans - 1, 0) // 2
        else:
            # any NaN makes the median NaN: the first NaN (NaNs sort last)
            pos = np.where(nans > 0, n - nans, (n - 1) // 2)
    else:
        pos = np.full([1 if d == axis else s for d, s in enumerate(x.shape)], (n - 1) // 2)
    return order, pos


def _median_value(x, ignore_nan: bool):
    """The (lower) median of all of x, shaped (1,)*ndim; NaN for an empty float tensor."""
    flat = x.reshape(-1)
    if flat.size == 0:
        return np.full_like(x, np.nan if x.dtype.kind == "f" else 0, shape=(1,) * x.ndim)
    order, pos = _median_positions(flat, 0, ignore_nan)
    return np.asarray(flat[order[int(pos.reshape(-1)[0])]], x.dtype).reshape((1,) * x.ndim)


class _MedianAll(_EvenSplit):
    _name = "MedianBackward0"
    nan_equal = True

    @staticmethod
    def reduce(x, axis=None, keepdims=True):
        return _median_value(x, False)


class _NanmedianAll(_EvenSplit):
    _name = "NanmedianBackward0"
    nan_equal = True

    @staticmethod
    def reduce(x, axis=None, keepdims=True):
        return _median_value(x, True)


def _median(input: Tensor, dim, keepdim: bool, ignore_nan: bool, name: str):
    x = input._data
    if x.dtype == np.bool_:
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for 'Bool'")
    cap = name.capitalize()
    if dim is None:
        op = _NanmedianAll if ignore_nan else _MedianAll
        return op.apply(input, tuple(range(x.ndim)), False)
    axis = _select_dim(input, dim, name)
    if x.ndim == 0:
        return _pick(input, np.zeros((), np.int64), 0, keepdim, cap + "Backward1", name)
    order, pos = _median_positions(x, axis, ignore_nan)
    idx = np.take_along_axis(order, pos, axis)
    return _pick(input, idx, axis, keepdim, cap + "Backward1", name)


def median(input: Tensor, dim=None, keepdim: bool = False):
    """median(x): the lower median (NaN if any); median(x, dim): (values, indices)."""
    return _median(input, dim, keepdim, False, "median")


def nanmedian(input: Tensor, dim=None, keepdim: bool = False):
    """Like median, ignoring NaN (NaN only where a line is all NaN)."""
    return _median(input, dim, keepdim, True, "nanmedian")


def mode(input: Tensor, dim: int = -1, keepdim: bool = False):
    """(values, indices): the most frequent value along `dim` (the smallest on ties) and its last index."""
    axis = _select_dim(input, dim, "mode")
    x = input._data
    if x.ndim == 0:
        return _pick(input, np.zeros((), np.int64), 0, keepdim, "ModeBackward0", "mode")
    n = x.shape[axis]
    order = np.argsort(x, axis=axis, kind="stable")
    sv = np.take_along_axis(x, order, axis)
    pos = np.arange(n).reshape([n if d == axis else 1 for d in range(x.ndim)])
    first = np.ones_like(sv, dtype=bool)
    head = [slice(None)] * x.ndim
    head[axis] = slice(1, None)
    tail = list(head)
    tail[axis] = slice(None, -1)
    first[tuple(head)] = sv[tuple(head)] != sv[tuple(tail)]
    start = np.maximum.accumulate(np.where(first, pos, 0), axis=axis)
    run = pos - start + 1  # position within its run of equal values
    best = run.max(axis=axis, keepdims=True)
    # the first run to reach the top count is the smallest value; its last element is its last index
    at = np.argmax(run == best, axis=axis, keepdims=True)
    return _pick(input, np.take_along_axis(order, at, axis), axis, keepdim, "ModeBackward0", "mode")


def _cum_extreme(input: Tensor, dim, acc, name: str):
    x = input._data
    axis = wrap_dim(int(dim), x.ndim)
    if x.ndim == 0:
        return _pick(input, np.zeros((), np.int64), 0, True, name.capitalize() + "Backward0", name)
    vals = acc.accumulate(x, axis=axis)
    upd = x == vals
    if x.dtype.kind == "f":
        upd |= np.isnan(x)
    n = x.shape[axis]
    pos = np.arange(n).reshape([n if d == axis else 1 for d in range(x.ndim)])
    idx = np.maximum.accumulate(np.where(upd, pos, 0), axis=axis) if x.size else np.zeros(x.shape, np.int64)
    return _pick(input, idx.astype(np.int64, copy=False), axis, True, name.capitalize() + "Backward0", name,
                 unique=False)


def cummax(input: Tensor, dim: int):
    """(values, indices): running maximum along `dim`, with the (last) index where it was reached."""
    return _cum_extreme(input, dim, np.maximum, "cummax")


def cummin(input: Tensor, dim: int):
    """(values, indices): running minimum along `dim`, with the (last) index where it was reached."""
    return _cum_extreme(input, dim, np.minimum, "cummin")


# -- unique, bincount, histc (not differentiable) ------------------------------------------------------------

class _Unique(Op):
    """Carries unique()'s values; like PyTorch, it has a grad_fn whose backward is not implemented."""

    _name = "Unique2Backward0"

    @staticmethod
    def forward(ctx, x, values):
        return values

    @staticmethod
    def backward(ctx, g):
        raise NotImplementedError("the derivative for '_unique2' is not implemented.")


def _lines(x, axis: int):
    """x with `axis` moved first and the rest flattened: one row per slice along axis."""
    moved = np.moveaxis(x, axis, 0)
    return moved.reshape(moved.shape[0], -1), moved.shape


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim=None):
    """The distinct values (sorted), or distinct slices along `dim`; optionally inverse indices and counts."""
    x = input._data
    if dim is None:
        vals, inv, counts = np.unique(x.reshape(-1), return_inverse=True, return_counts=True, equal_nan=False)
        inv = inv.reshape(x.shape)
    else:
        axis = wrap_dim(int(dim), x.ndim)
        vals, inv, counts = np.unique(x, return_inverse=True, return_counts=True, axis=axis)
        inv = inv.reshape(-1)
    out = _Unique.apply(input, vals)
    if dim is not None and out.grad_fn is not None:
        out.grad_fn._name = "UniqueDimBackward0"
    res = [out]
    if return_inverse:
        res.append(Tensor._make(inv.astype(np.int64, copy=False)))
    if return_counts:
        res.append(Tensor._make(counts.astype(np.int64, copy=False)))
    return res[0] if len(res) == 1 else tuple(res)


def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False, dim=None):
    """Collapse runs of equal consecutive values (or slices along `dim`); optionally inverse and counts."""
    x = input._data
    if dim is None:
        flat = x.reshape(-1)
        new = np.ones(flat.shape, bool)
        new[1:] = flat[1:] != flat[:-1]
        vals = flat[new]
        inv_shape = x.shape
    else:
        axis = wrap_dim(int(dim), x.ndim)
        rows, _ = _lines(x, axis)
        new = np.ones(rows.shape[0], bool)
        new[1:] = (rows[1:] != rows[:-1]).any(axis=1)
        vals = np.compress(new, x, axis=axis)
        inv_shape = (rows.shape[0],)
    out = _Unique.apply(input, vals)
    if out.grad_fn is not None:
        out.grad_fn._name = "UniqueConsecutiveBackward0"
    res = [out]
    if return_inverse:
        res.append(Tensor._make((np.cumsum(new) - 1).astype(np.int64).reshape(inv_shape)))
    if return_counts:
        starts = np.flatnonzero(new)
        res.append(Tensor._make(np.diff(np.append(starts, new.size)).astype(np.int64)))
    return res[0] if len(res) == 1 else tuple(res)


def bincount(input: Tensor, weights=None, minlength: int = 0) -> Tensor:
    """Counts of each non-negative integer in a 1-d tensor (sums of `weights` when given)."""
    x = input._data
    if x.dtype.kind not in "iu":
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{_type_name(x.dtype)}'")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if x.ndim != 1 or (x.size and x.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is None:
        return Tensor._make(np.bincount(x, minlength=minlength).astype(np.int64, copy=False))
    w = weights._data if isinstance(weights, Tensor) else np.asarray(weights)
    if w.ndim != 1 or w.shape[0] != x.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    dt = np.float32 if w.dtype == np.float32 else np.float64
    return Tensor._make(np.bincount(x, weights=w, minlength=minlength).astype(dt, copy=False))


def histc(input: Tensor, bins: int = 100, min=0, max=0) -> Tensor:  # noqa: A002
    """Histogram with `bins` equal bins over [min, max] (the data's range when both are 0)."""
    x = input._data
    if x.dtype.kind != "f":
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{_type_name(x.dtype)}'")
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    lo, hi = float(min), float(max)
    if lo == hi and x.size:
        lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{lo:g}, {hi:g}] is not finite")
    flat = x.reshape(-1)
    inside = flat[(flat >= lo) & (flat <= hi)]
    lo_t, hi_t = np.asarray(lo, x.dtype), np.asarray(hi, x.dtype)
    pos = ((inside - lo_t) / (hi_t - lo_t) * np.asarray(bins, x.dtype)).astype(np.int64)
    pos = np.minimum(pos, bins - 1)
    return Tensor._make(np.bincount(pos, minlength=bins)[:bins].astype(x.dtype))
