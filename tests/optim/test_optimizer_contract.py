"""The Optimizer contract: construction errors, option validation, zero_grad, step(closure), hooks,
parameter names, repr, and state_dict round trips (within ember, and to PyTorch and back)."""

from __future__ import annotations

import copy
import importlib
import pickle
import warnings

import numpy as np
import pytest

import ember
from conftest import torch
from optim.helpers import (
    assert_state_equal,
    loss_fn,
    make_optimizers,
    make_problem,
    ridge_loss,
    run_both,
    state_dict_to_torch,
)

ALL = ["SGD", "Adam", "AdamW", "Adadelta", "Adagrad", "Adamax", "ASGD", "LBFGS", "NAdam", "RAdam", "RMSprop",
       "Rprop"]

# every optimizer with options that create all of its state
FULL_OPTIONS = {
    "SGD": dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
    "Adam": dict(lr=0.01, amsgrad=True, weight_decay=0.01),
    "AdamW": dict(lr=0.01, amsgrad=True),
    "Adadelta": dict(lr=0.5, weight_decay=0.01),
    "Adagrad": dict(lr=0.05, lr_decay=0.01, initial_accumulator_value=0.1),
    "Adamax": dict(lr=0.01),
    "ASGD": dict(lr=0.05, t0=3),
    "LBFGS": dict(lr=0.5, max_iter=3, history_size=4),
    "NAdam": dict(lr=0.01, weight_decay=0.01),
    "RAdam": dict(lr=0.01, decoupled_weight_decay=True, weight_decay=0.01),
    "RMSprop": dict(lr=0.01, momentum=0.5, centered=True),
    "Rprop": dict(lr=0.01),
}


def _params(lib=ember):
    return [lib.randn(3, 2, requires_grad=True), lib.randn(2, requires_grad=True)]


def _err(fn):
    """(exception type name, message) raised by fn, or None."""
    try:
        fn()
    except Exception as e:  # compared across libraries
        return type(e).__name__, str(e)
    return None


# -- construction ----------------------------------------------------------------------------------------

def test_empty_parameter_list(torch_mod):
    for lib in (ember, torch):
        with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
            lib.optim.SGD([], lr=0.1)


@pytest.mark.parametrize("make", [
    lambda lib: lib.optim.SGD(lib.randn(2, requires_grad=True), lr=0.1),
    lambda lib: lib.optim.SGD([lib.randn(2, requires_grad=True) * 2], lr=0.1),
    lambda lib: lib.optim.Adam([1.0, 2.0]),
    lambda lib: lib.optim.Adam({lib.randn(2, requires_grad=True)}),
    lambda lib: lib.optim.Adam([{"params": {lib.randn(2, requires_grad=True)}}]),
    lambda lib: lib.optim.Adam([{"params": [lib.randn(2, requires_grad=True)]}, [lib.zeros(1)]]),
    lambda lib: lib.optim.SGD([("a", lib.randn(2, requires_grad=True)), lib.randn(2, requires_grad=True)]),
])
def test_bad_params(torch_mod, make):
    assert _err(lambda: make(ember)) == _err(lambda: make(torch))


def test_parameter_in_two_groups(torch_mod):
    for lib in (ember, torch):
        p = lib.randn(2, requires_grad=True)
        with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
            lib.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)


def test_duplicate_parameter_warns(torch_mod):
    for lib in (ember, torch):
        p = lib.randn(2, requires_grad=True)
        with pytest.warns(UserWarning, match="optimizer contains a parameter group with duplicate parameters"):
            lib.optim.SGD([p, p], lr=0.1)


def test_retained_non_leaf_is_accepted(torch_mod):
    for lib in (ember, torch):
        x = lib.randn(2, requires_grad=True) * 2
        x.retain_grad()
        lib.optim.SGD([x], lr=0.1)


INVALID = [
    ("SGD", dict(lr=-0.1)), ("SGD", dict(lr=0.1, momentum=-1)), ("SGD", dict(lr=0.1, weight_decay=-1)),
    ("SGD", dict(lr=0.1, nesterov=True)), ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)),
    ("Adam", dict(lr=-1.0)), ("Adam", dict(betas=(1.0, 0.9))), ("Adam", dict(betas=(0.9, -0.1))),
    ("Adam", dict(eps=-1e-8)), ("Adam", dict(weight_decay=-1)), ("Adam", dict(betas=(0, 0.9))),
    ("AdamW", dict(weight_decay=-1)), ("AdamW", dict(betas=(0.9, 1.0))),
    ("Adadelta", dict(lr=-1)), ("Adadelta", dict(rho=1.5)), ("Adadelta", dict(eps=-1)),
    ("Adadelta", dict(weight_decay=-1)),
    ("Adagrad", dict(lr=-1)), ("Adagrad", dict(lr_decay=-1)), ("Adagrad", dict(weight_decay=-1)),
    ("Adagrad", dict(initial_accumulator_value=-1)), ("Adagrad", dict(eps=-1)),
    ("Adamax", dict(lr=-1)), ("Adamax", dict(eps=-1)), ("Adamax", dict(betas=(1.0, 0.5))),
    ("Adamax", dict(betas=(0.5, 1.0))), ("Adamax", dict(weight_decay=-1)),
    ("ASGD", dict(lr=-1)), ("ASGD", dict(weight_decay=-1)),
    ("LBFGS", dict(lr=-1)),
    ("NAdam", dict(lr=-1)), ("NAdam", dict(eps=-1)), ("NAdam", dict(betas=(1, 0.5))),
    ("NAdam", dict(weight_decay=-1)), ("NAdam", dict(momentum_decay=-1)),
    ("RAdam", dict(lr=-1)), ("RAdam", dict(eps=-1)), ("RAdam", dict(betas=(0.5, 2))),
    ("RAdam", dict(weight_decay=-1)),
    ("RMSprop", dict(lr=-1)), ("RMSprop", dict(eps=-1)), ("RMSprop", dict(momentum=-1)),
    ("RMSprop", dict(weight_decay=-1)), ("RMSprop", dict(alpha=-1)),
    ("Rprop", dict(lr=-1)), ("Rprop", dict(etas=(1.2, 0.5))), ("Rprop", dict(etas=(0.0, 1.2))),
    ("SparseAdam", dict(lr=0.0)), ("SparseAdam", dict(eps=0.0)), ("SparseAdam", dict(betas=(1.0, 0.9))),
    ("SparseAdam", dict(betas=(0.9, 1.0))),
]


@pytest.mark.parametrize("name,kwargs", INVALID, ids=[f"{n}-{i}" for i, (n, _) in enumerate(INVALID)])
def test_invalid_options(torch_mod, name, kwargs):
    e = _err(lambda: getattr(ember.optim, name)([ember.randn(2, requires_grad=True)], **kwargs))
    t = _err(lambda: getattr(torch.optim, name)([torch.randn(2, requires_grad=True)], **kwargs))
    assert e is not None and e == t


def test_tensor_lr_must_have_one_element(torch_mod):
    for lib in (ember, torch):
        with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
            lib.optim.SGD([lib.randn(2, requires_grad=True)], lr=lib.tensor([0.1, 0.2]))


@pytest.mark.parametrize("name", ALL + ["SparseAdam"])
def test_defaults_and_repr_match(torch_mod, name):
    oe = getattr(ember.optim, name)([ember.randn(2, requires_grad=True)])
    ot = getattr(torch.optim, name)([torch.randn(2, requires_grad=True)])
    assert oe.defaults == ot.defaults
    assert repr(oe) == repr(ot)
    assert list(oe.state_dict()["param_groups"][0]) == list(ot.state_dict()["param_groups"][0])


def test_lbfgs_rejects_param_groups_and_needs_a_closure(torch_mod):
    for lib in (ember, torch):
        a, b = lib.randn(2, requires_grad=True), lib.randn(2, requires_grad=True)
        with pytest.raises(ValueError, match=r"LBFGS doesn't support per-parameter options \(parameter groups\)"):
            lib.optim.LBFGS([{"params": [a]}, {"params": [b]}])
    e = ember.optim.LBFGS([ember.randn(2, requires_grad=True)])
    t = torch.optim.LBFGS([torch.randn(2, requires_grad=True)])
    assert _err(e.step) == _err(t.step) == ("TypeError", "LBFGS.step() missing 1 required positional argument: "
                                                         "'closure'")
    assert _err(lambda: e.step(None)) == _err(lambda: t.step(None))
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        p = ember.randn(2, requires_grad=True)
        opt = ember.optim.LBFGS([p], line_search_fn="armijo")
        opt.step(lambda: (p ** 2).sum().backward() or (p ** 2).sum())


# -- zero_grad, step, hooks ----------------------------------------------------------------------------------

def test_zero_grad():
    params = _params()
    opt = ember.optim.SGD(params, lr=0.1)
    (params[0].sum() + params[1].sum()).backward()
    grads = [p.grad for p in params]
    opt.zero_grad(set_to_none=False)
    assert all(p.grad is g and not p.grad.numpy().any() for p, g in zip(params, grads))
    opt.zero_grad()
    assert all(p.grad is None for p in params)


def test_step_returns_closure_loss_and_runs_it_with_grad_enabled():
    params = _params()
    opt = ember.optim.Adam(params)

    def closure():
        assert ember.is_grad_enabled()
        opt.zero_grad()
        loss = (params[0] ** 2).sum()
        loss.backward()
        return loss
    with ember.no_grad():
        loss = opt.step(closure)
    assert isinstance(loss, ember.Tensor) and loss.requires_grad


def test_step_without_grads_changes_nothing():
    for name in ALL:
        params = _params()
        before = [p.detach().clone() for p in params]
        opt = getattr(ember.optim, name)(params)
        if name == "LBFGS":
            continue
        opt.step()
        assert all(np.array_equal(a.numpy(), b.detach().numpy()) for a, b in zip(before, params))


def test_step_bumps_the_version_counter():
    p = ember.randn(3, requires_grad=True)
    y = p * 2
    p.grad = ember.ones(3)
    v = p._vc[0]
    ember.optim.Adam([p]).step()
    assert p._vc[0] == v + 1
    del y


def _hook_log(lib) -> list:
    log = []
    p = lib.randn(2, requires_grad=True)
    p.grad = lib.ones(2)
    opt = lib.optim.SGD([p], lr=0.1)
    pre = opt.register_step_pre_hook(
        lambda o, args, kwargs: log.append(("pre", type(o).__name__, len(args), args[0] is o)))
    opt.register_step_post_hook(lambda o, args, kwargs: log.append(("post", kwargs)))
    module = importlib.import_module(lib.__name__ + ".optim.optimizer")
    glob = module.register_optimizer_step_pre_hook(lambda o, a, k: log.append("global"))
    try:
        opt.step()
        pre.remove()
        opt.step(closure=None)
    finally:
        glob.remove()
    opt.step()
    return log


def test_step_hooks(torch_mod):
    assert _hook_log(ember) == _hook_log(torch)


def test_step_pre_hook_can_replace_arguments():
    p = ember.randn(2, requires_grad=True)
    opt = ember.optim.SGD([p], lr=0.1)
    opt.register_step_pre_hook(lambda o, args, kwargs: ((o,), {"closure": lambda: 42}))
    assert opt.step() == 42
    opt.register_step_pre_hook(lambda o, args, kwargs: "bad")
    with pytest.raises(RuntimeError, match="must return None or a tuple of"):
        opt.step()


def test_state_dict_hooks():
    p = ember.randn(2, requires_grad=True)
    opt = ember.optim.SGD([p], lr=0.1)
    seen = []
    opt.register_state_dict_pre_hook(lambda o: seen.append("pre"))
    opt.register_state_dict_post_hook(lambda o, sd: dict(sd, extra=1))
    opt.register_load_state_dict_pre_hook(lambda o, sd: seen.append("load-pre"))
    opt.register_load_state_dict_post_hook(lambda o: seen.append("load-post"))
    sd = opt.state_dict()
    assert sd["extra"] == 1
    opt.load_state_dict(sd)
    assert seen == ["pre", "load-pre", "load-post"]


def test_named_parameters_keep_their_names(torch_mod):
    ne, nt = ember.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    oe = ember.optim.SGD(ne.named_parameters(), lr=0.1)
    ot = torch.optim.SGD(nt.named_parameters(), lr=0.1)
    assert oe.param_groups[0]["param_names"] == ot.param_groups[0]["param_names"] == ["weight", "bias"]
    assert oe.state_dict()["param_groups"] == ot.state_dict()["param_groups"]
    e = _err(lambda: oe.add_param_group({"params": [ember.randn(2, requires_grad=True)]}))
    t = _err(lambda: ot.add_param_group({"params": [torch.randn(2, requires_grad=True)]}))
    assert e == t and e[0] == "ValueError"


def test_add_param_group_fills_defaults():
    a, b = _params()
    opt = ember.optim.Adam([a], lr=0.01)
    opt.add_param_group({"params": b, "lr": 0.1})
    assert opt.param_groups[1]["params"] == [b] and opt.param_groups[1]["betas"] == (0.9, 0.999)
    with pytest.raises(TypeError, match="param_group must be a dict, but got <class 'list'>"):
        opt.add_param_group([b])


def test_optimizer_pickles_and_deep_copies():
    params = _params()
    opt = ember.optim.Adam(params, lr=0.01)
    for p in params:
        p.grad = ember.ones_like(p)
    opt.step()
    clone = copy.deepcopy(opt)
    assert clone.state_dict()["param_groups"] == opt.state_dict()["param_groups"]
    restored = pickle.loads(pickle.dumps(opt))
    assert restored.param_groups[0]["lr"] == 0.01


# -- state_dict round trips -------------------------------------------------------------------------------

def _train(lib, opt, params, x, y, steps, loss=loss_fn):
    for _ in range(steps):
        def closure():
            opt.zero_grad()
            value = loss(lib, params, x, y)
            value.backward()
            return value
        opt.step(closure)


@pytest.mark.parametrize("name", ALL)
def test_resume_from_state_dict_matches_uninterrupted_run(name):
    """Save at step 10, load into a fresh optimizer and model (deep-copied state_dict), continue: identical.

    float32, the usual case: in float64 PyTorch itself does not resume exactly for NAdam, whose float32
    mu_product state becomes float64 on loading.
    """
    kwargs = FULL_OPTIONS[name]
    loss = ridge_loss if name == "LBFGS" else loss_fn
    arrays, x, y = make_problem("float32")
    xe, ye = ember.from_numpy(x), ember.from_numpy(y)
    full = [ember.tensor(a.copy(), requires_grad=True) for a in arrays]
    _train(ember, getattr(ember.optim, name)(full, **kwargs), full, xe, ye, 20, loss)

    first = [ember.tensor(a.copy(), requires_grad=True) for a in arrays]
    opt = getattr(ember.optim, name)(first, **kwargs)
    _train(ember, opt, first, xe, ye, 10, loss)
    saved = copy.deepcopy(opt.state_dict())
    resumed = [ember.tensor(p.detach().numpy().copy(), requires_grad=True) for p in first]
    opt2 = getattr(ember.optim, name)(resumed, **kwargs)
    opt2.load_state_dict(saved)
    _train(ember, opt2, resumed, xe, ye, 10, loss)
    for a, b in zip(full, resumed):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


@pytest.mark.parametrize("name", ALL)
def test_state_dict_to_pytorch_and_back(torch_mod, name):
    """Ember's state_dict loads into PyTorch's optimizer (which then continues as ember does), and
    PyTorch's state_dict loads into ember's as it is."""
    kwargs = FULL_OPTIONS[name]
    loss = ridge_loss if name == "LBFGS" else loss_fn
    *_, (_, pe, pt, oe, ot) = list(run_both(name, kwargs, steps=6, dtype="float64", loss=loss))
    _, x, y = make_problem("float64")
    # fresh optimizers on both sides, each loaded from the other library's state_dict
    pe2 = [ember.tensor(p.detach().numpy().copy(), requires_grad=True) for p in pe]
    pt2 = [torch.tensor(p.detach().numpy().copy(), requires_grad=True) for p in pt]
    oe2, ot2 = make_optimizers(name, kwargs, pe2, pt2)
    ot2.load_state_dict(state_dict_to_torch(oe.state_dict()))
    oe2.load_state_dict(ot.state_dict())
    assert_state_equal(oe2, ot2, rtol=1e-9, atol=1e-12)
    _train(ember, oe2, pe2, ember.from_numpy(x), ember.from_numpy(y), 5, loss)
    _train(torch, ot2, pt2, torch.from_numpy(x), torch.from_numpy(y), 5, loss)
    for a, b in zip(pe2, pt2):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-9, atol=1e-11)
    assert_state_equal(oe2, ot2, rtol=1e-7, atol=1e-9)


def test_load_state_dict_casts_to_the_parameter_dtype():
    p32 = ember.randn(3, requires_grad=True)
    opt = ember.optim.Adam([p32])
    p32.grad = ember.ones(3)
    opt.step()
    p64 = ember.randn(3, dtype=ember.float64, requires_grad=True)
    opt64 = ember.optim.Adam([p64])
    opt64.load_state_dict(opt.state_dict())
    state = opt64.state[p64]
    assert state["exp_avg"].dtype is ember.float64 and state["step"].dtype is ember.float32
    assert state["exp_avg"]._data is not opt.state[p32]["exp_avg"]._data


def test_load_state_dict_group_mismatch(torch_mod):
    for lib in (ember, torch):
        opt = lib.optim.SGD(_params(lib), lr=0.1)
        other = lib.optim.SGD([{"params": [lib.randn(1, requires_grad=True)]},
                               {"params": [lib.randn(1, requires_grad=True)]}], lr=0.1)
        with pytest.raises(ValueError, match="different number of parameter groups"):
            opt.load_state_dict(other.state_dict())
        small = lib.optim.SGD([lib.randn(1, requires_grad=True)], lr=0.1)
        with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
            opt.load_state_dict(small.state_dict())


def test_load_state_dict_restores_options():
    opt = ember.optim.SGD(_params(), lr=0.1, momentum=0.9)
    sd = opt.state_dict()
    sd["param_groups"][0]["lr"] = 0.5
    opt2 = ember.optim.SGD(_params(), lr=0.1)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == 0.5 and opt2.param_groups[0]["momentum"] == 0.9
    assert sd["param_groups"][0]["params"] == [0, 1]


# -- inputs that take the general (non-blocked) path ----------------------------------------------------------

@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Rprop"])
def test_non_contiguous_parameters_and_gradients(torch_mod, name):
    """A transposed parameter and an expanded (stride-0) gradient update like contiguous ones."""
    kwargs = dict(FULL_OPTIONS[name])
    base = np.random.default_rng(0).standard_normal((4, 3))
    pe = [ember.tensor(base, requires_grad=True)]
    pe[0]._data = pe[0]._data.T  # a non-contiguous parameter array
    pt = [torch.tensor(base.T.copy(), requires_grad=True)]
    oe, ot = make_optimizers(name, kwargs, pe, pt)
    for i in range(5):
        g = np.broadcast_to(np.arange(4.0) - i, (3, 4))
        pe[0].grad = ember.Tensor._make(g)
        pt[0].grad = torch.tensor(g.copy())
        oe.step()
        ot.step()
        np.testing.assert_allclose(pe[0].detach().numpy(), pt[0].detach().numpy(), rtol=1e-12)


def test_large_parameters_are_updated_block_by_block(torch_mod):
    """Parameters larger than one cache block: every block gets the update."""
    rng = np.random.default_rng(0)
    base = rng.standard_normal(100_003).astype(np.float32)
    grads = [rng.standard_normal(100_003).astype(np.float32) for _ in range(3)]
    for name in ["SGD", "Adam", "AdamW", "NAdam"]:
        pe = [ember.tensor(base, requires_grad=True)]
        pt = [torch.tensor(base, requires_grad=True)]
        oe, ot = make_optimizers(name, FULL_OPTIONS[name], pe, pt)
        for g in grads:
            pe[0].grad = ember.tensor(g)
            pt[0].grad = torch.tensor(g)
            oe.step()
            ot.step()
        np.testing.assert_allclose(pe[0].detach().numpy(), pt[0].detach().numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=name)


def test_no_warnings_in_a_plain_training_step():
    params = _params()
    opt = ember.optim.Adam(params)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for p in params:
            p.grad = ember.ones_like(p)
        opt.step()
        opt.zero_grad()
