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
    """A non-convex loss: a tanh layer fitted by squared error."""
    w, b = params
    out = (x @ w + b).tanh()
    return ((out - y) ** 2).mean()


def ridge_loss(lib, params, x, y):
    """A well-conditioned convex loss (least squares plus L2), where L-BFGS converges smoothly."""
    w, b = params
    return ((x @ w + b - y) ** 2).mean() + 0.1 * (w ** 2).sum()


def make_optimizers(opt_name: str, kwargs: dict, pe: list, pt: list, groups=None):
    if groups is None:
        return getattr(ember.optim, opt_name)(pe, **kwargs), getattr(torch.optim, opt_name)(pt, **kwargs)
    oe = getattr(ember.optim, opt_name)([dict(g, params=[pe[i]]) for i, g in enumerate(groups)], **kwargs)
    ot = getattr(torch.optim, opt_name)([dict(g, params=[pt[i]]) for i, g in enumerate(groups)], **kwargs)
    return oe, ot


def run_both(opt_name: str, kwargs: dict, steps: int = 20, dtype: str = "float32", groups=None, loss=None):
    """Yield (step, ember params, torch params, ember optimizer, torch optimizer) after every step."""
    loss = loss or loss_fn
    arrays, x, y = make_problem(dtype)
    pe = [ember.tensor(a.copy(), requires_grad=True) for a in arrays]
    pt = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    oe, ot = make_optimizers(opt_name, kwargs, pe, pt, groups)
    xe, ye = ember.from_numpy(x), ember.from_numpy(y)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    for step in range(steps):
        for lib, params, opt, xx, yy in ((ember, pe, oe, xe, ye), (torch, pt, ot, xt, yt)):
            def closure(lib=lib, params=params, opt=opt, xx=xx, yy=yy):
                opt.zero_grad()
                value = loss(lib, params, xx, yy)
                value.backward()
                return value
            opt.step(closure)
        yield step, pe, pt, oe, ot


def to_numpy(value) -> np.ndarray:
    """An ember or PyTorch tensor (dense or sparse) as a float64 NumPy array."""
    if isinstance(value, ember.Tensor):
        if value.is_sparse:
            value = value.to_dense()
        return np.asarray(value.detach()._host(), dtype=np.float64)
    if value.is_sparse:
        value = value.to_dense()
    return value.detach().double().numpy()


def assert_value_equal(ev, tv, rtol: float, atol: float, where: str) -> None:
    """One state entry of ember equals PyTorch's: tensors (dtype and values), lists, numbers, None."""
    if isinstance(tv, torch.Tensor):
        assert isinstance(ev, ember.Tensor), f"{where}: expected a Tensor, got {type(ev)}"
        assert str(ev.dtype) == str(tv.dtype), f"{where}: dtype {ev.dtype} != {tv.dtype}"
        assert tuple(ev.shape) == tuple(tv.shape), f"{where}: shape {tuple(ev.shape)} != {tuple(tv.shape)}"
        desired = to_numpy(tv)
        # relative to the tensor's scale too: moment buffers hold sums with cancellation in some entries
        scale = float(np.abs(desired).max()) if desired.size else 0.0
        np.testing.assert_allclose(to_numpy(ev), desired, rtol=rtol, atol=max(atol, rtol * scale),
                                   err_msg=where)
    elif isinstance(tv, (list, tuple)):
        assert type(ev) is type(tv) and len(ev) == len(tv), f"{where}: {ev!r} vs {tv!r}"
        for i, (a, b) in enumerate(zip(ev, tv)):
            assert_value_equal(a, b, rtol, atol, f"{where}[{i}]")
    elif isinstance(tv, float):
        assert isinstance(ev, (float, int)), f"{where}: {type(ev)}"
        np.testing.assert_allclose(ev, tv, rtol=rtol, atol=atol, err_msg=where)
    else:
        assert ev == tv, f"{where}: {ev!r} != {tv!r}"


def assert_state_equal(oe, ot, rtol: float, atol: float) -> None:
    """The two optimizers' state_dicts agree: param_groups exactly, state entries by value."""
    se, st = oe.state_dict(), ot.state_dict()
    assert se["param_groups"] == st["param_groups"]
    assert set(se["state"]) == set(st["state"])
    for k in st["state"]:
        assert list(se["state"][k]) == list(st["state"][k]), f"state keys of param {k}"
        for name, tv in st["state"][k].items():
            assert_value_equal(se["state"][k][name], tv, rtol, atol, f"state[{k}][{name!r}]")


def state_dict_to_torch(sd: dict) -> dict:
    """An ember optimizer state_dict with every tensor turned into a PyTorch tensor (copies)."""
    def conv(v):
        if isinstance(v, ember.Tensor):
            return torch.from_numpy(np.array(v.detach()._host(), copy=True))
        if isinstance(v, dict):
            return {k: conv(x) for k, x in v.items()}
        if isinstance(v, list):
            return [conv(x) for x in v]
        return v
    return {"state": conv(sd["state"]), "param_groups": sd["param_groups"]}
