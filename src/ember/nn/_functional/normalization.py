"""Normalisation: batch_norm, instance_norm, layer_norm, group_norm, rms_norm, local_response_norm and
normalize, with PyTorch's argument checks and messages. Batch, layer and group norm are fused ops of
ember.ops.norm; the others are compositions of differentiable ops."""

from __future__ import annotations

import numpy as np

from ... import _tensor
from ...autograd.grad_mode import no_grad
from ...autograd.grad_mode import state as _grad
from ...backend import dtypes as _dt
from ...ops import norm as _norm
from ...ops.elementwise import _not_implemented
from .padding import pad

Tensor = _tensor.Tensor

__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm", "local_response_norm",
           "normalize"]

_SCALAR = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16"}


def _scalar_name(arr) -> str:
    name = _dt._FROM_NP[arr.dtype].name
    return _SCALAR.get(name, name)


def _float_input(x: Tensor, kernel: str) -> None:
    if x._data.dtype.kind != "f":
        raise _not_implemented(kernel, x._data, suffix=False)


def _check_dtypes(x: Tensor, *params) -> None:
    """PyTorch's CPU rule: parameters share the input's dtype, or are all float32 for a float16 input."""
    arrays = [p._data for p in params if p is not None]
    if not arrays:
        return
    xd = x._data.dtype
    if arrays[0].dtype == xd:
        for a in arrays[1:]:
            if a.dtype != xd:
                raise RuntimeError(f"expected scalar type {_scalar_name(x._data)} but found {_scalar_name(a)}")
        return
    if any(a.dtype != np.float32 for a in arrays):
        raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")
    if xd != np.float16:
        raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")


def _check_size(name: str, t: Tensor | None, n: int) -> None:
    if t is not None and t._data.size != n:
        raise RuntimeError(f"{name} should contain {n} elements not {t._data.size}")


def _recording(*tensors) -> bool:
    """Whether the op will be recorded (its forward then keeps what backward needs)."""
    return _grad.enabled and any(t is not None and t._rg for t in tensors)


def _verify_batch_size(size) -> None:
    prod = size[0]
    for s in size[2:]:
        prod *= s
    if prod == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {size}")


def _bump(t: Tensor) -> None:
    t._vc[0] += 1


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (dim 1) by the batch's statistics (training) or the running ones, then
    scale and shift; in training, running_mean / running_var are updated in place."""
    if training:
        _verify_batch_size(input.size())
        if (running_mean is None) != (running_var is None):
            raise ValueError("running_mean and running_var must either both be None or neither be None")
    return _batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def _batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps) -> Tensor:
    x = input._data
    if x.ndim < 2:
        _tensor._wrap_dim(1, x.ndim)  # PyTorch's IndexError for a missing channel dim
    _float_input(input, "batch_norm")
    c = x.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        _check_size(name, t, c)
    if not training and running_mean is None:
        raise RuntimeError("running_mean must be defined in evaluation mode")
    if not training and running_var is None:
        raise RuntimeError("running_var must be defined in evaluation mode")
    _check_dtypes(input, weight, bias, running_mean, running_var)
    running = None
    if running_mean is not None:
        running = (running_mean._data.reshape(c), running_var._data.reshape(c))
    out = _norm.BatchNorm.apply(input, weight, bias, running=running, training=bool(training),
                                momentum=float(momentum), eps=float(eps))
    if training and running is not None and x.size:
        _bump(running_mean)
        _bump(running_var)
    return out


def instance_norm(input: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,
                  weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each (sample, channel) plane by its own statistics (or, with use_input_stats=False, the
    running ones); running statistics are updated with the batch average of the instances'."""
    if use_input_stats:
        size = input.size()
        prod = 1
        for s in size[2:]:
            prod *= s
        if prod == 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input size {size}")
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither be None")
    if not use_input_stats and running_mean is None:
        raise RuntimeError("Expected running_mean and running_var to be defined when use_input_stats is false")
    shape = tuple(input.shape)
    n, c = shape[0], shape[1]
    # every (sample, channel) is a channel of one batch: (1, N * C, *)
    x = input.reshape(1, n * c, *shape[2:])
    w = weight.repeat(n) if weight is not None else None
    b = bias.repeat(n) if bias is not None else None
    rm = rv = None
    if running_mean is not None:
        rm = Tensor._make(np.tile(running_mean._data, n))
        rv = Tensor._make(np.tile(running_var._data, n))
    out = _batch_norm(x, rm, rv, w, b, use_input_stats, momentum, eps)
    if use_input_stats and running_mean is not None and input._data.size:
        with no_grad():
            running_mean._data[...] = rm._data.reshape(n, c).mean(axis=0)
            running_var._data[...] = rv._data.reshape(n, c).mean(axis=0)
        _bump(running_mean)
        _bump(running_var)
    return out.reshape(shape)


def _normalized_shape(normalized_shape) -> tuple:
    if isinstance(normalized_shape, (int, np.integer)):
        return (int(normalized_shape),)
    return tuple(int(s) for s in normalized_shape)


def _check_normalized(input: Tensor, shape: tuple, weight, bias, sep: str = ", ") -> None:
    if not shape:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
                           "element, but got normalized_shape = []")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t._data.shape) != shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                               f"{list(t._data.shape)} and normalized_shape = {list(shape)}")
    xs = tuple(input._data.shape)
    if len(xs) < len(shape) or xs[len(xs) - len(shape):] != shape:
        inner = ", ".join(str(s) for s in shape)
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape [*{sep}{inner}], "
                           f"but got input of size{list(xs)}")


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise over the trailing `normalized_shape` dims, then scale by weight and shift by bias."""
    if isinstance(normalized_shape, (int, np.integer)):
        raise TypeError("layer_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not int")
    shape = _normalized_shape(normalized_shape)
    _check_normalized(input, shape, weight, bias)
    _float_input(input, "LayerNormKernelImpl")
    _check_dtypes(input, weight, bias)
    return _norm.LayerNorm.apply(input, weight, bias, ndim=len(shape), eps=float(eps),
                                save=_recording(input, weight, bias))


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise each sample over groups of channels, then scale and shift each channel."""
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.dim()}")
    shape = list(input.shape)
    _verify_batch_size([shape[0] * shape[1] // num_groups, num_groups] + shape[2:])
    c = shape[1]
    if c % num_groups:
        raise RuntimeError("Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {shape} and num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t._data.ndim != 1 or t._data.size != c):
            # PyTorch's message shows the weight's shape ([0] when there is none) for both
            shown = list(weight._data.shape) if weight is not None else [0]
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, "
                               f"but got {name} of shape {shown} and input of shape {shape}")
    _float_input(input, "GroupNormKernelImpl")
    _check_dtypes(input, weight, bias)
    return _norm.GroupNorm.apply(input, weight, bias, groups=int(num_groups), eps=float(eps),
                                save=_recording(input, weight, bias))


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """x / sqrt(mean(x^2) + eps) over the trailing `normalized_shape` dims, times weight (eps defaults to
    the machine epsilon of input's dtype)."""
    shape = _normalized_shape(normalized_shape)
    _check_normalized(input, shape, weight, None, sep="")
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps)
    dims = tuple(range(input.dim() - len(shape), input.dim()))
    out = input * (input.pow(2).mean(dims, keepdim=True) + eps).rsqrt()
    return out if weight is None else out * weight


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """x / (k + alpha * mean of x^2 over a window of `size` neighbouring channels) ** beta."""
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          input (got {dim} "
                         "dimensions)")
    if input.numel() == 0:
        return input
    c = input.shape[1]
    # zero channels around the squares, then the window of channel i is padded channels [i, i + size)
    padded = pad(input * input, [0, 0] * (dim - 2) + [size // 2, (size - 1) // 2])
    total = padded[:, 0:c]
    for off in range(1, size):
        total = total + padded[:, off:off + c]
    div = (total * (alpha / size) + k).pow(beta)
    return input / div


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Tensor | None = None) -> Tensor:
    """input divided by its p-norm along dim (at least eps)."""
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    if out is None:
        return input / denom
    from ... import div
    return div(input, denom, out=out)

