"""Learning-rate schedulers against PyTorch: lr (and momentum) sequences over 100 steps, state_dicts,
resuming, warnings and errors."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import ember
from conftest import torch


def _optimizer(lib, kind: str = "SGD"):
    """Two param groups with different lrs (and momentum or betas for the cycling schedulers)."""
    a = lib.zeros(3, requires_grad=True)
    b = lib.zeros(2, requires_grad=True)
    groups = [{"params": [a]}, {"params": [b], "lr": 0.05}]
    if kind == "SGD":
        return lib.optim.SGD(groups, lr=0.1, momentum=0.9)
    return lib.optim.Adam(groups, lr=0.1, betas=(0.9, 0.99))


def _lambda(e):
    return 0.95 ** e


CASES = {
    "LambdaLR": lambda lib, o: lib.optim.lr_scheduler.LambdaLR(o, _lambda),
    "LambdaLR-list": lambda lib, o: lib.optim.lr_scheduler.LambdaLR(o, [_lambda, lambda e: 1 / (1 + e)]),
    "MultiplicativeLR": lambda lib, o: lib.optim.lr_scheduler.MultiplicativeLR(o, lambda e: 0.97),
    "StepLR": lambda lib, o: lib.optim.lr_scheduler.StepLR(o, step_size=7, gamma=0.5),
    "MultiStepLR": lambda lib, o: lib.optim.lr_scheduler.MultiStepLR(o, [10, 30, 30, 80], gamma=0.3),
    "ConstantLR": lambda lib, o: lib.optim.lr_scheduler.ConstantLR(o),
    "ConstantLR-args": lambda lib, o: lib.optim.lr_scheduler.ConstantLR(o, factor=0.5, total_iters=20),
    "LinearLR": lambda lib, o: lib.optim.lr_scheduler.LinearLR(o),
    "LinearLR-args": lambda lib, o: lib.optim.lr_scheduler.LinearLR(o, start_factor=0.2, end_factor=0.9,
                                                                    total_iters=30),
    "ExponentialLR": lambda lib, o: lib.optim.lr_scheduler.ExponentialLR(o, gamma=0.97),
    "PolynomialLR": lambda lib, o: lib.optim.lr_scheduler.PolynomialLR(o),
    "PolynomialLR-args": lambda lib, o: lib.optim.lr_scheduler.PolynomialLR(o, total_iters=40, power=2.0),
    "CosineAnnealingLR": lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingLR(o, T_max=25, eta_min=1e-3),
    "CosineAnnealingWarmRestarts": lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        o, T_0=10, T_mult=2, eta_min=1e-4),
    "CosineAnnealingWarmRestarts-1": lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, 7),
    "CyclicLR": lambda lib, o: lib.optim.lr_scheduler.CyclicLR(o, 0.01, 0.1, step_size_up=10),
    "CyclicLR-triangular2": lambda lib, o: lib.optim.lr_scheduler.CyclicLR(
        o, [0.01, 0.02], [0.1, 0.2], step_size_up=10, step_size_down=5, mode="triangular2"),
    "CyclicLR-exp_range": lambda lib, o: lib.optim.lr_scheduler.CyclicLR(
        o, 0.01, 0.1, step_size_up=8, mode="exp_range", gamma=0.98, base_momentum=0.7, max_momentum=0.95),
    "CyclicLR-scale_fn": lambda lib, o: lib.optim.lr_scheduler.CyclicLR(
        o, 0.01, 0.1, step_size_up=6, scale_fn=lambda x: 0.5 ** x, scale_mode="iterations",
        cycle_momentum=False),
    "CyclicLR-adam": (lambda lib, o: lib.optim.lr_scheduler.CyclicLR(o, 0.001, 0.01, step_size_up=12), "Adam"),
    "OneCycleLR": lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=100),
    "OneCycleLR-linear": lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(
        o, max_lr=[0.1, 0.3], epochs=10, steps_per_epoch=10, anneal_strategy="linear", pct_start=0.25),
    "OneCycleLR-three_phase": lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(
        o, max_lr=0.1, total_steps=120, three_phase=True, div_factor=10.0, final_div_factor=100.0),
    "OneCycleLR-adam": (lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(
        o, max_lr=0.01, total_steps=100, base_momentum=0.8, max_momentum=0.9), "Adam"),
    "OneCycleLR-no-momentum": lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(
        o, max_lr=0.1, total_steps=100, cycle_momentum=False),
    "SequentialLR": lambda lib, o: lib.optim.lr_scheduler.SequentialLR(
        o, [lib.optim.lr_scheduler.ConstantLR(o, factor=0.1, total_iters=2),
            lib.optim.lr_scheduler.ExponentialLR(o, gamma=0.9)], milestones=[20]),
    "SequentialLR-warmup-cosine": lambda lib, o: lib.optim.lr_scheduler.SequentialLR(
        o, [lib.optim.lr_scheduler.LinearLR(o, start_factor=0.1, total_iters=10),
            lib.optim.lr_scheduler.CosineAnnealingLR(o, T_max=50),
            lib.optim.lr_scheduler.StepLR(o, step_size=5, gamma=0.8)], milestones=[10, 60]),
    "ChainedScheduler": lambda lib, o: lib.optim.lr_scheduler.ChainedScheduler(
        [lib.optim.lr_scheduler.ConstantLR(o, factor=0.1, total_iters=2),
         lib.optim.lr_scheduler.ExponentialLR(o, gamma=0.9)]),
    "ChainedScheduler-optimizer": lambda lib, o: lib.optim.lr_scheduler.ChainedScheduler(
        [lib.optim.lr_scheduler.StepLR(o, 10), lib.optim.lr_scheduler.MultiStepLR(o, [5, 50], 0.5)],
        optimizer=o),
}


def _case(name):
    case = CASES[name]
    return case if isinstance(case, tuple) else (case, "SGD")


def _momenta(opt) -> list:
    return [g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups]


def _run(lib, name: str, steps: int = 100):
    make, kind = _case(name)
    opt = _optimizer(lib, kind)
    sched = make(lib, opt)
    lrs, momenta = [sched.get_last_lr()], [_momenta(opt)]
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr())
        assert sched.get_last_lr() == [g["lr"] for g in opt.param_groups]
        momenta.append(_momenta(opt))
    return lrs, momenta, sched


@pytest.mark.parametrize("name", list(CASES))
def test_lr_sequence(torch_mod, name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the standard order optimizer.step(); scheduler.step() warns nothing
        lr_e, mom_e, sched_e = _run(ember, name)
    lr_t, mom_t, sched_t = _run(torch, name)
    np.testing.assert_allclose(lr_e, lr_t, rtol=1e-13, atol=0)
    np.testing.assert_allclose(mom_e, mom_t, rtol=1e-13, atol=0)
    se, st = sched_e.state_dict(), sched_t.state_dict()
    assert set(se) == set(st)
    assert getattr(sched_e, "last_epoch", None) == getattr(sched_t, "last_epoch", None)


def test_initial_lr_is_recorded(torch_mod):
    for lib in (ember, torch):
        opt = _optimizer(lib)
        lib.optim.lr_scheduler.StepLR(opt, 3)
        assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.05]


@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "CosineAnnealingLR", "CyclicLR-triangular2",
                                  "OneCycleLR-three_phase", "LambdaLR", "SequentialLR-warmup-cosine",
                                  "ChainedScheduler", "CosineAnnealingWarmRestarts", "PolynomialLR-args"])
def test_resume_from_state_dict(name):
    """Save optimizer and scheduler at step 37, load them into fresh ones, continue: the same lrs."""
    full, full_mom, _ = _run(ember, name)
    make, kind = _case(name)
    opt = _optimizer(ember, kind)
    sched = make(ember, opt)
    for _ in range(37):
        opt.step()
        sched.step()
    opt_state, sched_state = opt.state_dict(), sched.state_dict()
    opt2 = _optimizer(ember, kind)
    sched2 = make(ember, opt2)
    opt2.load_state_dict(opt_state)
    sched2.load_state_dict(sched_state)
    lrs = []
    for _ in range(63):
        opt2.step()
        sched2.step()
        lrs.append(sched2.get_last_lr())
    np.testing.assert_allclose(lrs, full[38:], rtol=1e-13, atol=0)


@pytest.mark.parametrize("kwargs", [dict(), dict(mode="max"), dict(threshold_mode="abs", threshold=0.05),
                                    dict(mode="max", threshold_mode="abs", patience=2, factor=0.5),
                                    dict(patience=3, cooldown=4, min_lr=[0.02, 0.001]),
                                    dict(patience=1, factor=0.5, min_lr=0.03, eps=1e-3)])
def test_reduce_lr_on_plateau(torch_mod, kwargs):
    rng = np.random.default_rng(0)
    metrics = np.concatenate([np.linspace(1, 0.5, 20), 0.5 + 0.01 * rng.standard_normal(60),
                              np.linspace(0.5, 1.5, 20)])
    runs = []
    for lib in (ember, torch):
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
        lrs = []
        for m in metrics:
            opt.step()
            sched.step(float(m))
            lrs.append(sched.get_last_lr())
        runs.append((lrs, sched))
    np.testing.assert_allclose(runs[0][0], runs[1][0], rtol=1e-13, atol=0)
    se, st = runs[0][1].state_dict(), runs[1][1].state_dict()
    assert set(se) == set(st)
    assert {k: se[k] for k in ("best", "num_bad_epochs", "cooldown_counter", "last_epoch")} == \
        {k: st[k] for k in ("best", "num_bad_epochs", "cooldown_counter", "last_epoch")}


def test_reduce_lr_on_plateau_resume():
    opt = _optimizer(ember)
    sched = ember.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max", patience=1)
    for m in [1, 2, 2, 2]:
        sched.step(m)
    state = sched.state_dict()
    sched2 = ember.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(ember))
    sched2.load_state_dict(state)
    assert sched2.mode == "max" and sched2.mode_worse == -math.inf and sched2.best == 2


def test_scheduler_step_before_optimizer_step_warns(torch_mod):
    for lib in (ember, torch):
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.StepLR(opt, 3)
        with pytest.warns(UserWarning, match=r"Detected call of `lr_scheduler.step\(\)` before "
                                             r"`optimizer.step\(\)`"):
            sched.step()


def test_overridden_optimizer_step_warns(torch_mod):
    for lib in (ember, torch):
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.StepLR(opt, 3)
        opt.step = lambda closure=None: None
        with pytest.warns(UserWarning, match=r"Seems like `optimizer.step\(\)` has been overridden"):
            sched.step()


def test_get_lr_outside_step_warns_and_epoch_is_deprecated(torch_mod):
    for lib in (ember, torch):
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.StepLR(opt, 3)
        with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
            sched.get_lr()
        opt.step()
        with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)` was not necessary"):
            sched.step(7)
        assert sched.get_last_lr() == pytest.approx([0.1 * 0.1 ** 2, 0.05 * 0.1 ** 2])


def test_closed_form_epochs_match(torch_mod):
    for name in ["StepLR", "MultiStepLR", "ConstantLR", "LinearLR", "ExponentialLR", "PolynomialLR",
                 "CosineAnnealingLR", "CosineAnnealingWarmRestarts"]:
        results = []
        for lib in (ember, torch):
            opt = _optimizer(lib)
            sched = _case(name)[0](lib, opt)
            seq = []
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for epoch in [3, 9, 1, 27, 12, 40]:
                    opt.step()
                    sched.step(epoch)
                    seq.append(sched.get_last_lr())
            results.append(seq)
        np.testing.assert_allclose(results[0], results[1], rtol=1e-13, err_msg=name)


def _err(fn):
    try:
        fn()
    except Exception as e:  # compared across libraries
        return type(e).__name__, str(e)
    return None


ERRORS = [
    lambda lib, o: lib.optim.lr_scheduler.ConstantLR(o, factor=1.5),
    lambda lib, o: lib.optim.lr_scheduler.LinearLR(o, start_factor=0),
    lambda lib, o: lib.optim.lr_scheduler.LinearLR(o, end_factor=2),
    lambda lib, o: lib.optim.lr_scheduler.LambdaLR(o, [_lambda]),
    lambda lib, o: lib.optim.lr_scheduler.MultiplicativeLR(o, 0.5),
    lambda lib, o: lib.optim.lr_scheduler.StepLR(o, 3, last_epoch=5),
    lambda lib, o: lib.optim.lr_scheduler.StepLR(object(), 3),
    lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=0),
    lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=0),
    lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=5, eta_min="0"),
    lambda lib, o: lib.optim.lr_scheduler.CyclicLR(o, 0.1, 1.0, mode="nope"),
    lambda lib, o: lib.optim.lr_scheduler.CyclicLR(o, [0.1], 1.0),
    lambda lib, o: lib.optim.lr_scheduler.CyclicLR(lib.optim.Adadelta(o.param_groups[0]["params"]), 0.1, 1.0),
    lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(o, 0.1),
    lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(o, 0.1, total_steps=0),
    lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(o, 0.1, epochs=2, steps_per_epoch=-1),
    lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(o, 0.1, total_steps=10, pct_start=1),
    lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(o, 0.1, total_steps=10, anneal_strategy="exp"),
    lambda lib, o: lib.optim.lr_scheduler.ReduceLROnPlateau(o, factor=1.0),
    lambda lib, o: lib.optim.lr_scheduler.ReduceLROnPlateau(o, mode="avg"),
    lambda lib, o: lib.optim.lr_scheduler.ReduceLROnPlateau(o, threshold_mode="x"),
    lambda lib, o: lib.optim.lr_scheduler.ReduceLROnPlateau(o, min_lr=[0.1]),
    lambda lib, o: lib.optim.lr_scheduler.SequentialLR(o, [], []),
    lambda lib, o: lib.optim.lr_scheduler.SequentialLR(o, [lib.optim.lr_scheduler.StepLR(o, 2)], [3]),
    lambda lib, o: lib.optim.lr_scheduler.SequentialLR(o, [lib.optim.lr_scheduler.ReduceLROnPlateau(o)], []),
    lambda lib, o: lib.optim.lr_scheduler.SequentialLR(o, [object()], []),
    lambda lib, o: lib.optim.lr_scheduler.ChainedScheduler([]),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors(torch_mod, i):
    assert _err(lambda: ERRORS[i](ember, _optimizer(ember))) == _err(lambda: ERRORS[i](torch, _optimizer(torch)))


def test_one_cycle_past_total_steps(torch_mod):
    for lib in (ember, torch):
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.OneCycleLR(opt, 0.1, total_steps=3)
        for _ in range(3):
            opt.step()
            sched.step()
        with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of total steps is 3"):
            sched.step()


def test_tensor_lr_is_updated_in_place():
    p = ember.zeros(2, requires_grad=True)
    lr = ember.tensor(0.1)
    opt = ember.optim.SGD([p], lr=lr)
    sched = ember.optim.lr_scheduler.ExponentialLR(opt, 0.5)
    opt.step()
    sched.step()
    assert opt.param_groups[0]["lr"] is lr and float(lr) == pytest.approx(0.05)


def test_importable_like_pytorch():
    from ember.optim import lr_scheduler
    from ember.optim.lr_scheduler import LRScheduler, StepLR

    assert lr_scheduler.StepLR is StepLR and issubclass(StepLR, LRScheduler)
    assert set(lr_scheduler.__all__) == set(torch.optim.lr_scheduler.__all__) if torch else True
