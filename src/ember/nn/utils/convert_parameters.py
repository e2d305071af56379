"""Flatten parameters into one vector and back."""

from __future__ import annotations

from collections.abc import Iterable

from ... import _tensor
from ...backend.device import xp_of
from ...ops._common import Op
from ..module import typename

Tensor = _tensor.Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


class _FlatCat(Op):
    """Every input flattened and concatenated, as one node."""

    _name = "CatBackward0"

    @staticmethod
    def forward(ctx, *arrays):
        ctx.shapes = [a.shape for a in arrays]
        return xp_of(arrays[0]).concatenate([a.reshape(-1) for a in arrays])

    @staticmethod
    def backward(ctx, g):
        grads = []
        start = 0
        for shape, need in zip(ctx.shapes, ctx.needs_input_grad):
            n = 1
            for s in shape:
                n *= s
            grads.append(g[start:start + n].reshape(shape) if need else None)
            start += n
        return tuple(grads)


def _check_same_device(param: Tensor, old_device):
    if old_device is not None and param.device != old_device:
        raise TypeError("Found two parameters on different devices, this is currently not supported.")
    return param.device


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened into one 1-D tensor (differentiable)."""
    params = list(parameters)
    if not params:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    device = None
    for p in params:
        device = _check_same_device(p, device)
    return _FlatCat.apply(*params)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Make each parameter's data a slice of vec (they then share memory with vec)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {typename(vec)}")
    device = None
    pointer = 0
    for param in parameters:
        device = _check_same_device(param, device)
        n = param.numel()
        param.data = vec[pointer:pointer + n].view_as(param).data
        pointer += n
