"""Run the same optimisation in ember and PyTorch from the same initial weights and compare every step."""

from __future__ import annotations

import numpy as np

import ember
from conftest import torch


def make_problem(dtype: str = "float32", seed: int = 0):
    """Two parameter tensors of a tiny regression problem (no nn needed), as NumPy arrays."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((5, 3)).astype(dtype)
    b = rng.standard_normal((3,)).astype(dtype)
    x = rng.standard_normal((16, 5)).astype(dtype)
    y = rng.standard_normal((16, 3)).astype(dtype)
    return [w, b], x, y


def loss_fn(lib, params, x, y):
    w, b = params
    out = (x @ w + b).tanh()
    return ((out - y) ** 2).mean()


def run_both(opt_name: str, kwargs: dict, steps: int = 20, dtype: str = "float32", groups=None):
    """Yield (step, ember params, torch params, ember optimizer, torch optimizer) after every step."""
    arrays, x, y = make_problem(dtype)
    pe = [ember.tensor(a.copy(), requires_grad=True) for a in arrays]
    pt = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    if groups is None:
        oe = getattr(ember.optim, opt_name)(pe, **kwargs)
        ot = getattr(torch.optim, opt_name)(pt, **kwargs)
    else:
        oe = getattr(ember.optim, opt_name)([dict(g, params=[pe[i]]) for i, g in enumerate(groups)], **kwargs)
        ot = getattr(torch.optim, opt_name)([dict(g, params=[pt[i]]) for i, g in enumerate(groups)], **kwargs)
    xe, ye = ember.from_numpy(x), ember.from_numpy(y)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    for step in range(steps):
        for lib, params, opt, xx, yy in ((ember, pe, oe, xe, ye), (torch, pt, ot, xt, yt)):
            def closure(lib=lib, params=params, opt=opt, xx=xx, yy=yy):
                opt.zero_grad()
                loss = loss_fn(lib, params, xx, yy)
                loss.backward()
                return loss
            opt.step(closure)
        yield step, pe, pt, oe, ot


def assert_state_equal(oe, ot, rtol, atol):
    se, st = oe.state_dict(), ot.state_dict()
    assert se["param_groups"] == [{k: v for k, v in g.items()} for g in st["param_groups"]]
    assert set(se["state"]) == set(st["state"])
    for k in st["state"]:
        assert set(se["state"][k]) == set(st["state"][k])
        for name, tv in st["state"][k].items():
            ev = se["state"][k][name]
            if isinstance(tv, torch.Tensor):
                assert str(ev.dtype) == str(tv.dtype), name
                np.testing.assert_allclose(np.asarray(ev.detach()._host(), dtype=np.float64),
                                           tv.detach().double().numpy(), rtol=rtol, atol=atol, err_msg=name)
            else:
                assert ev == tv, name
