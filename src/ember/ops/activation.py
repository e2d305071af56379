"""Pointwise activation ops (the primitives behind ember.nn.functional's activations).

Each op's gradient follows PyTorch's convention at its kinks (noted per op). Ops whose derivative is
piecewise constant compute a mask from the saved input in backward, so their second derivative is zero,
as in PyTorch; smooth ones write backward with differentiable Tensor ops so that double backward works.
Parameters (alpha, slopes, bounds) are keyword arguments of `apply`: they are not graph inputs.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .._parallel import get_num_threads, run_parallel
from ._common import Op, Tensor
from .elementwise import _array_op, _choose, _erf64, _not_implemented, _select, _tname, where

__all__ = ["selu", "selu_", "celu", "celu_", "rrelu", "rrelu_", "prelu", "hardshrink", "threshold",
           "threshold_"]
METHODS = ("hardshrink", "prelu")

_make = Tensor._make
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_SQRT1_2 = 1 / math.sqrt(2.0)
_INV_SQRT_2PI = 1 / math.sqrt(2.0 * math.pi)
_TANH_K = math.sqrt(2.0 / math.pi)
_TANH_C = 0.044715
# Abramowitz & Stegun 7.1.26: erfc(a) ~ t * P(t) * exp(-a^2), t = 1 / (1 + p a), a >= 0, |error| < 1.5e-7
_AS_P = 0.3275911
_AS_COEFS = (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)


_CHUNK = 1 << 16  # elements per block: the temporaries of one block stay in cache
_PARALLEL_ELEMENTS = 1 << 20  # from this size the blocks are shared among ember's threads


def _normal_cdf(x, times_x: bool = False):
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2 in x's dtype, or x * Phi(x) (GELU) with `times_x`. Float64 uses the
    exact erf; float32/16 a rational approximation accurate to float32 precision, about 50x faster (GELU is
    on every transformer's path), block by block, the blocks of a large array on several threads."""
    if x.dtype == np.float64:
        cdf = 0.5 * (1.0 + _erf64(x * _SQRT1_2))
        return x * cdf if times_x else cdf
    if type(x) is not np.ndarray:
        cdf = _normal_cdf_block(x, np.empty_like(x))
        return x * cdf if times_x else cdf
    flat = np.ascontiguousarray(x).reshape(-1)
    out = np.empty_like(flat)

    def blocks(lo: int, hi: int) -> None:
        for i in range(lo, hi, _CHUNK):
            part = slice(i, min(i + _CHUNK, hi))
            _normal_cdf_block(flat[part], out[part])
            if times_x:
                out[part] *= flat[part]
    n, threads = flat.size, get_num_threads()
    if threads > 1 and n >= _PARALLEL_ELEMENTS:
        share = -(-n // threads // _CHUNK) * _CHUNK
        run_parallel([functools.partial(blocks, lo, min(lo + share, n)) for lo in range(0, n, share)])
    else:
        blocks(0, n)
    return out.reshape(x.shape)


def _normal_cdf_block(x, out):
    """Phi of one block, written into out, with two block-sized temporaries reused in place.

    q = Phi(-|x|) = erfc(|x| / sqrt 2) / 2 comes from A&S 7.1.26 (the 1/2 folded into its coefficients);
    then Phi(x) = q + [x >= 0] * (1 - 2q), by arithmetic: a masked ufunc (where=) or np.where runs about
    50x slower than a plain pass and would cost more than everything else together.
    """
    t = x.dtype.type
    u = np.abs(x)
    u *= t(_AS_P * _SQRT1_2)
    u += t(1)
    np.reciprocal(u, out=u)
    np.multiply(u, t(_AS_COEFS[0] / 2), out=out)
    for c in _AS_COEFS[1:-1]:
        out += t(c / 2)
        out *= u
    out += t(_AS_COEFS[-1] / 2)
    out *= u
    a = np.square(x)
    a *= t(-0.5)
    np.exp(a, out=a)
    out *= a  # q
    np.copyto(a, x >= 0)
    np.multiply(out, t(-2), out=u)
    u += t(1)
    u *= a
    out += u
    return out


# ember's ops share one decorator: forward runs with NumPy's warnings off (PyTorch returns inf and nan
# silently) and NumPy's broadcasting errors become PyTorch's; the engine covers backward_array
quiet_op = _array_op


def _float_only(x, kernel: str, suffix: bool = True) -> None:
    """PyTorch's error for an activation kernel that exists only for floating dtypes."""
    if x.dtype.kind not in "fc":
        raise _not_implemented(kernel, x, suffix)


def _stable_sigmoid(x):
    """1 / (1 + exp(-x)); exp overflowing for very negative x gives the exact limit 0 (callers run with
    NumPy's warnings off). float16 is computed in float32, as PyTorch's opmath does."""
    t = np.negative(x.astype(np.float32) if x.dtype == np.float16 else x)
    np.exp(t, out=t)
    t += 1
    np.reciprocal(t, out=t)
    return t.astype(x.dtype, copy=False)


def _softplus_array(x):
    """log(1 + exp(x)) without overflow: max(x, 0) + log1p(exp(-|x|)), np.logaddexp's formula without its
    branch per element."""
    t = np.abs(x)
    np.negative(t, out=t)
    np.exp(t, out=t)
    np.log1p(t, out=t)
    t += np.maximum(x, x.dtype.type(0))
    return t


@quiet_op
class _MaskedGrad(Op):
    """A pointwise op whose gradient is g where `_pass(ctx, x)` holds and `_slope(ctx) * g` elsewhere
    (0 when _slope is None): the derivative is piecewise constant, the second derivative zero."""

    _slope = None

    @classmethod
    def backward(cls, ctx, g):
        (x,) = ctx.saved_tensors
        keep = _make(cls._pass(ctx, x._data))
        slope = cls._slope(ctx) if cls._slope is not None else None
        if slope is None:
            return where(keep, g, 0.0)
        return where(keep, g, g * (slope if isinstance(slope, float) else _make(slope)))

    @classmethod
    def backward_array(cls, ctx, g):
        (x,) = ctx.saved_tensors
        keep = cls._pass(ctx, x._data)
        slope = cls._slope(ctx) if cls._slope is not None else None
        if slope is None:
            return _select(keep, g)
        return _choose(keep, g, g * (slope if isinstance(slope, float) else slope.astype(g.dtype, copy=False)))


@quiet_op
class Hardtanh(_MaskedGrad):
    """clamp(x, min_val, max_val); the gradient is zero at and beyond the bounds."""

    @staticmethod
    def forward(ctx, x, *, lo, hi):
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        if x.dtype.kind in "iu":
            return np.clip(x, math.ceil(lo), math.floor(hi)).astype(x.dtype, copy=False)
        return np.clip(x, x.dtype.type(lo), x.dtype.type(hi))

    @staticmethod
    def _pass(ctx, x):
        return (x > ctx.lo) & (x < ctx.hi)


@quiet_op
class Threshold(_MaskedGrad):
    """x where x > threshold, else value."""

    @staticmethod
    def forward(ctx, x, *, threshold, value):
        ctx.save_for_backward(x)
        ctx.threshold = threshold
        return np.where(x > threshold, x, np.asarray(value).astype(x.dtype))

    @staticmethod
    def _pass(ctx, x):
        return x > ctx.threshold


@quiet_op
class LeakyRelu(_MaskedGrad):
    """x for x > 0, negative_slope * x otherwise (the slope's side owns 0)."""

    @staticmethod
    def forward(ctx, x, *, slope):
        _float_only(x, "leaky_relu")
        ctx.save_for_backward(x)
        ctx.slope = slope
        scaled = x * x.dtype.type(slope)
        if 0 < slope <= 1:  # max picks x above 0 and slope * x below, without a branch per element
            return np.maximum(x, scaled, out=scaled)
        return _choose(x > 0, x, scaled)

    @staticmethod
    def _pass(ctx, x):
        return x > 0

    @staticmethod
    def _slope(ctx):
        return ctx.slope


@quiet_op
class RreluWithNoise(_MaskedGrad):
    """x for x > 0, slope * x otherwise; `slopes` is an array of random slopes (training) or a number."""

    @staticmethod
    def forward(ctx, x, *, slopes):
        _float_only(x, "rrelu_with_noise")
        ctx.save_for_backward(x)
        ctx.slopes = slopes
        if not isinstance(slopes, float):
            slopes = slopes.astype(x.dtype, copy=False)
        return np.where(x > 0, x, x * slopes).astype(x.dtype, copy=False)

    @staticmethod
    def _pass(ctx, x):
        return x > 0

    @staticmethod
    def _slope(ctx):
        return ctx.slopes


@quiet_op
class Softshrink(_MaskedGrad):
    """x - lambd above lambd, x + lambd below -lambd, 0 in between (bounds included)."""

    @staticmethod
    def forward(ctx, x, *, lambd):
        _float_only(x, "softshrink_check", suffix=False)
        ctx.save_for_backward(x)
        ctx.lambd = lambd
        lam = x.dtype.type(lambd)
        return np.where(x > lam, x - lam, np.where(x < -lam, x + lam, x.dtype.type(0)))

    @staticmethod
    def _pass(ctx, x):
        return (x < -ctx.lambd) | (x > ctx.lambd)


@quiet_op
class Hardshrink(_MaskedGrad):
    """0 for -lambd <= x <= lambd, else x."""

    @staticmethod
    def forward(ctx, x, *, lambd):
        _float_only(x, "hardshrink")
        ctx.save_for_backward(x)
        ctx.lambd = lambd
        return np.where((x >= -lambd) & (x <= lambd), x.dtype.type(0), x)

    @staticmethod
    def _pass(ctx, x):
        return (x < -ctx.lambd) | (x > ctx.lambd)


@quiet_op
class GradNoDerivative(Op):
    """A first-order gradient `fn(g)` recorded as a node whose own derivative raises, as PyTorch's does
    for ops without a second derivative (`aten` names PyTorch's backward op)."""

    _name = "torch::autograd::NotImplemented"

    @staticmethod
    def forward(ctx, g, *inputs, fn, aten):
        ctx.aten = aten
        return fn(g)

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError(f"derivative for aten::{ctx.aten} is not implemented")


@quiet_op
class Hardsigmoid(_MaskedGrad):
    """relu6(x + 3) / 6; the gradient (1/6) lives on the open interval (-3, 3)."""

    @staticmethod
    def forward(ctx, x, **_):
        _float_only(x, "hardsigmoid")
        ctx.save_for_backward(x)
        t = x.dtype.type
        return np.clip(x + t(3), t(0), t(6)) / t(6)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return GradNoDerivative.apply(g, x, fn=lambda ga: Hardsigmoid.backward_array(ctx, ga),
                                      aten="hardsigmoid_backward")

    @staticmethod
    def backward_array(ctx, g):
        (x,) = ctx.saved_tensors
        xd = x._data
        # PyTorch multiplies by 1/6 rounded to float32, whatever the dtype
        return np.where((xd > -3) & (xd < 3), g * g.dtype.type(np.float32(1 / 6)), 0)


@quiet_op
class Hardswish(Op):
    """x * relu6(x + 3) / 6; gradient 0 for x <= -3, 1 for x >= 3, x/3 + 1/2 in between."""

    @staticmethod
    def forward(ctx, x):
        _float_only(x, "hardswish")
        ctx.save_for_backward(x)
        t = x.dtype.type
        return x * np.clip(x + t(3), t(0), t(6)) / t(6)

    @staticmethod
    def _slope(x):
        """0 up to -3, 1 from 3, x / 3 + 1/2 between, selected without np.where's branch per element."""
        t = x.dtype.type
        inner = x / t(3)
        inner += t(0.5)
        return _choose(x >= 3, np.ones_like(x), _select(~(x <= -3), inner))  # NaN keeps its NaN slope

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        xd = x._data
        # the slope depends on x only inside (-3, 3): there the second derivative is 1/3, else 0
        inside = _make((xd > -3) & (xd < 3))
        return g * where(inside, x / 3 + 0.5, _make(Hardswish._slope(xd)))

    @staticmethod
    def backward_array(ctx, g):
        (x,) = ctx.saved_tensors
        return g * Hardswish._slope(x._data)


@quiet_op
class Elu(Op):
    """scale * x for x > 0, scale * alpha * (exp(x * input_scale) - 1) otherwise (ELU, SELU, CELU).
    The exponential side owns 0, so the gradient at 0 is scale * alpha * input_scale."""

    @staticmethod
    def forward(ctx, x, *, alpha, scale=1.0, input_scale=1.0):
        _float_only(x, "elu")
        ctx.save_for_backward(x)
        ctx.coefs = (alpha, scale, input_scale)
        t = x.dtype.type
        neg = np.expm1(x * t(input_scale)) * t(alpha * scale)
        return _choose(x > 0, x * t(scale), neg)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        alpha, scale, input_scale = ctx.coefs
        pos = _make(x._data > 0)
        return where(pos, g * scale, g * (x * input_scale).exp() * (alpha * scale * input_scale))

    @staticmethod
    def backward_array(ctx, g):
        (x,) = ctx.saved_tensors
        x = x._data
        alpha, scale, input_scale = ctx.coefs
        t = x.dtype.type
        return _choose(x > 0, g * t(scale), g * np.exp(x * t(input_scale)) * t(alpha * scale * input_scale))


@quiet_op
class Softplus(Op):
    """log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold."""

    @staticmethod
    def forward(ctx, x, *, beta=1.0, threshold=20.0):
        _float_only(x, "softplus")
        ctx.save_for_backward(x)
        ctx.beta, ctx.threshold = beta, threshold
        bx = x * x.dtype.type(beta)
        return _choose(bx > threshold, x, _softplus_array(bx) / x.dtype.type(beta))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        bx = x * ctx.beta
        return where(_make(bx._data > ctx.threshold), g, g * bx.sigmoid())

    @staticmethod
    def backward_array(ctx, g):
        (x,) = ctx.saved_tensors
        bx = x._data * x._data.dtype.type(ctx.beta)
        return _choose(bx > ctx.threshold, g, g * _stable_sigmoid(bx))


@quiet_op
class LogSigmoid(Op):
    """log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)), finite for every finite x."""

    @staticmethod
    def forward(ctx, x):
        _float_only(x, "log_sigmoid")
        ctx.save_for_backward(x)
        return np.minimum(x, x.dtype.type(0)) - np.log1p(np.exp(-np.abs(x)))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (-x).sigmoid()

    @staticmethod
    def backward_array(ctx, g):
        (x,) = ctx.saved_tensors
        return g * _stable_sigmoid(-x._data)


@quiet_op
class Gelu(Op):
    """x * Phi(x) (erf form), or its tanh approximation."""

    @staticmethod
    def forward(ctx, x, *, approximate="none"):
        _float_only(x, "GeluKernelImpl", suffix=False)
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        t = x.dtype.type
        if approximate == "tanh":
            inner = t(_TANH_K) * (x + t(_TANH_C) * x * x * x)
            return t(0.5) * x * (t(1) + np.tanh(inner))
        return _normal_cdf(x, times_x=True).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        if ctx.approximate == "tanh":
            x2 = x * x
            th = ((x + x2 * x * _TANH_C) * _TANH_K).tanh()
            return g * (0.5 * (1 + th) + 0.5 * x * (1 - th * th) * (_TANH_K * (1 + 3 * _TANH_C * x2)))
        cdf = 0.5 * (1 + (x * _SQRT1_2).erf())
        pdf = (x * x * -0.5).exp() * _INV_SQRT_2PI
        return g * (cdf + x * pdf)

    @staticmethod
    def backward_array(ctx, g):
        (x,) = ctx.saved_tensors
        x = x._data
        t = x.dtype.type
        if ctx.approximate == "tanh":
            x2 = x * x
            th = np.tanh(t(_TANH_K) * (x + t(_TANH_C) * x2 * x))
            d_inner = t(_TANH_K) * (t(1) + t(3 * _TANH_C) * x2)
            return g * (t(0.5) * (t(1) + th) + t(0.5) * x * (t(1) - th * th) * d_inner)
        cdf = _normal_cdf(x).astype(x.dtype, copy=False)
        pdf = np.exp(x * x * t(-0.5)) * t(_INV_SQRT_2PI)
        return g * (cdf + x * pdf)


@quiet_op
class Silu(Op):
    """x * sigmoid(x)."""

    @staticmethod
    def forward(ctx, x):
        _float_only(x, "silu")
        ctx.save_for_backward(x)
        return x * _stable_sigmoid(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        s = x.sigmoid()
        return g * s * (1 + x * (1 - s))

    @staticmethod
    def backward_array(ctx, g):
        (x,) = ctx.saved_tensors
        x = x._data
        s = _stable_sigmoid(x)
        one = x.dtype.type(1)
        return g * s * (one + x * (one - s))


@quiet_op
class Mish(Op):
    """x * tanh(softplus(x))."""

    @staticmethod
    def forward(ctx, x):
        _float_only(x, "mish")
        ctx.save_for_backward(x)
        return x * np.tanh(_softplus_array(x))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        th = Softplus.apply(x, threshold=math.inf).tanh()
        return g * (th + x * x.sigmoid() * (1 - th * th))

    @staticmethod
    def backward_array(ctx, g):
        (x,) = ctx.saved_tensors
        x = x._data
        th = np.tanh(_softplus_array(x))
        one = x.dtype.type(1)
        return g * (th + x * _stable_sigmoid(x) * (one - th * th))


@quiet_op
class Glu(Op):
    """a * sigmoid(b), where a and b are the two halves of the input along `dim`."""

    @staticmethod
    def forward(ctx, x, *, dim):
        _float_only(x, "glu")
        ctx.save_for_backward(x)
        ctx.dim = dim
        h = x.shape[dim] // 2
        a, b = np.split(x, [h], axis=dim)
        return a * _stable_sigmoid(b)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        dim = ctx.dim
        h = x.shape[dim] // 2
        a, b = x.narrow(dim, 0, h), x.narrow(dim, h, h)
        s = b.sigmoid()
        ga = g * s
        return _tensor_cat((ga, ga * a * (1 - s)), dim)

    @staticmethod
    def backward_array(ctx, g):
        (x,) = ctx.saved_tensors
        x = x._data
        h = x.shape[ctx.dim] // 2
        a, b = np.split(x, [h], axis=ctx.dim)
        s = _stable_sigmoid(b)
        ga = g * s
        return np.concatenate((ga, ga * a * (x.dtype.type(1) - s)), axis=ctx.dim)


def _tensor_cat(tensors, dim):
    from .shape import cat

    return cat(tensors, dim)


@quiet_op
class PreluKernel(Op):
    """x for x > 0, weight * x otherwise; weight has one entry, or one per channel (dim 1)."""

    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        ctx.wshape = _prelu_weight_shape(x.ndim, w)
        return np.where(x > 0, x, x * w.reshape(ctx.wshape))

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        keep = _make(x._data > 0)
        need = ctx.needs_input_grad
        gx = None
        if need[0]:
            # at x = 0 the slope is w, but PyTorch's second derivative treats it as a constant there
            const_w = _make(w._data.reshape(ctx.wshape))
            gx = where(keep, g, g * where(_make(x._data < 0), w.reshape(ctx.wshape), const_w))
        gw = None
        if need[1]:
            # x * g vanishes at x = 0 anyway; the mask x < 0 also zeroes its derivative there, as in PyTorch
            gw = where(_make(x._data < 0), x * g, 0.0)
            axes = _prelu_reduce_axes(gw.ndim, w.numel())
            if axes:
                gw = gw.sum(axes)
            gw = gw.reshape(w.shape)
        return gx, gw

    @staticmethod
    def backward_array(ctx, g):
        x, w = ctx.saved_tensors
        x, w = x._data, w._data
        keep = x > 0
        need = ctx.needs_input_grad
        gx = np.where(keep, g, g * w.reshape(ctx.wshape)) if need[0] else None
        gw = None
        if need[1]:
            gw = np.where(keep, 0, x * g)
            axes = _prelu_reduce_axes(gw.ndim, w.size)
            if axes:
                gw = gw.sum(axis=axes)
            gw = gw.reshape(w.shape)
        return gx, gw


def _prelu_weight_shape(ndim: int, w) -> tuple:
    """The shape that broadcasts the weight along the channel dim (dim 1) of an ndim-d input."""
    if w.size == 1 or ndim < 2:
        return (1,) * ndim if ndim else ()
    return (1, w.size) + (1,) * (ndim - 2)


def _prelu_reduce_axes(ndim: int, nw: int) -> tuple:
    if nw == 1 or ndim < 2:
        return tuple(range(ndim))
    return (0,) + tuple(range(2, ndim))


# -- torch-level functions ------------------------------------------------------------------------------

def _named(out: Tensor, name: str) -> Tensor:
    if out.grad_fn is not None:
        out.grad_fn._name = name
    return out


def inplace_as(input: Tensor, name: str, fn, *args, **kwargs) -> Tensor:
    """fn(input, ...) written back into input, its node named as PyTorch's in-place variant's."""
    def named(*a, **k):
        return _named(fn(*a, **k), name)
    return input._inplace(named, *args, **kwargs)


def elu_op(input: Tensor, alpha: float = 1.0, scale: float = 1.0, input_scale: float = 1.0,
           name: str = "EluBackward0") -> Tensor:
    """The ELU family's shared primitive (ELU, SELU, CELU differ in the coefficients)."""
    return _named(Elu.apply(input, alpha=float(alpha), scale=float(scale), input_scale=float(input_scale)),
                  name)


def selu(input: Tensor) -> Tensor:
    """scale * (max(0, x) + min(0, alpha * (exp(x) - 1))) with the self-normalising constants."""
    return elu_op(input, SELU_ALPHA, SELU_SCALE)


def selu_(input: Tensor) -> Tensor:
    return inplace_as(input, "EluBackward1", selu)


def celu(input: Tensor, alpha: float = 1.0) -> Tensor:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return elu_op(input, alpha, 1.0, 1.0 / alpha, "CeluBackward0")


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return inplace_as(input, "CeluBackward1", celu, alpha)


def _rrelu_slopes(input: Tensor, lower: float, upper: float):
    """Random slopes U(lower, upper), one per element (only negative elements use theirs)."""
    from .. import random

    return random.rand_like(input)._data * (upper - lower) + lower


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:
    """Randomised leaky ReLU: random negative slopes in training, their mean (lower+upper)/2 in eval."""
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    if training:
        _float_only(input._data, "rrelu_with_noise")
        slopes = _rrelu_slopes(input, lower, upper)
    else:
        slopes = (lower + upper) / 2
    return RreluWithNoise.apply(input, slopes=slopes)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:
    return inplace_as(input, "RreluWithNoiseBackward1", rrelu, lower, upper, training)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x for x > 0 else weight * x, with one weight or one per channel (dim 1)."""
    x, w = input._data, weight._data
    if w.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {w.ndim}")
    channels = x.shape[1] if x.ndim >= 2 else 1
    if w.size != 1 and w.size != channels:
        raise RuntimeError("Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                           f"{w.size} and channel size = {channels}.")
    if x.dtype != w.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got {_tname(x)} and {_tname(w)}")
    return PreluKernel.apply(input, weight)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """0 where |x| <= lambd, x elsewhere."""
    return Hardshrink.apply(input, lambd=lambd)


def threshold(input: Tensor, threshold: float, value: float) -> Tensor:
    """x where x > threshold, else value."""
    return Threshold.apply(input, threshold=threshold, value=value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return inplace_as(input, "ThresholdBackward1", Threshold.apply, threshold=threshold, value=value)

