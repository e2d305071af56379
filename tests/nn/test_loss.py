"""Losses (functional and modules) against PyTorch over their options: values, gradients with both
backward paths, double backward (or PyTorch's refusal), legacy arguments, errors; gradcheck of the fused
primitives and CTC."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from autograd_compare import same_outcome
from conftest import torch
from nn.grad_parity import check

RNG = np.random.default_rng(1)
REDUCTIONS = ["none", "mean", "sum"]


def arr(*shape, dtype=np.float64, scale=1.0):
    return (RNG.standard_normal(shape) * scale).astype(dtype)


def probs(*shape, dtype=np.float64, axis=1):
    e = np.exp(RNG.standard_normal(shape))
    return (e / e.sum(axis=axis, keepdims=True)).astype(dtype)


def classes(shape, n, ensure=1):
    t = RNG.integers(0, n, shape)
    t.flat[0] = ensure
    return t.astype(np.int64)


def F_(lib):
    return lib.nn.functional


# -- cross-entropy and nll ----------------------------------------------------------------------------

CE_SHAPES = [((5, 4), (5,)), ((4,), ()), ((3, 4, 5), (3, 5)), ((2, 4, 3, 2), (2, 3, 2)),
             ((2, 4, 2, 1, 2), (2, 2, 1, 2))]


@pytest.mark.parametrize("shapes", CE_SHAPES, ids=[str(s[0]) for s in CE_SHAPES])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted,ignore,smoothing", list(itertools.product([False, True], [-100, 1], [0.0, 0.2])))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_class_indices(shapes, reduction, weighted, ignore, smoothing, dtype):
    xs, ts = shapes
    n_classes = xs[0] if len(xs) == 1 else xs[1]
    x = arr(*xs, dtype=dtype, scale=2.0)
    t = classes(ts, n_classes)
    w = (RNG.random(n_classes) + 0.5).astype(dtype) if weighted else None

    def fn(lib, x, t, w):
        return F_(lib).cross_entropy(x, t, weight=w, ignore_index=ignore, reduction=reduction,
                                     label_smoothing=smoothing)
    check(fn, [x, t, w], dtype=dtype)


@pytest.mark.parametrize("shapes", CE_SHAPES[:4], ids=[str(s[0]) for s in CE_SHAPES[:4]])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted,smoothing", list(itertools.product([False, True], [0.0, 0.3])))
def test_cross_entropy_probabilities(shapes, reduction, weighted, smoothing):
    xs, _ = shapes
    n_classes = xs[0] if len(xs) == 1 else xs[1]
    x = arr(*xs, scale=2.0)
    t = probs(*xs, axis=0 if len(xs) == 1 else 1)
    w = RNG.random(n_classes) + 0.5 if weighted else None

    def fn(lib, x, t, w):
        return F_(lib).cross_entropy(x, t, weight=w, reduction=reduction, label_smoothing=smoothing)
    check(fn, [x, t, w], grad_idx=(0, 1, 2) if weighted else (0, 1))


def test_cross_entropy_all_ignored_and_extreme_logits():
    x = np.array([[1000.0, -1000.0, 0.0], [-50.0, 50.0, 3.0]], np.float32)
    for reduction in REDUCTIONS:
        check(lambda lib, x, t, r=reduction: F_(lib).cross_entropy(x, t, reduction=r), [x, np.array([1, 0])])
        check(lambda lib, x, t, r=reduction: F_(lib).cross_entropy(x, t, ignore_index=0, reduction=r),
              [x, np.array([0, 0])])
    check(lambda lib, x, t: F_(lib).cross_entropy(x, t, label_smoothing=1.0), [x, np.array([2, 0])])


def test_cross_entropy_uint8_targets_and_grad_fn():
    x = arr(4, 3)
    check(lambda lib, x, t: F_(lib).cross_entropy(x, t), [x, np.array([0, 2, 1, 1], np.uint8)])
    for ls, name in ((0.0, "NllLossBackward0"), (0.1, "AddBackward0")):
        out = F.cross_entropy(ember.tensor(x, requires_grad=True), ember.tensor([0, 2, 1, 1]), label_smoothing=ls)
        assert out.grad_fn.name() == name


@pytest.mark.parametrize("shapes", CE_SHAPES, ids=[str(s[0]) for s in CE_SHAPES])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted,ignore", list(itertools.product([False, True], [-100, 2])))
def test_nll_loss(shapes, reduction, weighted, ignore):
    xs, ts = shapes
    n_classes = xs[0] if len(xs) == 1 else xs[1]
    x = arr(*xs)
    t = classes(ts, n_classes, ensure=2)
    w = RNG.random(n_classes) + 0.5 if weighted else None

    def fn(lib, x, t, w):
        return F_(lib).nll_loss(x, t, weight=w, ignore_index=ignore, reduction=reduction)
    check(fn, [x, t, w])


def test_fused_cross_entropy_gradcheck():
    from ember.ops import fused

    x = ember.tensor(arr(3, 4, 2), requires_grad=True)
    t = ember.tensor(np.array([[0, 3], [1, 1], [2, -100]]))
    w = np.array([0.5, 1.0, 2.0, 1.5])
    for reduction, smoothing in itertools.product(REDUCTIONS, [0.0, 0.25]):
        def f(x, reduction=reduction, smoothing=smoothing):
            return fused.CrossEntropy.apply(x, t, w, reduction=reduction, ignore_index=-100,
                                            label_smoothing=smoothing)
        assert ember.autograd.gradcheck(f, (x,))
        assert ember.autograd.gradgradcheck(f, (x,))

        def g(x, reduction=reduction):
            return fused.NllLoss.apply(x, t, w, reduction=reduction, ignore_index=-100)
        assert ember.autograd.gradcheck(g, (x,))


# -- binary cross-entropy ----------------------------------------------------------------------------------

@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("wshape", [None, (4,), (3, 4), (3, 1)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_cross_entropy(reduction, wshape, dtype):
    x = RNG.uniform(0.02, 0.98, (3, 4)).astype(dtype)
    t = RNG.random((3, 4)).astype(dtype)
    w = None if wshape is None else (RNG.random(wshape) + 0.5).astype(dtype)
    check(lambda lib, x, t, w: F_(lib).binary_cross_entropy(x, t, w, reduction=reduction), [x, t, w], (0, 1),
          dtype=dtype, tol=dict(rtol=1e-4, atol=1e-6) if dtype == np.float32 else None)


def test_binary_cross_entropy_clamps_log():
    x = np.array([0.0, 1.0, 1e-45, 1.0 - 1e-7, 0.5], np.float32)
    t = np.array([1.0, 0.0, 1.0, 0.0, 1.0], np.float32)
    check(lambda lib, x, t: F_(lib).binary_cross_entropy(x, t, reduction="none"), [x, t], double=False,
          tol=dict(rtol=1e-5, atol=1e-5))
    check(lambda lib, x, t: F_(lib).binary_cross_entropy(x, t), [x.astype(np.float64), t.astype(np.float64)],
          double=False, tol=dict(rtol=1e-8, atol=1e-10))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("wshape,pwshape", [(None, None), ((4,), None), (None, (4,)), ((3, 4), (4,)),
                                            ((3, 1), (1,))])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_logits(reduction, wshape, pwshape, dtype):
    x = arr(3, 4, dtype=dtype, scale=3.0)
    t = RNG.random((3, 4)).astype(dtype)
    w = None if wshape is None else (RNG.random(wshape) + 0.5).astype(dtype)
    pw = None if pwshape is None else (RNG.random(pwshape) * 3).astype(dtype)

    def fn(lib, x, t, w, pw):
        return F_(lib).binary_cross_entropy_with_logits(x, t, w, reduction=reduction, pos_weight=pw)
    check(fn, [x, t, w, pw], (0, 1), dtype=dtype)


def test_bce_with_logits_extreme_logits():
    x = np.array([-1000.0, -100.0, 0.0, 100.0, 1000.0], np.float32)
    t = np.array([1.0, 0.0, 0.5, 1.0, 0.0], np.float32)
    check(lambda lib, x, t: F_(lib).binary_cross_entropy_with_logits(x, t, reduction="none"), [x, t], (0, 1))


# -- regression losses ---------------------------------------------------------------------------------------

REGRESSION = [
    ("l1", lambda F, x, t, r: F.l1_loss(x, t, reduction=r)),
    ("mse", lambda F, x, t, r: F.mse_loss(x, t, reduction=r)),
    ("huber", lambda F, x, t, r: F.huber_loss(x, t, reduction=r)),
    ("huber_d", lambda F, x, t, r: F.huber_loss(x, t, reduction=r, delta=0.3)),
    ("smooth_l1", lambda F, x, t, r: F.smooth_l1_loss(x, t, reduction=r)),
    ("smooth_l1_b", lambda F, x, t, r: F.smooth_l1_loss(x, t, reduction=r, beta=0.4)),
    ("smooth_l1_0", lambda F, x, t, r: F.smooth_l1_loss(x, t, reduction=r, beta=0.0)),
    ("kl", lambda F, x, t, r: F.kl_div(x, t, reduction=r)),
    ("kl_log", lambda F, x, t, r: F.kl_div(x, t.log(), reduction=r, log_target=True)),
    ("poisson", lambda F, x, t, r: F.poisson_nll_loss(x, t, reduction=r)),
    ("poisson_full", lambda F, x, t, r: F.poisson_nll_loss(x, t * 3, full=True, reduction=r)),
    ("poisson_rate", lambda F, x, t, r: F.poisson_nll_loss(x.exp(), t, log_input=False, reduction=r)),
    ("poisson_rate_full", lambda F, x, t, r: F.poisson_nll_loss(x.exp(), t * 3, False, True, eps=1e-4,
                                                               reduction=r)),
]


@pytest.mark.parametrize("name,f", REGRESSION, ids=[r[0] for r in REGRESSION])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_regression_losses(name, f, reduction, dtype):
    x = arr(3, 5, dtype=dtype)
    t = RNG.uniform(0.1, 1.0, (3, 5)).astype(dtype)
    check(lambda lib, x, t: f(F_(lib), x, t, reduction), [x, t], (0, 1), dtype=dtype)


def test_regression_at_kinks():
    x = np.array([0.0, 1.0, -1.0, 0.3, -0.3, 0.4, 2.0])
    t = np.zeros(7)
    for _, f in REGRESSION[:7]:
        check(lambda lib, x, t, f=f: f(F_(lib), x, t, "none"), [x, t], (0, 1), double=False)


@pytest.mark.parametrize("name", ["l1_loss", "mse_loss", "huber_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_weighted_regression(name, reduction):
    x, t, w = arr(3, 4), arr(3, 4), RNG.random((3, 4)) + 0.1
    check(lambda lib, x, t, w: getattr(F_(lib), name)(x, t, reduction=reduction, weight=w), [x, t, w], (0, 1, 2))


@pytest.mark.parametrize("name", ["l1_loss", "mse_loss", "huber_loss", "smooth_l1_loss"])
def test_regression_broadcast_warns(name):
    same_outcome(lambda lib: getattr(lib.nn.functional, name)(lib.ones(3, 2), lib.zeros(2)))
    check(lambda lib, x, t: getattr(F_(lib), name)(x, t), [arr(3, 2), arr(2)], (0, 1))


def test_kl_div_batchmean_and_mean_warning():
    x, t = np.log(probs(3, 4)), probs(3, 4)
    check(lambda lib, x, t: F_(lib).kl_div(x, t, reduction="batchmean"), [x, t], (0, 1))
    same_outcome(lambda lib: lib.nn.functional.kl_div(lib.tensor(x), lib.tensor(t)))
    check(lambda lib, x, t: F_(lib).kl_div(x, t, reduction="none"), [x, np.array([[0.0, 0.5, 0.5, 0.0]] * 3)],
          (0, 1), double=False)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("var_shape", [(3, 4), (3,), (3, 1), (1, 4), "float"])
def test_gaussian_nll(reduction, full, var_shape):
    x, t = arr(3, 4), arr(3, 4)
    if var_shape == "float":
        check(lambda lib, x, t: F_(lib).gaussian_nll_loss(x, t, 0.7, full=full, reduction=reduction), [x, t],
              (0, 1))
        return
    var = RNG.random(var_shape) + 0.05
    var.flat[0] = 1e-8  # clamped at eps, with the gradient of the unclamped value
    check(lambda lib, x, t, v: F_(lib).gaussian_nll_loss(x, t, v, full=full, reduction=reduction),
          [x, t, var], (0, 1, 2))


# -- margin and embedding losses ---------------------------------------------------------------------------------

def _pm1(*shape):
    return np.where(RNG.random(shape) < 0.5, -1.0, 1.0)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_soft_margin_and_multilabel_soft_margin(reduction, dtype):
    x, y = arr(3, 4, dtype=dtype, scale=3.0), _pm1(3, 4).astype(dtype)
    check(lambda lib, x, y: F_(lib).soft_margin_loss(x, y, reduction=reduction), [x, y], dtype=dtype)
    t = (RNG.random((3, 4)) < 0.5).astype(dtype)
    w = (RNG.random(4) + 0.5).astype(dtype)
    check(lambda lib, x, t: F_(lib).multilabel_soft_margin_loss(x, t, reduction=reduction), [x, t], (0, 1),
          dtype=dtype)
    check(lambda lib, x, t, w: F_(lib).multilabel_soft_margin_loss(x, t, w, reduction=reduction), [x, t, w],
          (0, 1, 2), dtype=dtype)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.5, -0.2])
def test_cosine_embedding(reduction, margin):
    x1, x2, y = arr(5, 3), arr(5, 3), _pm1(5)
    check(lambda lib, a, b, y: F_(lib).cosine_embedding_loss(a, b, y, margin, reduction=reduction), [x1, x2, y],
          (0, 1))
    check(lambda lib, a, b, y: F_(lib).cosine_embedding_loss(a, b, y, margin, reduction=reduction),
          [arr(3), arr(3), np.array(-1.0)], (0, 1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.7])
def test_margin_ranking_and_hinge(reduction, margin):
    a, b, y = arr(6), arr(6), _pm1(6)
    check(lambda lib, a, b, y: F_(lib).margin_ranking_loss(a, b, y, margin, reduction=reduction), [a, b, y], (0, 1))
    x, y2 = arr(3, 4), _pm1(3, 4)
    check(lambda lib, x, y: F_(lib).hinge_embedding_loss(x, y, margin + 0.5, reduction=reduction), [x, y2])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2, 3])
@pytest.mark.parametrize("swap", [False, True])
def test_triplet_margin(reduction, p, swap):
    a, pos, neg = arr(5, 4), arr(5, 4), arr(5, 4)
    check(lambda lib, a, b, c: F_(lib).triplet_margin_loss(a, b, c, margin=1.5, p=p, swap=swap, reduction=reduction),
          [a, pos, neg], (0, 1, 2))
    check(lambda lib, a, b, c: F_(lib).triplet_margin_loss(a, b, c, p=p, swap=swap, reduction=reduction),
          [arr(4), arr(4), arr(4)], (0, 1, 2))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("swap", [False, True])
def test_triplet_margin_with_distance(reduction, swap):
    a, pos, neg = arr(5, 4), arr(5, 4), arr(5, 4)

    def fn(lib, a, b, c):
        return F_(lib).triplet_margin_with_distance_loss(a, b, c, swap=swap, reduction=reduction)
    check(fn, [a, pos, neg], (0, 1, 2))

    def custom(lib, a, b, c):
        dist = lambda u, v: (u - v).abs().sum(-1)  # noqa: E731
        return F_(lib).triplet_margin_with_distance_loss(a, b, c, distance_function=dist, margin=2.0, swap=swap,
                                                         reduction=reduction)
    check(custom, [a, pos, neg], (0, 1, 2))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p,margin", [(1, 1.0), (2, 1.0), (1, 0.3), (2, 2.5)])
@pytest.mark.parametrize("weighted", [False, True])
def test_multi_margin(reduction, p, margin, weighted):
    x, t = arr(5, 4), classes(5, 4)
    w = RNG.random(4) + 0.5 if weighted else None
    check(lambda lib, x, t, w: F_(lib).multi_margin_loss(x, t, p, margin, w, reduction=reduction), [x, t, w])
    check(lambda lib, x, t, w: F_(lib).multi_margin_loss(x, t, p, margin, w, reduction=reduction),
          [arr(4), np.array(2), w])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_margin(reduction):
    x = arr(4, 5)
    t = np.array([[3, 0, -1, 1, 2], [0, 1, 2, 3, 4], [-1, 1, 2, 0, 0], [4, 4, -1, 0, 0]])
    check(lambda lib, x, t: F_(lib).multilabel_margin_loss(x, t, reduction=reduction), [x, t])
    check(lambda lib, x, t: F_(lib).multilabel_margin_loss(x, t, reduction=reduction),
          [arr(5), np.array([1, 3, -1, 0, 0])])


# -- CTC ---------------------------------------------------------------------------------------------------------

def _ctc_case(batch=3, steps=12, n_classes=5, s_max=4, seed=0):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((steps, batch, n_classes))
    lp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    tl = rng.integers(1, s_max + 1, batch)
    tl[0] = s_max
    il = rng.integers(2 * s_max, steps + 1, batch)
    il[0] = steps
    targets = rng.integers(1, n_classes, (batch, s_max))
    targets[0, 1] = targets[0, 0]  # a repeated label needs a blank between the two
    return lp, targets, il, tl


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("layout", ["padded", "concatenated", "lists"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_ctc_loss(reduction, zero_infinity, layout, dtype):
    lp, targets, il, tl = _ctc_case()
    lp = lp.astype(dtype)
    if layout == "concatenated":
        targets = np.concatenate([targets[i, :n] for i, n in enumerate(tl)])

    def fn(lib, lp, tg, il, tl):
        if layout == "lists":
            il, tl = [int(v) for v in il.tolist()], tuple(int(v) for v in tl.tolist())
        return F_(lib).ctc_loss(lp, tg, il, tl, reduction=reduction, zero_infinity=zero_infinity)
    check(fn, [lp, targets, il, tl], dtype=dtype)


@pytest.mark.parametrize("zero_infinity", [False, True])
def test_ctc_loss_infeasible_blank_and_empty(zero_infinity):
    lp, targets, il, tl = _ctc_case(batch=4, steps=6, n_classes=4, s_max=3, seed=3)
    il = np.array([6, 2, 0, 5])
    tl = np.array([3, 3, 0, 0])
    targets[0] = [1, 1, 1]  # needs 5 frames: feasible in 6
    for blank in (0, 3):
        tg = np.where(targets == blank, (blank + 1) % 4, targets)

        def fn(lib, lp, tg, il, tl, blank=blank):
            return F_(lib).ctc_loss(lp, tg, il, tl, blank=blank, reduction="none", zero_infinity=zero_infinity)
        check(fn, [lp, tg, il, tl], double=False)


def test_ctc_loss_unbatched():
    lp, targets, il, tl = _ctc_case(batch=1)
    check(lambda lib, lp, tg: F_(lib).ctc_loss(lp, tg, lib.tensor(int(il[0])), lib.tensor(int(tl[0]))),
          [lp[:, 0], targets[0]])


def test_ctc_gradcheck_through_log_softmax():
    lp, targets, il, tl = _ctc_case(batch=2, steps=6, n_classes=4, s_max=2)
    x = ember.tensor(lp, requires_grad=True)
    tg, ilt, tlt = ember.tensor(targets), ember.tensor(il), ember.tensor(tl)
    for reduction in REDUCTIONS:
        def f(x, reduction=reduction):
            return F.ctc_loss(F.log_softmax(x, 2), tg, ilt, tlt, reduction=reduction)
        assert ember.autograd.gradcheck(f, (x,))


def test_ctc_double_backward_refused():
    lp, targets, il, tl = _ctc_case(batch=2)
    x = ember.tensor(lp, requires_grad=True)
    loss = F.ctc_loss(x, ember.tensor(targets), ember.tensor(il), ember.tensor(tl))
    (g,) = ember.autograd.grad(loss, x, create_graph=True)
    assert g.requires_grad and g.grad_fn.name() == "torch::autograd::NotImplemented"
    with pytest.raises(RuntimeError, match="derivative for aten::_ctc_loss_backward is not implemented"):
        g.sum().backward()


# -- modules ------------------------------------------------------------------------------------------------

def _w(n=4):
    return RNG.random(n) + 0.5


LOSS_MODULES = [
    ("L1Loss", {}, "reg"), ("L1Loss", {"reduction": "sum"}, "reg"), ("MSELoss", {"reduction": "none"}, "reg"),
    ("HuberLoss", {"delta": 0.5}, "reg"), ("SmoothL1Loss", {"beta": 0.5}, "reg"),
    ("KLDivLoss", {"reduction": "batchmean", "log_target": True}, "kl"),
    ("PoissonNLLLoss", {"log_input": True, "full": True}, "pos"), ("GaussianNLLLoss", {"full": True}, "gauss"),
    ("CrossEntropyLoss", {}, "cls"), ("CrossEntropyLoss", {"weight": "w", "ignore_index": 1}, "cls"),
    ("CrossEntropyLoss", {"label_smoothing": 0.1, "reduction": "sum"}, "cls"), ("CrossEntropyLoss", {}, "prob"),
    ("NLLLoss", {"weight": "w"}, "cls"), ("BCELoss", {"weight": "w"}, "bce"),
    ("BCEWithLogitsLoss", {"weight": "w", "pos_weight": "w"}, "reg"), ("BCEWithLogitsLoss", {}, "reg"),
    ("SoftMarginLoss", {}, "pm1"), ("MultiLabelSoftMarginLoss", {"weight": "w"}, "bce"),
    ("HingeEmbeddingLoss", {"margin": 2.0}, "pm1"), ("MultiMarginLoss", {"p": 2, "margin": 0.5, "weight": "w"}, "cls"),
    ("MultiLabelMarginLoss", {}, "mlm"), ("CosineEmbeddingLoss", {"margin": 0.2}, "pair"),
    ("MarginRankingLoss", {"margin": 0.1}, "rank"), ("TripletMarginLoss", {"p": 1, "swap": True}, "triplet"),
    ("TripletMarginWithDistanceLoss", {"margin": 0.5}, "triplet"), ("CTCLoss", {"blank": 0}, "ctc"),
    ("CTCLoss", {"reduction": "sum", "zero_infinity": True}, "ctc"),
]


def _module_inputs(kind):
    if kind == "reg":
        return [arr(3, 4), RNG.random((3, 4))], (0, 1)
    if kind == "kl":
        return [np.log(probs(3, 4)), np.log(probs(3, 4))], (0, 1)
    if kind == "pos":
        return [arr(3, 4), RNG.random((3, 4)) * 4], (0,)
    if kind == "gauss":
        return [arr(3, 4), arr(3, 4), RNG.random((3, 4)) + 0.1], (0, 2)
    if kind == "cls":
        return [arr(5, 4), classes(5, 4)], (0,)
    if kind == "prob":
        return [arr(5, 4), probs(5, 4)], (0, 1)
    if kind == "bce":
        return [RNG.uniform(0.05, 0.95, (3, 4)), (RNG.random((3, 4)) < 0.5).astype(np.float64)], (0,)
    if kind == "pm1":
        return [arr(3, 4), _pm1(3, 4)], (0,)
    if kind == "mlm":
        return [arr(2, 4), np.array([[1, 2, -1, 0], [3, -1, 0, 0]])], (0,)
    if kind == "pair":
        return [arr(5, 3), arr(5, 3), _pm1(5)], (0, 1)
    if kind == "rank":
        return [arr(5), arr(5), _pm1(5)], (0, 1)
    if kind == "triplet":
        return [arr(5, 3), arr(5, 3), arr(5, 3)], (0, 1, 2)
    lp, targets, il, tl = _ctc_case()
    return [lp, targets, il, tl], (0,)


@pytest.mark.parametrize("name,kwargs,kind", LOSS_MODULES, ids=[f"{m[0]}{i}" for i, m in enumerate(LOSS_MODULES)])
def test_loss_modules(name, kwargs, kind):
    w = _w()
    e_kw = {k: (ember.tensor(w) if v == "w" else v) for k, v in kwargs.items()}
    t_kw = {k: (torch.tensor(w) if v == "w" else v) for k, v in kwargs.items()}
    e_mod, t_mod = getattr(nn, name)(**e_kw), getattr(torch.nn, name)(**t_kw)
    # PyTorch's default distance is a PairwiseDistance submodule, printed with the loss
    if name != "TripletMarginWithDistanceLoss" or hasattr(nn, "PairwiseDistance"):
        assert repr(e_mod) == repr(t_mod)
    assert sorted(e_mod.state_dict()) == sorted(t_mod.state_dict())
    for attr in ("reduction", "ignore_index", "label_smoothing", "margin", "p", "eps", "swap", "blank",
                 "zero_infinity", "log_input", "full", "delta", "beta", "log_target"):
        assert getattr(e_mod, attr, None) == getattr(t_mod, attr, None), attr
    inputs, grad_idx = _module_inputs(kind)
    check(lambda lib, *ts: (e_mod if lib is ember else t_mod)(*ts), inputs, grad_idx, double=False)


def test_weight_buffers_move_with_module():
    m = nn.CrossEntropyLoss(weight=ember.ones(3))
    assert [n for n, _ in m.named_buffers()] == ["weight"]
    m.double()
    assert m.weight.dtype == ember.float64
    m = nn.BCEWithLogitsLoss(pos_weight=ember.ones(3))
    assert sorted(m.state_dict()) == ["pos_weight"]


LEGACY = [(None, None), (True, None), (False, None), (None, True), (None, False), (True, True), (False, False),
          (True, False), (False, True)]


@pytest.mark.parametrize("size_average,reduce", LEGACY)
def test_legacy_size_average_reduce(size_average, reduce):
    x, t = arr(3, 4), arr(3, 4)
    same_outcome(lambda lib: lib.nn.MSELoss(size_average, reduce).reduction)
    same_outcome(lambda lib: lib.nn.functional.mse_loss(lib.tensor(x), lib.tensor(t), size_average, reduce))
    same_outcome(lambda lib: lib.nn.functional.cross_entropy(lib.tensor(x), lib.tensor([0, 1, 3]), None,
                                                             size_average, -100, reduce))
    same_outcome(lambda lib: lib.nn.functional.kl_div(lib.tensor(x), lib.tensor(t).abs(), size_average, reduce))
    same_outcome(lambda lib: lib.nn.CrossEntropyLoss(None, size_average, reduce=reduce).reduction)


def test_elementwise_mean_reduction():
    same_outcome(lambda lib: lib.nn.functional.cross_entropy(lib.ones(2, 3), lib.tensor([0, 1]),
                                                             reduction="elementwise_mean"))


def test_nllloss2d_deprecated():
    same_outcome(lambda lib: lib.nn.NLLLoss2d().reduction)


# -- errors ---------------------------------------------------------------------------------------------------

def _f(lib):
    return lib.nn.functional


LOSS_ERRORS = [
    lambda lib: _f(lib).cross_entropy(lib.ones(3, 4), lib.tensor([0, 1, 2, 3])),
    lambda lib: _f(lib).cross_entropy(lib.ones(3, 4), lib.tensor([0, 1, 4])),
    lambda lib: _f(lib).cross_entropy(lib.ones(3, 4), lib.tensor([0, 1, -1])),
    lambda lib: _f(lib).cross_entropy(lib.ones(3, 4), lib.tensor([0, 1, 2], dtype=lib.int32)),
    lambda lib: _f(lib).cross_entropy(lib.ones(3, 4), lib.zeros(3)),
    lambda lib: _f(lib).cross_entropy(lib.ones(3, 4), lib.zeros(3, 5)),
    lambda lib: _f(lib).cross_entropy(lib.ones(3, 4), lib.tensor([0, 1, 2]), label_smoothing=1.5),
    lambda lib: _f(lib).cross_entropy(lib.ones(3, 4), lib.rand(3, 4), label_smoothing=1.1),
    lambda lib: _f(lib).cross_entropy(lib.ones(3, 4), lib.rand(3, 4), ignore_index=1),
    lambda lib: _f(lib).cross_entropy(lib.ones(3, 4), lib.tensor([0, 1, 2]), weight=lib.ones(3)),
    lambda lib: _f(lib).cross_entropy(lib.ones(3, 4), lib.tensor([0, 1, 2]), weight=lib.ones(4, dtype=lib.float64)),
    lambda lib: _f(lib).cross_entropy(lib.ones(4), lib.tensor([2, 1])),
    lambda lib: _f(lib).cross_entropy(lib.tensor(1.0), lib.tensor(0)),
    lambda lib: _f(lib).cross_entropy(lib.ones(2, 4, 5), lib.zeros(2, 6, dtype=lib.long)),
    lambda lib: _f(lib).cross_entropy(lib.ones(2, 4, 5), lib.zeros(2, dtype=lib.long)),
    lambda lib: _f(lib).cross_entropy(lib.ones(2, 4, 5, 6), lib.zeros(2, 5, 7, dtype=lib.long)),
    lambda lib: _f(lib).cross_entropy(lib.ones(2, 4, 5, 6), lib.zeros(2, 5, dtype=lib.long)),
    lambda lib: _f(lib).cross_entropy(lib.ones(2, 4, 5, 6), lib.full((2, 5, 6), 4)),
    lambda lib: _f(lib).cross_entropy(lib.ones(3, 4), lib.tensor([0, 1, 2]), reduction="foo"),
    lambda lib: _f(lib).cross_entropy(lib.ones(3, 4), lib.tensor([0, 1, 2]), weight=lib.ones(4, requires_grad=True)),
    lambda lib: _f(lib).nll_loss(lib.tensor(1.0), lib.tensor(0)),
    lambda lib: _f(lib).nll_loss(lib.ones(3, 4), lib.zeros(3, 1, dtype=lib.long)),
    lambda lib: _f(lib).nll_loss(lib.ones(3, 4), lib.tensor([0, 1, 9])),
    lambda lib: _f(lib).nll_loss(lib.ones(3, 4), lib.zeros(3)),
    lambda lib: _f(lib).binary_cross_entropy(lib.rand(3), lib.rand(3, 1)),
    lambda lib: _f(lib).binary_cross_entropy(lib.tensor([1.5]), lib.rand(1)),
    lambda lib: _f(lib).binary_cross_entropy(lib.rand(3), lib.rand(3, dtype=lib.float64)),
    lambda lib: _f(lib).binary_cross_entropy(lib.rand(3), lib.rand(3), lib.rand(3, requires_grad=True)),
    lambda lib: _f(lib).binary_cross_entropy(lib.rand(3), lib.rand(3), reduction="foo"),
    lambda lib: _f(lib).binary_cross_entropy_with_logits(lib.rand(3), lib.rand(3, 1)),
    lambda lib: _f(lib).binary_cross_entropy_with_logits(lib.rand(3), lib.rand(3),
                                                        pos_weight=lib.rand(3, requires_grad=True)),
    lambda lib: _f(lib).mse_loss(lib.rand(3), lib.rand(4)),
    lambda lib: _f(lib).mse_loss(lib.rand(3), lib.rand(3), reduction="foo"),
    lambda lib: _f(lib).mse_loss(lib.rand(3), lib.rand(3), weight=lib.rand(2)),
    lambda lib: _f(lib).l1_loss(lib.rand(3), lib.rand(3), reduction="foo", weight=lib.rand(3)),
    lambda lib: _f(lib).huber_loss(lib.rand(3), lib.rand(3), delta=0.0),
    lambda lib: _f(lib).smooth_l1_loss(lib.rand(3), lib.rand(3), beta=-1.0),
    lambda lib: _f(lib).soft_margin_loss(lib.rand(3), lib.rand(3, requires_grad=True)),
    lambda lib: _f(lib).kl_div(lib.rand(3), lib.rand(3), reduction="foo"),
    lambda lib: _f(lib).gaussian_nll_loss(lib.rand(3, 4), lib.rand(3, 4), lib.rand(3, 2)),
    lambda lib: _f(lib).gaussian_nll_loss(lib.rand(3, 4), lib.rand(3, 4), -lib.rand(3, 4)),
    lambda lib: _f(lib).gaussian_nll_loss(lib.rand(3, 4), lib.rand(3, 4), -1.0),
    lambda lib: _f(lib).gaussian_nll_loss(lib.rand(3, 4), lib.rand(3, 4), lib.rand(3, 4), reduction="foo"),
    lambda lib: _f(lib).poisson_nll_loss(lib.rand(3), lib.rand(3), reduction="foo"),
    lambda lib: _f(lib).multilabel_soft_margin_loss(lib.rand(3, 4), lib.rand(3, 4), reduction="foo"),
    lambda lib: _f(lib).cosine_embedding_loss(lib.rand(3, 4), lib.rand(3, 4), lib.tensor(1.0)),
    lambda lib: _f(lib).cosine_embedding_loss(lib.rand(4), lib.rand(4), lib.ones(3)),
    lambda lib: _f(lib).cosine_embedding_loss(lib.rand(3, 4), lib.rand(3, 4), lib.ones(3, 1)),
    lambda lib: _f(lib).margin_ranking_loss(lib.rand(3), lib.rand(3, 1), lib.ones(3)),
    lambda lib: _f(lib).hinge_embedding_loss(lib.rand(3), lib.ones(4)),
    lambda lib: _f(lib).triplet_margin_loss(lib.rand(3, 4), lib.rand(4), lib.rand(3, 4)),
    lambda lib: _f(lib).triplet_margin_loss(lib.rand(3, 4), lib.rand(3, 4), lib.rand(3, 4), margin=0),
    lambda lib: _f(lib).triplet_margin_with_distance_loss(lib.rand(3), lib.rand(3), lib.rand(3), margin=-1.0),
    lambda lib: _f(lib).triplet_margin_with_distance_loss(lib.rand(3), lib.rand(3), lib.rand(3), reduction="x"),
    lambda lib: _f(lib).multi_margin_loss(lib.rand(3, 4), lib.tensor([0, 1, 2]), p=3),
    lambda lib: _f(lib).multi_margin_loss(lib.rand(3, 4), lib.tensor([0, 1, 5])),
    lambda lib: _f(lib).multi_margin_loss(lib.rand(2, 3, 4), lib.tensor([1, 1])),
    lambda lib: _f(lib).multi_margin_loss(lib.rand(2, 4), lib.tensor([1, 1, 1])),
    lambda lib: _f(lib).multi_margin_loss(lib.rand(2, 4), lib.tensor([1, 1]), weight=lib.ones(2, 2)),
    lambda lib: _f(lib).multi_margin_loss(lib.rand(2, 4), lib.tensor([1, 1]), weight=lib.ones(3)),
    lambda lib: _f(lib).multilabel_margin_loss(lib.rand(3, 4), lib.tensor([0, 1, 2])),
    lambda lib: _f(lib).multilabel_margin_loss(lib.rand(2, 3, 4), lib.zeros(2, 3, 4, dtype=lib.long)),
    lambda lib: _f(lib).multilabel_margin_loss(lib.rand(2, 4), lib.tensor([[5, -1, 0, 0], [1, -1, 0, 0]])),
    lambda lib: _f(lib).multilabel_margin_loss(lib.rand(2, 4), lib.zeros(2, 4, dtype=lib.int32)),
    lambda lib: lib.nn.MultiMarginLoss(p=3),
    lambda lib: lib.nn.MultiMarginLoss(weight=lib.ones(2, 2)),
    lambda lib: lib.nn.TripletMarginLoss(margin=-1.0),
    lambda lib: lib.nn.TripletMarginWithDistanceLoss(margin=0.0),
    lambda lib: lib.nn.HuberLoss(delta="1"),
]

_CTC = _ctc_case(batch=2, steps=6, n_classes=5, s_max=3)


def _ctc(lib, il=(4, 3), tl=(3, 3), targets=None, blank=0, reduction="mean", lp=None):
    tg = lib.tensor(_CTC[1][:, :3] if targets is None else targets)
    lp = lib.tensor(_CTC[0][:4] if lp is None else lp)
    return lib.nn.functional.ctc_loss(lp, tg, lib.tensor(il), lib.tensor(tl), blank=blank, reduction=reduction)


CTC_ERRORS = [
    lambda lib: _ctc(lib, il=(5, 3)),
    lambda lib: _ctc(lib, tl=(4, 3)),
    lambda lib: _ctc(lib, il=(4,)),
    lambda lib: _ctc(lib, tl=(3,)),
    lambda lib: _ctc(lib, tl=(3, -1)),
    lambda lib: _ctc(lib, il=(4.0, 3.0)),
    lambda lib: _ctc(lib, blank=5),
    lambda lib: _ctc(lib, reduction="foo"),
    lambda lib: _ctc(lib, targets=np.array([[1, 2], [2, 1]])),
    lambda lib: _ctc(lib, targets=np.array([[1, 2, 9], [2, 1, 1]])),
]


@pytest.mark.parametrize("case", range(len(LOSS_ERRORS) + len(CTC_ERRORS)))
def test_errors(case):
    cases = LOSS_ERRORS + CTC_ERRORS
    same_outcome(cases[case])


@pytest.mark.parametrize("name", ["multi_margin_loss", "multilabel_margin_loss", "hardsigmoid"])
def test_no_second_derivative(name):
    x = arr(3, 4)

    def fn(lib, x):
        f = lib.nn.functional
        if name == "multi_margin_loss":
            return f.multi_margin_loss(x, lib.tensor([0, 1, 3]), p=2)
        if name == "multilabel_margin_loss":
            return f.multilabel_margin_loss(x, lib.tensor([[0, 1, -1, 0]] * 3))
        return f.hardsigmoid(x).sum()
    check(fn, [x])
    loss = fn(ember, ember.tensor(x, requires_grad=True))
    assert loss.requires_grad


def test_timing_smoke():
    # the fused cross-entropy's fast path and its Tensor path agree on a larger batch
    x = arr(64, 100, dtype=np.float32, scale=3.0)
    t = classes(64, 100)
    check(lambda lib, x, t: F_(lib).cross_entropy(x, t), [x, t], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.cross_entropy(ember.tensor(x), ember.tensor(t))


GRAD_FN_CASES = [
    lambda F, x, p, t, tp: F.binary_cross_entropy(p, tp),
    lambda F, x, p, t, tp: F.binary_cross_entropy_with_logits(x, tp, reduction="none"),
    lambda F, x, p, t, tp: F.cross_entropy(x, t),
    lambda F, x, p, t, tp: F.cross_entropy(x, t, label_smoothing=0.1),
    lambda F, x, p, t, tp: F.cross_entropy(x, tp),
    lambda F, x, p, t, tp: F.cross_entropy(x, tp, reduction="none"),
    lambda F, x, p, t, tp: F.nll_loss(x, t, reduction="none"),
    lambda F, x, p, t, tp: F.nll_loss(x.reshape(1, 4, 3, 1), t.reshape(1, 3, 1)),
    lambda F, x, p, t, tp: F.l1_loss(x, tp),
    lambda F, x, p, t, tp: F.mse_loss(x, tp, reduction="sum"),
    lambda F, x, p, t, tp: F.huber_loss(x, tp),
    lambda F, x, p, t, tp: F.smooth_l1_loss(x, tp),
    lambda F, x, p, t, tp: F.soft_margin_loss(x, tp),
    lambda F, x, p, t, tp: F.multilabel_soft_margin_loss(x, tp),
    lambda F, x, p, t, tp: F.kl_div(x, tp, reduction="batchmean"),
    lambda F, x, p, t, tp: F.kl_div(x, tp, reduction="none"),
    lambda F, x, p, t, tp: F.poisson_nll_loss(x, tp),
    lambda F, x, p, t, tp: F.gaussian_nll_loss(x, tp, p),
    lambda F, x, p, t, tp: F.triplet_margin_loss(x, p, tp),
    lambda F, x, p, t, tp: F.multi_margin_loss(x, t),
    lambda F, x, p, t, tp: F.hinge_embedding_loss(x, tp * 2 - 1),
]


@pytest.mark.parametrize("case", range(len(GRAD_FN_CASES)))
def test_loss_grad_fn_names(case):
    x, p, t, tp = arr(3, 4), RNG.random((3, 4)), np.array([0, 1, 3]), RNG.random((3, 4))
    got = []
    for lib in (ember, torch):
        args = (lib.tensor(x, requires_grad=True), lib.tensor(p, requires_grad=True), lib.tensor(t),
                lib.tensor(tp))
        got.append(GRAD_FN_CASES[case](lib.nn.functional, *args).grad_fn.name())
    assert got[0] == got[1]
