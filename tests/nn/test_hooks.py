"""Module hooks (forward, forward pre, full backward, backward pre, global) against PyTorch: call order,
arguments, replaced values, and the gradients the backward hooks see."""

from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.nn as nn
from conftest import torch
from nn.helpers import copy_weights, err

RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 3)).astype(np.float32)


def to_np(x):
    if x is None:
        return None
    return np.array(x.detach().numpy() if isinstance(x, torch.Tensor) else x.detach().numpy())


def assert_grads_equal(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert (x is None) == (y is None)
        if x is not None:
            np.testing.assert_allclose(to_np(x), to_np(y), rtol=1e-5, atol=1e-6)


def models():
    e = nn.Sequential(nn.Linear(3, 5), nn.Linear(5, 2))
    t = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Linear(5, 2))
    copy_weights(e, t)
    return e, t


def test_no_hooks_takes_the_fast_path(monkeypatch):
    m = nn.Linear(3, 2)

    def boom(*a, **k):
        raise AssertionError("hook machinery ran")

    monkeypatch.setattr(nn.Module, "_call_with_hooks", boom)
    m(ember.ones(1, 3))
    h = m.register_forward_hook(lambda *a: None)
    with pytest.raises(AssertionError):
        m(ember.ones(1, 3))
    h.remove()
    m(ember.ones(1, 3))


def test_forward_hook_order_and_replacement():
    def run(lib):
        calls = []
        m = lib.nn.Linear(3, 2)
        m.register_forward_pre_hook(lambda mod, args: calls.append(("pre1", len(args))))
        m.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
        m.register_forward_pre_hook(lambda mod, args: calls.append(("pre0",)), prepend=True)
        m.register_forward_hook(lambda mod, args, out: calls.append(("fwd1", tuple(out.shape))))
        m.register_forward_hook(lambda mod, args, out: out + 1)
        m.register_forward_hook(lambda mod, args, out: calls.append(("fwd0",)), prepend=True)
        with lib.no_grad():
            m.bias.zero_()
        out = m(lib.ones(1, 3))
        return calls, out.tolist()
    assert run(ember) == run(torch)


def test_pre_hook_single_value_is_wrapped_in_tuple():
    m = nn.Identity()
    m.register_forward_pre_hook(lambda mod, args: args[0] * 2)
    assert m(ember.ones(1)).tolist() == [2.0]


def test_hooks_with_kwargs():
    def run(lib):
        seen = []

        class M(lib.nn.Module):
            def forward(self, x, scale=1.0):
                return x * scale

        m = M()
        m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"scale": 3.0}), with_kwargs=True)
        m.register_forward_hook(lambda mod, args, kwargs, out: seen.append(sorted(kwargs.items())),
                                with_kwargs=True)
        out = m(lib.ones(1), scale=2.0)
        bad = M()
        bad.register_forward_pre_hook(lambda mod, args, kwargs: 5, with_kwargs=True)
        return out.tolist(), seen, err(lambda: bad(lib.ones(1)))
    assert run(ember) == run(torch)


def test_always_call_hook_runs_on_exception():
    def run(lib):
        calls = []

        class Bad(lib.nn.Module):
            def forward(self, x):
                raise ValueError("boom")

        m = Bad()
        m.register_forward_hook(lambda *a: calls.append("always"), always_call=True)
        m.register_forward_hook(lambda *a: calls.append("normal"))
        return err(lambda: m(lib.ones(1))), calls
    assert run(ember) == run(torch)


def test_handle_remove_and_context_manager():
    calls = []
    m = nn.Identity()
    h = m.register_forward_hook(lambda *a: calls.append(1))
    with m.register_forward_pre_hook(lambda *a: calls.append(0)):
        m(ember.ones(1))
    m(ember.ones(1))
    h.remove()
    h.remove()  # removing twice is harmless
    m(ember.ones(1))
    assert calls == [0, 1, 1]
    assert not m._forward_hooks and not m._forward_pre_hooks


def test_global_hooks_order():
    def run(lib):
        calls = []
        m = lib.nn.Identity()
        m.register_forward_pre_hook(lambda mod, a: calls.append("local_pre"))
        m.register_forward_hook(lambda mod, a, o: calls.append("local_fwd"))
        mm = lib.nn.modules.module
        hs = [mm.register_module_forward_pre_hook(lambda mod, a: calls.append("global_pre")),
              mm.register_module_forward_hook(lambda mod, a, o: calls.append("global_fwd"))]
        try:
            m(lib.ones(1))
        finally:
            for h in hs:
                h.remove()
        m(lib.ones(1))
        return calls
    assert run(ember) == run(torch)


def _backward_case(lib, mod, x_rg=True, pre=None, hook=None):
    """Run a module with full backward (pre-)hooks; returns the record of hook calls and input grads."""
    record = []

    def bw(module, gin, gout):
        record.append(("hook", type(module).__name__, gin, gout))
        return hook(gin) if hook else None

    def bwpre(module, gout):
        record.append(("pre", type(module).__name__, gout))
        return pre(gout) if pre else None

    for m in mod.modules():
        m.register_full_backward_hook(bw)
        m.register_full_backward_pre_hook(bwpre)
    x = lib.tensor(X, requires_grad=x_rg)
    out = mod(x)
    upstream = lib.tensor(np.arange(out.numel(), dtype=np.float32).reshape(tuple(out.shape)))
    out.backward(upstream)
    params = [p.grad for p in mod.parameters()]
    return record, (x.grad if x_rg else None), params


def _compare_records(re_, rt):
    assert [r[:2] for r in re_] == [r[:2] for r in rt]
    for a, b in zip(re_, rt):
        for ga, gb in zip(a[2:], b[2:]):
            assert_grads_equal(ga, gb)


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")
@pytest.mark.parametrize("x_rg", [True, False])
def test_full_backward_hooks_match(x_rg):
    e, t = models()
    re_, gxe, pe = _backward_case(ember, e, x_rg)
    rt, gxt, pt = _backward_case(torch, t, x_rg)
    _compare_records(re_, rt)
    assert_grads_equal([gxe], [gxt])
    assert_grads_equal(pe, pt)


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")
@pytest.mark.parametrize("x_rg", [True, False])
def test_backward_pre_hook_replaces_grad_output(x_rg):
    e, t = models()
    re_, gxe, pe = _backward_case(ember, e, x_rg, pre=lambda g: (g[0] * 2,))
    rt, gxt, pt = _backward_case(torch, t, x_rg, pre=lambda g: (g[0] * 2,))
    _compare_records(re_, rt)
    assert_grads_equal([gxe], [gxt])
    assert_grads_equal(pe, pt)


def test_backward_hook_replaces_grad_input():
    e, t = models()
    re_, gxe, pe = _backward_case(ember, e, hook=lambda g: tuple(None if x is None else x * 0 + 1 for x in g))
    rt, gxt, pt = _backward_case(torch, t, hook=lambda g: tuple(None if x is None else x * 0 + 1 for x in g))
    _compare_records(re_, rt)
    assert_grads_equal([gxe], [gxt])
    assert_grads_equal(pe, pt)


def test_backward_hook_multiple_inputs_and_outputs():
    def run(lib):
        class Two(lib.nn.Module):
            def forward(self, a, k, b):
                return a * b * k, a + b, 3

        rec = []
        m = Two()
        m.register_full_backward_hook(lambda mod, gin, gout: rec.append((gin, gout)))
        m.register_full_backward_pre_hook(lambda mod, gout: rec.append((gout,)))
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = lib.tensor([3.0, 4.0])
        p, s, _ = m(a, 2.0, b)
        (p * 3).sum().backward()
        return rec, a.grad
    re_, ge = run(ember)
    rt, gt = run(torch)
    assert len(re_) == len(rt) == 2
    assert_grads_equal(re_[0][0], rt[0][0])
    assert_grads_equal(re_[1][0], rt[1][0])
    assert_grads_equal(re_[1][1], rt[1][1])
    assert_grads_equal([ge], [gt])


def test_backward_hook_wrong_length_errors():
    def run(lib):
        m = lib.nn.Linear(3, 2)
        m.register_full_backward_hook(lambda mod, gin, gout: (None, None))
        x = lib.ones(1, 3, requires_grad=True)
        return err(lambda: m(x).sum().backward())
    assert run(ember) == run(torch)

    def run_pre(lib):
        m = lib.nn.Linear(3, 2)
        m.register_full_backward_pre_hook(lambda mod, gout: (None, None))
        x = lib.ones(1, 3, requires_grad=True)
        return err(lambda: m(x).sum().backward())
    assert run_pre(ember) == run_pre(torch)


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")
def test_backward_hook_no_input_grad_must_return_none():
    def run(lib):
        m = lib.nn.Linear(3, 2)
        m.register_full_backward_hook(lambda mod, gin, gout: (lib.ones(1, 3),))
        return err(lambda: m(lib.ones(1, 3)).sum().backward())
    assert run(ember) == run(torch)


def test_mixing_backward_hook_kinds_errors():
    def run(lib):
        m = lib.nn.Linear(1, 1)
        m.register_full_backward_hook(lambda *a: None)
        return err(lambda: m.register_backward_hook(lambda *a: None))
    assert run(ember) == run(torch)


def test_global_full_backward_hooks():
    def run(lib):
        rec = []
        mm = lib.nn.modules.module
        hs = [mm.register_module_full_backward_hook(lambda mod, gin, gout: rec.append(("g", gin, gout))),
              mm.register_module_full_backward_pre_hook(lambda mod, gout: rec.append(("gp", gout)))]
        try:
            m = lib.nn.Linear(3, 2)
            with lib.no_grad():
                m.weight.fill_(1.0)
            x = lib.ones(2, 3, requires_grad=True)
            m(x).sum().backward()
        finally:
            for h in hs:
                h.remove()
        return rec
    re_, rt = run(ember), run(torch)
    assert [r[0] for r in re_] == [r[0] for r in rt]
    for a, b in zip(re_, rt):
        for ga, gb in zip(a[1:], b[1:]):
            assert_grads_equal(ga, gb)


def test_backward_hooks_with_create_graph():
    def run(lib):
        rec = []
        m = lib.nn.Linear(3, 1)
        with lib.no_grad():
            m.weight.copy_(lib.tensor([[1.0, -2.0, 0.5]]))
            m.bias.zero_()
        m.register_full_backward_hook(lambda mod, gin, gout: rec.append(gin))
        x = lib.tensor(X, requires_grad=True)
        y = (m(x) ** 2).sum()
        (gx,) = lib.autograd.grad(y, x, create_graph=True)
        gx.sum().backward()
        return rec, x.grad
    re_, ge = run(ember)
    rt, gt = run(torch)
    assert len(re_) == len(rt)
    for a, b in zip(re_, rt):
        assert_grads_equal(a, b)
    assert_grads_equal([ge], [gt])


def test_backward_hook_warns_when_no_input_requires_grad():
    m = nn.Linear(3, 2)
    m.register_full_backward_hook(lambda *a: None)
    with pytest.warns(UserWarning, match="Full backward hook is firing when gradients are computed with "
                                         "respect to module outputs since no inputs require gradients"):
        m(ember.ones(1, 3)).sum().backward()


def test_deprecated_backward_hook_sees_output_node():
    m = nn.Linear(3, 2)
    rec = []
    m.register_backward_hook(lambda mod, gin, gout: rec.append((len(gout), tuple(gout[0].shape))))
    m(ember.ones(4, 3, requires_grad=True)).sum().backward()
    assert rec == [(1, (4, 2))]
