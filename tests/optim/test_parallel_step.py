"""Optimizer steps split over ember's threads (large steps with get_num_threads() > 1): the same trajectories
as PyTorch and bit for bit the same parameters as the same step run in order on one thread."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import ember
from ember import _parallel
from ember.optim import optimizer as optimizer_module
from optim.helpers import assert_state_equal, run_both
from optim.test_trajectories import GRID, TOL


@pytest.fixture
def spy(monkeypatch):
    """Two threads, every step large enough to split; records the threads each step's kernels ran on."""
    monkeypatch.setattr(_parallel, "_num_threads", 2)
    monkeypatch.setattr(optimizer_module, "_PARALLEL_BYTES", 0)
    calls = []

    def recording(tasks):
        threads = set()

        def wrap(task):
            def run():
                threads.add(threading.get_ident())
                task()
            return run
        try:
            _parallel.run_parallel([wrap(t) for t in tasks])
        finally:
            calls.append(threads)
    monkeypatch.setattr(optimizer_module, "run_parallel", recording)
    return calls


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,kwargs", GRID, ids=[f"{n}-{i}" for i, (n, _) in enumerate(GRID)])
def test_trajectory_on_two_threads(torch_mod, spy, name, kwargs, dtype):
    tol = TOL[dtype]
    for _, pe, pt, oe, ot in run_both(name, kwargs, steps=12, dtype=dtype):
        for a, b in zip(pe, pt):
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), **tol)
        assert_state_equal(oe, ot, **tol)
    assert len(spy) == 12 and all(len(threads) == 2 for threads in spy)


def _train(name: str, kwargs: dict, shapes: list, steps: int = 5) -> list:
    rng = np.random.default_rng(0)
    params = [ember.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]
    opt = getattr(ember.optim, name)(params, **kwargs)
    for _ in range(steps):
        for p in params:
            p.grad = ember.tensor(rng.standard_normal(p.shape))
        opt.step()
    return [p.detach().numpy().copy() for p in params]


@pytest.mark.parametrize("name,kwargs", [("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
                                         ("Adam", dict(lr=0.01, amsgrad=True)), ("AdamW", dict(lr=0.01)),
                                         ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5))])
def test_split_steps_equal_ordered_steps_bit_for_bit(monkeypatch, spy, name, kwargs):
    """Parameters larger than one cache block are cut into blocks that go to different threads."""
    shapes = [(300, 400), (7,), (1000, 70), (3, 5)]  # 960 KB and 560 KB in float64: several blocks each
    split = _train(name, kwargs, shapes)
    assert spy and all(len(threads) == 2 for threads in spy)
    monkeypatch.setattr(optimizer_module, "_PARALLEL_BYTES", 1 << 60)
    in_order = _train(name, kwargs, shapes)
    for a, b in zip(split, in_order):
        np.testing.assert_array_equal(a, b)


def test_small_steps_and_one_thread_stay_in_order(monkeypatch, spy):
    monkeypatch.setattr(optimizer_module, "_PARALLEL_BYTES", 1 << 22)
    _train("Adam", dict(lr=0.01), [(100, 100), (10,)])  # 80 KB: below the threshold
    monkeypatch.setattr(optimizer_module, "_PARALLEL_BYTES", 0)
    monkeypatch.setattr(_parallel, "_num_threads", 1)
    _train("Adam", dict(lr=0.01), [(100, 100), (10,)])
    assert spy == []


def test_parameters_sharing_memory_stay_in_order(monkeypatch, spy):
    """Two parameters that are views of one array could overlap: their updates run in order."""
    def train():
        base = np.linspace(-1, 1, 20)
        params = [ember.from_numpy(base[:12]).requires_grad_(), ember.from_numpy(base[8:]).requires_grad_()]
        opt = ember.optim.SGD(params, lr=0.1, momentum=0.9)
        for i in range(3):
            for p in params:
                p.grad = ember.full(p.shape, i + 1.0, dtype=ember.float64)
            opt.step()
        return base
    shared = train()
    assert spy == []
    monkeypatch.setattr(optimizer_module, "_PARALLEL_BYTES", 1 << 60)
    np.testing.assert_array_equal(shared, train())


def test_a_failing_kernel_raises_from_step_and_the_optimizer_goes_on(monkeypatch, spy):
    params = [ember.randn(50, requires_grad=True) for _ in range(4)]
    for p in params:
        p.grad = ember.ones(50)
    opt = ember.optim.SGD(params, lr=0.1)

    def broken(*_):
        raise ValueError("kernel failed")
    with monkeypatch.context() as m:
        m.setattr("ember.optim.sgd._plain_kernel", lambda *a: broken)
        with pytest.raises(ValueError, match="kernel failed"):
            opt.step()
    assert spy
    before = params[0].detach().numpy().copy()
    opt.step()
    np.testing.assert_allclose(params[0].detach().numpy(), before - 0.1)
