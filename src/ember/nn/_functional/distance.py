"""Distances between vectors: cosine_similarity, pairwise_distance and pdist, as compositions of
differentiable ops with PyTorch's conventions (eps placement, clamping, grad_fn names)."""

from __future__ import annotations

import numpy as np

from ... import _tensor
from ...autograd.grad_mode import no_grad
from ...backend import dtypes as _dt
from ...linalg import vector_norm
from ...ops._common import result_dtype
from ...ops.elementwise import _broadcast_error

Tensor = _tensor.Tensor

__all__ = ["cosine_similarity", "pairwise_distance", "pdist"]

_SCALAR = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Cosine of the angle between x1 and x2 (broadcast together) along dim: each is divided by its norm,
    clamped below at eps, before the dot product (which keeps the result within [-1, 1])."""
    dt = result_dtype(x1._data, x2._data)
    if dt.kind != "f":
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is "
                           f"{_SCALAR.get(dt.name, dt.name)}")
    t = _dt._FROM_NP[dt]
    a, b = x1.to(t), x2.to(t)
    if x1._data.shape != x2._data.shape:
        try:
            shape = np.broadcast_shapes(x1._data.shape, x2._data.shape)
        except ValueError:
            raise _broadcast_error((x1._data, x2._data)) from None
        a, b = a.expand(shape), b.expand(shape)
    n1 = vector_norm(a, 2, dim, keepdim=True).clone()
    n2 = vector_norm(b, 2, dim, keepdim=True).clone()
    # the clamp is outside autograd: the gradient flows as if the norm were not clamped (as PyTorch)
    with no_grad():
        n1.clamp_min_(eps)
        n2.clamp_min_(eps)
    return ((a / n1) * (b / n2)).sum(dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """p-norm of x1 - x2 + eps along the last dimension (of the broadcast shape)."""
    nd = max(x1.dim(), x2.dim())
    out = (x1 - x2 + eps).norm(p, nd - 1 if nd else None, keepdim)
    if out.grad_fn is not None:
        out.grad_fn._name = "NormBackward1"
    return out


def pdist(input: Tensor, p: float = 2) -> Tensor:
    """p-norm distances between every pair of rows i < j of a 2-D input, in row-major order of (i, j)."""
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if input._data.dtype.kind != "f":
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    n = input.shape[0]
    i, j = np.triu_indices(n, 1)
    diff = input.index_select(0, Tensor._make(i)) - input.index_select(0, Tensor._make(j))
    out = vector_norm(diff, p, 1)
    if out.grad_fn is not None:
        out.grad_fn._name = "PdistBackward0"
    return out
