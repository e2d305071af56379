"""Numerically stable fused primitives: softmax, log_softmax, and the classification losses built on them
(cross-entropy with class-index targets as one op, and nll_loss).

Each is one graph node: forward exponentiates shifted by the max (unless exp cannot overflow or underflow),
backward is the closed form.
The Tensor `backward` is written with differentiable ops (double backward works); `backward_array` is
the first-order fast path on arrays, reusing what forward computed.
"""

from __future__ import annotations

import numpy as np

from ._common import Op, Tensor, wrap_dim
from .activation import quiet_op
from .elementwise import _not_implemented

__all__ = ["softmax", "log_softmax"]
METHODS = ("softmax", "log_softmax")

_make = Tensor._make


def _kernel(name: str, x, dim: int) -> NotImplementedError:
    last = "_lastdim" if dim == max(x.ndim, 1) - 1 else ""
    return _not_implemented(f"{name}{last}_kernel_impl", x, suffix=False)


# exp(x) of these dtypes neither overflows nor underflows to 0 for |x| below the bound
_EXP_SAFE = {np.dtype(np.float32): 80.0, np.dtype(np.float64): 700.0}
_GEMV_MAX = 1 << 16


def _exp_safe(x, axis: int) -> bool:
    """Whether exp(x) can be used unshifted: every |x| is small enough that no term overflows, no row sums
    past the dtype's range and none underflows to 0. The global min and max cost less than the row max and
    the subtraction they save."""
    bound = _EXP_SAFE.get(x.dtype)
    if bound is None or x.size == 0:
        return x.size == 0
    bound -= np.log(x.shape[axis])
    return bool(x.max() < bound and x.min() > -bound)


def _max_keep(x, axis: int):
    """x.max(axis, keepdims=True) as the shift of a softmax. np.fmax's reduction runs about 4x faster than
    np.maximum's; it skips NaN, but a NaN element makes its row NaN through the sum of exponentials anyway."""
    if x.dtype.kind == "f" and type(x) is np.ndarray:
        return np.fmax.reduce(x, axis=axis, keepdims=True)
    return x.max(axis=axis, keepdims=True)


def _exp_shifted(x, axis: int):
    """(exp(x - c), c) with c the max along axis, or c = None when exp(x) is safe unshifted."""
    if _exp_safe(x, axis):
        return np.exp(x), None
    m = _max_keep(x, axis)
    z = x - m
    return np.exp(z, out=z), m


def _sum_keep(a, axis: int):
    """a.sum(axis, keepdims=True); along the last axis of a C-contiguous float array it is a matrix-vector
    product, several times faster than NumPy's reduction (rows are short enough to stay accurate)."""
    n = a.shape[axis]
    if axis == a.ndim - 1 and 0 < n <= _GEMV_MAX and a.dtype in _EXP_SAFE and a.flags.c_contiguous:
        return (a.reshape(-1, n) @ np.ones_like(a, shape=(n,))).reshape(a.shape[:-1] + (1,))
    return a.sum(axis=axis, keepdims=True)


def _dot_keep(a, b, axis: int):
    """(a * b).sum(axis, keepdims=True) without the product array when axis is the last one."""
    if axis == a.ndim - 1 and a.dtype == b.dtype and a.dtype.kind == "f":
        return np.einsum("...i,...i->...", a, b)[..., None]
    return (a * b).sum(axis=axis, keepdims=True)


@quiet_op
class Softmax(Op):
    """exp(x) / sum(exp(x)) along dim."""

    @staticmethod
    def forward(ctx, x, *, dim):
        if x.dtype.kind not in "fc":
            raise _kernel("softmax", x, dim)
        ctx.dim = dim
        if x.size == 0:
            y = x.copy()
        elif x.ndim == 0:
            y = np.exp(x - x)
        else:
            y, _ = _exp_shifted(x, dim)
            np.multiply(y, 1 / _sum_keep(y, dim), out=y)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        if y.ndim == 0:
            return g * 0.0
        return y * (g - (g * y).sum(ctx.dim, keepdim=True))

    @staticmethod
    def backward_array(ctx, g):
        (y,) = ctx.saved_tensors
        y = y._data
        if y.ndim == 0:
            return g * 0
        gx = g - _dot_keep(g, y, ctx.dim)
        gx *= y
        return gx


@quiet_op
class LogSoftmax(Op):
    """x - log(sum(exp(x))) along dim."""

    @staticmethod
    def forward(ctx, x, *, dim):
        if x.dtype.kind not in "fc":
            raise _kernel("log_softmax", x, dim)
        ctx.dim = dim
        if x.size == 0:
            y = x.copy()
        elif x.ndim == 0:
            y = x - x
        else:
            if _exp_safe(x, dim):
                y = x - np.log(_sum_keep(np.exp(x), dim))
            else:
                # subtract the shift first: adding it to log-sum-exp would round away small differences
                y = x - _max_keep(x, dim)
                y -= np.log(_sum_keep(np.exp(y), dim))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        if y.ndim == 0:
            return g * 0.0
        return g - y.exp() * g.sum(ctx.dim, keepdim=True)

    @staticmethod
    def backward_array(ctx, g):
        (y,) = ctx.saved_tensors
        y = y._data
        if y.ndim == 0:
            return g * 0
        gx = np.exp(y)
        gx *= -_sum_keep(g, ctx.dim)
        gx += g
        return gx


# -- classification losses on (N, C, d1, ...) inputs with (N, d1, ...) class-index targets -------------------

def _reduce_array(loss, reduction: str, total):
    """Reduce per-sample losses; 'mean' divides by `total` (the summed weights of the counted samples)."""
    if reduction == "none":
        return loss
    s = loss.sum(keepdims=True).reshape(())
    return s if reduction == "sum" else s / total


def _targets(t, n_classes: int, ignore_index: int):
    """(clipped targets usable as indices, mask of counted targets); IndexError for out-of-range ones."""
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise IndexError(f"Target {int(t[bad].ravel()[0])} is out of bounds.")
    return np.where(valid, t, 0).astype(np.intp, copy=False), valid


def _sample_weights(weight, tc, valid, dtype):
    """weight[target] per sample (1 without weights), 0 for ignored samples."""
    if weight is None:
        return valid.astype(dtype)
    return np.where(valid, weight[tc], dtype.type(0))


def _grad_divisor(total):
    """The 'mean' divisor for backward: where nothing counts (every target ignored) every gradient is 0,
    as in PyTorch, rather than 0/0."""
    if total is None:
        return None
    return np.where(total == 0, total.dtype.type(1), total)


def _upstream(g, reduction: str, total):
    """The gradient reaching each sample's loss (array or Tensor), shaped to broadcast against
    (N, C, d1, ...)."""
    if reduction == "none":
        return g.reshape(tuple(g.shape[:1]) + (1,) + tuple(g.shape[1:]))
    return g if reduction == "sum" else g / total


def _class_shape(ndim: int, n_classes: int) -> tuple:
    return (1, n_classes) + (1,) * (ndim - 2)


@quiet_op
class CrossEntropy(Op):
    """-sum_c q_c * weight_c * log_softmax(x)_c for class-index targets, in one node: q is the one-hot
    target mixed with the uniform distribution by label_smoothing; ignored targets count for nothing;
    'mean' divides by the summed weights of the counted targets (as nll_loss does)."""

    _name = "NllLossBackward0"

    @staticmethod
    def forward(ctx, x, target, weight, *, reduction, ignore_index, label_smoothing):
        n_classes = x.shape[1]
        tc, valid = _targets(target, n_classes, ignore_index)
        idx = tc[:, None]
        e, shift = _exp_shifted(x, 1)
        s = _sum_keep(e, 1)[:, 0]
        # log-sum-exp and the logits it is compared with, both relative to the shift (no cancellation)
        lse = np.log(s)
        zt = np.take_along_axis(x, idx, axis=1)[:, 0]
        z = x
        if shift is not None:
            zt = zt - shift[:, 0]
        eps = label_smoothing
        if eps > 0:
            if shift is not None:
                z = x - shift
            zsum = _sum_keep(z if weight is None else z * weight.reshape(_class_shape(x.ndim, n_classes)), 1)
            zsum = zsum[:, 0]
        wt = _sample_weights(weight, tc, valid, x.dtype)
        loss = wt * (lse - zt)
        sum_w = x.dtype.type(n_classes) if weight is None else weight.sum()
        if eps > 0:
            smooth = valid * (sum_w * lse - zsum)
            loss = loss * x.dtype.type(1 - eps) + smooth * x.dtype.type(eps / n_classes)
        total = wt.sum(keepdims=True).reshape(()) if reduction == "mean" else None
        ctx.save_for_backward(x)
        ctx.parts = (e, s, idx, valid, wt, weight, sum_w, _grad_divisor(total))
        ctx.reduction, ctx.eps = reduction, eps
        return _reduce_array(loss, reduction, total).astype(x.dtype, copy=False)

    @staticmethod
    def _coefficients(ctx, dtype, n_classes):
        """(a, b_t, b_c): a sample's gradient is gi * (p * a - b_t * onehot(target) - b_c * weight)."""
        _, _, _, valid, wt, weight, sum_w, _ = ctx.parts
        eps = ctx.eps
        t = dtype.type
        if eps == 0:
            return wt, wt, None
        smooth = valid * t(eps / n_classes)
        return wt * t(1 - eps) + smooth * sum_w, wt * t(1 - eps), smooth

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        e, _, idx, _, _, weight, _, total = ctx.parts
        xd = x._data
        n_classes = xd.shape[1]
        a, bt, bc = CrossEntropy._coefficients(ctx, xd.dtype, n_classes)
        dense = np.zeros_like(xd)
        np.put_along_axis(dense, idx, bt[:, None], axis=1)
        if bc is not None:
            w = np.ones(n_classes, xd.dtype) if weight is None else weight
            dense += bc[:, None] * w.reshape(_class_shape(xd.ndim, n_classes))
        gi = _upstream(g, ctx.reduction, None if total is None else _make(total))
        p = Softmax.apply(x, dim=1)
        return p * (gi * _make(a[:, None])) - gi * _make(dense), None, None

    @staticmethod
    def backward_array(ctx, g):
        e, s, idx, _, _, weight, _, total = ctx.parts
        n_classes = e.shape[1]
        a, bt, bc = CrossEntropy._coefficients(ctx, e.dtype, n_classes)
        gi = _upstream(g, ctx.reduction, total)
        out = e * (gi * (a / s)[:, None])
        at_t = np.take_along_axis(out, idx, axis=1)
        np.put_along_axis(out, idx, at_t - gi * bt[:, None], axis=1)
        if bc is not None:
            w = 1 if weight is None else weight.reshape(_class_shape(e.ndim, n_classes))
            out -= gi * bc[:, None] * w
        return out, None, None


@quiet_op
class NllLoss(Op):
    """-weight[target] * x[target] per sample (x holds log-probabilities along dim 1)."""

    @staticmethod
    def forward(ctx, x, target, weight, *, reduction, ignore_index):
        tc, valid = _targets(target, x.shape[1], ignore_index)
        idx = tc[:, None]
        wt = _sample_weights(weight, tc, valid, x.dtype)
        loss = -wt * np.take_along_axis(x, idx, axis=1)[:, 0]
        total = wt.sum(keepdims=True).reshape(()) if reduction == "mean" else None
        ctx.parts = (x.shape, x.dtype, idx, wt, _grad_divisor(total))
        ctx.reduction = reduction
        return _reduce_array(loss, reduction, total).astype(x.dtype, copy=False)

    @staticmethod
    def _dense(ctx):
        shape, dtype, idx, wt, _ = ctx.parts
        d = np.zeros(shape, dtype)
        np.put_along_axis(d, idx, -wt[:, None], axis=1)
        return d

    @staticmethod
    def backward(ctx, g):
        total = ctx.parts[4]
        gi = _upstream(g, ctx.reduction, None if total is None else _make(total))
        return gi * _make(NllLoss._dense(ctx)), None, None

    @staticmethod
    def backward_array(ctx, g):
        total = ctx.parts[4]
        gi = _upstream(g, ctx.reduction, total)
        return NllLoss._dense(ctx) * gi, None, None


# -- public functions -------------------------------------------------------------------------------------

def _softmax_like(op, input: Tensor, dim, dtype) -> Tensor:
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        raise TypeError("softmax() missing required argument 'dim'")
    return op.apply(input, dim=wrap_dim(int(dim), input._data.ndim))


def softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along dim (computed in `dtype` when given)."""
    return _softmax_like(Softmax, input, dim, dtype)


def log_softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """log(softmax(x)) along dim, computed stably (computed in `dtype` when given)."""
    return _softmax_like(LogSoftmax, input, dim, dtype)
