"""Gradient clipping: by total norm (clip_grad_norm_) or elementwise by value (clip_grad_value_)."""

from __future__ import annotations

import math
import types
import warnings
from collections.abc import Iterable

import numpy as np

from ... import _tensor
from ...backend.device import xp_of

Tensor = _tensor.Tensor

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]


def _as_list(tensors, warn_empty_generator: bool = False) -> list:
    if isinstance(tensors, Tensor):
        return [tensors]
    is_generator = isinstance(tensors, types.GeneratorType)
    tensors = list(tensors)
    if warn_empty_generator and is_generator and not tensors:
        warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=3)
    return tensors


def _vector_norm(arr, p: float):
    """The p-norm of all elements of arr, as a float64 0-d array on arr's device."""
    xp = xp_of(arr)
    a = xp.abs(arr.astype(np.float64, copy=False))
    if a.size == 0:
        return xp.asarray(0.0)
    if p == math.inf:
        return a.max()
    if p == -math.inf:
        return a.min()
    if p == 0:
        return xp.asarray(float(xp.count_nonzero(a)))
    if p == 1:
        return a.sum()
    if p == 2:
        return xp.sqrt(xp.vdot(a.ravel(), a.ravel()))
    return (a ** p).sum() ** (1.0 / p)


def get_total_norm(tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: bool | None = None) -> Tensor:
    """The norm of the norms of tensors (as if they were concatenated into one vector)."""
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return _tensor.tensor(0.0)
    norms = [_vector_norm(t._data, norm_type) for t in tensors]
    xp = xp_of(tensors[0]._data)
    total = _vector_norm(xp.stack([xp.asarray(n) for n in norms]), norm_type)
    dtype = np.result_type(*[t._data.dtype for t in tensors])
    result = Tensor._make(xp.asarray(total).astype(dtype))
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it "
            "cannot be clipped. To disable this error and scale the gradients by the non-finite norm "
            "anyway, set `error_if_nonfinite=False`")
    return result


def clip_grads_with_norm_(parameters, max_norm: float, total_norm: Tensor,
                          foreach: bool | None = None) -> None:
    """Scale the gradients in place by max_norm / (total_norm + 1e-6) when that is below 1."""
    parameters = _as_list(parameters)
    grads = [p._grad for p in parameters if p._grad is not None]
    if not grads:
        return
    coef = float(max_norm) / (float(total_norm.item()) + 1e-6)
    coef = min(coef, 1.0)
    with np.errstate(invalid="ignore"):  # a non-finite norm gives NaN gradients silently, as in PyTorch
        for g in grads:
            g._data *= g._data.dtype.type(coef)
            g._vc[0] += 1


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach: bool | None = None) -> Tensor:
    """Rescale the gradients of parameters in place so that their total norm is at most max_norm.

    Returns the total norm before clipping (a 0-d tensor)."""
    parameters = _as_list(parameters, warn_empty_generator=True)
    grads = [p._grad for p in parameters if p._grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


def clip_grad_norm(parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: bool | None = None) -> Tensor:
    """Deprecated alias of clip_grad_norm_."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clamp every gradient elementwise into [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    for p in _as_list(parameters):
        g = p._grad
        if g is not None:
            xp_of(g._data).clip(g._data, -clip_value, clip_value, out=g._data)
            g._vc[0] += 1
