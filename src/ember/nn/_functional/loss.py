"""Loss functions of ember.nn.functional, with PyTorch's signatures, reductions, argument checks and
errors. cross_entropy with class indices, nll_loss and the losses PyTorch computes as single ops are
fused primitives (ember.ops.fused, ember.ops.loss); the others are compositions of Tensor ops, as in
PyTorch."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence

import numpy as np

from ... import _tensor
from ...autograd.grad_mode import no_grad
from ...autograd.grad_mode import state as _grad_state
from ...ops import fused as _fused
from ...ops import loss as _loss
from ...ops.activation import LogSigmoid
from ...ops.elementwise import _tname, where, xlogy
from ...ops.reduce import norm
from ...ops.shape import broadcast_tensors

Tensor = _tensor.Tensor

__all__ = [
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss", "l1_loss",
    "mse_loss", "huber_loss", "smooth_l1_loss", "soft_margin_loss", "multilabel_soft_margin_loss",
    "cosine_embedding_loss", "kl_div", "margin_ranking_loss", "hinge_embedding_loss", "poisson_nll_loss",
    "gaussian_nll_loss", "triplet_margin_loss", "triplet_margin_with_distance_loss", "multi_margin_loss",
    "multilabel_margin_loss", "ctc_loss",
]

_REDUCTIONS = ("none", "mean", "sum")


# -- reduction arguments -------------------------------------------------------------------------------

def legacy_reduction(size_average: bool | None, reduce: bool | None, emit_warning: bool = True) -> str:
    """The reduction the deprecated size_average/reduce pair stands for (None counts as True)."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = ("mean" if size_average else "sum") if reduce else "none"
    if emit_warning:
        warnings.warn("size_average and reduce args will be deprecated, please use "
                      f"reduction='{ret}' instead.", UserWarning, stacklevel=3)
    return ret


def _reduction(reduction: str, size_average=None, reduce=None) -> str:
    """The effective reduction: the legacy pair wins when given; invalid names are a ValueError."""
    if size_average is not None or reduce is not None:
        return legacy_reduction(size_average, reduce)
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.",
                      UserWarning, stacklevel=3)
        return "mean"
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _apply_reduction(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _not_differentiable(fn: str, arg: str, t) -> None:
    """PyTorch refuses, at the call, an argument its derivative formula does not cover."""
    if t is not None and _grad_state.enabled and t.requires_grad:
        raise RuntimeError(f"The function '{fn}' is not differentiable with respect to argument '{arg}'. "
                           "This input cannot have requires_grad True.")


def _size_warning(input: Tensor, target: Tensor) -> None:
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({target.size()}) that is different to the input size "
                      f"({input.size()}). This will likely lead to incorrect results due to broadcasting. "
                      "Please ensure they have the same size.", UserWarning, stacklevel=3)


def _broadcast(input: Tensor, target: Tensor):
    if input.shape == target.shape:
        return input, target
    return broadcast_tensors(input, target)


def _same_dtype(weight: Tensor, input: Tensor) -> None:
    if weight._data.dtype != input._data.dtype:
        raise RuntimeError(f"expected scalar type {_tname(input._data)} but found {_tname(weight._data)}")


# -- cross-entropy and nll -----------------------------------------------------------------------------

def _check_class_targets(input: Tensor, target: Tensor, weight: Tensor | None) -> None:
    """nll_loss's checks of a (N, C, d1, ...) input against its class-index target."""
    x, t = input._data, target._data
    dim = x.ndim
    if dim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {dim})")
    if dim != 1 and (t.ndim == 0 or x.shape[0] != t.shape[0]):
        tb = t.shape[0] if t.ndim else 1
        raise ValueError(f"Expected input batch_size ({x.shape[0]}) to match target batch_size ({tb}).")
    if dim <= 2:
        if t.ndim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if dim == 1 and t.ndim == 1 and t.shape[0] != 1:
            raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: {t.shape[0]}")
    elif dim == 4:
        if t.ndim != 3:
            raise RuntimeError("only batches of spatial targets supported (3D tensors) but got targets of "
                               f"dimension: {t.ndim}")
        if x.shape[2:] != t.shape[1:]:
            raise RuntimeError(f"size mismatch (got input: {list(x.shape)} , target: {list(t.shape)}")
    else:
        expected = (x.shape[0],) + x.shape[2:]
        if t.shape != expected:
            raise RuntimeError(f"Expected target size {list(expected)}, got {list(t.shape)}")
    if t.dtype not in (np.int64, np.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_tname(t)}")
    n_classes = x.shape[1] if dim >= 2 else x.shape[0]
    if weight is not None:
        if weight._data.size != n_classes:
            raise RuntimeError(f"weight tensor should be defined either for all {n_classes} classes or no "
                               f"classes but got weight tensor of shape: {list(weight.shape)}")
        _same_dtype(weight, input)


def _as_batch(input: Tensor, target: Tensor):
    """A (C,) input and its 0-d/(1,) target as a batch of one."""
    if input._data.ndim == 1:
        return input.unsqueeze(0), target.reshape(1)
    return input, target


def _finish_unbatched(out: Tensor, input: Tensor, reduction: str) -> Tensor:
    if input._data.ndim == 1 and reduction == "none":
        return out.reshape(())
    return out


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    """-weight[target] * input[target] per sample (input holds log-probabilities along dim 1)."""
    reduction = _reduction(reduction, size_average, reduce)
    _check_class_targets(input, target, weight)
    _not_differentiable("nll_loss_forward", "weight", weight)
    x, t = _as_batch(input, target)
    out = _fused.NllLoss.apply(x, t, None if weight is None else weight._data, reduction=reduction,
                               ignore_index=int(ignore_index))
    if out.grad_fn is not None and input._data.ndim >= 3:
        out.grad_fn._name = "NllLoss2DBackward0"
    return _finish_unbatched(out, input, reduction)


def _soft_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None, reduction: str,
                        label_smoothing: float) -> Tensor:
    """Cross-entropy against class probabilities (target shaped like input)."""
    x = input._data
    class_dim = 0 if x.ndim == 1 else 1
    n_classes = x.shape[class_dim]
    logp = _fused.LogSoftmax.apply(input, dim=class_dim)
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / n_classes
    prod = logp * target
    if weight is not None:
        prod = prod * (weight if x.ndim <= 2 else weight.reshape((n_classes,) + (1,) * (x.ndim - 2)))
    if reduction == "none":
        return -prod.sum(class_dim)
    if reduction == "sum":
        return -prod.sum()
    out = -prod.sum() / (x.size / n_classes if n_classes else math.nan)
    if out.grad_fn is not None:
        out.grad_fn._name = "DivBackward1"  # PyTorch divides by a C++ scalar here
    return out


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                  ignore_index: int = -100, reduce=None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of the logits `input` (N, C, d1, ...) against class indices (N, d1, ...) or class
    probabilities (shaped like input); log_softmax and nll_loss fused into one op for class indices."""
    reduction = _reduction(reduction, size_average, reduce)
    x, t = input._data, target._data
    if x.shape == t.shape:
        if t.dtype.kind != "f":
            raise RuntimeError(f"Expected floating point type for target with class probabilities, got "
                               f"{_tname(t)}")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        if label_smoothing > 1:
            raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing:g}")
        return _soft_cross_entropy(input, target, weight, reduction, label_smoothing)
    if label_smoothing > 1:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing:g}")
    _check_class_targets(input, target, weight)
    _not_differentiable("nll_loss_forward", "weight", weight)
    if x.dtype.kind not in "fc":
        raise _fused._kernel("log_softmax", x, 0 if x.ndim == 1 else 1)
    xb, tb = _as_batch(input, target)
    out = _fused.CrossEntropy.apply(xb, tb, None if weight is None else weight._data, reduction=reduction,
                                    ignore_index=int(ignore_index),
                                    label_smoothing=float(max(label_smoothing, 0.0)))
    if out.grad_fn is not None and label_smoothing > 0:
        out.grad_fn._name = "AddBackward0"
    return _finish_unbatched(out, input, reduction)


# -- binary cross-entropy ------------------------------------------------------------------------------

def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                         reduce=None, reduction: str = "mean") -> Tensor:
    """-w * (t * log(x) + (1 - t) * log(1 - x)) for probabilities x; each log is clamped at -100."""
    reduction = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.size()}) that is different to the input size "
                         f"({input.size()}) is deprecated. Please ensure they have the same size.")
    if target._data.dtype != input._data.dtype:
        raise RuntimeError(f"Found dtype {_tname(target._data)} but expected {_tname(input._data)}")
    if weight is not None:
        _not_differentiable("binary_cross_entropy", "weight", weight)
        weight = weight.expand(np.broadcast_shapes(tuple(target.shape), tuple(weight.shape)))
    return _loss.BinaryCrossEntropy.apply(input, target, weight, reduction=reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average=None, reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """binary_cross_entropy(sigmoid(input), target) in the stable log-sigmoid form; pos_weight scales the
    positive term per class (broadcast along the last dim)."""
    reduction = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.size()}) must be the same as input size ({input.size()})")
    _not_differentiable("binary_cross_entropy_with_logits", "weight", weight)
    _not_differentiable("binary_cross_entropy_with_logits", "pos_weight", pos_weight)
    return _loss.BinaryCrossEntropyWithLogits.apply(input, target, weight, pos_weight, reduction=reduction)


# -- regression losses ---------------------------------------------------------------------------------

def _weighted(loss: Tensor, weight: Tensor, input: Tensor, reduction: str, mean_by_weight: bool) -> Tensor:
    """The weighted forms of l1/mse/huber: sum(w * l) / sum(w) (or mean(w * l) for huber)."""
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.sum() / weight.sum() if mean_by_weight else loss.mean()
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
            weight: Tensor | None = None) -> Tensor:
    """|input - target|, optionally weighted."""
    _size_warning(input, target)
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    x, t = _broadcast(input, target)
    if weight is not None:
        return _weighted((x - t).abs(), weight, input, reduction, True)
    return _apply_reduction((x - t).abs(), _reduction(reduction))


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
             weight: Tensor | None = None) -> Tensor:
    """(input - target)^2, optionally weighted."""
    _size_warning(input, target)
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    x, t = _broadcast(input, target)
    if weight is not None:
        d = x - t
        return _weighted(d * d, weight, input, reduction, True)
    return _loss.MseLoss.apply(x, t, reduction=_reduction(reduction))


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """d^2 / 2 for |d| < delta, delta * (|d| - delta / 2) beyond, d = input - target."""
    _size_warning(input, target)
    x, t = _broadcast(input, target)
    if weight is None:
        reduction = _reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if weight is None:
        return _loss.HuberLoss.apply(x, t, reduction=reduction, delta=float(delta))
    loss = _loss.HuberLoss.apply(x, t, reduction="none", delta=float(delta))
    return _weighted(loss, weight, input, reduction, False)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """d^2 / (2 beta) for |d| < beta, |d| - beta / 2 beyond; beta = 0 is the L1 loss."""
    _size_warning(input, target)
    reduction = _reduction(reduction, size_average, reduce)
    x, t = _broadcast(input, target)
    if beta == 0.0:
        return _apply_reduction((x - t).abs(), reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    return _loss.SmoothL1Loss.apply(x, t, reduction=reduction, beta=float(beta))


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average=None, eps: float = 1e-8, reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of target ~ Poisson(rate): exp(input) - target * input for log-rates,
    input - target * log(input + eps) for rates; `full` adds Stirling's term for targets > 1."""
    reduction = _reduction(reduction, size_average, reduce)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + (target * (2 * math.pi)).log() * 0.5
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return _apply_reduction(loss, reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """0.5 * (log(var) + (input - target)^2 / var) (+ 0.5 * log(2 pi) when full); var is clamped at eps
    without affecting its gradient, and may have one dim fewer, or size 1 in one dim."""
    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = _ones_like(input) * var
    elif bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    if var.shape != input.shape:
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif input.dim() == var.dim() and sum(b for a, b in zip(input.shape, var.shape) if a != b) == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in _REDUCTIONS:
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)
    d = input - target
    loss = (var.log() + d * d / var) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _apply_reduction(loss, reduction)


def _ones_like(t: Tensor) -> Tensor:
    return Tensor._make(np.ones_like(t._data))


def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """Pointwise KL divergence target * (log(target) - input) for log-probabilities `input`; 'batchmean'
    divides the sum by the batch size (the mathematical KL divergence)."""
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
        mode = reduction
    else:
        if reduction == "mean":
            warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support "
                          "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
                          "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
                          "major release.", UserWarning, stacklevel=2)
        mode = "sum" if reduction == "batchmean" else _reduction(reduction)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = xlogy(target, target) - target * input
    out = _apply_reduction(loss, mode)
    if reduction == "batchmean" and input.dim() != 0:
        out = out / input.shape[0]
    return out


# -- margin and embedding losses -----------------------------------------------------------------------

def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """log(1 + exp(-target * input)) for targets in {1, -1}."""
    reduction = _reduction(reduction, size_average, reduce)
    _not_differentiable("soft_margin_loss", "target", target)
    return _loss.SoftMarginLoss.apply(input, target, reduction=reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of sigmoid(input) per class, averaged over the classes (last dim)."""
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    loss = -(target * LogSigmoid.apply(input) + (1 - target) * LogSigmoid.apply(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(class_dim) / input.shape[class_dim]
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(reduction + " is not valid")


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                          size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) for target 1, max(0, cos(x1, x2) - margin) for target -1."""
    reduction = _reduction(reduction, size_average, reduce)
    tdim = target.dim()
    if tdim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    want = 2 if tdim == 1 else 1
    if input1.dim() != want or input2.dim() != want:
        raise RuntimeError(f"{tdim}D target tensor expects {want}D input tensors, but found inputs with "
                           f"sizes {list(input1.shape)} and {list(input2.shape)}.")
    eps = 1e-12
    prod = (input1 * input2).sum(tdim)
    mag1 = (input1 * input1).sum(tdim) + eps
    mag2 = (input2 * input2).sum(tdim) + eps
    cos = prod / (mag1 * mag2).sqrt()
    pos = 1 - cos
    neg = (cos - margin).clamp_min(0)
    out = where(target == 1, pos, 0.0) + where(target == -1, neg, 0.0)
    return _apply_reduction(out, reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0, size_average=None,
                        reduce=None, reduction: str = "mean") -> Tensor:
    """max(0, -target * (input1 - input2) + margin)."""
    reduction = _reduction(reduction, size_average, reduce)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError("margin_ranking_loss : All input tensors should have same dimension but got "
                           f"sizes: input1: {input1.size()}, input2: {input2.size()}, target: "
                           f"{target.size()} ")
    return _apply_reduction((-target * (input1 - input2) + margin).clamp_min(0), reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    """input where target is 1, max(0, margin - input) where target is -1."""
    reduction = _reduction(reduction, size_average, reduce)
    margin_part = where(target != 1, (margin - input).clamp_min(0), 0.0)
    self_part = where(target != -1, input, 0.0)
    return _apply_reduction(margin_part + self_part, reduction)


def _pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6) -> Tensor:
    """||x1 - x2 + eps||_p over the last dim."""
    return norm(x1 - x2 + eps, p, -1)


def _check_triplet_dims(anchor: Tensor, positive: Tensor, negative: Tensor) -> None:
    a, p, n = anchor.dim(), positive.dim(), negative.dim()
    if not a == p == n:
        raise RuntimeError("The anchor, positive, and negative tensors are expected to have the same number "
                           f"of dimensions, but got: anchor {a}D, positive {p}D, and negative {n}D inputs")


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:
    """max(0, margin + d(a, p) - d(a, n)) with the p-norm distance d; `swap` uses min(d(a, n), d(p, n))."""
    reduction = _reduction(reduction, size_average, reduce)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    d_pos = _pairwise_distance(anchor, positive, p, eps)
    d_neg = _pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = d_neg.minimum(_pairwise_distance(positive, negative, p, eps))
    return _apply_reduction((margin + d_pos - d_neg).clamp_min(0), reduction)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function: Callable | None = None, margin: float = 1.0,
                                      swap: bool = False, reduction: str = "mean") -> Tensor:
    """triplet_margin_loss with any distance function (pairwise L2 distance by default)."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    dist = distance_function if distance_function is not None else _pairwise_distance
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_neg = d_neg.minimum(dist(positive, negative))
    return _apply_reduction((margin + d_pos - d_neg).clamp_min(0), reduction)


def _check_margin_input(x) -> None:
    if x.ndim > 2 or x.size == 0:
        raise RuntimeError("Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(x.shape)}")


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, size_average=None, reduce=None,
                      reduction: str = "mean") -> Tensor:
    """sum over j != y of weight[y] * max(0, margin - x[y] + x[j])^p / C per sample."""
    reduction = _reduction(reduction, size_average, reduce)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    x, t = input._data, target._data
    _check_margin_input(x)
    rows = x.shape[0] if x.ndim == 2 else 1
    n_classes = x.shape[-1] if x.ndim else 1
    if t.ndim > 1 or t.size != rows:
        raise RuntimeError("multi_margin_loss: target tensor should be 1-D with size equal to the number of "
                           f"input samples (batch size). Expected target size [{rows}], but got "
                           f"{list(t.shape)}. Input has shape {list(x.shape)}.")
    if weight is not None and weight._data.size != n_classes:
        raise RuntimeError(f"inconsistent weight size, expected {n_classes} but got {list(weight.shape)}")
    _not_differentiable("multi_margin_loss", "weight", weight)
    out = _loss.MultiMarginLoss.apply(input.reshape(rows, n_classes), target.reshape(rows),
                                      None if weight is None else weight._data, p=p, margin=float(margin),
                                      reduction=reduction)
    return out.reshape(target.shape) if reduction == "none" and x.ndim < 2 else out


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                           reduction: str = "mean") -> Tensor:
    """sum over listed target classes j and other classes k of max(0, 1 - (x[j] - x[k])) / C per sample;
    a target row lists class indices and ends at its first negative entry."""
    reduction = _reduction(reduction, size_average, reduce)
    x, t = input._data, target._data
    _check_margin_input(x)
    if t.dtype != np.int64:
        raise RuntimeError(f"expected scalar type Long but found {_tname(t)}")
    if t.shape != x.shape:
        raise RuntimeError(f"inconsistent target size: {list(t.shape)} for input of size: {list(x.shape)}")
    n_classes = x.shape[-1] if x.ndim else 1
    listed = t.reshape(-1, n_classes)
    neg = listed < 0
    ends = np.where(neg.any(axis=1), neg.argmax(axis=1), n_classes)
    if ((np.arange(n_classes)[None, :] < ends[:, None]) & (listed >= n_classes)).any():
        raise RuntimeError("argument #2 'target' is out of range")
    out = _loss.MultilabelMarginLoss.apply(input.reshape(-1, n_classes), target.reshape(-1, n_classes),
                                           reduction=reduction)
    return out.reshape(()) if reduction == "none" and x.ndim < 2 else out


# -- CTC -----------------------------------------------------------------------------------------------

def _lengths(v, name: str) -> np.ndarray:
    """Sequence lengths (a tensor or ints) as a host int64 array."""
    if isinstance(v, Tensor):
        arr = v._host()
        if arr.dtype.kind not in "iu":
            raise RuntimeError(f"{name} must be integral")
        return np.asarray(arr, np.int64).reshape(-1)
    if isinstance(v, (int, np.integer)):
        return np.asarray([v], np.int64)
    if isinstance(v, Sequence):
        return np.asarray(list(v), np.int64).reshape(-1)
    raise TypeError(f"ctc_loss(): argument '{name}' must be tuple of ints or Tensor, not {type(v).__name__}")


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths, target_lengths, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """Connectionist Temporal Classification loss of (T, N, C) log-probabilities against padded (N, S) or
    concatenated targets; 'mean' divides each loss by its target length before averaging."""
    reduction = _reduction(reduction)
    unbatched = log_probs.dim() == 2
    lp = log_probs.unsqueeze(1) if unbatched else log_probs
    tg = targets.unsqueeze(0) if unbatched and targets.dim() == 1 else targets
    steps, batch, n_classes = lp.shape
    il = _lengths(input_lengths, "input_lengths")
    tl = _lengths(target_lengths, "target_lengths")
    if not 0 <= blank < n_classes:
        raise RuntimeError("blank must be in label range")
    if il.shape[0] != batch:
        raise RuntimeError("input_lengths must be of size batch_size")
    if tl.shape[0] != batch:
        raise RuntimeError("target_lengths must be of size batch_size")
    check = "(while checking arguments for ctc_loss_allocate_outputs)"
    for v in tl:
        if v < 0:
            raise RuntimeError(f"Expected target_lengths to have value at least 0, but got value {v} {check}")
    for v in il:
        if v > steps:
            raise RuntimeError(f"Expected input_lengths to have value at most {steps}, but got value {v} "
                               f"{check}")
        if v < 0:
            raise RuntimeError(f"Expected input_lengths to have value at least 0, but got value {v} {check}")
    t = tg._data
    if t.ndim == 2 and batch and t.shape[1] < tl.max():
        raise RuntimeError(f"Expected tensor to have size at least {tl.max()} at dimension 1, but got size "
                           f"{t.shape[1]} for argument #2 'targets' {check}")
    if t.ndim == 1 and t.shape[0] < tl.sum():
        raise RuntimeError(f"Expected tensor to have size at least {tl.sum()} at dimension 0, but got size "
                           f"{t.shape[0]} for argument #2 'targets' {check}")
    loss = _loss.CtcLoss.apply(lp, tg, input_lengths=il,
                               target_lengths=tl, blank=int(blank), zero_infinity=bool(zero_infinity))
    if reduction == "none":
        return loss.reshape(()) if unbatched else loss
    if reduction == "sum":
        return loss.sum()
    divisor = Tensor._make(np.maximum(tl, 1).astype(lp._data.dtype))
    return (loss / divisor).mean()
