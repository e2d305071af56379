"""Reductions over all elements or over `dim` (an int or a tuple), with `keepdim`."""

from __future__ import annotations

import numpy as np

from ..backend import dtypes as _dt
from ._common import Op, Tensor, dims_tuple

__all__ = ["sum", "mean"]
METHODS = ("sum", "mean")
INPLACE = ()


def _kept_shape(shape, dims) -> tuple:
    return tuple(1 if i in dims else n for i, n in enumerate(shape))


def _grad_to_input(g: Tensor, ctx) -> Tensor:
    """Bring the gradient of a reduction back to the input's shape (re-insert reduced dims, expand)."""
    if not ctx.keepdim:
        g = g.reshape(_kept_shape(ctx.shape, ctx.dims))
    return g.expand(ctx.shape)


class Sum(Op):
    @staticmethod
    def forward(ctx, x, dims, keepdim, np_dtype):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        if np_dtype is None and x.dtype.kind in "biu":
            np_dtype = np.int64
        return np.asarray(x.sum(axis=dims, keepdims=keepdim, dtype=np_dtype))

    @staticmethod
    def backward(ctx, g):
        return _grad_to_input(g, ctx), None, None, None


class Mean(Op):
    @staticmethod
    def forward(ctx, x, dims, keepdim, np_dtype):
        if x.dtype.kind not in "f" and np_dtype is None:
            raise RuntimeError(
                "mean(): could not infer output dtype. Input dtype must be either a floating point or "
                f"complex dtype. Got: {_dt._FROM_NP[x.dtype].name.capitalize()}")
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        n = 1
        for d in dims:
            n *= x.shape[d]
        ctx.n = n
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(x.mean(axis=dims, keepdims=keepdim, dtype=np_dtype))

    @staticmethod
    def backward(ctx, g):
        return _grad_to_input(g / ctx.n, ctx), None, None, None


def _reduction_args(input: Tensor, dim, dtype):
    dims = dims_tuple(dim, input._data.ndim) if dim is not None and dim != () and dim != [] else \
        tuple(range(input._data.ndim))
    return dims, (dtype.np if dtype is not None else None)


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A001
    """Sum of all elements, or over `dim`; integer and bool inputs sum to int64."""
    dims, np_dtype = _reduction_args(input, dim, dtype)
    out = Sum.apply(input, dims, keepdim, np_dtype)
    if dim is not None and out.grad_fn is not None:
        out.grad_fn._name = "SumBackward1"
    return out


def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    dims, np_dtype = _reduction_args(input, dim, dtype)
    out = Mean.apply(input, dims, keepdim, np_dtype)
    if dim is not None and out.grad_fn is not None:
        out.grad_fn._name = "MeanBackward1"
    return out
