"""The Optimizer contract: construction errors, zero_grad, step(closure), state_dict round trips."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from conftest import torch
from optim.helpers import loss_fn, make_problem, run_both


def _params():
    return [ember.randn(3, 2, requires_grad=True), ember.randn(2, requires_grad=True)]


def test_empty_parameter_list():
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        ember.optim.SGD([], lr=0.1)


def test_single_tensor_is_rejected():
    with pytest.raises(TypeError, match="iterable of Tensors or dicts, but got torch.FloatTensor"):
        ember.optim.SGD(ember.randn(2, requires_grad=True), lr=0.1)


def test_non_leaf_is_rejected():
    x = ember.randn(2, requires_grad=True) * 2
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        ember.optim.SGD([x], lr=0.1)


def test_parameter_in_two_groups():
    p = ember.randn(2, requires_grad=True)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        ember.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)


@pytest.mark.parametrize("cls,kwargs,msg", [
    ("SGD", dict(lr=-0.1), "Invalid learning rate: -0.1"),
    ("SGD", dict(lr=0.1, momentum=-1), "Invalid momentum value: -1"),
    ("SGD", dict(lr=0.1, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    ("Adam", dict(betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
    ("Adam", dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    ("Adam", dict(eps=-1e-8), "Invalid epsilon value: -1e-08"),
    ("AdamW", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
])
def test_invalid_options(torch_mod, cls, kwargs, msg):
    for lib in (ember, torch):
        with pytest.raises(ValueError, match=msg.replace("(", r"\(").replace(")", r"\)")):
            getattr(lib.optim, cls)([lib.randn(2, requires_grad=True)], **kwargs)


def test_zero_grad():
    params = _params()
    opt = ember.optim.SGD(params, lr=0.1)
    (params[0].sum() + params[1].sum()).backward()
    opt.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in params)
    opt.zero_grad()
    assert all(p.grad is None for p in params)


def test_step_returns_closure_loss():
    params = _params()
    opt = ember.optim.Adam(params)

    def closure():
        opt.zero_grad()
        loss = (params[0] ** 2).sum()
        loss.backward()
        return loss
    loss = opt.step(closure)
    assert isinstance(loss, ember.Tensor) and loss.requires_grad


def test_only_the_head_is_optimised():
    """The lecture's pattern: freeze everything, optimise one part."""
    backbone = ember.randn(3, 3, requires_grad=True)
    head = ember.randn(3, 2, requires_grad=True)
    backbone.requires_grad = False
    before = backbone.detach().clone()
    opt = ember.optim.SGD([head], lr=1e-2, momentum=0.9)
    x = ember.randn(4, 3)
    for _ in range(3):
        opt.zero_grad()
        ((x @ backbone @ head) ** 2).mean().backward()
        opt.step()
    assert backbone.grad is None
    np.testing.assert_array_equal(backbone.numpy(), before.numpy())


@pytest.mark.parametrize("name,kwargs", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01)),
                                         ("AdamW", dict(lr=0.01, amsgrad=True))])
def test_resume_from_state_dict_matches_uninterrupted_run(name, kwargs):
    arrays, x, y = make_problem()
    xe, ye = ember.from_numpy(x), ember.from_numpy(y)

    def train(params, opt, steps):
        for _ in range(steps):
            opt.zero_grad()
            loss_fn(ember, params, xe, ye).backward()
            opt.step()

    full = [ember.tensor(a.copy(), requires_grad=True) for a in arrays]
    train(full, getattr(ember.optim, name)(full, **kwargs), 20)

    first = [ember.tensor(a.copy(), requires_grad=True) for a in arrays]
    opt = getattr(ember.optim, name)(first, **kwargs)
    train(first, opt, 10)
    saved = opt.state_dict()
    resumed = [ember.tensor(p.detach().numpy().copy(), requires_grad=True) for p in first]
    opt2 = getattr(ember.optim, name)(resumed, **kwargs)
    opt2.load_state_dict(saved)
    train(resumed, opt2, 10)
    for a, b in zip(full, resumed):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


@pytest.mark.parametrize("name,kwargs", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01))])
def test_state_dict_loads_into_pytorch_and_back(torch_mod, name, kwargs):
    *_, (_, pe, pt, oe, ot) = list(run_both(name, kwargs, steps=5))
    sd = oe.state_dict()
    to_torch = {"state": {k: {n: torch.from_numpy(np.array(v.numpy())) for n, v in s.items()}
                          for k, s in sd["state"].items()}, "param_groups": sd["param_groups"]}
    ot.load_state_dict(to_torch)
    back = ot.state_dict()
    to_ember = {"state": {k: {n: ember.tensor(v.numpy()) for n, v in s.items()}
                          for k, s in back["state"].items()},
                "param_groups": back["param_groups"]}
    oe.load_state_dict(to_ember)
    assert oe.state_dict()["param_groups"] == sd["param_groups"]


def test_load_state_dict_group_mismatch():
    opt = ember.optim.SGD(_params(), lr=0.1)
    other = ember.optim.SGD([{"params": [ember.randn(1, requires_grad=True)]},
                             {"params": [ember.randn(1, requires_grad=True)]}], lr=0.1)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        opt.load_state_dict(other.state_dict())
    small = ember.optim.SGD([ember.randn(1, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        opt.load_state_dict(small.state_dict())
