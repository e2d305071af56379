"""Loss primitives that PyTorch computes as single ops: pointwise losses with their reduction (MSE,
Huber, smooth L1, soft margin, binary cross-entropy with probabilities or logits), the margin losses
over classes, and CTC (log-space forward-backward, vectorised over the batch).

Forward works on arrays (inputs already broadcast to one shape by ember.nn.functional). Where PyTorch
has no second derivative (multi-margin, multilabel-margin, CTC) the Tensor backward returns a node that
raises PyTorch's error when differentiated.
"""

from __future__ import annotations

import numpy as np

from ._common import Op, Tensor
from .activation import GradNoDerivative, LogSigmoid, _softplus_array, _stable_sigmoid, quiet_op

_make = Tensor._make
_BCE_EPS = 1e-12


def reduce_array(loss, reduction: str):
    """'none' keeps the per-element losses, 'sum' adds them, 'mean' averages them (0-d arrays)."""
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum(keepdims=True).reshape(())
    return loss.mean(keepdims=True).reshape(()) if loss.size else np.full((), np.nan, loss.dtype)


@quiet_op
class _PointwiseLoss(Op):
    """A loss computed elementwise from same-shaped arrays, then reduced. Subclasses define
    `elementwise(*arrays, **params)` and `grads(ctx, gl, *tensors)` (gl: the gradient reaching each
    element's loss); every positional argument is saved for backward."""

    @classmethod
    def forward(cls, ctx, *arrays, reduction, **params):
        loss = cls.elementwise(*arrays, **params)
        ctx.save_for_backward(*arrays)
        ctx.reduction, ctx.params, ctx.numel = reduction, params, loss.size
        return reduce_array(loss, reduction).astype(arrays[0].dtype, copy=False)

    @classmethod
    def backward(cls, ctx, g):
        gl = g / ctx.numel if ctx.reduction == "mean" else g
        return cls.grads(ctx, gl, *ctx.saved_tensors)


@quiet_op
class MseLoss(_PointwiseLoss):
    """(x - t)^2."""

    @staticmethod
    def elementwise(x, t):
        d = x - t
        return d * d

    @staticmethod
    def grads(ctx, gl, x, t):
        gx = gl * 2 * (x - t)
        return gx, (-gx if ctx.needs_input_grad[1] else None)

    @staticmethod
    def backward_array(ctx, g):
        x, t = ctx.saved_tensors
        gl = g / ctx.numel if ctx.reduction == "mean" else g
        gx = (x._data - t._data) * (gl * 2)
        return gx, (-gx if ctx.needs_input_grad[1] else None)


@quiet_op
class HuberLoss(_PointwiseLoss):
    """d^2 / 2 for |d| < delta, delta * (|d| - delta / 2) beyond (d = x - t)."""

    @staticmethod
    def elementwise(x, t, *, delta):
        d = np.abs(x - t)
        return np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta)).astype(x.dtype, copy=False)

    @staticmethod
    def grads(ctx, gl, x, t):
        delta = ctx.params["delta"]
        gx = gl * (x - t).clamp(-delta, delta)
        return gx, (-gx if ctx.needs_input_grad[1] else None)


@quiet_op
class SmoothL1Loss(_PointwiseLoss):
    """d^2 / (2 beta) for |d| < beta, |d| - beta / 2 beyond (d = x - t)."""

    @staticmethod
    def elementwise(x, t, *, beta):
        d = np.abs(x - t)
        return np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta).astype(x.dtype, copy=False)

    @staticmethod
    def grads(ctx, gl, x, t):
        gx = gl * ((x - t) / ctx.params["beta"]).clamp(-1, 1)
        return gx, (-gx if ctx.needs_input_grad[1] else None)


@quiet_op
class SoftMarginLoss(_PointwiseLoss):
    """log(1 + exp(-t * x)), computed without overflow."""

    @staticmethod
    def elementwise(x, t):
        return _softplus_array(-t * x)

    @staticmethod
    def grads(ctx, gl, x, t):
        return gl * -t * (-(t * x)).sigmoid(), None


@quiet_op
class BinaryCrossEntropy(_PointwiseLoss):
    """-w * (t * log(x) + (1 - t) * log(1 - x)), each log clamped at -100 so that the loss stays finite."""

    @staticmethod
    def elementwise(x, t, w):
        if ((x < 0) | (x > 1)).any():
            raise RuntimeError("all elements of input should be between 0 and 1")
        t_ = x.dtype.type
        loss = (t - t_(1)) * np.maximum(np.log1p(-x), t_(-100)) - t * np.maximum(np.log(x), t_(-100))
        return loss if w is None else loss * w

    @staticmethod
    def grads(ctx, gl, x, t, w):
        need = ctx.needs_input_grad
        scale = gl if w is None else gl * w
        gx = scale * (x - t) / ((1 - x) * x).clamp_min(_BCE_EPS) if need[0] else None
        gt = scale * ((-x).log1p() - x.log()) if need[1] else None
        return gx, gt, None


@quiet_op
class BinaryCrossEntropyWithLogits(_PointwiseLoss):
    """-w * (pw * t * log(sigmoid(x)) + (1 - t) * log(1 - sigmoid(x))), in the stable form
    (1 - t) * x - (1 + (pw - 1) * t) * log_sigmoid(x)."""

    @staticmethod
    def elementwise(x, t, w, pw):
        one = x.dtype.type(1)
        log_sig = np.minimum(x, x.dtype.type(0)) - np.log1p(np.exp(-np.abs(x)))
        coef = one if pw is None else (pw - one) * t + one
        loss = (one - t) * x - coef * log_sig
        return loss if w is None else loss * w

    @staticmethod
    def grads(ctx, gl, x, t, w, pw):
        need = ctx.needs_input_grad
        scale = gl if w is None else gl * w
        gx = gt = None
        if need[0]:
            s = x.sigmoid()
            gx = scale * (s - t if pw is None else s * (pw * t + 1 - t) - pw * t)
        if need[1]:
            gt = -scale * (x if pw is None else x + (pw - 1) * LogSigmoid.apply(x))
        return gx, gt, None, None

    @staticmethod
    def backward_array(ctx, g):
        x, t, w, pw = ctx.saved_tensors
        x, t = x._data, t._data
        need = ctx.needs_input_grad
        scale = g / ctx.numel if ctx.reduction == "mean" else g
        if w is not None:
            scale = scale * w._data
        gx = gt = None
        if need[0]:
            s = _stable_sigmoid(x)
            gx = (s - t if pw is None else s * (pw._data * t + 1 - t) - pw._data * t) * scale
        if need[1]:
            if pw is None:
                gt = -x * scale
            else:
                log_sig = np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))
                gt = -(x + (pw._data - 1) * log_sig) * scale
        return gx, gt, None, None


# -- second derivatives PyTorch does not implement ----------------------------------------------------------

class _OnceDifferentiable(Op):
    """Losses whose gradient is computed on arrays by `_grad(ctx, g)`; `aten` names PyTorch's backward."""

    aten = ""

    @classmethod
    def backward(cls, ctx, g):
        saved = ctx.saved_tensors
        res = GradNoDerivative.apply(g, *[s for s in saved if s is not None],
                                      fn=lambda ga: cls._grad(ctx, ga), aten=cls.aten)
        return (res,) + (None,) * (cls.n_args - 1)

    @classmethod
    def backward_array(cls, ctx, g):
        return (cls._grad(ctx, g),) + (None,) * (cls.n_args - 1)


def _sample_upstream(g, reduction: str, n: int):
    if reduction == "none":
        return g
    return g / n if reduction == "mean" else g


@quiet_op
class MultiMarginLoss(_OnceDifferentiable):
    """sum_{j != y} w_y * max(0, margin - x_y + x_j)^p / C per sample of a (N, C) input."""

    aten = "multi_margin_loss_backward"
    n_args = 3

    @staticmethod
    def forward(ctx, x, target, weight, *, p, margin, reduction):
        n, c = x.shape
        if ((target < 0) | (target >= c)).any():
            raise RuntimeError("target out of range")
        rows = np.arange(n)
        t_ = x.dtype.type
        z = t_(margin) - x[rows, target][:, None] + x
        h = np.maximum(z, t_(0))
        if p == 2:
            h = h * h
        h[rows, target] = 0
        wy = None if weight is None else weight[target]
        loss = h.sum(axis=1) / t_(c)
        if wy is not None:
            loss = loss * wy
        ctx.save_for_backward(x)
        ctx.parts = (z, rows, target, wy, p, reduction)
        return reduce_array(loss, reduction)

    @staticmethod
    def _grad(ctx, g):
        z, rows, target, wy, p, reduction = ctx.parts
        n, c = z.shape
        gi = _sample_upstream(g, reduction, n)
        coef = (z > 0).astype(z.dtype)
        if p == 2:
            coef *= 2 * z
        coef[rows, target] = 0
        scale = gi / c if wy is None else gi * wy / c
        coef *= scale[:, None] if np.ndim(scale) else scale
        coef[rows, target] = -coef.sum(axis=1)
        return coef


@quiet_op
class MultilabelMarginLoss(_OnceDifferentiable):
    """sum over listed targets j and non-target classes k of max(0, 1 - (x_j - x_k)) / C per sample; each
    row of the target lists class indices, ended by the first negative entry."""

    aten = "multilabel_margin_loss_backward"
    n_args = 2

    @staticmethod
    def forward(ctx, x, target, *, reduction):
        n, c = x.shape
        neg = target < 0
        lengths = np.where(neg.any(axis=1), neg.argmax(axis=1), c)
        listed = np.arange(c)[None, :] < lengths[:, None]
        if (listed & (target >= c)).any():
            raise RuntimeError("target out of range")
        tj = np.where(listed, target, 0)
        is_target = np.zeros((n, c), bool)
        r, k = np.nonzero(listed)
        is_target[r, tj[r, k]] = True
        xt = np.take_along_axis(x, tj, axis=1)
        z = x.dtype.type(1) - xt[:, :, None] + x[:, None, :]
        active = (z > 0) & listed[:, :, None] & ~is_target[:, None, :]
        loss = np.where(active, z, 0).sum(axis=(1, 2)) / x.dtype.type(c)
        ctx.save_for_backward(x)
        ctx.parts = (active, tj, x.dtype, reduction)
        return reduce_array(loss.astype(x.dtype, copy=False), reduction)

    @staticmethod
    def _grad(ctx, g):
        active, tj, dtype, reduction = ctx.parts
        n, c = active.shape[0], active.shape[2]
        gi = _sample_upstream(g, reduction, n)
        scale = (np.broadcast_to(gi, (n,)) / c).astype(dtype)
        a = active.astype(dtype) * scale[:, None, None]
        out = a.sum(axis=1)
        np.add.at(out, (np.arange(n)[:, None], tj), -a.sum(axis=2))
        return out


# -- CTC ----------------------------------------------------------------------------------------------------

def _lse3(a, b, c):
    """log(exp(a) + exp(b) + exp(c)) elementwise, -inf where all three are -inf."""
    m = np.maximum(np.maximum(a, b), c)
    safe = np.where(np.isneginf(m), 0, m)
    return safe + np.log(np.exp(a - safe) + np.exp(b - safe) + np.exp(c - safe))


def _shift(a, k: int):
    """a moved k places right along the last axis, -inf shifted in."""
    out = np.full_like(a, -np.inf)
    if k < a.shape[1]:
        out[:, k:] = a[:, :-k]
    return out


@quiet_op
class CtcLoss(_OnceDifferentiable):
    """Negative log-likelihood of the targets under CTC for (T, N, C) log-probabilities, per sample.

    alpha/beta recursions run in log space over time, vectorised over the batch and the extended label
    sequence (targets interleaved with blanks). The gradient is PyTorch's: exp(log_probs) minus the
    posterior occupancy of each label, which is the gradient through a log_softmax that produced
    log_probs."""

    aten = "_ctc_loss_backward"
    n_args = 2
    _name = "CtcLossBackward0"

    @staticmethod
    def forward(ctx, log_probs, targets, *, input_lengths, target_lengths, blank, zero_infinity):
        lp = log_probs.astype(np.float64)
        steps, n, c = lp.shape
        tl = target_lengths
        s_max = int(tl.max()) if n else 0
        padded = CtcLoss._padded(targets, tl, s_max, blank)
        width = 2 * s_max + 1
        ext = np.full((n, width), blank, np.int64)
        ext[:, 1::2] = padded
        in_range = (ext >= 0) & (ext < c)
        skip = np.zeros((n, width), bool)
        skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
        # emission log-probabilities of every extended label: (T, N, width)
        em = lp[:, np.arange(n)[:, None], np.where(in_range, ext, 0)]
        em = np.where(in_range[None], em, -np.inf)
        alpha = np.full((steps, n, width), -np.inf)
        if steps:
            alpha[0, :, 0] = em[0, :, 0]
            if width > 1:
                alpha[0, :, 1] = em[0, :, 1]
        for t in range(1, steps):
            a = alpha[t - 1]
            alpha[t] = _lse3(a, _shift(a, 1), np.where(skip, _shift(a, 2), -np.inf)) + em[t]
        il = input_lengths
        rows = np.arange(n)
        last = np.maximum(il - 1, 0)
        end = alpha[last, rows] if steps else np.full((n, width), -np.inf)
        e1 = end[rows, 2 * tl]
        e2 = np.where(tl > 0, end[rows, np.maximum(2 * tl - 1, 0)], -np.inf)
        ll = np.logaddexp(e1, e2)
        ll = np.where(il == 0, np.where(tl == 0, 0.0, -np.inf), ll)
        nll = -ll
        inf = np.isinf(nll)
        if zero_infinity:
            nll = np.where(inf, 0.0, nll)
        ctx.save_for_backward(log_probs)
        ctx.parts = (lp, em, alpha, ext, in_range, skip, il, tl, -ll, inf, zero_infinity, log_probs.dtype)
        return nll.astype(log_probs.dtype)

    @staticmethod
    def _padded(targets, tl, s_max: int, blank: int):
        """Targets as an (N, S) array: 2-D targets are cut to S, concatenated 1-D ones split by length."""
        n = tl.shape[0]
        if targets.ndim == 2:
            out = targets[:, :s_max].astype(np.int64)
        else:
            start = np.concatenate(([0], np.cumsum(tl)[:-1]))
            idx = start[:, None] + np.arange(s_max)[None, :]
            take = np.minimum(idx, max(targets.shape[0] - 1, 0))
            out = targets[take].astype(np.int64) if targets.size else np.zeros((n, s_max), np.int64)
        mask = np.arange(s_max)[None, :] < tl[:, None]
        return np.where(mask, out, blank)

    @staticmethod
    def _beta(em, skip, il, tl):
        """beta[t, n, s]: log-probability of the frames after t given extended label s at time t."""
        steps, n, width = em.shape
        rows = np.arange(n)
        init = np.full((n, width), -np.inf)
        init[rows, 2 * tl] = 0.0
        has = tl > 0
        init[rows[has], 2 * tl[has] - 1] = 0.0
        beta = np.full((steps, n, width), -np.inf)
        b = np.full((n, width), -np.inf)
        neg = np.full((n, width), -np.inf)
        skip_next = np.zeros_like(skip)
        skip_next[:, :-2] = skip[:, 2:]
        for t in range(steps - 1, -1, -1):
            if t < steps - 1:
                nb = b + em[t + 1]
                back1 = np.full_like(nb, -np.inf)
                back1[:, :-1] = nb[:, 1:]
                back2 = np.full_like(nb, -np.inf)
                back2[:, :-2] = nb[:, 2:]
                rec = _lse3(nb, back1, np.where(skip_next, back2, -np.inf))
            else:
                rec = neg
            here = (t == il - 1)[:, None]
            before = (t < il - 1)[:, None]
            b = np.where(here, init, np.where(before, rec, -np.inf))
            beta[t] = b
        return beta

    @staticmethod
    def _grad(ctx, g):
        lp, em, alpha, ext, in_range, skip, il, tl, nll, inf, zero_infinity, dtype = ctx.parts
        steps, n, c = lp.shape
        beta = CtcLoss._beta(em, skip, il, tl)
        occupancy = np.exp(alpha + beta + nll[None, :, None])
        onehot = (ext[:, :, None] == np.arange(c)[None, None, :]) & in_range[:, :, None]
        by_label = np.matmul(occupancy.transpose(1, 0, 2), onehot.astype(np.float64)).transpose(1, 0, 2)
        grad = np.exp(lp) - by_label
        live = np.arange(steps)[:, None] < il[None, :]
        grad = np.where(live[:, :, None], grad, 0.0)
        if zero_infinity:
            grad = np.where(inf[None, :, None], 0.0, grad)
        return (grad * g.astype(np.float64)[None, :, None]).astype(dtype)
