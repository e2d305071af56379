"""Matrix products and linear algebra."""

from __future__ import annotations

import numpy as np

from ..backend import dtypes as _dt
from ._common import Op, Tensor

__all__ = ["matmul", "mm"]
METHODS = ("matmul", "mm")
INPLACE = ()


def _same_dtype(a, b, what: str) -> None:
    if a.dtype != b.dtype:
        raise RuntimeError(f"{what}: expected m1 and m2 to have the same dtype, but got: "
                           f"{_dt._FROM_NP[a.dtype].name} != {_dt._FROM_NP[b.dtype].name}")


class Matmul(Op):
    """np.matmul semantics (1-D promotion, batched broadcast), which are PyTorch's."""

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {a.ndim}D "
                               f"and {b.ndim}D")
        _same_dtype(a, b, "matmul")
        k_a = a.shape[-1]
        k_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
        if k_a != k_b:
            sa = f"{a.shape[-2] if a.ndim > 1 else 1}x{k_a}"
            sb = f"{k_b}x{b.shape[-1] if b.ndim > 1 else 1}"
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({sa} and {sb})")
        ctx.save_for_backward(a, b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need = ctx.needs_input_grad
        a1, b1 = a.dim() == 1, b.dim() == 1
        a2 = a.unsqueeze(0) if a1 else a
        b2 = b.unsqueeze(-1) if b1 else b
        g2 = g.unsqueeze(-2) if a1 else g
        g2 = g2.unsqueeze(-1) if b1 else g2
        ga = g2.matmul(b2.transpose(-2, -1)) if need[0] else None
        gb = a2.transpose(-2, -1).matmul(g2) if need[1] else None
        return ga, gb


class Mm(Matmul):
    pass


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """Matrix product with broadcasting over batch dims; 1-D operands are promoted and squeezed."""
    return Matmul.apply(input, other)


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    if input.dim() != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.dim() != 2:
        raise RuntimeError("mat2 must be a matrix")
    return Mm.apply(input, mat2)


DUNDERS = {"__matmul__": matmul, "__rmatmul__": lambda self, other: matmul(other, self)}
