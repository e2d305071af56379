"""Activation functions of ember.nn.functional (relu ... softmax), with PyTorch's signatures and `inplace=`
forms. The primitives live in ember.ops.activation (pointwise) and ember.ops.fused (softmax family)."""

from __future__ import annotations

import warnings

from ... import _tensor
from ...ops import activation as _act
from ...ops import fused as _fused
from ...ops._common import wrap_dim
from ...ops.elementwise import relu as _relu
from ...ops.elementwise import sigmoid as _sigmoid
from ...ops.elementwise import tanh as _tanh

Tensor = _tensor.Tensor

__all__ = [
    "relu", "relu_", "relu6", "elu", "elu_", "selu", "selu_", "celu", "celu_", "prelu", "leaky_relu",
    "leaky_relu_", "threshold", "threshold_", "hardtanh", "hardtanh_", "sigmoid", "tanh", "logsigmoid",
    "softplus", "softshrink", "softsign", "tanhshrink", "softmin", "softmax", "log_softmax", "gelu",
    "silu", "mish", "hardsigmoid", "hardswish", "glu", "hardshrink", "rrelu", "rrelu_",
]


def _maybe_inplace(input: Tensor, inplace: bool, fn, *args, inplace_name: str | None = None) -> Tensor:
    """fn(input, ...) out of place, or written back into input (autograd rewired) when inplace; some
    in-place variants name their node differently in PyTorch (`inplace_name`)."""
    if inplace:
        if inplace_name is not None:
            return _act.inplace_as(input, inplace_name, fn, *args)
        return input._inplace(fn, *args)
    return fn(input, *args)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0) elementwise."""
    return _maybe_inplace(input, inplace, _relu)


def relu_(input: Tensor) -> Tensor:
    return input._inplace(_relu)


def _hardtanh(input: Tensor, min_val: float, max_val: float) -> Tensor:
    return _act.Hardtanh.apply(input, lo=min_val, hi=max_val)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """clamp(x, min_val, max_val); the gradient is zero at the bounds and beyond."""
    return _maybe_inplace(input, inplace, _hardtanh, min_val, max_val)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return input._inplace(_hardtanh, min_val, max_val)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    return _maybe_inplace(input, inplace, _act.elu_op, alpha, inplace_name="EluBackward1")


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return _act.inplace_as(input, "EluBackward1", _act.elu_op, alpha)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with the self-normalising constants."""
    return _maybe_inplace(input, inplace, _act.selu, inplace_name="EluBackward1")


selu_ = _act.selu_


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    return _maybe_inplace(input, inplace, _act.celu, alpha, inplace_name="CeluBackward1")


celu_ = _act.celu_
prelu = _act.prelu


def _leaky_relu(input: Tensor, negative_slope: float) -> Tensor:
    return _act.LeakyRelu.apply(input, slope=float(negative_slope))


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, negative_slope * x otherwise."""
    return _maybe_inplace(input, inplace, _leaky_relu, negative_slope, inplace_name="LeakyReluBackward1")


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return _act.inplace_as(input, "LeakyReluBackward1", _leaky_relu, negative_slope)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else value."""
    return _maybe_inplace(input, inplace, _act.threshold, threshold, value, inplace_name="ThresholdBackward1")


threshold_ = _act.threshold_


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x))."""
    return _sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    return _tanh(input)


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)), finite for large |x|."""
    return _act.LogSigmoid.apply(input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * x)) / beta, reverting to x where beta * x > threshold."""
    return _act.Softplus.apply(input, beta=float(beta), threshold=float(threshold))


_LAMBDA_RANGE = {"float32": ("Float", "3.40282e+38", 3.4028234663852886e38),
                 "float64": ("Double", "1.79769e+308", 1.7976931348623157e308),
                 "float16": ("Half", "65504", 65504.0)}


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd above lambd, x + lambd below -lambd, 0 in between."""
    rng = _LAMBDA_RANGE.get(str(input._data.dtype))
    if rng is not None and not 0 <= lambd <= rng[2]:
        raise RuntimeError(f"lambda must be in range [0, {rng[1]}] for input dtype {rng[0]}, but found "
                           f"{lambd:g}")
    return _act.Softshrink.apply(input, lambd=float(lambd))


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """0 where -lambd <= x <= lambd, x elsewhere."""
    return _act.hardshrink(input, lambd)


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    return input / (input.abs() + 1)


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x)."""
    return input - input.tanh()


def _implicit_dim(name: str, ndim: int, stacklevel: int) -> int:
    """PyTorch's legacy choice of dim when none is given (with its deprecation warning)."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
                  "dim=X as an argument.", UserWarning, stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_family(op, name: str, input: Tensor, dim, stacklevel: int, dtype) -> Tensor:
    if dim is None:
        dim = _implicit_dim(name, input._data.ndim, stacklevel + 1)
    if dtype is not None:
        input = input.to(dtype)
    return op.apply(input, dim=wrap_dim(int(dim), input._data.ndim))


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along dim (in `dtype` when given), computed stably."""
    return _softmax_family(_fused.Softmax, "softmax", input, dim, _stacklevel, dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(-x) along dim."""
    if dim is None:
        dim = _implicit_dim("softmin", input._data.ndim, _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return _fused.Softmax.apply(-input, dim=wrap_dim(int(dim), input._data.ndim))


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """log(softmax(x)) along dim (in `dtype` when given), computed stably."""
    return _softmax_family(_fused.LogSoftmax, "log_softmax", input, dim, _stacklevel, dtype)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x) with the Gaussian CDF Phi (erf), or its tanh approximation."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return _act.Gelu.apply(input, approximate=approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x)."""
    return _maybe_inplace(input, inplace, _act.Silu.apply)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x))."""
    return _maybe_inplace(input, inplace, _act.Mish.apply)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6."""
    return _maybe_inplace(input, inplace, _act.Hardsigmoid.apply)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * relu6(x + 3) / 6."""
    return _maybe_inplace(input, inplace, _act.Hardswish.apply)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a * sigmoid(b) for the halves a, b of the input along dim."""
    x = input._data
    if x.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = wrap_dim(dim, x.ndim)
    if x.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {x.shape[d]}")
    return _act.Glu.apply(input, dim=d)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Leaky ReLU with random negative slopes U(lower, upper) in training, (lower + upper) / 2 in eval."""
    return _maybe_inplace(input, inplace, _act.rrelu, lower, upper, training,
                          inplace_name="RreluWithNoiseBackward1")


rrelu_ = _act.rrelu_
