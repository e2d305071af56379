"""nn.init against PyTorch: gains, fans, errors, exact fills, and distribution statistics."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ember
import ember.nn as nn
from conftest import torch
from nn.helpers import err

init = nn.init


@pytest.mark.parametrize("name,param", [
    ("linear", None), ("conv1d", None), ("conv2d", None), ("conv3d", None), ("conv_transpose1d", None),
    ("conv_transpose2d", None), ("conv_transpose3d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
    ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 1), ("leaky_relu", math.sqrt(5)),
    ("selu", None),
])
def test_calculate_gain(name, param):
    assert init.calculate_gain(name, param) == torch.nn.init.calculate_gain(name, param)


@pytest.mark.parametrize("name,param", [("leaky_relu", True), ("leaky_relu", "x"), ("gelu", None)])
def test_calculate_gain_errors(name, param):
    res = err(lambda: init.calculate_gain(name, param))
    assert res is not None and res == err(lambda: torch.nn.init.calculate_gain(name, param))


@pytest.mark.parametrize("shape", [(3, 4), (5, 2, 3), (4, 3, 2, 2), (2, 3, 1, 2, 2), (0, 3)])
def test_fan_in_and_fan_out(shape):
    assert init._calculate_fan_in_and_fan_out(ember.empty(shape)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))


@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.init._calculate_fan_in_and_fan_out(lib.empty(3)),
    lambda lib: lib.nn.init.kaiming_uniform_(lib.empty(3, 3), mode="fan_avg"),
    lambda lib: lib.nn.init.xavier_normal_(lib.empty(3)),
    lambda lib: lib.nn.init.eye_(lib.empty(3, 3, 3)),
    lambda lib: lib.nn.init.dirac_(lib.empty(3, 3)),
    lambda lib: lib.nn.init.dirac_(lib.empty(3, 3, 3), groups=2),
    lambda lib: lib.nn.init.orthogonal_(lib.empty(3)),
    lambda lib: lib.nn.init.sparse_(lib.empty(3, 3, 3), 0.5),
])
def test_init_errors(call):
    res = err(lambda: call(ember))
    assert res is not None and res == err(lambda: call(torch))


def test_init_returns_tensor_in_place_without_graph():
    p = nn.Parameter(ember.empty(10, 10))
    v = p._vc[0]
    for fn in (init.uniform_, init.normal_, init.xavier_uniform_, init.kaiming_normal_, init.zeros_):
        out = fn(p)
        assert out is p and p.is_leaf and p.grad_fn is None and p.requires_grad
    assert p._vc[0] > v


@pytest.mark.parametrize("fill,expect", [
    (lambda t: init.constant_(t, 0.5), lambda t: torch.nn.init.constant_(t, 0.5)),
    (init.ones_, torch.nn.init.ones_),
    (init.zeros_, torch.nn.init.zeros_),
])
def test_constant_fills(fill, expect):
    e, t = ember.empty(3, 4), torch.empty(3, 4)
    np.testing.assert_array_equal(fill(e).numpy(), expect(t).numpy())


@pytest.mark.parametrize("shape", [(3, 3), (2, 5), (5, 2)])
def test_eye(shape):
    np.testing.assert_array_equal(init.eye_(ember.empty(shape)).numpy(),
                                  torch.nn.init.eye_(torch.empty(shape)).numpy())


@pytest.mark.parametrize("shape,groups", [((4, 4, 3), 1), ((6, 3, 3, 3), 1), ((6, 2, 3, 5), 2),
                                          ((4, 2, 3, 3, 3), 2), ((2, 5, 4), 1)])
def test_dirac(shape, groups):
    np.testing.assert_array_equal(init.dirac_(ember.empty(shape), groups).numpy(),
                                  torch.nn.init.dirac_(torch.empty(shape), groups).numpy())


N = (400, 500)  # 200k samples: sample stds are good to well under 1%


def _stats(a):
    return float(a.mean()), float(a.std()), float(a.min()), float(a.max())


@pytest.mark.parametrize("name,kwargs,shape", [
    ("uniform_", dict(a=-2.0, b=3.0), N),
    ("normal_", dict(mean=1.0, std=0.5), N),
    ("xavier_uniform_", dict(gain=2.0), N),
    ("xavier_normal_", dict(), (200, 50, 3, 3)),
    ("kaiming_uniform_", dict(a=math.sqrt(5)), N),
    ("kaiming_uniform_", dict(mode="fan_out", nonlinearity="relu"), (300, 100, 3)),
    ("kaiming_normal_", dict(), N),
    ("kaiming_normal_", dict(a=0.1, mode="fan_out", nonlinearity="leaky_relu"), (64, 32, 5, 5)),
    ("kaiming_normal_", dict(nonlinearity="tanh"), N),
    ("trunc_normal_", dict(), N),
    ("trunc_normal_", dict(mean=1.0, std=2.0, a=0.0, b=3.0), N),
    ("trunc_normal_", dict(std=0.02, a=-0.04, b=0.04), N),
])
def test_distribution_statistics_match_pytorch(name, kwargs, shape):
    ember.manual_seed(0)
    torch.manual_seed(0)
    e = getattr(init, name)(ember.empty(shape), **kwargs).numpy()
    t = getattr(torch.nn.init, name)(torch.empty(shape), **kwargs).numpy()
    me, se, lo_e, hi_e = _stats(e)
    mt, st, lo_t, hi_t = _stats(t)
    assert abs(me - mt) < 0.02 * st + 1e-9
    assert abs(se - st) < 0.02 * st
    spread = hi_t - lo_t
    if name in ("uniform_", "xavier_uniform_", "kaiming_uniform_"):
        assert lo_e >= lo_t - 0.001 * spread and hi_e <= hi_t + 0.001 * spread
        assert lo_e <= lo_t + 0.001 * spread and hi_e >= hi_t - 0.001 * spread
    if name == "trunc_normal_":
        a, b = kwargs.get("a", -2.0), kwargs.get("b", 2.0)
        assert lo_e >= a and hi_e <= b


def test_kaiming_uniform_bound_is_exact_formula():
    t = init.kaiming_uniform_(ember.empty(256, 1024), a=0, nonlinearity="relu").numpy()
    bound = math.sqrt(2.0) * math.sqrt(3.0 / 1024)
    assert np.abs(t).max() <= bound and np.abs(t).max() > 0.99 * bound


@pytest.mark.parametrize("dtype", [ember.float16, ember.float64])
def test_init_keeps_dtype(dtype):
    t = ember.empty(100, 10, dtype=dtype)
    init.normal_(t)
    init.xavier_uniform_(t)
    init.trunc_normal_(t)
    init.orthogonal_(t)
    assert t.dtype == dtype and np.isfinite(t.numpy()).all()


def test_generator_argument_reproducible_and_independent():
    g1 = ember.Generator().manual_seed(7)
    a = init.normal_(ember.empty(5), generator=g1).numpy().copy()
    ember.manual_seed(1)
    before = ember.random.default_generator.get_state()
    g2 = ember.Generator().manual_seed(7)
    b = init.normal_(ember.empty(5), generator=g2).numpy()
    np.testing.assert_array_equal(a, b)
    assert ember.random.default_generator.get_state().tolist() == before.tolist()
    for fn in (init.uniform_, init.xavier_normal_, init.kaiming_uniform_, init.trunc_normal_,
               init.orthogonal_):
        x = fn(ember.empty(4, 4), generator=ember.Generator().manual_seed(3)).numpy()
        y = fn(ember.empty(4, 4), generator=ember.Generator().manual_seed(3)).numpy()
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("shape", [(6, 6), (3, 8), (8, 3), (4, 2, 3)])
@pytest.mark.parametrize("gain", [1.0, 2.0])
def test_orthogonal(shape, gain):
    t = init.orthogonal_(ember.empty(shape), gain=gain).numpy().reshape(shape[0], -1).astype(np.float64)
    rows, cols = t.shape
    if rows <= cols:
        np.testing.assert_allclose(t @ t.T, gain ** 2 * np.eye(rows), atol=1e-5)
    else:
        np.testing.assert_allclose(t.T @ t, gain ** 2 * np.eye(cols), atol=1e-5)


def test_sparse():
    t = init.sparse_(ember.empty(10, 50), sparsity=0.3, std=0.5).numpy()
    tt = torch.nn.init.sparse_(torch.empty(10, 50), sparsity=0.3, std=0.5).numpy()
    assert ((t == 0).sum(0) == 3).all() and ((tt == 0).sum(0) == 3).all()
    nz = t[t != 0]
    assert 0.35 < nz.std() < 0.65


def test_zero_element_warning():
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        init.kaiming_normal_(ember.empty(0, 3))
    assert init.orthogonal_(ember.empty(0, 3)).shape == (0, 3)


def _phi(x):
    return 0.0 if math.isinf(x) else math.exp(-x * x / 2) / math.sqrt(2 * math.pi)


def _cdf(x):
    return 0.5 * math.erfc(-x / math.sqrt(2))


@pytest.mark.filterwarnings("ignore:mean is more than 2 std")
@pytest.mark.parametrize("mean,std,a,b", [(0.0, 1.0, 2.5, 4.0), (0.0, 1.0, -10.0, -3.0),
                                          (0.0, 1.0, 4.0, math.inf), (1.0, 3.0, -2.0, 0.0),
                                          (0.0, 1.0, -0.1, 0.1)])
def test_trunc_normal_matches_theory(mean, std, a, b):
    # far tails are where PyTorch's own inverse-CDF sampling loses accuracy: compare with the exact moments
    t = init.trunc_normal_(ember.empty(200000, dtype=ember.float64), mean, std, a, b).numpy()
    al, be = (a - mean) / std, (b - mean) / std
    z = _cdf(be) - _cdf(al)
    m = (_phi(al) - _phi(be)) / z
    tail = (al * _phi(al) if math.isfinite(al) else 0.0) - (be * _phi(be) if math.isfinite(be) else 0.0)
    sd = std * math.sqrt(1 + tail / z - m * m)
    assert t.min() >= a and t.max() <= b
    assert abs(t.mean() - (mean + std * m)) < 0.01 * sd
    assert abs(t.std() - sd) < 0.01 * sd


@pytest.mark.filterwarnings("ignore:mean is more than 2 std")
def test_trunc_normal_infinite_tail():
    t = init.trunc_normal_(ember.empty(20000), a=-math.inf, b=-3.0).numpy()
    assert t.max() <= -3.0 and np.isfinite(t).all()
    # mean of the standard normal's tail below -3: -pdf(3) / cdf(-3)
    expected = -math.exp(-4.5) / math.sqrt(2 * math.pi) / (0.5 * math.erfc(3 / math.sqrt(2)))
    assert abs(t.mean() - expected) < 0.01


def test_trunc_normal_warns_far_mean():
    with pytest.warns(UserWarning, match="mean is more than 2 std from"):
        init.trunc_normal_(ember.empty(100), mean=10.0, std=1.0, a=-1.0, b=1.0)
