"""Elementwise ops: arithmetic with PyTorch's type promotion and broadcasting, unary math, comparisons,
logical and bitwise ops, clamping, selection.

Gradients of broadcast inputs are returned at the broadcast shape; the engine reduces them back to each
input's shape in one place. Gradients at kinks follow PyTorch's conventions (noted per op).
"""

from __future__ import annotations

import functools
import math
import warnings

import numpy as np

from .. import _tensor
from ..autograd.function import record_elementwise
from ..autograd.grad_mode import state as _grad
from ..backend import dtypes as _dt
from ._common import Op, Tensor, floating, is_array, promote, result_dtype
from .conversion import _type_name, _write

__all__ = [
    # arithmetic
    "add", "sub", "subtract", "rsub", "mul", "multiply", "div", "divide", "true_divide", "floor_divide",
    "remainder", "fmod", "neg", "negative", "positive", "abs", "absolute", "reciprocal", "pow",
    "float_power", "square",
    # unary math
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "sin", "cos", "tan", "asin",
    "arcsin", "acos", "arccos", "atan", "arctan", "sinh", "cosh", "tanh", "asinh", "arcsinh", "acosh",
    "arccosh", "atanh", "arctanh", "erf", "erfc", "erfinv", "sigmoid", "relu", "deg2rad", "rad2deg",
    "sign", "sgn", "signbit", "floor", "ceil", "round", "trunc", "fix", "frac", "nan_to_num",
    # binary math
    "atan2", "arctan2", "hypot", "logaddexp", "logaddexp2", "xlogy", "copysign", "heaviside", "maximum",
    "minimum", "fmax", "fmin", "clamp", "clip", "clamp_min", "clamp_max", "where", "lerp", "addcmul",
    "addcdiv",
    # comparisons, logical, bitwise, predicates
    "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal", "not_equal",
    "equal", "isclose", "allclose", "logical_and", "logical_or", "logical_xor", "logical_not",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "isnan", "isinf", "isposinf", "isneginf",
    "isfinite", "isreal", "bitwise_left_shift", "bitwise_right_shift",
]
# Tensor methods: every public function except rsub (not a method in PyTorch) and where (whose method
# takes the condition second; bound through DUNDERS below)
METHODS = tuple(n for n in __all__ if n not in ("rsub", "where")) + ("float_power_",)
INPLACE = (
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide",
    "remainder", "fmod", "neg", "negative", "abs", "absolute", "reciprocal", "pow", "square",
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "sin", "cos", "tan", "asin",
    "arcsin", "acos", "arccos", "atan", "arctan", "sinh", "cosh", "tanh", "asinh", "arcsinh", "acosh",
    "arccosh", "atanh", "arctanh", "erf", "erfc", "erfinv", "sigmoid", "relu", "deg2rad", "rad2deg",
    "sign", "sgn", "floor", "ceil", "round", "trunc", "fix", "frac", "nan_to_num",
    "atan2", "arctan2", "hypot", "xlogy", "copysign", "heaviside", "clamp", "clip", "clamp_min",
    "clamp_max", "lerp", "addcmul", "addcdiv",
    "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal", "not_equal",
    "logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor",
    "bitwise_not", "bitwise_left_shift", "bitwise_right_shift",
)

_make = Tensor._make
_LN2 = math.log(2.0)
_LN10 = math.log(10.0)

# PyTorch returns inf and nan silently where NumPy warns (x / 0, log(0), 0 * inf, overflow). NumPy 2 keeps
# its floating-point error state in a ContextVar: setting it costs ~0.1 us where np.errstate costs ~1-3 us.
try:
    from numpy._core.umath import _extobj_contextvar as _fp_state
    from numpy._core.umath import _make_extobj

    _quiet_on = functools.partial(_fp_state.set, _make_extobj(all="ignore"))
    _quiet_off = _fp_state.reset
except ImportError:  # NumPy 1.x
    _quiet_on = functools.partial(np.seterr, all="ignore")

    def _quiet_off(old) -> None:
        np.seterr(**old)


def _broadcast_error(args) -> RuntimeError:
    """PyTorch's error for operands whose shapes do not broadcast (sizes compared from the right)."""
    shape = None
    for x in args:
        if not is_array(x):
            continue
        if shape is None:
            shape = x.shape
            continue
        other = x.shape
        ndim = len(shape) if len(shape) > len(other) else len(other)
        for i in range(ndim - 1, -1, -1):
            off = ndim - 1 - i
            sa = shape[len(shape) - 1 - off] if len(shape) - 1 - off >= 0 else 1
            sb = other[len(other) - 1 - off] if len(other) - 1 - off >= 0 else 1
            if sa != sb and sa != 1 and sb != 1:
                return RuntimeError(f"The size of tensor a ({sa}) must match the size of tensor b ({sb}) at "
                                    f"non-singleton dimension {i}")
        shape = np.broadcast_shapes(shape, other)
    return RuntimeError("operands could not be broadcast together")


def _array_op(cls):
    """Class decorator for this module's ops: forward runs with NumPy's floating-point warnings off, and
    NumPy's broadcasting errors become PyTorch's. (backward_array needs no guard: only the engine calls
    it, and the engine turns the warnings off for the whole backward pass.)"""
    for name in ("forward",):
        fn = cls.__dict__.get(name)
        if fn is None:
            continue

        def run(*args, _fn=fn.__func__, **kwargs):
            token = _quiet_on()
            try:
                return _fn(*args, **kwargs)
            except ValueError as e:
                if "broadcast" not in str(e):
                    raise
                raise _broadcast_error(args) from None
            finally:
                _quiet_off(token)
        run.__name__ = fn.__func__.__name__
        run.__qualname__ = fn.__func__.__qualname__
        setattr(cls, name, type(fn)(run))
    return cls


# -- helpers ------------------------------------------------------------------------------------------

def _operand(x, fn: str = "", arg: str = "other", pos: int = 2):
    """Tensors and Python numbers pass through (NumPy scalars become numbers, arrays tensors); other
    objects are rejected as PyTorch's argument parser does."""
    if isinstance(x, (Tensor, int, float, bool)):
        return x
    if isinstance(x, np.generic):
        return x.item()
    if is_array(x):
        return _tensor.tensor(x)
    raise TypeError(f"{fn}(): argument '{arg}' (position {pos}) must be Tensor, not {type(x).__name__}")


def _tname(arr) -> str:
    return _type_name(_dt._FROM_NP[arr.dtype])


def _not_implemented(kernel: str, arr, suffix: bool = True) -> NotImplementedError:
    """PyTorch's error for a kernel that has no implementation for this dtype."""
    if suffix:
        kernel += "_cpu" if type(arr) is np.ndarray else "_cuda"
    return NotImplementedError(f"\"{kernel}\" not implemented for '{_tname(arr)}'")


def _need_tensor(fn: str, arg: str, pos: int, x) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{arg}' (position {pos}) must be Tensor, not {type(x).__name__}")


def _result_dtype_n(*xs) -> np.dtype:
    """PyTorch's result dtype over several operands (arrays or Python scalars; None is skipped)."""
    dims, zeros, scalars = [], [], []
    for x in xs:
        if x is None:
            continue
        if is_array(x):
            (zeros if x.ndim == 0 else dims).append(_dt._FROM_NP[x.dtype])
        else:
            scalars.append(x)
    return _dt.result_type_of(dims, zeros, scalars).np


def _cast(x, dt):
    """An array operand in dtype dt (Python scalars are left to NumPy's weak promotion)."""
    if is_array(x) and x.dtype != dt:
        return x.astype(dt)
    return x


def _as_dtype(v, dt):
    """A Python number as a NumPy scalar of dtype dt, wrapping like a C cast for integer dtypes (a NumPy
    scalar, not a 0-d array, so that CuPy accepts it as an operand)."""
    if dt.kind in "iub":
        return np.asarray(v).astype(dt)[()]
    return np.asarray(v, dt)[()]


def _promote(a, b):
    """promote, taking Python ints into an integer result dtype by wrapping as a C cast does (so uint8 - 1
    wraps as in PyTorch, where NumPy 2 raises OverflowError)."""
    a, b, dt = promote(a, b)
    if dt.kind in "iu":
        if type(a) is int:
            a = _as_dtype(a, dt)
        if type(b) is int:
            b = _as_dtype(b, dt)
    return a, b, dt


def _float_or_none(v) -> bool:
    return v is None or type(v) is float or type(v) is int


def _no_promotion(a, b) -> bool:
    """Whether a binary op on array a and operand b gives a's dtype in NumPy as in PyTorch: the same
    dtype, or a float array with a Python int or float."""
    if type(b) is float or type(b) is int:
        return a.dtype.kind == "f"
    return type(a) is type(b) and a.dtype is b.dtype


_WORDS = {2: np.uint16, 4: np.uint32, 8: np.uint64}


def _select(keep, g):
    """np.where(keep, g, 0) for a boolean `keep` shaped like g, without a branch per element.

    NumPy's masked selections branch on every element and run about 10x slower than a plain pass when the
    mask changes often (as ReLU's does). ANDing g's bits with an all-ones or all-zeros word gives the same
    result: g where kept, +0.0 elsewhere whatever g holds there (inf and NaN included).
    """
    mask = _word_mask(keep, g)
    if mask is None:
        return np.where(keep, g, 0)
    mask &= g.view(mask.dtype)
    return mask.view(g.dtype)


def _choose(keep, a, b):
    """np.where(keep, a, b) for a boolean `keep` and float arrays a, b all of one shape and dtype, without a
    branch per element (see _select): a's bits under an all-ones word, b's under its complement."""
    mask = _word_mask(keep, a) if type(b) is np.ndarray and b.shape == a.shape and b.dtype == a.dtype else None
    if mask is None:
        return np.where(keep, a, b)
    out = np.bitwise_and(a.view(mask.dtype), mask)
    np.invert(mask, out=mask)
    mask &= b.view(mask.dtype)
    out |= mask
    return out.view(a.dtype)


def _word_mask(keep, like):
    """An unsigned-integer array of like's item size: all ones where keep, zeros elsewhere; None where the
    bit trick does not apply (not a float NumPy array, keep not a boolean array of like's shape)."""
    word = _WORDS.get(like.dtype.itemsize) if type(like) is np.ndarray and like.dtype.kind in "fc" else None
    if word is None or type(keep) is not np.ndarray or keep.dtype != np.bool_ or keep.shape != like.shape:
        return None
    mask = keep.astype(word)
    mask *= np.iinfo(word).max
    return mask


def _in(x, dt):
    """A ufunc result (array, NumPy scalar or number) as an array of dtype dt, copied only to convert
    (np.asarray would pull a CuPy array to the host)."""
    if is_array(x):
        return x if x.dtype == dt else x.astype(dt)
    return np.asarray(x, dt)


def _float_dtype(dt) -> np.dtype:
    return dt if dt.kind == "f" else _dt.get_default_dtype().np


def _zeros(g: Tensor) -> Tensor:
    return _make(np.zeros_like(g._data))


def _check_int_divisor(b, dt) -> None:
    if dt.kind in "iu" and bool(np.any(b == 0) if is_array(b) else b == 0):
        raise RuntimeError("ZeroDivisionError")


def _to_out(res: Tensor, out, name: str) -> Tensor:
    """Write a result into `out=` (resized if its shape differs, as PyTorch does)."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if _grad.enabled and (res._rg or out._rg):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    if out._data.shape != res._data.shape:
        if out._data.size:
            warnings.warn(
                f"An output with one or more elements was resized since it had shape {list(out.shape)}, "
                f"which does not match the required output shape {list(res.shape)}. This behavior is "
                "deprecated, and in a future PyTorch release outputs will not be resized unless they have "
                "zero elements. You can explicitly reuse an out tensor t by resizing it, inplace, to zero "
                "elements with t.resize_(0).", UserWarning, stacklevel=3)
        out._data = np.empty_like(res._data, dtype=out._data.dtype)
    _write(out, res)
    out._vc[0] += 1
    return out


def _array_grads(cls, ctx, *grads):
    """First-order gradients on arrays through the Tensor backward (for cases a fast path skips)."""
    res = cls.backward(ctx, *[_make(g) for g in grads])
    if not isinstance(res, tuple):
        res = (res,)
    return tuple(None if r is None else r._data for r in res)


@_array_op
class _NoDerivative(Op):
    """An op PyTorch marks as not differentiable: the graph is built, backward raises."""

    _name = "torch::autograd::NotImplemented"
    aten = ""

    @classmethod
    def backward(cls, ctx, *grads):
        raise RuntimeError(f"derivative for aten::{cls.aten} is not implemented")


# -- arithmetic --------------------------------------------------------------------------------------

_BOOL_SUB = ("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
             "invert a mask, use the `~` or `logical_not()` operator instead.")


def _check_bool_sub(a, b) -> None:
    """PyTorch rejects any bool operand of a subtraction (tensor or Python bool)."""
    bool_a = a.dtype.kind == "b" if is_array(a) else isinstance(a, bool)
    bool_b = b.dtype.kind == "b" if is_array(b) else isinstance(b, bool)
    if bool_a and bool_b:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if bool_a or bool_b:
        raise RuntimeError(_BOOL_SUB)


def _check_alpha(alpha, dt) -> None:
    if isinstance(alpha, bool):
        if dt.kind != "b":
            raise RuntimeError("Boolean alpha only supported for Boolean results.")
    elif isinstance(alpha, float) and dt.kind in "iub":
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")


def _with_alpha(op, a, b, alpha, dt):
    """op(a, alpha * b) for add/sub(..., alpha=). float16 as PyTorch's vectorised half kernel does it: alpha
    rounded to half, then a fused multiply-add in float32, rounded to half. In float64 the half operation is
    exact, so rounding to float32 and then to half gives that result."""
    if dt == np.float16:
        exact = op(a.astype(np.float64), b.astype(np.float64) * float(np.float16(alpha)))
        return exact.astype(np.float32).astype(np.float16)
    return op(a, b * alpha)


@_array_op
class Add(Op):
    _scalar_edges = (0, 1)  # a Python number operand shows as (None, 0) in next_functions
    alpha = 1

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        if type(alpha) is int and alpha == 1 and _no_promotion(a, b):
            return a + b
        a, b, dt = _promote(a, b)
        if type(alpha) is not int or alpha != 1:
            _check_alpha(alpha, dt)
            ctx.alpha = alpha
            return _in(_with_alpha(np.add, a, b, alpha, dt), dt)
        return _in(a + b, dt)

    @staticmethod
    def backward(ctx, g):
        alpha = ctx.alpha
        return g, (g if alpha == 1 else g * alpha), None

    backward_array = backward


@_array_op
class Sub(Op):
    _scalar_edges = (0, 1)  # a Python number operand shows as (None, 0) in next_functions
    alpha = 1

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        if type(alpha) is int and alpha == 1 and a.dtype.kind != "b" and _no_promotion(a, b):
            return a - b
        _check_bool_sub(a, b)
        a, b, dt = _promote(a, b)
        if type(alpha) is not int or alpha != 1:
            _check_alpha(alpha, dt)
            ctx.alpha = alpha
            return _in(_with_alpha(np.subtract, a, b, alpha, dt), dt)
        return _in(a - b, dt)

    @staticmethod
    def backward(ctx, g):
        alpha = ctx.alpha
        return g, (-g if alpha == 1 else g * -alpha), None

    backward_array = backward


@_array_op
class Rsub(Op):
    """`other - alpha * input` (what `2 - x` computes)."""

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx._name = "RsubBackward0" if is_array(b) else "RsubBackward1"
        _check_bool_sub(a, b)
        a, b, dt = _promote(a, b)
        if type(alpha) is not int or alpha != 1:
            _check_alpha(alpha, dt)
        ctx.alpha = alpha
        return _in(b - (a * alpha if alpha != 1 else a), dt)

    @staticmethod
    def backward(ctx, g):
        return (-g if ctx.alpha == 1 else g * -ctx.alpha), g, None

    backward_array = backward


@_array_op
class Mul(Op):
    _scalar_edges = (0, 1)  # a Python number operand shows as (None, 0) in next_functions
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        if a.dtype != np.float16 and _no_promotion(a, b):
            return a * b
        a2, b2, dt = _promote(a, b)
        if dt == np.float16:  # PyTorch's opmath: half computes in float32 (operands unrounded), rounds once
            return _in(np.multiply(a, b, dtype=np.float32), dt)
        return _in(a2 * b2, dt)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (g * b if need[0] else None), (g * a if need[1] else None)

    @staticmethod
    def backward_array(ctx, g):
        a, b = ctx.saved_tensors  # the wrapper puts the tensor first
        need = ctx.needs_input_grad
        return ((g * (b._data if isinstance(b, Tensor) else b) if need[0] else None),
                (g * a._data if need[1] else None))


@_array_op
class Div(Op):
    _scalar_edges = (0, 1)  # a Python number operand shows as (None, 0) in next_functions
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        if a.dtype.kind == "f" and a.dtype != np.float16 and _no_promotion(a, b):
            return a / b
        a2, b2, dt = promote(a, b)  # a Python int joins in the float result type, unwrapped
        if dt == np.float16:  # PyTorch's opmath: half computes in float32 (operands unrounded), rounds once
            return _in(np.true_divide(a, b, dtype=np.float32), dt)
        return np.true_divide(a2, b2, dtype=_float_dtype(dt))

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need = ctx.needs_input_grad
        ga = g / b if need[0] else None
        gb = -g * a / (b * b) if need[1] else None
        return ga, gb

    @staticmethod
    def backward_array(ctx, g):
        a, b = ctx.saved_tensors  # the wrapper makes input a tensor
        need = ctx.needs_input_grad
        if isinstance(b, Tensor):
            b = b._data
        ga = g / b if need[0] else None
        gb = -g * a._data / (b * b) if need[1] else None
        return ga, gb


@_array_op
class DivRounded(Op):
    """div with rounding_mode 'trunc' or 'floor': piecewise constant, so its gradient is zero."""

    _name = "DivBackward2"

    @staticmethod
    def forward(ctx, a, b, mode):
        a, b, dt = _promote(a, b)
        if dt.kind == "b":
            raise _not_implemented(f"div_{mode}", a)
        _check_int_divisor(b, dt)
        if mode == "floor":
            return _in(np.floor_divide(a, b), dt)
        if dt.kind == "f":
            return _in(np.trunc(np.true_divide(a, b)), dt)
        q = np.floor_divide(a, b)
        # floor differs from trunc where the exact quotient is negative and not whole
        return _in(q + ((np.remainder(a, b) != 0) & (q < 0)), dt)

    @staticmethod
    def backward(ctx, g):
        need = ctx.needs_input_grad
        return (_zeros(g) if need[0] else None), (_zeros(g) if need[1] else None), None


@_array_op
class FloorDivide(_NoDerivative):
    aten = "floor_divide"

    @staticmethod
    def forward(ctx, a, b):
        a, b, dt = _promote(a, b)
        if dt.kind == "b":
            raise _not_implemented("div_floor", a if is_array(a) else b)
        _check_int_divisor(b, dt)
        return _in(np.floor_divide(a, b), dt)


@_array_op
class _Modulo(Op):
    """remainder (sign of the divisor, like Python's %) and fmod (sign of the dividend, like C)."""

    ufunc = None
    kernel = ""
    rounding = ""

    @classmethod
    def forward(cls, ctx, a, b):
        ctx._name = f"{cls.__name__}Backward{1 if is_array(b) else 0}"
        ctx.save_for_backward(a, b)
        a, b, dt = _promote(a, b)
        if dt.kind == "b":
            raise _not_implemented(cls.kernel, a)
        _check_int_divisor(b, dt)
        return _in(cls.ufunc(a, b), dt)

    @classmethod
    def backward(cls, ctx, g):
        a, b = ctx.saved_tensors
        gb = -g * div(a, b, rounding_mode=cls.rounding) if ctx.needs_input_grad[1] else None
        return g, gb


@_array_op
class Remainder(_Modulo):
    ufunc = np.remainder
    kernel = "remainder"
    rounding = "floor"


@_array_op
class Fmod(_Modulo):
    ufunc = np.fmod
    kernel = "fmod"
    rounding = "trunc"


@_array_op
class RemainderScalarSelf(_NoDerivative):
    """remainder(number, tensor)."""

    aten = "remainder"

    @staticmethod
    def forward(ctx, a, b):
        a, b, dt = _promote(a, b)
        if dt.kind == "b":
            raise _not_implemented("remainder", b)
        _check_int_divisor(b, dt)
        return _in(np.remainder(a, b), dt)


@_array_op
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

    backward_array = backward


@_array_op
class Abs(Op):
    """|x|; its gradient at 0 is 0 (sign(0))."""

    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind == "b":
            raise _not_implemented("abs", x)
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.sign()


def _int_pow(a, b, dt):
    """Integer powers: negative exponents give 1 / a**|b| truncated (0 unless a is 1 or -1)."""
    neg = b < 0
    if not np.any(neg):
        return np.power(a, b)
    pos = np.power(a, np.where(neg, 0, b).astype(dt))
    odd = (b % 2) != 0
    inv = np.where(a == 1, 1, np.where(a == -1, np.where(odd, -1, 1), 0))
    return np.where(neg, inv, pos)


# exponents PyTorch's CPU kernel computes with products and roots instead of pow: the same formulas give its
# bits (np.power's libm pow differs in the last place) at a fraction of the cost
_POW_FORMS = {2: np.square, 3: lambda a: a * a * a, -1: np.reciprocal, -2: lambda a: 1 / (a * a),
              -0.5: lambda a: 1 / np.sqrt(a)}


@_array_op
class Pow(Op):
    """tensor ** number (PowBackward0), tensor ** tensor (PowBackward1), number ** tensor (PowBackward2)."""

    @staticmethod
    def forward(ctx, a, b):
        exp_scalar = not is_array(b)
        ctx._name = "PowBackward0" if exp_scalar else "PowBackward1" if is_array(a) else "PowBackward2"
        dt = result_dtype(a, b)
        if dt.kind == "b":
            if not exp_scalar:
                raise _not_implemented("pow", a if is_array(a) else b, suffix=False)
            out = a | (not b)  # bool ** bool: x ** True is x, x ** False is True
            ctx.save_for_backward(a, b, out)
            return out
        if dt.kind in "iu":
            if exp_scalar and b < 0:
                raise RuntimeError("Integers to negative integer powers are not allowed.")
            out = _int_pow(_as_dtype(a, dt) if not is_array(a) else _cast(a, dt),
                           _as_dtype(b, dt) if exp_scalar else _cast(b, dt), dt)
        elif exp_scalar:
            special = _POW_FORMS.get(b) if dt in (np.float32, np.float64) else None
            # a Python exponent is weak: the result keeps dt
            out = special(_cast(a, dt)) if special is not None else np.power(_cast(a, dt), b)
        else:
            out = np.power(_cast(a, dt) if is_array(a) else _as_dtype(a, dt), _cast(b, dt))
        out = _in(out, dt)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        need = ctx.needs_input_grad
        ga = gb = None
        if need[0]:
            if isinstance(b, Tensor):
                ga = where(b == 0, 0.0, g * b * a.pow(b - 1))
            elif b == 0:
                ga = _zeros(g)
            else:
                ga = g * b * a.pow(b - 1)
        if need[1]:
            if isinstance(a, Tensor):
                gb = g * where((a == 0) & (b >= 0), 0.0, out * a.log())
            elif a == 0:
                gb = g * where(b >= 0, 0.0, out * -math.inf)
            else:
                gb = g * (out * (math.log(a) if a > 0 else math.nan))
        return ga, gb

    @classmethod
    def backward_array(cls, ctx, g):
        a, b, out = ctx.saved_tensors
        if isinstance(b, Tensor) or not isinstance(a, Tensor):
            return _array_grads(cls, ctx, g)
        if b == 0:
            return np.zeros_like(g), None
        return g * b * a._data ** (b - 1), None


@_array_op
class Reciprocal(Op):
    @staticmethod
    def forward(ctx, x):
        y = np.reciprocal(floating(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return -g * (y * y)


# -- unary math ---------------------------------------------------------------------------------------

@_array_op
class _FloatUnary(Op):
    """Unary math with a float result: int and bool inputs compute in the default float dtype.
    `f` maps the (float) array; `saves` says whether backward needs the input ("x") or the result ("y")."""

    f = None
    saves = "x"

    @classmethod
    def forward(cls, ctx, x):
        y = cls.f(floating(x))
        ctx.save_for_backward(x if cls.saves == "x" else y)
        return y


@_array_op
class Exp(_FloatUnary):
    f = np.exp
    saves = "y"

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y

    @staticmethod
    def backward_array(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y._data


@_array_op
class Exp2(_FloatUnary):
    f = np.exp2
    saves = "y"

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y * _LN2


@_array_op
class Expm1(_FloatUnary):
    f = np.expm1
    saves = "y"

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (y + 1)


@_array_op
class Log(_FloatUnary):
    f = np.log

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / x

    @staticmethod
    def backward_array(ctx, g):
        (x,) = ctx.saved_tensors
        return g / x._data


@_array_op
class Log2(_FloatUnary):
    f = np.log2

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (x * _LN2)


@_array_op
class Log10(_FloatUnary):
    f = np.log10

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (x * _LN10)


@_array_op
class Log1p(_FloatUnary):
    _name = "Log1PBackward0"
    f = np.log1p

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (x + 1)


@_array_op
class Sqrt(_FloatUnary):
    f = np.sqrt
    saves = "y"

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g / (2 * y)


@_array_op
class Rsqrt(_FloatUnary):
    saves = "y"

    @staticmethod
    def f(x):
        return np.reciprocal(np.sqrt(x))

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return -0.5 * g * y.pow(3)


@_array_op
class Sin(_FloatUnary):
    f = np.sin

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.cos()


@_array_op
class Cos(_FloatUnary):
    f = np.cos

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * -x.sin()


@_array_op
class Tan(_FloatUnary):
    f = np.tan
    saves = "y"

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (1 + y * y)


@_array_op
class Asin(_FloatUnary):
    f = np.arcsin

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (1 - x * x).rsqrt()


@_array_op
class Acos(_FloatUnary):
    f = np.arccos

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * -(1 - x * x).rsqrt()


@_array_op
class Atan(_FloatUnary):
    f = np.arctan

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (x * x + 1)


@_array_op
class Sinh(_FloatUnary):
    f = np.sinh

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.cosh()


@_array_op
class Cosh(_FloatUnary):
    f = np.cosh

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.sinh()


@_array_op
class Tanh(_FloatUnary):
    f = np.tanh
    saves = "y"

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (1 - y * y)

    @staticmethod
    def backward_array(ctx, g):
        (y,) = ctx.saved_tensors
        y = y._data
        return g * (1 - y * y)


@_array_op
class Asinh(_FloatUnary):
    f = np.arcsinh

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x * x + 1).rsqrt()


@_array_op
class Acosh(_FloatUnary):
    f = np.arccosh

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x * x - 1).rsqrt()


@_array_op
class Atanh(_FloatUnary):
    f = np.arctanh

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (1 - x * x)


@_array_op
class Sigmoid(_FloatUnary):
    saves = "y"

    @staticmethod
    def f(x):
        # exp(-x) overflows to inf for very negative x, giving the exact limit 0 (warnings are off)
        if x.dtype == np.float16:  # PyTorch computes half in float32 and rounds once
            return (1 / (1 + np.exp(-x.astype(np.float32)))).astype(np.float16)
        return 1 / (1 + np.exp(-x))

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (1 - y) * y

    @staticmethod
    def backward_array(ctx, g):
        (y,) = ctx.saved_tensors
        y = y._data
        return g * (1 - y) * y


@_array_op
class Relu(Op):
    """max(x, 0); its gradient at 0 is 0."""

    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind == "b":
            raise RuntimeError("Boolean inputs not supported for relu")
        y = np.maximum(x, 0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return where(y > 0, g, 0.0)

    @staticmethod
    def backward_array(ctx, g):
        (y,) = ctx.saved_tensors
        return _select(y._data > 0, g)


@_array_op
class Deg2Rad(_FloatUnary):
    @staticmethod
    def f(x):
        return x * (math.pi / 180)

    @staticmethod
    def backward(ctx, g):
        return g * (math.pi / 180)


@_array_op
class Rad2Deg(_FloatUnary):
    @staticmethod
    def f(x):
        return x * (180 / math.pi)

    @staticmethod
    def backward(ctx, g):
        return g * (180 / math.pi)


# erf and erfc: W. J. Cody's rational Chebyshev approximations (Math. Comp. 23, 1969), accurate to about
# 1e-16 in float64: x * P(x^2)/Q(x^2) for |x| <= 0.46875, exp(-x^2) * P(x)/Q(x) for erfc on (0.46875, 4],
# and exp(-x^2) / x * (1/sqrt(pi) + R(1/x^2) / x^2) beyond 4.
_ERF_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02, 3.20937758913846947e03,
          1.85777706184603153e-1)
_ERF_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03)
_ERF_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02,
          8.81952221241769090e02, 1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03,
          2.15311535474403846e-8)
_ERF_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03,
          3.29079923573345963e03, 4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03)
_ERF_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2,
          6.58749161529837803e-4, 1.63153871373020978e-2)
_ERF_Q = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1, 6.05183413124413191e-2,
          2.33520497626869185e-3)
_ERF_SMALL = 0.46875
_INV_SQRT_PI = 0.56418958354775628695
_TWO_OVER_SQRT_PI = 1.1283791670955125739


def _erf_small(x):
    """erf on |x| <= 0.46875."""
    z = x * x
    num, den = _ERF_A[4] * z, z
    for a, b in zip(_ERF_A[:3], _ERF_B[:3]):
        num, den = (num + a) * z, (den + b) * z
    return x * (num + _ERF_A[3]) / (den + _ERF_B[3])


def _exp_neg_sq(y):
    """exp(-y*y) without the rounding error of squaring y: y is split into a part with few bits and
    a remainder."""
    hi = np.trunc(y * 16.0) / 16.0
    return np.exp(-hi * hi) * np.exp(-(y - hi) * (y + hi))


def _erfc_pos(y):
    """erfc on y >= 0.46875 (float64)."""
    y = np.minimum(y, 40.0)  # erfc is 0 in float64 long before; keeps inf out of the formulas
    m = np.minimum(y, 4.0)
    num, den = _ERF_C[8] * m, m
    for c, d in zip(_ERF_C[:7], _ERF_D[:7]):
        num, den = (num + c) * m, (den + d) * m
    mid = (num + _ERF_C[7]) / (den + _ERF_D[7])
    t = np.maximum(y, 4.0)
    z = 1.0 / (t * t)
    num, den = _ERF_P[5] * z, z
    for p, q in zip(_ERF_P[:4], _ERF_Q[:4]):
        num, den = (num + p) * z, (den + q) * z
    tail = (_INV_SQRT_PI - z * (num + _ERF_P[4]) / (den + _ERF_Q[4])) / t
    return np.where(y <= 4.0, mid, tail) * _exp_neg_sq(y)


def _erf64(x):
    x = _in(x, np.float64)
    y = np.abs(x)
    small = _erf_small(np.clip(x, -_ERF_SMALL, _ERF_SMALL))
    return np.where(y <= _ERF_SMALL, small, np.copysign(1.0 - _erfc_pos(np.maximum(y, _ERF_SMALL)), x))


def _erfc64(x):
    x = _in(x, np.float64)
    y = np.abs(x)
    c = _erfc_pos(np.maximum(y, _ERF_SMALL))
    small = 1.0 - _erf_small(np.clip(x, -_ERF_SMALL, _ERF_SMALL))
    return np.where(y <= _ERF_SMALL, small, np.where(x < 0, 2.0 - c, c))


# erfinv: M. Giles' single-precision approximation ("Approximating the erfinv function", GPU Computing
# Gems, 2010) as a first guess, refined by Newton steps on erf (centre) or on log(erfc) (tails).
_GILES_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                  -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_GILES_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
               -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)


def _horner(coefs, w):
    p = coefs[0]
    for c in coefs[1:]:
        p = p * w + c
    return p


def _erfinv64(x):
    x = _in(x, np.float64)
    a = np.abs(x)
    inside = a < 1
    a_in = np.where(inside, a, 0.0)
    w = -np.log((1.0 - a_in) * (1.0 + a_in))
    central = w < 5.0
    y = np.where(central, _horner(_GILES_CENTRAL, np.where(central, w, 5.0) - 2.5),
                 _horner(_GILES_TAIL, np.sqrt(np.where(central, 5.0, w)) - 3.0)) * a_in
    q = 1.0 - a_in  # exact where a >= 0.5, which is where the tail steps use it
    centre = a_in < 0.5
    # the tails need 4 steps from Giles' float32-accurate guess when 1 - |x| is near 1e-16
    for _ in range(4):
        d = _TWO_OVER_SQRT_PI * np.exp(-y * y)
        c = _erfc64(y)
        y = np.where(centre, y - (_erf64(y) - a_in) / d, y + (np.log(c) - np.log(q)) * c / d)
    y = np.where(inside, y, np.where(a == 1, np.inf, np.nan))
    return np.copysign(y, x)


def _in_float64(fn):
    def f(x):
        return fn(x).astype(x.dtype, copy=False)
    return staticmethod(f)


@_array_op
class Erf(_FloatUnary):
    f = _in_float64(_erf64)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (-(x * x)).exp() * _TWO_OVER_SQRT_PI


@_array_op
class Erfc(_FloatUnary):
    f = _in_float64(_erfc64)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (-(x * x)).exp() * -_TWO_OVER_SQRT_PI


@_array_op
class Erfinv(_FloatUnary):
    f = _in_float64(_erfinv64)
    saves = "y"

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (y * y).exp() * (math.sqrt(math.pi) / 2)


@_array_op
class _Piecewise(Op):
    """Ops whose gradient is zero everywhere it exists (rounding, sign): int inputs pass through
    unchanged; `kernel` names PyTorch's kernel in the error for bool inputs (None: bools pass too)."""

    f = None
    kernel = None

    @classmethod
    def forward(cls, ctx, x):
        if x.dtype.kind == "b" and cls.kernel is not None:
            raise _not_implemented(cls.kernel, x)
        if x.dtype.kind != "f":
            return x.copy()
        return cls.f(x)

    @staticmethod
    def backward(ctx, g):
        return _zeros(g)


@_array_op
class Floor(_Piecewise):
    f = np.floor
    kernel = "floor_vml"


@_array_op
class Ceil(_Piecewise):
    f = np.ceil
    kernel = "ceil_vml"


@_array_op
class Round(_Piecewise):
    f = np.rint  # half to even, as PyTorch
    kernel = "round_vml"


@_array_op
class Trunc(_Piecewise):
    f = np.trunc
    kernel = "trunc_vml"


@_array_op
class Sign(Op):
    """-1, 0 or 1 (0 for nan, bools unchanged); zero gradient."""

    @staticmethod
    def forward(ctx, x):
        kind = x.dtype.kind
        if kind == "b":
            return x.copy()
        if kind != "f":
            return np.sign(x)
        return np.where(np.isnan(x), 0, np.sign(x)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        return _zeros(g)


@_array_op
class Sgn(Sign):
    pass


@_array_op
class RoundDecimals(Op):
    _name = "RoundBackward1"

    @staticmethod
    def forward(ctx, x, decimals):
        if x.dtype.kind != "f":
            raise _not_implemented("round", x)
        # scaling as PyTorch does, so large values overflow to inf the same way (half in float32)
        y = x.astype(np.float32) if x.dtype == np.float16 else x
        if decimals > 0:
            p = y.dtype.type(10.0 ** decimals)
            y = np.rint(y * p) / p
        else:
            p = y.dtype.type(10.0 ** -decimals)
            y = np.rint(y / p) * p
        return y.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        return _zeros(g), None


@_array_op
class Frac(Op):
    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind != "f":
            raise _not_implemented("frac", x)
        return x - np.trunc(x)

    @staticmethod
    def backward(ctx, g):
        return g


@_array_op
class NanToNum(Op):
    """Gradient passes where the input is finite, zero elsewhere."""

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        if x.dtype.kind != "f":
            return x.copy()
        ctx.save_for_backward(x)
        info = np.finfo(x.dtype)
        with np.errstate(over="ignore"):
            return np.nan_to_num(x, nan=nan, posinf=info.max if posinf is None else posinf,
                                 neginf=info.min if neginf is None else neginf)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.isfinite(), None, None, None


# -- binary math --------------------------------------------------------------------------------------

def _float_pair(a, b, kernel: str | None = None):
    """Promote two operands for float math; `kernel` set: non-float results raise PyTorch's error,
    else ints and bools compute in the default float dtype."""
    a, b, dt = promote(a, b)
    if dt.kind != "f":
        if kernel is not None:
            raise _not_implemented(kernel, a if is_array(a) else b)
        dt = _dt.get_default_dtype().np
        a, b = _cast(a, dt), _cast(b, dt)
    return a, b, dt


@_array_op
class Atan2(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        a2, b2, dt = _float_pair(a, b)
        return _in(np.arctan2(a2, b2), dt)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need = ctx.needs_input_grad
        den = a * a + b * b
        # at the origin PyTorch gives 0 rather than 0 * inf
        recip = where(den == 0, 0.0, den.reciprocal())
        return (g * b * recip if need[0] else None), (g * -a * recip if need[1] else None)


@_array_op
class Hypot(Op):
    @staticmethod
    def forward(ctx, a, b):
        a2, b2, dt = _float_pair(a, b, "hypot")
        out = _in(np.hypot(a2, b2), dt)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (g * a / out if need[0] else None), (g * b / out if need[1] else None)


@_array_op
class Logaddexp(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        a2, b2, dt = _float_pair(a, b, "logaddexp")
        return _in(np.logaddexp(a2, b2), dt)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need = ctx.needs_input_grad
        return ((g / ((b - a).exp() + 1) if need[0] else None),
                (g / ((a - b).exp() + 1) if need[1] else None))


@_array_op
class Logaddexp2(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        a2, b2, dt = _float_pair(a, b, "logaddexp2")
        return _in(np.logaddexp2(a2, b2), dt)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need = ctx.needs_input_grad
        return ((g / ((b - a).exp2() + 1) if need[0] else None),
                (g / ((a - b).exp2() + 1) if need[1] else None))


@_array_op
class Xlogy(Op):
    """x * log(y), 0 where x == 0 (unless y is nan). XlogyBackward0/1/2: tensor-tensor, number x, number y."""

    @staticmethod
    def forward(ctx, a, b):
        ctx._name = "XlogyBackward0" if is_array(a) and is_array(b) else \
            "XlogyBackward1" if is_array(b) else "XlogyBackward2"
        ctx.save_for_backward(a, b)
        a2, b2, dt = _float_pair(a, b)
        out = np.where((a2 == 0) & ~np.isnan(b2), 0, a2 * np.log(b2))
        return _in(out, dt)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need = ctx.needs_input_grad
        ga = gb = None
        if need[0]:
            ga = where((a == 0) & (b <= 0), 0.0, xlogy(g, b))
        if need[1]:
            gb = g * a / b
        return ga, gb


@_array_op
class Copysign(Op):
    """|a| with the sign of b; the gradient for a is sign-flipped (0 where a == 0), for b zero."""

    @staticmethod
    def forward(ctx, a, b):
        ctx._name = "CopysignBackward0" if is_array(b) else "CopysignBackward1"
        a2, b2, dt = _float_pair(a, b)
        out = _in(np.copysign(a2, b2), dt)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        need = ctx.needs_input_grad
        ga = g * where(a == 0, 0.0, out / a) if need[0] else None
        return ga, (_zeros(g) if need[1] else None)


@_array_op
class Heaviside(_NoDerivative):
    aten = "heaviside"

    @staticmethod
    def forward(ctx, x, values):
        if x.dtype != values.dtype:
            raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
        return np.where(x == 0, values, x > 0).astype(x.dtype, copy=False)


@_array_op
class _Extremum(Op):
    """maximum/minimum (nan propagates; ties split the gradient in half) and fmax/fmin (nan ignored;
    ties send the gradient to the first argument)."""

    ufunc = None

    @classmethod
    def forward(cls, ctx, a, b):
        ctx.save_for_backward(a, b)
        if a.dtype is b.dtype:
            return cls.ufunc(a, b)
        a, b, dt = _promote(a, b)
        return cls.ufunc(a, b)


@_array_op
class Maximum(_Extremum):
    ufunc = np.maximum

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        half = where(a == b, g / 2, g)
        need = ctx.needs_input_grad
        return (where(a < b, 0.0, half) if need[0] else None), (where(a > b, 0.0, half) if need[1] else None)

    @staticmethod
    def backward_array(ctx, g):
        a, b = ctx.saved_tensors
        a, b = a._data, b._data
        half = np.where(a == b, g / 2, g)
        need = ctx.needs_input_grad
        return ((np.where(a < b, 0, half) if need[0] else None),
                (np.where(a > b, 0, half) if need[1] else None))


@_array_op
class Minimum(_Extremum):
    ufunc = np.minimum

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        half = where(a == b, g / 2, g)
        need = ctx.needs_input_grad
        return (where(a > b, 0.0, half) if need[0] else None), (where(a < b, 0.0, half) if need[1] else None)


@_array_op
class Fmax(_Extremum):
    ufunc = np.fmax

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        first = (a >= b) | b.isnan()
        need = ctx.needs_input_grad
        return (where(first, g, 0.0) if need[0] else None), (where(first, 0.0, g) if need[1] else None)


@_array_op
class Fmin(_Extremum):
    ufunc = np.fmin

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        first = (a <= b) | b.isnan()
        need = ctx.needs_input_grad
        return (where(first, g, 0.0) if need[0] else None), (where(first, 0.0, g) if need[1] else None)


@_array_op
class Clamp(Op):
    """clamp with number bounds (either may be None); the gradient passes where lo <= x <= hi, bounds
    included. `_name` is set per variant (clamp, clamp_min, clamp_max)."""

    _name = "ClampBackward1"

    @staticmethod
    def forward(ctx, x, lo, hi, kernel):
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        if x.dtype.kind == "f" and _float_or_none(lo) and _float_or_none(hi):
            out = x  # Python bounds are weak: x's dtype stays
        else:
            dt = _result_dtype_n(x, lo, hi)
            if dt.kind == "b":
                raise _not_implemented(kernel, x)
            out = _cast(x, dt)
            lo = None if lo is None else _as_dtype(lo, dt)
            hi = None if hi is None else _as_dtype(hi, dt)
        if lo is not None and hi is not None and type(lo) is float and type(hi) is float:
            # one pass, and PyTorch's signed zeros at zero bounds (max-then-min loses them); np.clip is
            # fast with Python bounds only (NumPy scalars take a slow path)
            return np.clip(out, lo, hi)
        if lo is not None:
            out = np.maximum(out, lo)
        if hi is not None:
            out = np.minimum(out, hi)
        return out

    @staticmethod
    def _mask(x, lo, hi):
        if lo is None:
            return x <= hi
        if hi is None:
            return x >= lo
        return (x >= lo) & (x <= hi)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return where(Clamp._mask(x, ctx.lo, ctx.hi), g, 0.0), None, None, None

    @staticmethod
    def backward_array(ctx, g):
        (x,) = ctx.saved_tensors
        return _select(Clamp._mask(x._data, ctx.lo, ctx.hi), g), None, None, None


@_array_op
class ClampTensor(Op):
    """clamp with tensor bounds (ClampBackward0). Where lo > hi the result is hi and the gradient goes
    to hi; where lo == hi and x is outside, nothing receives gradient (as PyTorch)."""

    _name = "ClampBackward0"

    @staticmethod
    def forward(ctx, x, lo, hi, kernel):
        dt = _result_dtype_n(x, lo, hi)
        if dt.kind == "b" and kernel is not None:
            raise _not_implemented(kernel, x)
        ctx.save_for_backward(x, lo, hi)
        out = _cast(x, dt)
        if lo is not None:
            out = np.maximum(out, _cast(lo, dt))
        if hi is not None:
            out = np.minimum(out, _cast(hi, dt))
        return out

    @staticmethod
    def backward(ctx, g):
        x, lo, hi = ctx.saved_tensors
        need = ctx.needs_input_grad
        if lo is not None and hi is not None:
            gx = where((x >= lo) & (x <= hi), g, 0.0)
            glo = where((x < lo) & (lo < hi), g, 0.0) if need[1] else None
            ghi = where((x > hi) | (hi < lo), g, 0.0) if need[2] else None
        elif lo is not None:
            gx = where(x >= lo, g, 0.0)
            glo = where(x < lo, g, 0.0) if need[1] else None
            ghi = None
        else:
            gx = where(x <= hi, g, 0.0)
            glo = None
            ghi = where(x > hi, g, 0.0) if need[2] else None
        return (gx if need[0] else None), glo, ghi, None


@_array_op
class Where(Op):
    @staticmethod
    def forward(ctx, cond, x, y):
        ctx.save_for_backward(cond)
        if is_array(x) and is_array(y) and x.dtype is y.dtype:
            return np.where(cond, x, y)
        dt = result_dtype(x, y)
        out = np.where(cond, _cast(x, dt), _cast(y, dt))
        return out if out.dtype == dt else out.astype(dt)

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved_tensors
        need = ctx.needs_input_grad
        return None, (where(cond, g, 0.0) if need[1] else None), (where(cond, 0.0, g) if need[2] else None)

    @staticmethod
    def backward_array(ctx, g):
        (cond,) = ctx.saved_tensors
        c = cond._data
        need = ctx.needs_input_grad
        return None, (_select(c, g) if need[1] else None), (_select(~c, g) if need[2] else None)


@_array_op
class Lerp(Op):
    """start + weight * (end - start), computed from the nearer end as PyTorch does (LerpBackward0 for a
    number weight, LerpBackward1 for a tensor)."""

    @staticmethod
    def forward(ctx, a, b, w):
        w_tensor = is_array(w)
        ctx._name = "LerpBackward1" if w_tensor else "LerpBackward0"
        ctx.save_for_backward(a, b, w)
        if w_tensor:
            dt = _result_dtype_n(a, b, w)
            if dt.kind != "f":
                raise _not_implemented("lerp_kernel_tensor", np.empty(0, dt), suffix=False)
            a2, b2, w2 = _cast(a, dt), _cast(b, dt), _cast(w, dt)
            diff = b2 - a2
            return np.where(np.abs(w2) < 0.5, a2 + w2 * diff, b2 - diff * (1 - w2))
        out_dt = a.dtype
        if out_dt == np.float16:  # PyTorch computes half in float32 and rounds once
            a, b = a.astype(np.float32), b.astype(np.float32)
        diff = b - a
        return _in(a + w * diff if math.fabs(w) < 0.5 else b - diff * (1 - w), out_dt)

    @staticmethod
    def backward(ctx, g):
        a, b, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        ga = g * (1 - w) if need[0] else None
        gb = g * w if need[1] else None
        gw = g * (b - a) if need[2] else None
        return ga, gb, gw


@_array_op
class Addcmul(Op):
    @staticmethod
    def forward(ctx, x, t1, t2, value):
        dt = _result_dtype_n(x, t1, t2)
        if dt.kind == "b":
            raise _not_implemented("addcmul_cpu_out", x, suffix=False)
        if dt.kind in "iu" and not isinstance(value, bool):
            value = int(value)
        ctx.save_for_backward(t1, t2)
        ctx.value = value
        math_dt = np.float32 if dt == np.float16 else dt  # half is computed in float32, rounded once
        return _in(_cast(x, math_dt) + value * (_cast(t1, math_dt) * _cast(t2, math_dt)), dt)

    @staticmethod
    def backward(ctx, g):
        t1, t2 = ctx.saved_tensors
        need = ctx.needs_input_grad
        v = ctx.value
        return ((g if need[0] else None), (g * (t2 * v) if need[1] else None),
                (g * (t1 * v) if need[2] else None), None)


@_array_op
class Addcdiv(Op):
    @staticmethod
    def forward(ctx, x, t1, t2, value):
        if t1.dtype.kind in "iub" and t2.dtype.kind in "iub":
            raise RuntimeError(
                "Integer division with addcdiv is no longer supported, and in a future  release addcdiv "
                "will perform a true division of tensor1 and tensor2. The historic addcdiv behavior can be "
                "implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for "
                "integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future "
                "addcdiv behavior is just the latter implementation: (input + value * tensor1 / tensor2), "
                "for all dtypes.")
        dt = _result_dtype_n(x, t1, t2)
        ctx.save_for_backward(t1, t2)
        ctx.value = value
        return _in(_cast(x, dt) + value * (_cast(t1, dt) / _cast(t2, dt)), dt)

    @staticmethod
    def backward(ctx, g):
        t1, t2 = ctx.saved_tensors
        need = ctx.needs_input_grad
        v = ctx.value
        return ((g if need[0] else None), (g * (v / t2) if need[1] else None),
                (-g * (v * t1) / (t2 * t2) if need[2] else None), None)


# -- comparisons, logical and bitwise ops (not differentiable: bool or integer results) ---------------

@_array_op
class _Compare(Op):
    ufunc = None

    @classmethod
    def forward(cls, ctx, a, b):
        if is_array(b):
            if a.dtype != b.dtype:
                a, b, _ = _promote(a, b)
        elif type(b) is int and a.dtype.kind in "iu":
            b = _as_dtype(b, a.dtype)  # wraps like PyTorch: uint8 255 == -1
        return cls.ufunc(a, b)


@_array_op
class Eq(_Compare):
    ufunc = np.equal


@_array_op
class Ne(_Compare):
    ufunc = np.not_equal


@_array_op
class Lt(_Compare):
    ufunc = np.less


@_array_op
class Le(_Compare):
    ufunc = np.less_equal


@_array_op
class Gt(_Compare):
    ufunc = np.greater


@_array_op
class Ge(_Compare):
    ufunc = np.greater_equal


@_array_op
class LogicalAnd(_Compare):
    ufunc = np.logical_and


@_array_op
class LogicalOr(_Compare):
    ufunc = np.logical_or


@_array_op
class LogicalXor(_Compare):
    ufunc = np.logical_xor


@_array_op
class _Bitwise(Op):
    ufunc = None
    kernel = ""

    @classmethod
    def forward(cls, ctx, a, b):
        a, b, dt = _promote(a, b)
        if dt.kind == "f":
            raise _not_implemented(cls.kernel, np.empty(0, dt))
        return _in(cls.ufunc(a, b), dt)


@_array_op
class BitwiseAnd(_Bitwise):
    ufunc = np.bitwise_and
    kernel = "bitwise_and"


@_array_op
class BitwiseOr(_Bitwise):
    ufunc = np.bitwise_or
    kernel = "bitwise_or"


@_array_op
class BitwiseXor(_Bitwise):
    ufunc = np.bitwise_xor
    kernel = "bitwise_xor"


@_array_op
class LeftShift(_Bitwise):
    ufunc = np.left_shift
    kernel = "lshift"


@_array_op
class RightShift(_Bitwise):
    ufunc = np.right_shift
    kernel = "rshift"


# -- functions: arithmetic ------------------------------------------------------------------------------

def add(input, other, *, alpha=1, out=None) -> Tensor:
    """input + alpha * other, broadcast, with PyTorch's type promotion."""
    if out is None and isinstance(input, Tensor) and not _tensor.cuda_in_use and alpha == 1 \
            and type(alpha) is int:
        # no promotion needed (same dtypes, or a float tensor and a Python int/float): skip the generic path
        a = input._data
        if isinstance(other, Tensor):
            b = other._data
            fast = a.dtype is b.dtype
            rg = input._rg or other._rg
        else:
            b = other
            fast = (type(b) is float or type(b) is int) and a.dtype.kind == "f"
            rg = input._rg
        if fast:
            token = _quiet_on()
            try:
                res = a + b
            except ValueError:
                raise _broadcast_error((a, b)) from None
            finally:
                _quiet_off(token)
            if rg and _grad.enabled:
                # what Add.apply(input, other, 1) records, without the generic per-call work
                return record_elementwise(Add, input, other, res, False, alpha=True)
            return _make(res)
    if not isinstance(other, Tensor):
        other = _operand(other, "add")
    if not isinstance(input, Tensor):
        _need_tensor("add", "other", 2, other)
        input = _operand(input, "add", "input", 1)
        if type(alpha) is int and alpha == 1:
            input, other = other, input  # addition commutes: keep the number a weak scalar
        else:
            input = _tensor.tensor(input)
    res = Add.apply(input, other, alpha)
    return res if out is None else _to_out(res, out, "add")


def sub(input, other, *, alpha=1, out=None) -> Tensor:
    """input - alpha * other."""
    if out is None and isinstance(input, Tensor) and not _tensor.cuda_in_use and alpha == 1 \
            and type(alpha) is int:
        # no promotion needed (same dtypes, or a float tensor and a Python int/float): skip the generic path
        a = input._data
        if isinstance(other, Tensor):
            b = other._data
            fast = a.dtype is b.dtype and a.dtype.kind != "b"
            rg = input._rg or other._rg
        else:
            b = other
            fast = (type(b) is float or type(b) is int) and a.dtype.kind == "f"
            rg = input._rg
        if fast:
            token = _quiet_on()
            try:
                res = a - b
            except ValueError:
                raise _broadcast_error((a, b)) from None
            finally:
                _quiet_off(token)
            if rg and _grad.enabled:
                # what Sub.apply(input, other, 1) records, without the generic per-call work
                return record_elementwise(Sub, input, other, res, False, alpha=True)
            return _make(res)
    if not isinstance(other, Tensor):
        other = _operand(other, "sub")
    if not isinstance(input, Tensor):
        _need_tensor("sub", "other", 2, other)
        input = _tensor.tensor(_operand(input, "sub", "input", 1))
    res = Sub.apply(input, other, alpha)
    return res if out is None else _to_out(res, out, "sub")


subtract = sub


def rsub(input, other, *, alpha=1) -> Tensor:
    """other - alpha * input."""
    _need_tensor("rsub", "input", 1, input)
    return Rsub.apply(input, _operand(other, "rsub"), alpha)


def mul(input, other, *, out=None) -> Tensor:
    """input * other, broadcast."""
    if out is None and isinstance(input, Tensor) and not _tensor.cuda_in_use:
        # no promotion needed (same dtypes, or a float tensor and a Python int/float): skip the generic path
        a = input._data
        if isinstance(other, Tensor):
            b = other._data
            fast = a.dtype is b.dtype
            rg = input._rg or other._rg
        else:
            b = other
            # half with a number goes the generic way (float32 opmath, as PyTorch)
            fast = (type(b) is float or type(b) is int) and a.dtype.kind == "f" and a.dtype != np.float16
            rg = input._rg
        if fast:
            token = _quiet_on()
            try:
                res = a * b
            except ValueError:
                raise _broadcast_error((a, b)) from None
            finally:
                _quiet_off(token)
            if rg and _grad.enabled:
                if a.dtype.char == "e":
                    return Mul.apply(input, other)  # recorded as ever: half computes in float32 (opmath)
                # what Mul.apply(input, other) records, without the generic per-call work
                return record_elementwise(Mul, input, other, res, True)
            return _make(res)
    if not isinstance(other, Tensor):
        other = _operand(other, "mul")
    if not isinstance(input, Tensor):
        _need_tensor("mul", "other", 2, other)
        input, other = other, _operand(input, "mul", "input", 1)
    res = Mul.apply(input, other)
    return res if out is None else _to_out(res, out, "mul")


multiply = mul


_ROUNDING_MODES = (None, "trunc", "floor")


def div(input, other, *, rounding_mode=None, out=None) -> Tensor:
    """True division (ints give floats); rounding_mode 'trunc' or 'floor' rounds the quotient (and keeps
    integer dtypes)."""
    if out is None and isinstance(input, Tensor) and not _tensor.cuda_in_use and rounding_mode is None:
        # no promotion needed (same dtypes, or a float tensor and a Python int/float): skip the generic path
        a = input._data
        if isinstance(other, Tensor):
            b = other._data
            fast = a.dtype is b.dtype and a.dtype.kind == "f"
            rg = input._rg or other._rg
        else:
            b = other
            # half with a number goes the generic way (float32 opmath, as PyTorch)
            fast = (type(b) is float or type(b) is int) and a.dtype.kind == "f" and a.dtype != np.float16
            rg = input._rg
        if fast:
            token = _quiet_on()
            try:
                res = a / b
            except ValueError:
                raise _broadcast_error((a, b)) from None
            finally:
                _quiet_off(token)
            if rg and _grad.enabled:
                if a.dtype.char == "e":
                    return Div.apply(input, other)  # recorded as ever: half computes in float32 (opmath)
                # what Div.apply(input, other) records, without the generic per-call work
                return record_elementwise(Div, input, other, res, True)
            return _make(res)
    if not isinstance(other, Tensor):
        other = _operand(other, "div")
    if not isinstance(input, Tensor):
        _need_tensor("div", "other", 2, other)
        input = _tensor.tensor(_operand(input, "div", "input", 1))
    if rounding_mode is None:
        res = Div.apply(input, other)
    elif rounding_mode in _ROUNDING_MODES:
        res = DivRounded.apply(input, other, rounding_mode)
    else:
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                           f"'{rounding_mode}'")
    return res if out is None else _to_out(res, out, "div")


divide = true_divide = div


def floor_divide(input, other, *, out=None) -> Tensor:
    """input // other (rounds toward minus infinity; not differentiable)."""
    if not isinstance(input, Tensor):
        _need_tensor("floor_divide", "other", 2, other)
        input = _operand(input, "floor_divide", "input", 1)
    res = FloorDivide.apply(input, _operand(other, "floor_divide"))
    return res if out is None else _to_out(res, out, "floor_divide")


def remainder(input, other, *, out=None) -> Tensor:
    """Python's modulus: the result has the sign of the divisor."""
    if not isinstance(input, Tensor):
        _need_tensor("remainder", "other", 2, other)
        res = RemainderScalarSelf.apply(_operand(input, "remainder", "input", 1), other)
    else:
        res = Remainder.apply(input, _operand(other, "remainder"))
    return res if out is None else _to_out(res, out, "remainder")


def fmod(input, other, *, out=None) -> Tensor:
    """C's modulus: the result has the sign of the dividend."""
    _need_tensor("fmod", "input", 1, input)
    res = Fmod.apply(input, _operand(other, "fmod"))
    return res if out is None else _to_out(res, out, "fmod")


def _unary(op, name: str, doc: str):
    """The public function of a one-tensor op (used as function and as Tensor method)."""
    def fn(input: Tensor, *, out: Tensor | None = None) -> Tensor:
        if not isinstance(input, Tensor):
            _need_tensor(name, "input", 1, input)
        res = op.apply(input)
        return res if out is None else _to_out(res, out, name)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


neg = _unary(Neg, "neg", "-input.")
negative = neg
abs = _unary(Abs, "abs", "|input| (its gradient at 0 is 0).")  # noqa: A001
absolute = abs
reciprocal = _unary(Reciprocal, "reciprocal", "1 / input (ints give floats).")


def positive(input: Tensor) -> Tensor:
    """input itself (bool tensors are rejected, as for unary +)."""
    _need_tensor("positive", "input", 1, input)
    if input._data.dtype.kind == "b":
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def pow(input, exponent, *, out=None) -> Tensor:  # noqa: A001
    """input ** exponent; either may be a number (not both)."""
    if not isinstance(input, Tensor):
        if not isinstance(exponent, Tensor):
            raise TypeError(f"pow() received an invalid combination of arguments - got "
                            f"({type(input).__name__}, {type(exponent).__name__}), but expected one of: "
                            "(Tensor input, Tensor exponent), (Number self, Tensor exponent), "
                            "(Tensor input, Number exponent)")
        res = Pow.apply(_operand(input, "pow", "self", 1), exponent)
    else:
        res = Pow.apply(input, _operand(exponent, "pow", "exponent"))
    return res if out is None else _to_out(res, out, "pow")


def float_power(input, exponent, *, out=None) -> Tensor:
    """pow computed in float64 (the result is always double)."""
    f64 = _dt.float64
    base = input.to(f64) if isinstance(input, Tensor) else float(_operand(input, "float_power", "self", 1))
    exp_ = exponent.to(f64) if isinstance(exponent, Tensor) else \
        float(_operand(exponent, "float_power", "exponent"))
    if not isinstance(base, Tensor) and not isinstance(exp_, Tensor):
        raise TypeError(f"float_power() received an invalid combination of arguments - got "
                        f"({type(input).__name__}, {type(exponent).__name__})")
    res = Pow.apply(base, exp_)
    return res if out is None else _to_out(res, out, "float_power")


def float_power_(self: Tensor, exponent) -> Tensor:
    """In-place float_power: self must already be float64."""
    if self._data.dtype != np.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype {_tname(self._data)} but the "
                           "operation's result requires dtype Double")
    return self._inplace(float_power, exponent)


def square(input: Tensor, *, out=None) -> Tensor:
    """input ** 2 (ints stay ints, bools become int64)."""
    _need_tensor("square", "input", 1, input)
    res = Pow.apply(input, 2)
    return res if out is None else _to_out(res, out, "square")


# -- functions: unary math --------------------------------------------------------------------------------

exp = _unary(Exp, "exp", "e ** input.")
exp2 = _unary(Exp2, "exp2", "2 ** input.")
expm1 = _unary(Expm1, "expm1", "exp(input) - 1, accurate near 0.")
log = _unary(Log, "log", "Natural logarithm.")
log2 = _unary(Log2, "log2", "Base-2 logarithm.")
log10 = _unary(Log10, "log10", "Base-10 logarithm.")
log1p = _unary(Log1p, "log1p", "log(1 + input), accurate near 0.")
sqrt = _unary(Sqrt, "sqrt", "Square root.")
rsqrt = _unary(Rsqrt, "rsqrt", "1 / sqrt(input).")
sin = _unary(Sin, "sin", "Sine.")
cos = _unary(Cos, "cos", "Cosine.")
tan = _unary(Tan, "tan", "Tangent.")
asin = arcsin = _unary(Asin, "asin", "Inverse sine.")
acos = arccos = _unary(Acos, "acos", "Inverse cosine.")
atan = arctan = _unary(Atan, "atan", "Inverse tangent.")
sinh = _unary(Sinh, "sinh", "Hyperbolic sine.")
cosh = _unary(Cosh, "cosh", "Hyperbolic cosine.")
tanh = _unary(Tanh, "tanh", "Hyperbolic tangent.")
asinh = arcsinh = _unary(Asinh, "asinh", "Inverse hyperbolic sine.")
acosh = arccosh = _unary(Acosh, "acosh", "Inverse hyperbolic cosine.")
atanh = arctanh = _unary(Atanh, "atanh", "Inverse hyperbolic tangent.")
erf = _unary(Erf, "erf", "The error function.")
erfc = _unary(Erfc, "erfc", "1 - erf(input), accurate in the upper tail.")
erfinv = _unary(Erfinv, "erfinv", "The inverse error function (inf at +-1, nan outside [-1, 1]).")
sigmoid = _unary(Sigmoid, "sigmoid", "1 / (1 + exp(-input)).")
relu = _unary(Relu, "relu", "max(input, 0) (its gradient at 0 is 0).")
deg2rad = _unary(Deg2Rad, "deg2rad", "Degrees to radians.")
rad2deg = _unary(Rad2Deg, "rad2deg", "Radians to degrees.")
sign = _unary(Sign, "sign", "-1, 0 or 1 by the sign of input (0 for nan); zero gradient.")
sgn = _unary(Sgn, "sgn", "sign for real tensors.")
floor = _unary(Floor, "floor", "Round down (ints unchanged); zero gradient.")
ceil = _unary(Ceil, "ceil", "Round up (ints unchanged); zero gradient.")
trunc = fix = _unary(Trunc, "trunc", "Round toward zero (ints unchanged); zero gradient.")
frac = _unary(Frac, "frac", "input - trunc(input).")


def round(input: Tensor, *, decimals: int = 0, out=None) -> Tensor:  # noqa: A001
    """Round half to even, to `decimals` decimal places (negative: to tens, hundreds...)."""
    _need_tensor("round", "input", 1, input)
    res = Round.apply(input) if decimals == 0 else RoundDecimals.apply(input, int(decimals))
    return res if out is None else _to_out(res, out, "round")


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None,
               *, out=None) -> Tensor:
    """Replace nan, +inf and -inf (by default with 0 and the dtype's largest and lowest values)."""
    _need_tensor("nan_to_num", "input", 1, input)
    res = NanToNum.apply(input, nan, posinf, neginf)
    return res if out is None else _to_out(res, out, "nan_to_num")


def _predicate(name: str, float_fn, int_value, doc: str):
    """A bool-valued test: float_fn on float tensors, a constant (int_value, or a function) otherwise."""
    def fn(input: Tensor) -> Tensor:
        _need_tensor(name, "input", 1, input)
        x = input._data
        if x.dtype.kind == "f":
            return _make(float_fn(x))
        if callable(int_value):
            return _make(int_value(x))
        return _make(np.full_like(x, int_value, dtype=bool))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


isnan = _predicate("isnan", np.isnan, False, "Where input is nan.")
isinf = _predicate("isinf", np.isinf, False, "Where input is +inf or -inf.")
isposinf = _predicate("isposinf", np.isposinf, False, "Where input is +inf.")
isneginf = _predicate("isneginf", np.isneginf, False, "Where input is -inf.")
isfinite = _predicate("isfinite", np.isfinite, True, "Where input is neither inf nor nan.")
isreal = _predicate("isreal", lambda x: np.ones_like(x, dtype=bool), True, "True everywhere (no complex).")
signbit = _predicate("signbit", np.signbit, lambda x: x < 0, "Where the sign bit is set (-0.0 included).")


# -- functions: binary math -------------------------------------------------------------------------------

def _binary(op, name: str, doc: str, other_name: str = "other"):
    """The public function of a tensor-tensor op (both arguments must be tensors, as in PyTorch)."""
    def fn(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
        _need_tensor(name, "input", 1, input)
        _need_tensor(name, other_name, 2, other)
        res = op.apply(input, other)
        return res if out is None else _to_out(res, out, name)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


atan2 = arctan2 = _binary(Atan2, "atan2", "The angle of the point (other, input), in (-pi, pi].")
hypot = _binary(Hypot, "hypot", "sqrt(input**2 + other**2) without overflow.")
logaddexp = _binary(Logaddexp, "logaddexp", "log(exp(input) + exp(other)) without overflow.")
logaddexp2 = _binary(Logaddexp2, "logaddexp2", "log2(2**input + 2**other) without overflow.")
heaviside = _binary(Heaviside, "heaviside", "0 below zero, 1 above, `values` at zero.", "values")
maximum = _binary(Maximum, "maximum", "Elementwise max (nan propagates; ties split the gradient).")
minimum = _binary(Minimum, "minimum", "Elementwise min (nan propagates; ties split the gradient).")
fmax = _binary(Fmax, "fmax", "Elementwise max ignoring nan.")
fmin = _binary(Fmin, "fmin", "Elementwise min ignoring nan.")


def xlogy(input, other, *, out=None) -> Tensor:
    """input * log(other), 0 where input is 0 (either may be a number)."""
    if not isinstance(input, Tensor):
        _need_tensor("xlogy", "other", 2, other)
    res = Xlogy.apply(_operand(input, "xlogy", "self", 1), _operand(other, "xlogy"))
    return res if out is None else _to_out(res, out, "xlogy")


def copysign(input: Tensor, other, *, out=None) -> Tensor:
    """|input| with the sign of other (ints give floats)."""
    _need_tensor("copysign", "input", 1, input)
    res = Copysign.apply(input, _operand(other, "copysign"))
    return res if out is None else _to_out(res, out, "copysign")


def _bound(v, arg: str):
    if v is None:
        return None
    return v.item() if isinstance(v, Tensor) else _operand(v, "clamp", arg)


def clamp(input: Tensor, min=None, max=None, *, out=None) -> Tensor:  # noqa: A002
    """Limit input to [min, max]; bounds are numbers or tensors, either may be None. Where min > max the
    result is max. The gradient passes where min <= input <= max, bounds included."""
    _need_tensor("clamp", "input", 1, input)
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    t_lo, t_hi = isinstance(min, Tensor), isinstance(max, Tensor)
    if (t_lo or t_hi) and (min is None or t_lo) and (max is None or t_hi):
        res = ClampTensor.apply(input, min, max, "clamp")
    else:
        # a number with a 0-d tensor selects PyTorch's number overload
        for v in (min, max):
            if isinstance(v, Tensor) and v.dim() != 0:
                raise TypeError(f"clamp() received an invalid combination of arguments - got (Tensor, "
                                f"min={type(min).__name__}, max={type(max).__name__}), but expected one of: "
                                "(Tensor input, Tensor min, Tensor max), "
                                "(Tensor input, Number min, Number max)")
        kernel = "clamp_scalar" if min is not None and max is not None else \
            "clamp_min_scalar" if min is not None else "clamp_max_scalar"
        res = Clamp.apply(input, _bound(min, "min"), _bound(max, "max"), kernel)
    return res if out is None else _to_out(res, out, "clamp")


clip = clamp


def clamp_min(input: Tensor, min, *, out=None) -> Tensor:  # noqa: A002
    """max(input, min): gradient where input >= min."""
    _need_tensor("clamp_min", "input", 1, input)
    if isinstance(min, Tensor):
        res = ClampTensor.apply(input, min, None, None)  # bools allowed, unlike clamp
        if res.grad_fn is not None:
            res.grad_fn._name = "ClampMinBackward1"
    else:
        res = Clamp.apply(input, _operand(min, "clamp_min", "min"), None, "clamp_min_scalar")
        if res.grad_fn is not None:
            res.grad_fn._name = "ClampMinBackward0"
    return res if out is None else _to_out(res, out, "clamp_min")


def clamp_max(input: Tensor, max, *, out=None) -> Tensor:  # noqa: A002
    """min(input, max): gradient where input <= max."""
    _need_tensor("clamp_max", "input", 1, input)
    if isinstance(max, Tensor):
        res = ClampTensor.apply(input, None, max, None)
        if res.grad_fn is not None:
            res.grad_fn._name = "ClampMaxBackward1"
    else:
        res = Clamp.apply(input, None, _operand(max, "clamp_max", "max"), "clamp_max_scalar")
        if res.grad_fn is not None:
            res.grad_fn._name = "ClampMaxBackward0"
    return res if out is None else _to_out(res, out, "clamp_max")


def where(condition: Tensor, input=None, other=None, *, out=None):
    """input where condition holds, else other (either may be a number); `where(condition)` alone is
    `condition.nonzero(as_tuple=True)`."""
    _need_tensor("where", "condition", 1, condition)
    c = condition._data
    if input is None and other is None:
        return tuple(_make(i.astype(np.int64)) for i in np.nonzero(np.atleast_1d(c)))
    if c.dtype.kind != "b":
        if c.dtype != np.uint8:
            raise RuntimeError("where expected condition to be a boolean tensor, but got a tensor with "
                               f"dtype {_tname(c)}")
        warnings.warn("where received a uint8 condition tensor. This behavior is deprecated and will be "
                      "removed in a future version of PyTorch. Use a boolean condition instead.",
                      UserWarning, stacklevel=2)
    if input is None or other is None:
        raise TypeError("where() received an invalid combination of arguments: pass either only a "
                        "condition, or a condition, input and other")
    res = Where.apply(condition, _operand(input, "where", "input"), _operand(other, "where", "other", 3))
    return res if out is None else _to_out(res, out, "where")


def _where_method(self: Tensor, condition: Tensor, other) -> Tensor:
    """Tensor.where(condition, other): self where condition holds, else other."""
    return where(condition, self, other)


_where_method.__name__ = _where_method.__qualname__ = "where"

# C++ type names, as PyTorch's lerp messages print them
_DTYPE_WORDS = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
                "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
                "bool": "bool"}


def lerp(input: Tensor, end: Tensor, weight, *, out=None) -> Tensor:
    """input + weight * (end - input); weight is a number or a tensor."""
    _need_tensor("lerp", "input", 1, input)
    if not isinstance(end, Tensor):
        raise TypeError(f"lerp() received an invalid combination of arguments - got (Tensor, "
                        f"{type(end).__name__}, {type(weight).__name__}), but expected one of: "
                        "(Tensor input, Tensor end, Tensor weight), "
                        "(Tensor input, Tensor end, Number weight)")
    want = input._data.dtype
    if end._data.dtype != want:
        raise RuntimeError(f"expected dtype {_DTYPE_WORDS[want.name]} for `end` but got dtype "
                           f"{_DTYPE_WORDS[end._data.dtype.name]}")
    if isinstance(weight, Tensor):
        if weight.dim() and weight._data.dtype != want:
            raise RuntimeError(f"expected dtype {_DTYPE_WORDS[want.name]} for `weight` but got dtype "
                               f"{_DTYPE_WORDS[weight._data.dtype.name]}")
        res = Lerp.apply(input, end, weight)
    else:
        if want.kind != "f":
            raise _not_implemented("lerp_kernel_scalar", input._data, suffix=False)
        res = Lerp.apply(input, end, _operand(weight, "lerp", "weight", 3))
    return res if out is None else _to_out(res, out, "lerp")


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1, out=None) -> Tensor:
    """input + value * tensor1 * tensor2."""
    _need_tensor("addcmul", "input", 1, input)
    _need_tensor("addcmul", "tensor1", 2, tensor1)
    _need_tensor("addcmul", "tensor2", 3, tensor2)
    res = Addcmul.apply(input, tensor1, tensor2, _operand(value, "addcmul", "value", 4))
    return res if out is None else _to_out(res, out, "addcmul")


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1, out=None) -> Tensor:
    """input + value * tensor1 / tensor2 (integer tensor1 and tensor2 are rejected)."""
    _need_tensor("addcdiv", "input", 1, input)
    _need_tensor("addcdiv", "tensor1", 2, tensor1)
    _need_tensor("addcdiv", "tensor2", 3, tensor2)
    res = Addcdiv.apply(input, tensor1, tensor2, _operand(value, "addcdiv", "value", 4))
    return res if out is None else _to_out(res, out, "addcdiv")


# -- functions: comparisons, logical, bitwise -------------------------------------------------------------

def _comparison(op, name: str, doc: str, tensor_other: bool = False):
    def fn(input: Tensor, other, *, out: Tensor | None = None) -> Tensor:
        _need_tensor(name, "input", 1, input)
        if tensor_other:
            _need_tensor(name, "other", 2, other)
        res = op.apply(input, _operand(other, name))
        return res if out is None else _to_out(res, out, name)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


eq = _comparison(Eq, "eq", "input == other, elementwise.")
ne = not_equal = _comparison(Ne, "ne", "input != other, elementwise.")
lt = less = _comparison(Lt, "lt", "input < other, elementwise.")
le = less_equal = _comparison(Le, "le", "input <= other, elementwise.")
gt = greater = _comparison(Gt, "gt", "input > other, elementwise.")
ge = greater_equal = _comparison(Ge, "ge", "input >= other, elementwise.")
logical_and = _comparison(LogicalAnd, "logical_and", "Both nonzero.", True)
logical_or = _comparison(LogicalOr, "logical_or", "Either nonzero.", True)
logical_xor = _comparison(LogicalXor, "logical_xor", "Exactly one nonzero.", True)
bitwise_and = _comparison(BitwiseAnd, "bitwise_and", "input & other (integer and bool tensors).")
bitwise_or = _comparison(BitwiseOr, "bitwise_or", "input | other (integer and bool tensors).")
bitwise_xor = _comparison(BitwiseXor, "bitwise_xor", "input ^ other (integer and bool tensors).")
bitwise_left_shift = _comparison(LeftShift, "bitwise_left_shift", "input << other (integer tensors).")
bitwise_right_shift = _comparison(RightShift, "bitwise_right_shift", "input >> other, arithmetic (integer tensors).")


def _rlshift(self, other):
    return bitwise_left_shift(_tensor.tensor(other, dtype=self.dtype) if not isinstance(other, Tensor) else other,
                              self)


def _rrshift(self, other):
    return bitwise_right_shift(_tensor.tensor(other, dtype=self.dtype) if not isinstance(other, Tensor) else other,
                               self)


def logical_not(input: Tensor, *, out=None) -> Tensor:
    """input == 0, as bool."""
    _need_tensor("logical_not", "input", 1, input)
    res = _make(np.logical_not(input._data))
    return res if out is None else _to_out(res, out, "logical_not")


def bitwise_not(input: Tensor, *, out=None) -> Tensor:
    """~input for integer and bool tensors."""
    _need_tensor("bitwise_not", "input", 1, input)
    x = input._data
    if x.dtype.kind == "f":
        raise _not_implemented("bitwise_not", x)
    res = _make(np.invert(x))
    return res if out is None else _to_out(res, out, "bitwise_not")


def equal(input: Tensor, other: Tensor) -> bool:
    """True when both tensors have the same shape and values (nan is not equal to itself)."""
    _need_tensor("equal", "input", 1, input)
    _need_tensor("equal", "other", 2, other)
    a, b = input._data, other._data
    return a.shape == b.shape and bool((a == b).all())


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """|input - other| <= atol + rtol * |other|, elementwise (infinities close only to themselves)."""
    _need_tensor("isclose", "input", 1, input)
    _need_tensor("isclose", "other", 2, other)
    a, b = input._data, other._data
    if a.dtype != b.dtype:
        raise RuntimeError(f"{_tname(a)} did not match {_tname(b)}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    close = a == b
    if a.dtype.kind == "b":
        return _make(close)
    if a.dtype.kind != "f":
        a, b = a.astype(np.float64), b.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(a - b)
    close = close | (np.isfinite(a) & np.isfinite(b) & (diff <= atol + rtol * np.abs(b)))
    if equal_nan:
        close = close | (np.isnan(a) & np.isnan(b))
    return _make(close)


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether isclose holds everywhere."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


# -- operators --------------------------------------------------------------------------------------------

def _rdiv(self: Tensor, other) -> Tensor:
    # number / tensor is reciprocal(tensor) * number in PyTorch (MulBackward0 on ReciprocalBackward0)
    return mul(reciprocal(self), _operand(other, "div"))


def _rpow(self: Tensor, other) -> Tensor:
    return pow(_operand(other, "pow"), self)


def _rfloordiv(self: Tensor, other) -> Tensor:
    return floor_divide(_operand(other, "floor_divide"), self)


def _rmod(self: Tensor, other) -> Tensor:
    return remainder(_operand(other, "remainder"), self)


def _invert(self: Tensor) -> Tensor:
    if self._data.dtype.kind == "f":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return bitwise_not(self)


_OPERANDS = (Tensor, int, float, bool, np.generic, np.ndarray)


def _eq_op(self: Tensor, other):
    # other objects (None, strings...): Python falls back to identity, as with PyTorch
    return eq(self, other) if isinstance(other, _OPERANDS) else NotImplemented


def _ne_op(self: Tensor, other):
    return ne(self, other) if isinstance(other, _OPERANDS) else NotImplemented


def _binary_dunder(fn):
    """An operator that hands operands it does not take back to Python (NotImplemented), so the other
    operand's reflected method runs and unknown types get Python's TypeError, as with PyTorch."""
    def op(self: Tensor, other):
        if not isinstance(other, _OPERANDS):
            return NotImplemented
        return fn(self, other)
    op.__name__ = op.__qualname__ = getattr(fn, "__name__", "op")
    return op


# operator dunders bound on Tensor (reflected forms keep the tensor as the first op argument), plus the
# one method whose signature differs from its function (Tensor.where(condition, other))
DUNDERS = {
    "__add__": add, "__radd__": add, "__sub__": sub, "__rsub__": rsub, "__mul__": mul, "__rmul__": mul,
    "__truediv__": div, "__rtruediv__": _rdiv, "__floordiv__": floor_divide, "__rfloordiv__": _rfloordiv,
    "__mod__": remainder, "__rmod__": _rmod, "__pow__": pow, "__rpow__": _rpow, "__neg__": neg,
    "__pos__": positive, "__abs__": abs, "__invert__": _invert, "__and__": bitwise_and,
    "__rand__": bitwise_and, "__or__": bitwise_or, "__ror__": bitwise_or, "__xor__": bitwise_xor,
    "__rxor__": bitwise_xor, "__eq__": _eq_op, "__ne__": _ne_op, "__lt__": lt, "__le__": le, "__gt__": gt,
    "__ge__": ge, "__lshift__": bitwise_left_shift, "__rshift__": bitwise_right_shift, "__rlshift__": _rlshift,
    "__rrshift__": _rrshift, "where": _where_method,
}
DUNDERS.update({k: _binary_dunder(v) for k, v in DUNDERS.items()
                if k not in ("__neg__", "__pos__", "__abs__", "__invert__", "__eq__", "__ne__", "where")})
INPLACE_DUNDERS = {"__iadd__": "add", "__isub__": "sub", "__imul__": "mul", "__itruediv__": "div",
                   "__ipow__": "pow", "__ifloordiv__": "floor_divide", "__imod__": "remainder",
                   "__iand__": "bitwise_and", "__ior__": "bitwise_or", "__ixor__": "bitwise_xor",
                   "__ilshift__": "bitwise_left_shift", "__irshift__": "bitwise_right_shift"}


def _inplace_function(name: str):
    def fn(input: Tensor, *args, **kwargs) -> Tensor:
        return getattr(input, name)(*args, **kwargs)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"`input.{name}(...)` as a function (PyTorch's top-level in-place form)."
    return fn


# PyTorch's top-level in-place functions (torch.relu_, torch.exp_, ...) for the in-place methods above
_TOP_LEVEL_INPLACE = ("abs_ acos_ acosh_ arccos_ arccosh_ arcsin_ arcsinh_ arctan_ arctanh_ asin_ asinh_ atan_ "
                      "atanh_ ceil_ clamp_ clamp_max_ clamp_min_ clip_ cos_ cosh_ deg2rad_ erf_ erfc_ exp2_ exp_ "
                      "expm1_ fix_ floor_ frac_ log10_ log1p_ log2_ log_ nan_to_num_ neg_ negative_ rad2deg_ "
                      "reciprocal_ relu_ round_ rsqrt_ sigmoid_ sin_ sinh_ sqrt_ square_ tan_ tanh_ trunc_ "
                      "xlogy_").split()
globals().update({n: _inplace_function(n) for n in _TOP_LEVEL_INPLACE})
__all__ += _TOP_LEVEL_INPLACE
