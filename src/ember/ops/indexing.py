"""Indexing: basic slicing (views), advanced integer/boolean indexing, and the index/scatter family."""

from __future__ import annotations

import numpy as np

from ._common import Op, Tensor, make_view

__all__ = []
METHODS = ()
INPLACE = ()


def _convert_index(idx):
    """Tensors in an index become arrays; report whether the index is basic (gives a view)."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    out = []
    basic = True
    for i in idx:
        if isinstance(i, Tensor):
            if i._data.ndim == 0 and i._data.dtype.kind in "iu":
                out.append(int(i._data))
                continue
            out.append(i._data)
            basic = False
        elif isinstance(i, (list, np.ndarray)):
            out.append(np.asarray(i))
            basic = False
        elif i is None or i is Ellipsis or isinstance(i, (int, np.integer, slice)):
            if isinstance(i, bool):
                basic = False
            out.append(i)
        else:
            raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                             "Variables are valid indices (got " + type(i).__name__ + ")")
    return tuple(out), basic


class Index(Op):
    """x[idx]: a view for basic indices, a gather for advanced ones."""

    @staticmethod
    def forward(ctx, x, idx, basic):
        ctx.in_shape, ctx.in_dtype, ctx.idx, ctx.basic = x.shape, x.dtype, idx, basic
        _check_bounds(x.shape, idx)
        return x[idx]

    @staticmethod
    def backward(ctx, g):
        return IndexAddBackward.apply(g, ctx.in_shape, ctx.idx, ctx.basic), None, None


class IndexAddBackward(Op):
    """Scatter-add a gradient into zeros of the input's shape (repeated indices accumulate)."""

    @staticmethod
    def forward(ctx, g, shape, idx, basic):
        ctx.idx, ctx.basic = idx, basic
        out = np.zeros(shape, g.dtype) if type(g) is np.ndarray else g.__array_namespace__().zeros(shape, g.dtype)
        if basic:
            out[idx] = g
        else:
            np.add.at(out, idx, g)
        return out

    @staticmethod
    def backward(ctx, gg):
        return gg[ctx.idx] if ctx.basic else Index.apply(gg, ctx.idx, False), None, None, None


def _check_bounds(shape, idx) -> None:
    dim = 0
    for i in idx:
        if i is None:
            continue
        if i is Ellipsis:
            dim = len(shape) - sum(1 for j in idx if j is not None and j is not Ellipsis
                                   and not (isinstance(j, np.ndarray) and j.dtype == bool))
            continue
        if isinstance(i, (int, np.integer)) and not isinstance(i, bool):
            if dim >= len(shape):
                raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
            if not -shape[dim] <= i < shape[dim]:
                raise IndexError(f"index {i} is out of bounds for dimension {dim} with size {shape[dim]}")
        dim += i.ndim if isinstance(i, np.ndarray) and i.dtype == bool else 1


def getitem(self: Tensor, idx) -> Tensor:
    arr_idx, basic = _convert_index(idx)
    out = Index.apply(self, arr_idx, basic)
    if basic:
        name = "SelectBackward0" if any(isinstance(i, int) for i in arr_idx) else "SliceBackward0"
        if out.grad_fn is not None:
            out.grad_fn._name = name
        return make_view(out, self, lambda b: getitem(b, idx))
    return out


DUNDERS = {"__getitem__": getitem}
