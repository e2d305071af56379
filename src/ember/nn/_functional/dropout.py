"""Dropout: elementwise (dropout, alpha_dropout) and channel-wise (dropout1d/2d/3d, feature_alpha_dropout).

The masks are drawn from ember's default generator (so `ember.manual_seed` makes them reproducible) and
applied as a multiplication by a constant tensor: the gradient is the mask times the scale, and the
result's grad_fn is PyTorch's (MulBackward0, or AddBackward0 for the alpha forms).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ... import _tensor
from ... import random as _random
from ...ops.shape import squeeze, unsqueeze

Tensor = _tensor.Tensor

__all__ = ["dropout", "alpha_dropout", "feature_alpha_dropout", "dropout1d", "dropout2d", "dropout3d"]

_SCALAR = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
# SELU's negative saturation value -lambda * alpha: alpha dropout sets dropped units to it
_SELU_SAT = 1.7580993408473766


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(input: Tensor, shape: tuple, p: float):
    """1.0 where a unit is kept (probability 1 - p), 0.0 elsewhere, in input's dtype and on its device."""
    u = _random.default_generator._rng.random(shape, dtype=np.float32)
    keep = (u < np.float32(1 - p)).astype(input._data.dtype)
    return _random._on(keep, input)


def _check_float(input: Tensor) -> None:
    """The scaled mask is floating point; PyTorch cannot write it into an integer noise tensor."""
    dt = input._data.dtype
    if dt.kind != "f":
        name = _SCALAR.get(dt.name, dt.name)
        raise RuntimeError(f"result type Float can't be cast to the desired output type {name}")


def _noise_shape(input: Tensor, feature: bool, batched: bool = True) -> tuple:
    """One mask value per element, or per channel of (N, C, *) input (of (C, *) input when unbatched)."""
    shape = tuple(input.shape)
    if not feature:
        return shape
    if not batched:
        return shape[:1] + (1,) * (len(shape) - 1)
    if len(shape) < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    return shape[:2] + (1,) * (len(shape) - 2)


def _mul(input: Tensor, noise, inplace: bool) -> Tensor:
    t = Tensor._make(noise)
    return input.mul_(t) if inplace else input * t


def _dropout(input: Tensor, p: float, training: bool, inplace: bool, feature: bool,
             batched: bool = True) -> Tensor:
    if p == 0 or not training or input.numel() == 0:
        return input
    shape = _noise_shape(input, feature, batched)
    if p == 1:
        return _mul(input, np.zeros_like(input._data, shape=()), inplace)
    _check_float(input)
    noise = _keep_mask(input, shape, p)
    noise *= noise.dtype.type(1 / (1 - p))
    return _mul(input, noise, inplace)


def _alpha_dropout(input: Tensor, p: float, training: bool, inplace: bool, feature: bool) -> Tensor:
    if p == 0 or not training or input.numel() == 0:
        return input
    shape = _noise_shape(input, feature)
    if p == 1:
        return _mul(input, np.zeros_like(input._data, shape=()), inplace)
    _check_float(input)
    # dropped units become -SELU_SAT, then an affine map a * x + c restores zero mean and unit variance
    a = 1 / math.sqrt((_SELU_SAT * _SELU_SAT * p + 1) * (1 - p))
    keep = _keep_mask(input, shape, p)
    dt = keep.dtype.type
    shift = (keep - 1) * dt(_SELU_SAT * a) + dt(_SELU_SAT * a * p)
    keep *= dt(a)
    out = _mul(input, keep, inplace)
    s = Tensor._make(shift)
    return out.add_(s) if inplace else out + s


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability p and scale the rest by 1 / (1 - p) (identity unless training)."""
    _check_p(p)
    return _dropout(input, p, training, inplace, False)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Dropout for SELU networks: keeps the input's mean and variance (identity unless training)."""
    _check_p(p)
    return _alpha_dropout(input, p, training, inplace, False)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """alpha_dropout of whole channels (dim 1) of (N, C, *) input."""
    _check_p(p)
    return _alpha_dropout(input, p, training, inplace, True)


def _channel_dropout_unbatched(input: Tensor, p: float, training: bool, inplace: bool) -> Tensor:
    """Channel dropout of input without its batch dim: through a batch of one, as PyTorch (and its graph:
    the result comes from a squeeze); in place, the per-channel mask is applied to input directly."""
    if inplace:
        return _dropout(input, p, training, True, True, batched=False)
    return squeeze(_dropout(unsqueeze(input, 0), p, training, False, True), 0)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, L) or (C, L) input with probability p, scaling the rest."""
    _check_p(p)
    nd = input.dim()
    if nd not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {nd}D input. Note that dropout1d "
                           "exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel "
                           "dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    if nd == 2:
        return _channel_dropout_unbatched(input, p, training, inplace)
    return _dropout(input, p, training, inplace, True)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, H, W) input with probability p, scaling the rest. (A 3-D input is
    taken as (N, C, L), as PyTorch does for now.)"""
    _check_p(p)
    nd = input.dim()
    if nd not in (3, 4):
        warnings.warn(f"dropout2d: Received a {nd}-D input to dropout2d, which is deprecated and will result in an "
                      "error in a future release. To retain the behavior and silence this warning, please use "
                      "dropout instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D "
                      "inputs).", stacklevel=2)
    if nd == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please "
                      "switch to using dropout1d instead.", stacklevel=2)
    return _dropout(input, p, training, inplace, True)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) input with probability p, scaling the rest."""
    _check_p(p)
    nd = input.dim()
    if nd not in (4, 5):
        warnings.warn(f"dropout3d: Received a {nd}-D input to dropout3d, which is deprecated and will result in an "
                      "error in a future release. To retain the behavior and silence this warning, please use "
                      "dropout instead. Note that dropout3d exists to provide channel-wise dropout on inputs with 3 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 4D or 5D "
                      "inputs).", stacklevel=2)
    if nd != 5:
        return _channel_dropout_unbatched(input, p, training, inplace)
    return _dropout(input, p, training, inplace, True)
