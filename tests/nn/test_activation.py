"""Activations (functional and modules) and the softmax family against PyTorch: values, gradients with
both backward paths, double backward, gradients at the kinks, in-place forms, reprs, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from autograd_compare import same_outcome
from conftest import torch
from nn.grad_parity import check
from nn.helpers import copy_weights

RNG = np.random.default_rng(0)
# points where the activations below have kinks or switch branches, plus random values
KINKS = np.array([-6.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0, 0.1, 20.0, -20.0])


def arr(*shape, dtype=np.float64, scale=2.0):
    return (RNG.standard_normal(shape) * scale).astype(dtype)


def with_kinks(dtype):
    return np.concatenate([KINKS, arr(12, dtype=np.float64)]).astype(dtype).reshape(4, 6)


# (id, fn(F, x)) for every pointwise activation and option set
POINTWISE = [
    ("relu", lambda F, x: F.relu(x)),
    ("relu6", lambda F, x: F.relu6(x)),
    ("elu", lambda F, x: F.elu(x)),
    ("elu_a", lambda F, x: F.elu(x, 0.5)),
    ("selu", lambda F, x: F.selu(x)),
    ("celu", lambda F, x: F.celu(x)),
    ("celu_a", lambda F, x: F.celu(x, 2.0)),
    ("leaky_relu", lambda F, x: F.leaky_relu(x)),
    ("leaky_relu_s", lambda F, x: F.leaky_relu(x, 0.2)),
    ("threshold", lambda F, x: F.threshold(x, 0.5, 20.0)),
    ("threshold_neg", lambda F, x: F.threshold(x, -1.0, -2.0)),
    ("hardtanh", lambda F, x: F.hardtanh(x)),
    ("hardtanh_b", lambda F, x: F.hardtanh(x, -3.0, 0.5)),
    ("sigmoid", lambda F, x: F.sigmoid(x)),
    ("tanh", lambda F, x: F.tanh(x)),
    ("logsigmoid", lambda F, x: F.logsigmoid(x)),
    ("softplus", lambda F, x: F.softplus(x)),
    ("softplus_bt", lambda F, x: F.softplus(x, 2.0, 1.0)),
    ("softplus_half", lambda F, x: F.softplus(x, 0.5, 3.0)),
    ("softshrink", lambda F, x: F.softshrink(x)),
    ("softshrink_1", lambda F, x: F.softshrink(x, 1.0)),
    ("softsign", lambda F, x: F.softsign(x)),
    ("tanhshrink", lambda F, x: F.tanhshrink(x)),
    ("gelu", lambda F, x: F.gelu(x)),
    ("gelu_tanh", lambda F, x: F.gelu(x, approximate="tanh")),
    ("silu", lambda F, x: F.silu(x)),
    ("mish", lambda F, x: F.mish(x)),
    ("hardsigmoid", lambda F, x: F.hardsigmoid(x)),
    ("hardswish", lambda F, x: F.hardswish(x)),
    ("hardshrink", lambda F, x: F.hardshrink(x)),
    ("hardshrink_1", lambda F, x: F.hardshrink(x, 1.0)),
    ("rrelu_eval", lambda F, x: F.rrelu(x)),
    ("rrelu_eval_b", lambda F, x: F.rrelu(x, 0.2, 0.6)),
    ("glu", lambda F, x: F.glu(x)),
    ("glu_0", lambda F, x: F.glu(x, 0)),
]


def _fn(f):
    return lambda lib, x: f(lib.nn.functional, x)


@pytest.mark.parametrize("name,f", POINTWISE, ids=[p[0] for p in POINTWISE])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pointwise_values_grads_double_backward(name, f, dtype):
    check(_fn(f), [arr(4, 3, 6, dtype=dtype)], dtype=dtype)


@pytest.mark.parametrize("name,f", POINTWISE, ids=[p[0] for p in POINTWISE])
def test_pointwise_at_kinks(name, f):
    # first-order gradients at the kinks follow PyTorch's convention (second order is checked away from them)
    check(_fn(f), [with_kinks(np.float64)], double=False)
    check(_fn(f), [with_kinks(np.float32)], double=False)


def test_hardswish_double_backward_at_kinks():
    check(_fn(lambda F, x: F.hardswish(x)), [with_kinks(np.float64)])


@pytest.mark.parametrize("name", ["relu", "relu6", "elu", "selu", "celu", "leaky_relu", "threshold",
                                  "hardtanh", "silu", "mish", "hardsigmoid", "hardswish", "rrelu"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_inplace_forms(name, dtype):
    extra = {"threshold": (0.5, -1.0)}.get(name, ())

    def fn(lib, x):
        y = x * 1.5
        out = getattr(lib.nn.functional, name)(y, *extra, inplace=True)
        assert out is y
        return out
    check(fn, [arr(5, 6, dtype=dtype)], dtype=dtype)


@pytest.mark.parametrize("name,args", [("relu_", ()), ("elu_", (0.7,)), ("selu_", ()), ("celu_", (1.5,)),
                                       ("leaky_relu_", (0.1,)), ("threshold_", (0.2, 3.0)),
                                       ("hardtanh_", (-0.5, 0.5)), ("rrelu_", ())])
def test_functional_underscore_forms(name, args):
    def fn(lib, x):
        y = x + 0
        out = getattr(lib.nn.functional, name)(y, *args)
        assert out is y
        return out
    check(fn, [arr(4, 5)])


@pytest.mark.parametrize("name,args,inplace_kw", [
    ("relu", (), True), ("relu6", (), True), ("elu", (), True), ("selu", (), True), ("celu", (), True),
    ("leaky_relu", (), True), ("threshold", (0.1, 2.0), True), ("hardtanh", (), True), ("silu", (), True),
    ("mish", (), True), ("hardsigmoid", (), True), ("hardswish", (), True), ("rrelu", (), True),
    ("elu_", (), False), ("selu_", (), False), ("celu_", (), False), ("leaky_relu_", (), False),
    ("threshold_", (0.1, 2.0), False), ("rrelu_", (), False), ("relu_", (), False), ("hardtanh_", (), False)])
def test_inplace_grad_fn_names(name, args, inplace_kw):
    names = []
    for lib in (ember, torch):
        y = lib.ones(3, requires_grad=True) * 1
        kw = {"inplace": True} if inplace_kw else {}
        names.append(getattr(lib.nn.functional, name)(y, *args, **kw).grad_fn.name())
    assert names[0] == names[1]


def test_inplace_on_leaf_errors():
    same_outcome(lambda lib: lib.nn.functional.relu(lib.ones(3, requires_grad=True), inplace=True))
    same_outcome(lambda lib: lib.nn.functional.elu(lib.ones(3, requires_grad=True), inplace=True))


def test_inplace_without_grad_modifies_input():
    for lib in (ember, torch):
        x = lib.tensor([-1.0, 2.0])
        lib.nn.functional.relu(x, inplace=True)
        assert x.tolist() == [0.0, 2.0]


@pytest.mark.parametrize("w", [(1,), (6,), ()])
@pytest.mark.parametrize("shape", [(4, 6), (2, 6, 3), (2, 6, 2, 2)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_prelu(w, shape, dtype):
    weight = np.asarray(RNG.random(w) * 0.5, dtype)
    check(lambda lib, x, a: lib.nn.functional.prelu(x, a), [arr(*shape, dtype=dtype), weight], (0, 1),
          dtype=dtype)


def test_prelu_unbatched_and_kinks():
    check(lambda lib, x, a: lib.nn.functional.prelu(x, a), [with_kinks(np.float64).ravel(), np.array([0.3])],
          (0, 1))
    check(lambda lib, x, a: lib.nn.functional.prelu(x, a), [np.array(-2.0), np.array([0.3])], (0, 1))


# -- softmax family ---------------------------------------------------------------------------------------

SOFTMAX = [("softmax", "softmax"), ("log_softmax", "log_softmax"), ("softmin", "softmin")]


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_family(name, dim, dtype):
    check(lambda lib, x: getattr(lib.nn.functional, name)(x, dim), [arr(3, 4, 5, dtype=dtype)], dtype=dtype)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_softmax_dtype_argument(name):
    check(lambda lib, x: getattr(lib.nn.functional, name)(x, 1, dtype=lib.float64), [arr(3, 4,
                                                                                           dtype=np.float32)],
          tol=dict(rtol=1e-6, atol=1e-7))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_extremes(name):
    x = np.array([[1000.0, 0.0, -1000.0], [-1e4, -1e4, -1e4], [88.0, 89.0, 90.0]], np.float32)
    check(lambda lib, x: getattr(lib.nn.functional, name)(x, 1), [x])
    x = np.array([[-np.inf, 0.0, 1.0], [3.0, -np.inf, -np.inf]])
    check(lambda lib, x: getattr(lib.nn.functional, name)(x, 1), [x], double=False)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("shape", [(), (4,), (3, 4), (2, 3, 4), (2, 3, 4, 2)])
def test_softmax_implicit_dim(name, shape):
    x = arr(*shape)
    same_outcome(lambda lib: getattr(lib.nn.functional, name)(lib.tensor(x)))


@pytest.mark.parametrize("shape", [(0, 3), (3, 0)])
def test_softmax_empty(shape):
    same_outcome(lambda lib: lib.nn.functional.softmax(lib.zeros(shape), 1))
    same_outcome(lambda lib: lib.nn.functional.log_softmax(lib.zeros(shape), 0))


def test_softmax_scalar():
    check(lambda lib, x: lib.nn.functional.softmax(x, 0), [np.array(1.5)])
    check(lambda lib, x: lib.nn.functional.log_softmax(x, -1), [np.array(1.5)])


def test_fused_primitives_gradcheck():
    from ember.ops import fused

    for op in (fused.Softmax, fused.LogSoftmax):
        for dim in (0, 1):
            x = ember.tensor(arr(3, 4), requires_grad=True)
            assert ember.autograd.gradcheck(lambda t, op=op, dim=dim: op.apply(t, dim=dim), (x,))
            assert ember.autograd.gradgradcheck(lambda t, op=op, dim=dim: op.apply(t, dim=dim), (x,))


def test_softmax2d():
    check(lambda lib, x: lib.nn.Softmax2d()(x), [arr(2, 3, 4, 5)])
    check(lambda lib, x: lib.nn.Softmax2d()(x), [arr(3, 4, 5)])
    same_outcome(lambda lib: lib.nn.Softmax2d()(lib.ones(3, 4)))


# -- modules ---------------------------------------------------------------------------------------------

MODULES = [
    ("ReLU", (), {}), ("ReLU", (), {"inplace": True}), ("ReLU6", (), {}), ("ReLU6", (True,), {}),
    ("ELU", (), {}), ("ELU", (0.5, True), {}), ("SELU", (), {}), ("SELU", (True,), {}), ("CELU", (), {}),
    ("CELU", (2.0,), {}), ("LeakyReLU", (), {}), ("LeakyReLU", (0.2, True), {}),
    ("Threshold", (0.1, 20.0), {}), ("Threshold", (0.1, 20), {"inplace": True}), ("Hardtanh", (), {}),
    ("Hardtanh", (-2.0, 3.0, True), {}), ("Hardtanh", (-2, 3), {}), ("Sigmoid", (), {}), ("Tanh", (), {}),
    ("LogSigmoid", (), {}), ("Softplus", (), {}), ("Softplus", (2, 5), {}), ("Softshrink", (), {}),
    ("Softshrink", (1,), {}), ("Softsign", (), {}), ("Tanhshrink", (), {}), ("Softmin", (1,), {}),
    ("Softmax", (-1,), {}), ("LogSoftmax", (0,), {}), ("Softmax", (), {"dim": 1}), ("GELU", (), {}),
    ("GELU", ("tanh",), {}), ("SiLU", (), {}), ("SiLU", (True,), {}), ("Mish", (), {}), ("Mish", (True,), {}),
    ("Hardsigmoid", (), {}), ("Hardsigmoid", (True,), {}), ("Hardswish", (True,), {}), ("GLU", (), {}),
    ("GLU", (1,), {}), ("Hardshrink", (), {}),
    ("Hardshrink", (0.25,), {}), ("RReLU", (), {}), ("RReLU", (0.1, 0.3, True), {}),
    ("PReLU", (), {}), ("PReLU", (4, 0.1), {}),
]


@pytest.mark.parametrize("name,args,kwargs", MODULES, ids=[f"{m[0]}{i}" for i, m in enumerate(MODULES)])
def test_modules(name, args, kwargs):
    e_mod = getattr(nn, name)(*args, **kwargs)
    t_mod = getattr(torch.nn, name)(*args, **kwargs)
    assert repr(e_mod) == repr(t_mod)
    assert sorted(e_mod.state_dict()) == sorted(t_mod.state_dict())
    copy_weights(e_mod, t_mod)
    if name == "RReLU":
        e_mod.eval()
        t_mod.eval()
    inplace = kwargs.get("inplace") or (args and args[-1] is True)
    x = arr(2, 4, 6, dtype=np.float32)

    def fn(lib, xt):
        mod = e_mod if lib is ember else t_mod
        y = xt * 1 if inplace else xt
        return mod(y)
    check(fn, [x], double=False)
    if name == "PReLU":
        for lib, mod in ((ember, e_mod), (torch, t_mod)):
            mod.zero_grad()
            mod(lib.tensor(x)).sum().backward()
        np.testing.assert_allclose(e_mod.weight.grad.numpy(), t_mod.weight.grad.numpy(), rtol=1e-5)


def test_prelu_module_parameter():
    m = nn.PReLU(3, init=0.1, dtype=ember.float64)
    assert isinstance(m.weight, nn.Parameter) and m.weight.dtype == ember.float64
    assert m.weight.tolist() == [0.1, 0.1, 0.1]
    assert [n for n, _ in m.named_parameters()] == ["weight"]


def test_module_defaults_and_attributes():
    names = ("ReLU", "ELU", "LeakyReLU", "Softplus", "GELU", "RReLU", "Hardtanh", "ReLU6", "Softshrink")
    attrs = ("inplace", "alpha", "negative_slope", "beta", "threshold", "approximate", "lower", "upper",
             "min_val", "max_val", "lambd")
    for name in names:
        e, t = getattr(nn, name)(), getattr(torch.nn, name)()
        for attr in attrs:
            assert getattr(e, attr, None) == getattr(t, attr, None), (name, attr)


def test_hardtanh_deprecated_names():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        m = nn.Hardtanh(min_value=-2.0, max_value=2.0)
    assert (m.min_val, m.max_val) == (-2.0, 2.0)
    assert len(w) == 2


def test_rrelu_training():
    ember.manual_seed(0)
    m = nn.RReLU(0.1, 0.3)
    x = ember.tensor(arr(2000), requires_grad=True)
    y = m(x)
    y.backward(ember.ones_like(y))
    xs, ys, gs = x.detach().numpy(), y.detach().numpy(), x.grad.numpy()
    pos = xs > 0
    np.testing.assert_array_equal(ys[pos], xs[pos])
    np.testing.assert_array_equal(gs[pos], 1.0)
    slopes = ys[~pos] / xs[~pos]
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3
    assert abs(slopes.mean() - 0.2) < 0.01 and slopes.std() > 0.03
    np.testing.assert_allclose(gs[~pos], slopes, rtol=1e-6)
    assert y.grad_fn.name() == "RreluWithNoiseBackward0"
    # eval: the mean slope, deterministic
    m.eval()
    np.testing.assert_allclose(m(ember.tensor([-1.0, 2.0])).numpy(), [-0.2, 2.0])


def test_rrelu_training_inplace():
    x = ember.tensor(-np.abs(arr(100)), requires_grad=True)
    y = x * 1
    out = F.rrelu(y, 0.25, 0.5, training=True, inplace=True)
    assert out is y
    out.sum().backward()
    ratio = out.detach().numpy() / x.detach().numpy()
    np.testing.assert_allclose(x.grad.numpy(), ratio, rtol=1e-6)
    assert ratio.min() >= 0.25 and ratio.max() <= 0.5


# -- grad_fn names, integer inputs, errors ----------------------------------------------------------------

@pytest.mark.parametrize("name,f", POINTWISE + [("softmax", lambda F, x: F.softmax(x, 1)),
                                                ("log_softmax", lambda F, x: F.log_softmax(x, 1)),
                                                ("softmin", lambda F, x: F.softmin(x, 1))],
                         ids=[p[0] for p in POINTWISE] + ["softmax", "log_softmax", "softmin"])
def test_grad_fn_names(name, f):
    x = arr(2, 4)
    e = f(F, ember.tensor(x, requires_grad=True))
    t = f(torch.nn.functional, torch.tensor(x, requires_grad=True))
    assert e.grad_fn.name() == t.grad_fn.name()


@pytest.mark.parametrize("name,args", [("relu6", ()), ("hardtanh", ()), ("hardtanh", (-2.0, 2.0)),
                                       ("threshold", (1, 5)), ("relu", ())])
def test_integer_inputs(name, args):
    same_outcome(lambda lib: getattr(lib.nn.functional, name)(lib.tensor([-3, -1, 0, 1, 2, 7]), *args))


ERRORS = [
    lambda lib: lib.nn.functional.elu(lib.tensor([1, 2])),
    lambda lib: lib.nn.functional.selu(lib.tensor([1, 2])),
    lambda lib: lib.nn.functional.leaky_relu(lib.tensor([1, 2])),
    lambda lib: lib.nn.functional.gelu(lib.tensor([1, 2])),
    lambda lib: lib.nn.functional.gelu(lib.ones(2), approximate="foo"),
    lambda lib: lib.nn.functional.silu(lib.tensor([1, 2])),
    lambda lib: lib.nn.functional.softplus(lib.tensor([1, 2])),
    lambda lib: lib.nn.functional.logsigmoid(lib.tensor([1, 2])),
    lambda lib: lib.nn.functional.hardsigmoid(lib.tensor([1, 2])),
    lambda lib: lib.nn.functional.hardshrink(lib.tensor([1, 2])),
    lambda lib: lib.nn.functional.softshrink(lib.tensor([1, 2])),
    lambda lib: lib.nn.functional.softshrink(lib.ones(2), -1.0),
    lambda lib: lib.nn.functional.softshrink(lib.ones(2, dtype=lib.float64), -0.5),
    lambda lib: lib.nn.functional.glu(lib.ones(3, 5)),
    lambda lib: lib.nn.functional.glu(lib.ones(4, 5), 0),
    lambda lib: lib.nn.functional.glu(lib.tensor(1.0)),
    lambda lib: lib.nn.functional.prelu(lib.ones(3, 4), lib.ones(3)),
    lambda lib: lib.nn.functional.prelu(lib.ones(4), lib.ones(4)),
    lambda lib: lib.nn.functional.prelu(lib.ones(3, 4), lib.ones(2, 2)),
    lambda lib: lib.nn.functional.prelu(lib.ones(3, 4, dtype=lib.float64), lib.ones(1)),
    lambda lib: lib.nn.functional.rrelu(lib.ones(3), 0.5, 0.1, True),
    lambda lib: lib.nn.functional.relu(lib.tensor([True])),
    lambda lib: lib.nn.functional.softmax(lib.tensor([1, 2]), 0),
    lambda lib: lib.nn.functional.softmax(lib.tensor([[1, 2]]), 0),
    lambda lib: lib.nn.functional.log_softmax(lib.tensor([[1, 2]]), 1),
    lambda lib: lib.nn.functional.softmax(lib.tensor([[True]]), 0),
    lambda lib: lib.nn.functional.softmax(lib.ones(3, 4), 2),
    lambda lib: lib.nn.functional.softmax(lib.tensor([1, 2]), 0, dtype=lib.float32),
]


@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_errors(case):
    same_outcome(ERRORS[case])
