"""The autograd engine against PyTorch: graph recording, .grad accumulation, retain_grad, grad_fn names
and next_functions, hooks, Tensor.backward / autograd.backward / autograd.grad options, higher-order
gradients, detach / .data / requires_grad_. Each case runs the same code with both libraries."""

from __future__ import annotations

import re
import subprocess
import sys
import warnings

import numpy as np
import pytest

import ember
from autograd_compare import same_outcome
from conftest import torch

requires_torch = pytest.mark.skipif(torch is None, reason="PyTorch (the reference) is not installed")

A = np.array([[0.5, -1.2, 2.0], [1.5, 0.3, -0.7]])
V = np.array([0.4, -0.9, 1.3])


CASES: dict = {}


def case(fn):
    """Register fn(lib) as a case run with both libraries."""
    CASES[fn.__name__] = fn
    return fn


def leaf(L, arr=A, rg=True):
    return L.tensor(arr, dtype=L.float64, requires_grad=rg)


def graph(fn, depth=4):
    """A grad_fn as nested (name, [(child, input_nr), ...]) down to `depth` levels."""
    if fn is None:
        return None
    name = fn.name()
    if depth == 0:
        return name
    return name, tuple((graph(c, depth - 1), nr) for c, nr in fn.next_functions)


# -- requires_grad contagion and leaves ------------------------------------------------------------

@case
def contagion(L):
    a, b = leaf(L), leaf(L, rg=False)
    c = a * b
    d = b * 2
    e = (a > 0)
    f = b + c
    return [(t.requires_grad, t.is_leaf, t.grad_fn is None) for t in (a, b, c, d, e, f)]


@case
def leaf_flags(L):
    a = leaf(L)
    b = a.detach()
    c = a * 1
    d = c.detach()
    return [(t.requires_grad, t.is_leaf) for t in (a, b, c, d)], d.grad_fn


@case
def requires_grad_on_int(L):
    return L.tensor([1, 2]).requires_grad_()


@case
def requires_grad_false_on_nonleaf(L):
    a = leaf(L)
    (a * 2).requires_grad_(False)


@case
def requires_grad_true_on_nonleaf(L):
    a = leaf(L)
    b = (a * 2).requires_grad_(True)
    return b.requires_grad, b.is_leaf


@case
def set_requires_grad_attr(L):
    t = L.ones(2, 2)
    t.requires_grad = True
    u = t * 3
    return t.requires_grad, u.requires_grad, u.grad_fn.name()


@case
def factory_requires_grad(L):
    return [f(2, requires_grad=True).is_leaf for f in (L.ones, L.zeros, L.randn, L.rand, L.empty)]


# -- .grad accumulation --------------------------------------------------------------------------

@case
def accumulate(L):
    a = leaf(L)
    out = []
    for _ in range(3):
        (a * a).sum().backward()
        out.append(a.grad.clone())
    return out


@case
def accumulate_same_grad_object(L):
    a = leaf(L)
    (a * 2).sum().backward()
    g = a.grad
    (a * 3).sum().backward()
    # PyTorch adds in place into the existing .grad when it can
    return a.grad is g, g


@case
def grad_none_then_zero(L):
    a = leaf(L)
    (a * 2).sum().backward()
    a.grad = None
    (a * 3).sum().backward()
    g1 = a.grad.clone()
    a.grad.zero_()
    (a * 4).sum().backward()
    return g1, a.grad


@case
def leaf_used_twice(L):
    a = leaf(L)
    (a * a + a).sum().backward()
    return a.grad


@case
def non_leaf_grad_warns(L):
    a = leaf(L)
    b = a * 2
    b.sum().backward()
    return b.grad


@case
def retain_grad(L):
    a = leaf(L)
    b = a * 2
    b.retain_grad()
    c = b * b
    c.retain_grad()
    c.sum().backward()
    first = b.grad.clone()
    c.sum().backward() if False else None
    return first, c.grad, b.retains_grad, a.retains_grad, b.is_leaf


@case
def retain_grad_accumulates(L):
    a = leaf(L)
    b = a * 2
    b.retain_grad()
    y = (b * b).sum()
    y.backward(retain_graph=True)
    y.backward()
    return b.grad, a.grad


@case
def retain_grad_on_leaf_no_rg(L):
    leaf(L, rg=False).retain_grad()


@case
def grad_setter_checks(L):
    a = leaf(L)
    out = []
    for value in (L.ones(2, 3, dtype=L.float64), L.ones(3, dtype=L.float64), L.ones(2, 3), 3.0):
        try:
            a.grad = value
            out.append("ok")
        except Exception as e:  # type and message compared
            out.append((type(e).__name__, str(e)))
    a.grad = None
    out.append(a.grad)
    return out


# -- grad_fn names and the graph ---------------------------------------------------------------

NAMED = {
    "add": lambda L, x, y: x + y, "add_scalar": lambda L, x, y: x + 1, "radd": lambda L, x, y: 1 + x,
    "sub": lambda L, x, y: x - y, "sub_scalar": lambda L, x, y: x - 1, "rsub": lambda L, x, y: 10 - x,
    "mul": lambda L, x, y: x * y, "mul_scalar": lambda L, x, y: x * 2, "div": lambda L, x, y: x / y,
    "div_scalar": lambda L, x, y: x / 2, "neg": lambda L, x, y: -x, "pow_scalar": lambda L, x, y: x ** 2,
    "pow_tensor": lambda L, x, y: x.abs() ** y, "rpow": lambda L, x, y: 2 ** x,
    "exp": lambda L, x, y: x.exp(), "log": lambda L, x, y: x.abs().log(),
    "sqrt": lambda L, x, y: x.abs().sqrt(), "tanh": lambda L, x, y: x.tanh(),
    "sigmoid": lambda L, x, y: x.sigmoid(), "relu": lambda L, x, y: x.relu(),
    "sin": lambda L, x, y: x.sin(), "cos": lambda L, x, y: x.cos(), "abs": lambda L, x, y: x.abs(),
    "sum": lambda L, x, y: x.sum(), "sum_dim": lambda L, x, y: x.sum(0), "mean": lambda L, x, y: x.mean(),
    "mean_dim": lambda L, x, y: x.mean(1), "mm": lambda L, x, y: x.mm(y.t()),
    "matmul": lambda L, x, y: x @ y.t(), "mv": lambda L, x, y: x.mv(y[0]), "t": lambda L, x, y: x.t(),
    "transpose": lambda L, x, y: x.transpose(0, 1), "permute": lambda L, x, y: x.permute(1, 0),
    "view": lambda L, x, y: x.view(3, 2), "reshape": lambda L, x, y: x.reshape(-1),
    "unsqueeze": lambda L, x, y: x.unsqueeze(1), "squeeze": lambda L, x, y: x.unsqueeze(0).squeeze(0),
    "expand": lambda L, x, y: x.expand(2, 2, 3), "select": lambda L, x, y: x[0],
    "slice": lambda L, x, y: x[:, 1:], "clone": lambda L, x, y: x.clone(),
    "to_float": lambda L, x, y: x.float(), "cat": lambda L, x, y: L.cat([x, y]),
    "stack": lambda L, x, y: L.stack([x, y]), "flatten": lambda L, x, y: x.flatten(),
    "T": lambda L, x, y: x.T,
}


def _named(name):
    def run(L):
        x, y = leaf(L), leaf(L, A[::-1].copy())
        out = NAMED[name](L, x, y)
        return out.grad_fn.name(), bool(re.fullmatch(r"<\w+ object at 0x[0-9a-f]+>", repr(out.grad_fn)))
    return run


@case
def toy_graph(L):
    """The lecture's graph: b = w1*a, c = w2*a, d = w3*b + w4*c, L = 10 - d."""
    a, w1, w2, w3, w4 = (leaf(L) for _ in range(5))
    b, c = w1 * a, w2 * a
    d = w3 * b + w4 * c
    loss = 10 - d
    return graph(loss.grad_fn, 5)


@case
def next_functions_scalar(L):
    x = leaf(L)
    return graph((x * 2).grad_fn), graph((x + 1).grad_fn), graph((x * x).sum().grad_fn)


@case
def accumulate_grad_node(L):
    x = leaf(L)
    acc = (x * 2).grad_fn.next_functions[0][0]
    return acc.name(), acc.variable is x, acc.next_functions, type(acc).__name__


@case
def same_accumulator(L):
    x = leaf(L)
    a1 = (x * 2).grad_fn.next_functions[0][0]
    a2 = (x + 3).grad_fn.next_functions[0][0]
    return a1 is a2


@case
def multi_output_nr(L):
    x = leaf(L)
    parts = x.unbind(0)
    return [(p.grad_fn.name(), p.output_nr) for p in parts]


# -- hooks ----------------------------------------------------------------------------------------

@case
def hook_on_leaf(L):
    x = leaf(L)
    seen = []
    h = x.register_hook(lambda g: seen.append(g.clone()) or g * 2)
    (x * 3).sum().backward()
    h.remove()
    (x * 3).sum().backward()
    return seen, x.grad


@case
def hook_on_nonleaf(L):
    x = leaf(L)
    y = x * 3
    seen = []
    y.register_hook(lambda g: seen.append(g.clone()))
    y.register_hook(lambda g: g + 1)
    (y * y).sum().backward()
    return seen, x.grad, y.grad


@case
def hook_order_and_removal(L):
    x = leaf(L)
    y = x * 1
    order = []
    h1 = y.register_hook(lambda g: order.append(1))
    y.register_hook(lambda g: order.append(2))
    h1.remove()
    h1.remove()  # twice is fine
    y.sum().backward()
    return order


@case
def hook_no_rg(L):
    leaf(L, rg=False).register_hook(lambda g: g)


@case
def hook_sees_accumulated_grad(L):
    x = leaf(L)
    y = x * 1
    seen = []
    y.register_hook(lambda g: seen.append(g.clone()))
    (y * 2 + y * 3).sum().backward()
    return seen


@case
def hook_with_retain_grad(L):
    x = leaf(L)
    y = x * 2
    y.retain_grad()
    y.register_hook(lambda g: g * 10)
    y.sum().backward()
    return y.grad, x.grad


@case
def hook_leaf_grad_then_accumulate(L):
    x = leaf(L)
    x.register_hook(lambda g: g * 0 + 1)
    (x * 5).sum().backward()
    (x * 5).sum().backward()
    return x.grad


@case
def post_accumulate_hook(L):
    x = leaf(L)
    seen = []
    x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.clone()))
    (x * 2).sum().backward()
    (x * 2).sum().backward()
    return seen


@case
def node_hooks(L):
    x = leaf(L)
    y = x * 2
    calls = []
    y.grad_fn.register_prehook(lambda gout: calls.append(("pre", len(gout))))
    y.grad_fn.register_hook(lambda gin, gout: calls.append(("post", len(gin), len(gout))))
    y.sum().backward()
    return calls, x.grad


# -- backward / grad options -------------------------------------------------------------------

@case
def backward_with_gradient(L):
    x = leaf(L)
    y = x * x
    y.backward(L.ones(2, 3, dtype=L.float64) * 2)
    return x.grad


@case
def backward_gradient_list(L):
    x = leaf(L)
    (x * x).backward([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    return x.grad


@case
def backward_scalar_gradient(L):
    x = leaf(L)
    x.sum().backward(L.tensor(3.0, dtype=L.float64))
    return x.grad


@case
def backward_shape_mismatch(L):
    x = leaf(L)
    (x * x).backward(L.ones(3, 2, dtype=L.float64))


@case
def backward_nonscalar(L):
    (leaf(L) * 2).backward()


@case
def backward_no_grad_tensor(L):
    leaf(L, rg=False).sum().backward()


@case
def backward_made_under_no_grad(L):
    x = leaf(L)
    with L.no_grad():
        y = x * 2
    y.sum().backward()


@case
def backward_twice(L):
    x = leaf(L)
    y = (x.exp() * x).sum()
    y.backward()
    y.backward()


@case
def backward_twice_retain(L):
    x = leaf(L)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    return x.grad


@case
def backward_twice_no_saved(L):
    x = leaf(L)
    y = (x + 1).sum()  # nothing saved: a second pass is allowed
    y.backward()
    y.backward()
    return x.grad


@case
def backward_inputs(L):
    x, w = leaf(L), leaf(L, A * 2)
    y = (x * w).sum()
    y.backward(inputs=[w])
    return x.grad, w.grad


@case
def backward_inputs_nonleaf(L):
    x = leaf(L)
    h = x * 2
    y = (h * h).sum()
    y.backward(inputs=[h])
    return h.grad, x.grad


@case
def backward_inputs_empty(L):
    leaf(L).sum().backward(inputs=[])


@case
def backward_create_graph(L):
    x = leaf(L)
    y = (x ** 3).sum()
    y.backward(create_graph=True)
    g = x.grad
    return g.requires_grad, g.grad_fn is not None, g


@case
def autograd_backward(L):
    x, w = leaf(L), leaf(L, A * 2)
    L.autograd.backward([(x * w).sum(), (x * x).sum()])
    g1 = x.grad.clone()
    L.autograd.backward([x * w, w * w], [L.ones(2, 3, dtype=L.float64),
                                         L.full((2, 3), 2.0, dtype=L.float64)])
    return g1, x.grad, w.grad


@case
def autograd_backward_single(L):
    x = leaf(L)
    L.autograd.backward(x * 3, L.ones(2, 3, dtype=L.float64))
    return x.grad


@case
def autograd_backward_count_mismatch(L):
    x = leaf(L)
    L.autograd.backward([x.sum(), x.sum()], [L.tensor(1.0, dtype=L.float64)])


@case
def grad_basic(L):
    x, w = leaf(L), leaf(L, A * 2)
    y = (x * w).exp().sum()
    gx, gw = L.autograd.grad(y, [x, w])
    return gx, gw, x.grad, w.grad, gx.requires_grad


@case
def grad_single_input(L):
    x = leaf(L)
    return L.autograd.grad((x * x).sum(), x)


@case
def grad_outputs(L):
    x = leaf(L)
    return L.autograd.grad(x * x, x, grad_outputs=L.full((2, 3), 0.5, dtype=L.float64))


@case
def grad_multiple_outputs(L):
    x = leaf(L)
    return L.autograd.grad([x.sum(), (x * x).sum()], [x])


@case
def grad_unused(L):
    x, w = leaf(L), leaf(L)
    L.autograd.grad(x.sum(), [x, w])


@case
def grad_allow_unused(L):
    x, w = leaf(L), leaf(L)
    return L.autograd.grad(x.sum(), [x, w], allow_unused=True)


@case
def grad_materialize(L):
    x, w = leaf(L), leaf(L)
    return L.autograd.grad(x.sum(), [x, w], materialize_grads=True)


@case
def grad_materialize_allow_unused_false(L):
    x, w = leaf(L), leaf(L)
    return L.autograd.grad(x.sum(), [x, w], allow_unused=False, materialize_grads=True)


@case
def grad_input_not_rg(L):
    x = leaf(L)
    L.autograd.grad(x.sum(), [leaf(L, rg=False)])


@case
def grad_wrt_nonleaf(L):
    x = leaf(L)
    h = x * 2
    y = (h ** 2).sum()
    return L.autograd.grad(y, h)


@case
def grad_retain_graph(L):
    x = leaf(L)
    y = (x.exp()).sum()
    g1 = L.autograd.grad(y, x, retain_graph=True)
    g2 = L.autograd.grad(y, x)
    return g1, g2


@case
def grad_twice_freed(L):
    x = leaf(L)
    y = (x.exp()).sum()
    L.autograd.grad(y, x)
    L.autograd.grad(y, x)


@case
def grad_does_not_touch_dot_grad(L):
    x = leaf(L)
    h = x * 2
    h.retain_grad()
    L.autograd.grad((h * h).sum(), x)
    return x.grad, h.grad


@case
def grad_nonscalar_implicit(L):
    x = leaf(L)
    L.autograd.grad(x * 2, x)


@case
def grad_of_leaf_itself(L):
    x = leaf(L)
    return L.autograd.grad(x, x, L.ones(2, 3, dtype=L.float64))


@case
def grad_int_output(L):
    x = leaf(L)
    L.autograd.grad((x > 0).sum(), x)


# -- errors from in-place modification --------------------------------------------------------------

@case
def modified_saved_input(L):
    x = leaf(L)
    a = x.clone()
    b = a * a
    a.add_(1)
    b.sum().backward()


@case
def modified_saved_output(L):
    x = leaf(L)
    e = x.exp()
    e.mul_(2)
    e.sum().backward()


@case
def modified_leaf_saved(L):
    x = leaf(L, rg=False)
    w = leaf(L)
    y = x * w
    x.add_(1)
    y.sum().backward()


@case
def inplace_leaf(L):
    leaf(L).add_(1)


@case
def inplace_view_of_leaf(L):
    leaf(L)[0].mul_(2)


@case
def inplace_ok_not_saved(L):
    x = leaf(L)
    a = x * 2
    a.add_(1)  # AddBackward saves nothing: fine
    (a * 3).sum().backward()
    return x.grad, a.grad_fn.name()


def version(t) -> int:
    """t._version: how many in-place modifications (an int in both libraries)."""
    return t._version


@case
def version_counter(L):
    x = leaf(L, rg=False)
    v = [version(x)]
    x.add_(1)
    v.append(version(x))
    y = x.view(6)
    y.mul_(2)
    v.append(version(x))
    v.append(version(y))
    x.data.add_(1)  # .data is not tracked
    v.append(version(x))
    return v


# -- detach, .data, requires_grad_ --------------------------------------------------------------

@case
def detach_shares_memory(L):
    x = leaf(L)
    d = x.detach()
    d[0, 0] = 100.0
    return x, d.requires_grad, d.is_leaf


@case
def detach_inplace_then_saved(L):
    x = leaf(L)
    y = x.exp()
    y.detach().zero_()  # shares the version counter with y
    y.sum().backward()


@case
def detach_(L):
    x = leaf(L)
    y = x * 2
    z = y.detach_()
    return z is y, y.requires_grad, y.is_leaf, y.grad_fn


@case
def data_attribute(L):
    x = leaf(L)
    d = x.data
    d.mul_(2)  # shares memory, no version bump seen by autograd
    return x, d.requires_grad, version(x)


@case
def data_no_version_error(L):
    x = leaf(L)
    y = x.exp()
    y.data.zero_()  # silently changes what backward will read
    y.sum().backward()
    return x.grad


@case
def data_setter(L):
    x = leaf(L)
    x.data = L.zeros(2, 3, dtype=L.float64)
    (x * 2).sum().backward()
    return x, x.grad


@case
def clearing_gradients_with_data(L):
    x = leaf(L)
    (x * 3).sum().backward()
    x.grad.data.zero_()
    (x * 2).sum().backward()
    return x.grad


# -- higher order ---------------------------------------------------------------------------------

@case
def second_derivative_cube(L):
    x = leaf(L)
    (g,) = L.autograd.grad((x ** 3).sum(), x, create_graph=True)
    (h,) = L.autograd.grad(g.sum(), x, create_graph=True)
    (t,) = L.autograd.grad(h.sum(), x)
    return g, h, t


@case
def second_derivative_tanh_exp(L):
    x = leaf(L)
    y = (x.tanh() * x.exp()).sum()
    (g,) = L.autograd.grad(y, x, create_graph=True)
    (h,) = L.autograd.grad(g.sum(), x)
    return g, h


@case
def second_derivative_sin(L):
    x = leaf(L)
    (g,) = L.autograd.grad(x.sin().sum(), x, create_graph=True)
    (h,) = L.autograd.grad(g.sum(), x)
    return g, h


@case
def hessian_vector_product(L):
    x = leaf(L, V)
    v = L.tensor([1.0, 0.5, -2.0], dtype=L.float64)
    y = (x ** 2).sum() * (x ** 2).sum() + (x[0] * x[1] * x[2])
    (g,) = L.autograd.grad(y, x, create_graph=True)
    (hv,) = L.autograd.grad((g * v).sum(), x)
    return g, hv


@case
def gradient_penalty(L):
    w = leaf(L)
    x = leaf(L, A * 0.5 + 0.1)
    out = ((x @ w.t()).tanh()).sum()
    (gx,) = L.autograd.grad(out, x, create_graph=True)
    penalty = ((gx ** 2).sum().sqrt() - 1) ** 2
    penalty.backward()
    return gx, w.grad, x.grad


@case
def double_backward_via_backward(L):
    x = leaf(L)
    y = (x ** 4).sum()
    y.backward(create_graph=True)
    g = x.grad
    x.grad = None
    g.sum().backward()
    return g, x.grad


@case
def grad_of_grad_wrt_grad_outputs(L):
    x = leaf(L)
    v = L.ones(2, 3, dtype=L.float64, requires_grad=True)
    (g,) = L.autograd.grad(x * x, x, v, create_graph=True)
    (gv,) = L.autograd.grad(g.sum(), v)
    return gv


@case
def create_graph_false_is_detached(L):
    x = leaf(L)
    (g,) = L.autograd.grad((x ** 3).sum(), x)
    return g.requires_grad, g.grad_fn


@case
def retain_graph_defaults_to_create_graph(L):
    x = leaf(L)
    y = (x ** 3).sum()
    L.autograd.grad(y, x, create_graph=True)
    return L.autograd.grad(y, x)


CASES.update({f"grad_fn_name_{name}": _named(name) for name in NAMED})


@requires_torch
@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch(name):
    same_outcome(CASES[name])


# -- ember-only checks ------------------------------------------------------------------------------

def test_non_leaf_grad_warning_text():
    b = leaf(ember) * 2
    with pytest.warns(UserWarning, match=r"The \.grad attribute of a Tensor that is not a leaf Tensor is "
                                         r"being accessed\. Its \.grad attribute won't be populated during "
                                         r"autograd\.backward\(\)\."):
        assert b.grad is None
    b.retain_grad()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert b.grad is None


def test_backward_through_a_long_chain_is_iterative():
    x = leaf(ember, V)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full(3, 1.0001 ** 5000), rtol=1e-9)


def test_graph_is_freed_after_backward():
    import gc
    import weakref

    x = leaf(ember)
    y = x.exp()
    ref = weakref.ref(y.grad_fn)
    y.sum().backward()
    del y
    gc.collect()
    assert ref() is None


def test_version_is_an_int():
    x = ember.ones(2)
    x.add_(1)
    assert x._version == 1


def test_backward_create_graph_warns_once_about_the_reference_cycle():
    # once per process, as PyTorch: a fresh interpreter sees it
    code = ("import warnings, ember\n"
            "x = ember.ones(2, requires_grad=True)\n"
            "with warnings.catch_warnings(record=True) as w:\n"
            "    warnings.simplefilter('always')\n"
            "    ember.autograd.grad((x ** 3).sum(), x, create_graph=True)\n"
            "    (x ** 3).sum().backward(create_graph=True)\n"
            "    (x ** 3).sum().backward(create_graph=True)\n"
            "print([str(m.message)[:69] for m in w])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == str(["Using backward() with create_graph=True will create a reference cycle"])


def test_no_numpy_warnings_from_backward():
    x = ember.zeros(3, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (x.sqrt() * 0).sum().backward()
        (x / x).sum().backward()
