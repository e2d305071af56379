"""Elementwise ops: arithmetic with PyTorch's type promotion and broadcasting, unary math, comparisons.

Gradients of broadcast inputs are returned at the broadcast shape; the engine reduces them back to each
input's shape in one place.
"""

from __future__ import annotations

import numpy as np

from .. import _tensor
from ..backend import dtypes as _dt
from ._common import Op, Tensor, floating, is_array, promote, result_dtype

__all__ = [
    "add", "sub", "subtract", "rsub", "mul", "multiply", "div", "divide", "true_divide", "neg",
    "negative", "pow", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "eq", "ne", "lt", "le", "gt",
    "ge", "greater", "greater_equal", "less", "less_equal", "not_equal", "equal",
]
METHODS = (
    "add", "sub", "subtract", "rsub", "mul", "multiply", "div", "divide", "true_divide", "neg",
    "negative", "pow", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "eq", "ne", "lt", "le", "gt",
    "ge", "greater", "greater_equal", "less", "less_equal", "not_equal", "equal",
)
INPLACE = ("add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "neg", "negative",
           "pow", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "eq", "ne", "lt", "le", "gt", "ge")


def _operand(x):
    """Tensors pass through; Python numbers stay scalars; anything else becomes a tensor."""
    if isinstance(x, (Tensor, int, float, bool)):
        return x
    if isinstance(x, np.generic):
        return x.item()
    return _tensor.tensor(x)


# -- arithmetic --------------------------------------------------------------------------------------

class Add(Op):
    @staticmethod
    def forward(ctx, a, b, alpha=1):
        if type(a) is type(b) and a.dtype is b.dtype and alpha == 1:
            return a + b
        a, b, dt = promote(a, b)
        if alpha != 1:
            ctx.alpha = alpha
            b = b * alpha
        return np.asarray(a + b, dt)

    @staticmethod
    def backward(ctx, g):
        alpha = ctx.__dict__.get("alpha", 1)
        return g, (g if alpha == 1 else g * alpha), None


class Sub(Op):
    @staticmethod
    def forward(ctx, a, b, alpha=1):
        if type(a) is type(b) and a.dtype is b.dtype and alpha == 1:
            if a.dtype.kind == "b":
                raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                                   "Use the `^` or `logical_xor()` operator instead.")
            return a - b
        a, b, dt = promote(a, b)
        if dt.kind == "b":
            raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you "
                               "are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
        if alpha != 1:
            ctx.alpha = alpha
            b = b * alpha
        return np.asarray(a - b, dt)

    @staticmethod
    def backward(ctx, g):
        alpha = ctx.__dict__.get("alpha", 1)
        return g, (-g if alpha == 1 else g * -alpha), None


class Rsub(Op):
    """`other - alpha * input` (what `2 - x` computes)."""

    _name = "RsubBackward1"

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        a, b, dt = promote(a, b)
        ctx.alpha = alpha
        return np.asarray(b - (a * alpha if alpha != 1 else a), dt)

    @staticmethod
    def backward(ctx, g):
        return (-g if ctx.alpha == 1 else g * -ctx.alpha), g, None


class Mul(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        if type(a) is type(b) and a.dtype is b.dtype:
            return a * b
        a, b, dt = promote(a, b)
        return np.asarray(a * b, dt)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (g * b if need[0] else None), (g * a if need[1] else None)


class Div(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        if type(a) is type(b) and a.dtype is b.dtype and a.dtype.kind == "f":
            return a / b
        a, b, dt = promote(a, b)
        if dt.kind != "f":
            dt = _dt.get_default_dtype().np
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.true_divide(a, b, dtype=dt) if is_array(a) or is_array(b) else np.asarray(a / b, dt)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need = ctx.needs_input_grad
        ga = g / b if need[0] else None
        gb = -g * a / (b * b) if need[1] else None
        return ga, gb


class Neg(Op):
    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind == "b":
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are "
                               "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
        return np.negative(x)

    @staticmethod
    def backward(ctx, g):
        return -g


class Pow(Op):
    """tensor ** scalar (PowBackward0) and tensor ** tensor (PowBackward1)."""

    @staticmethod
    def forward(ctx, a, b):
        a, b, dt = promote(a, b)
        if dt.kind in "iu" and is_array(b) and (b < 0).any():
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        if dt.kind in "iu" and not is_array(b) and b < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.asarray(np.power(a, b), dt)
        ctx.save_for_backward(a, b, out)
        ctx._name = "PowBackward1" if is_array(b) else "PowBackward0"
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        need = ctx.needs_input_grad
        ga = gb = None
        if need[0]:
            if isinstance(b, Tensor):
                ga = g * b * a.pow(b - 1)
            else:
                ga = g * b * a.pow(b - 1) if b != 0 else g * 0
        if need[1]:
            base = a if isinstance(a, Tensor) else Tensor._make(np.asarray(a, g._data.dtype))
            gb = g * out * base.log().masked_fill(base == 0, 0)
        return ga, gb


# -- unary math ---------------------------------------------------------------------------------------

class Exp(Op):
    @staticmethod
    def forward(ctx, x):
        y = np.exp(floating(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


class Log(Op):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(floating(x))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / x


class Sqrt(Op):
    @staticmethod
    def forward(ctx, x):
        with np.errstate(invalid="ignore"):
            y = np.sqrt(floating(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g / (2 * y)


class Tanh(Op):
    @staticmethod
    def forward(ctx, x):
        y = np.tanh(floating(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (1 - y * y)


class Sigmoid(Op):
    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        # exp of a negative argument only: no overflow warnings for large |x|
        e = np.exp(-np.abs(x))
        y = np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y * (1 - y)


class Relu(Op):
    @staticmethod
    def forward(ctx, x):
        y = np.maximum(x, 0) if x.dtype.kind != "b" else x.copy()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (y > 0)


# -- comparisons (not differentiable: bool results) ---------------------------------------------------

class _Compare(Op):
    ufunc = None

    @classmethod
    def forward(cls, ctx, a, b):
        if is_array(a) and is_array(b) and a.dtype != b.dtype:
            a, b, _ = promote(a, b)
        return cls.ufunc(a, b)


class Eq(_Compare):
    ufunc = np.equal


class Ne(_Compare):
    ufunc = np.not_equal


class Lt(_Compare):
    ufunc = np.less


class Le(_Compare):
    ufunc = np.less_equal


class Gt(_Compare):
    ufunc = np.greater


class Ge(_Compare):
    ufunc = np.greater_equal


# -- functions ----------------------------------------------------------------------------------------

def add(input, other, *, alpha=1, out=None) -> Tensor:
    """input + alpha * other, broadcast, with PyTorch's type promotion."""
    other = _operand(other)
    if not isinstance(input, Tensor):
        return add(other, input, alpha=1) if alpha == 1 else add(_tensor.tensor(input), other, alpha=alpha)
    return Add.apply(input, other, alpha)


def sub(input, other, *, alpha=1, out=None) -> Tensor:
    other = _operand(other)
    if not isinstance(input, Tensor):
        return rsub(other, input, alpha=alpha)
    return Sub.apply(input, other, alpha)


subtract = sub


def rsub(input, other, *, alpha=1) -> Tensor:
    """other - alpha * input."""
    return Rsub.apply(input, _operand(other), alpha)


def mul(input, other, *, out=None) -> Tensor:
    other = _operand(other)
    if not isinstance(input, Tensor):
        return Mul.apply(other, input)
    return Mul.apply(input, other)


multiply = mul


def div(input, other, *, rounding_mode=None, out=None) -> Tensor:
    """True division (ints give floats); rounding_mode 'trunc' or 'floor' rounds the quotient."""
    other = _operand(other)
    if not isinstance(input, Tensor):
        input = _tensor.tensor(input)
    if rounding_mode is None:
        return Div.apply(input, other)
    if rounding_mode == "floor":
        return floor_divide(input, other)
    if rounding_mode == "trunc":
        q = Div.apply(input, other)
        a = input._data
        dt = result_dtype(a, other._data if isinstance(other, Tensor) else other)
        return q.trunc().to(_dt._FROM_NP[dt]) if dt.kind in "iub" else q.trunc()
    raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                       f"'{rounding_mode}'")


divide = true_divide = div


def neg(input) -> Tensor:
    return Neg.apply(input)


negative = neg


def pow(input, exponent) -> Tensor:  # noqa: A001
    exponent = _operand(exponent)
    if not isinstance(input, Tensor):
        base = _tensor.tensor(input, dtype=exponent.dtype if exponent.is_floating_point() else None)
        return Pow.apply(base, exponent)
    return Pow.apply(input, exponent)


def exp(input) -> Tensor:
    return Exp.apply(input)


def log(input) -> Tensor:
    return Log.apply(input)


def sqrt(input) -> Tensor:
    return Sqrt.apply(input)


def tanh(input) -> Tensor:
    return Tanh.apply(input)


def sigmoid(input) -> Tensor:
    return Sigmoid.apply(input)


def relu(input) -> Tensor:
    return Relu.apply(input)


def eq(input, other) -> Tensor:
    return Eq.apply(input, _operand(other))


def ne(input, other) -> Tensor:
    return Ne.apply(input, _operand(other))


def lt(input, other) -> Tensor:
    return Lt.apply(input, _operand(other))


def le(input, other) -> Tensor:
    return Le.apply(input, _operand(other))


def gt(input, other) -> Tensor:
    return Gt.apply(input, _operand(other))


def ge(input, other) -> Tensor:
    return Ge.apply(input, _operand(other))


greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def equal(input, other) -> bool:
    """True when both tensors have the same shape and values."""
    return input.shape == other.shape and bool((input._data == other._data).all())


def _rdiv(self, other):
    return Div.apply(_operand(other), self)


def _rpow(self, other):
    return pow(other, self)


# operator dunders bound on Tensor (reflected forms keep the tensor as the first op argument)
DUNDERS = {
    "__add__": add, "__radd__": add, "__sub__": sub, "__rsub__": rsub, "__mul__": mul, "__rmul__": mul,
    "__truediv__": div, "__rtruediv__": _rdiv, "__pow__": pow, "__rpow__": _rpow, "__neg__": neg,
    "__eq__": eq, "__ne__": ne, "__lt__": lt, "__le__": le, "__gt__": gt, "__ge__": ge,
}
INPLACE_DUNDERS = {"__iadd__": "add", "__isub__": "sub", "__imul__": "mul", "__itruediv__": "div",
                   "__ipow__": "pow"}
