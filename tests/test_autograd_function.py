"""Custom autograd Functions written tutorial-style: the same class body runs with ember and PyTorch and
must give the same outputs, gradients, graph names and errors."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_compare import same_outcome
from conftest import torch

pytestmark = pytest.mark.skipif(torch is None, reason="PyTorch (the reference) is not installed")

A = np.array([[0.5, -1.2, 2.0], [1.5, 0.3, -0.7]])
W = np.array([[0.1, 0.2, -0.3], [0.4, -0.5, 0.6], [0.7, 0.8, -0.9], [1.0, -1.1, 1.2]])
CASES: dict = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


def leaf(L, arr=A, rg=True):
    return L.tensor(arr, dtype=L.float64, requires_grad=rg)


def functions(L):
    """The Functions of PyTorch's tutorials and docs, written once against the PyTorch API."""
    Function = L.autograd.Function

    class MyExp(Function):
        @staticmethod
        def forward(ctx, i):
            result = i.exp()
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad_output):
            (result,) = ctx.saved_tensors
            return grad_output * result

    class LegendrePolynomial3(Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    class MyReLU(Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return input.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            grad_input = grad_output.clone()
            grad_input[input < 0] = 0
            return grad_input

    class LinearFunction(Function):
        @staticmethod
        def forward(ctx, input, weight, bias=None):
            ctx.save_for_backward(input, weight, bias)
            output = input.mm(weight.t())
            if bias is not None:
                output += bias.unsqueeze(0).expand_as(output)
            return output

        @staticmethod
        def backward(ctx, grad_output):
            input, weight, bias = ctx.saved_tensors
            grad_input = grad_weight = grad_bias = None
            if ctx.needs_input_grad[0]:
                grad_input = grad_output.mm(weight)
            if ctx.needs_input_grad[1]:
                grad_weight = grad_output.t().mm(input)
            if bias is not None and ctx.needs_input_grad[2]:
                grad_bias = grad_output.sum(0)
            return grad_input, grad_weight, grad_bias

    class MulConstant(Function):
        @staticmethod
        def forward(ctx, tensor, constant):
            ctx.constant = constant
            return tensor * constant

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * ctx.constant, None

    class SimpleFunc(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            ctx.save_for_backward(x)
            return x.clone(), x.clone()

        @staticmethod
        def backward(ctx, g1, g2):
            (x,) = ctx.saved_tensors
            grad_input = L.zeros_like(x)
            if g1 is not None:
                grad_input += g1
            if g2 is not None:
                grad_input += g2
            return grad_input

    class Materialized(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            ctx.seen = (g1 is None, g2 is None)
            return g1 * 2 + g2 * 3

    class WithIndices(Function):
        @staticmethod
        def forward(ctx, x):
            idx = x.argmax(dim=1)
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(x, idx)
            return x * 2, idx

        @staticmethod
        def backward(ctx, g, g_idx):
            x, idx = ctx.saved_tensors
            return g * 2

    class MarkedFloat(Function):
        @staticmethod
        def forward(ctx, x):
            out = x * 2
            ctx.mark_non_differentiable(out)
            return out

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class Identity(Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 5

    class PassThroughSecond(Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y, y

        @staticmethod
        def backward(ctx, g, gy):
            return g, gy + g

    class Cube(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x ** 2

    class CubeOnce(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        @L.autograd.function.once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x ** 2

    class NeedsGrad(Function):
        @staticmethod
        def forward(ctx, a, b, k):
            ctx.flags = ctx.needs_input_grad
            return a * b * k

        @staticmethod
        def backward(ctx, g):
            NeedsGrad.seen = ctx.needs_input_grad
            return g, g, None

    class AddInPlace(Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    class TooFew(Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g

    class WrongShape(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g.sum(0)

    class NotATensor(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return 2.0

    class SaveNonTensor(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, 3)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class SaveNone(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, None)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            x, nothing = ctx.saved_tensors
            return g * 2 + (0 if nothing is None else 1)

    class NoBackward(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

    class SetupContext(Function):
        @staticmethod
        def forward(x, k):
            return x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.k = inputs[1]

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None

    return {name: obj for name, obj in locals().items() if isinstance(obj, type)}


def F(L, name):  # noqa: N802
    return functions(L)[name]


def grad_of(L, fn, *inputs, upstream=None):
    """fn(*inputs), and the gradients of sum(fn(...) * upstream) w.r.t. the inputs requiring grad."""
    out = fn(*inputs)
    outs = out if isinstance(out, tuple) else (out,)
    total = sum((o * (upstream if upstream is not None else 1)).sum() for o in outs if o.requires_grad)
    diff = [i for i in inputs if isinstance(i, (L.Tensor,)) and i.requires_grad]
    return out, L.autograd.grad(total, diff, allow_unused=True)


@case
def my_exp(L):
    x = leaf(L)
    y = F(L, "MyExp").apply(x)
    y.sum().backward()
    return y, x.grad, y.grad_fn.name(), y.is_leaf


@case
def legendre(L):
    x = leaf(L)
    P3 = F(L, "LegendrePolynomial3").apply
    return grad_of(L, P3, x)


@case
def legendre_gradcheck(L):
    return L.autograd.gradcheck(F(L, "LegendrePolynomial3").apply, (leaf(L),))


@case
def my_relu(L):
    x = leaf(L)
    return grad_of(L, F(L, "MyReLU").apply, x)


@case
def linear_function(L):
    x, w, b = leaf(L, A), leaf(L, W), leaf(L, np.array([0.1, -0.2, 0.3, 0.4]))
    return grad_of(L, F(L, "LinearFunction").apply, x, w, b)


@case
def linear_function_no_bias(L):
    x, w = leaf(L, A, rg=False), leaf(L, W)
    return grad_of(L, F(L, "LinearFunction").apply, x, w)


@case
def linear_function_gradcheck(L):
    x, w, b = leaf(L, A), leaf(L, W), leaf(L, np.array([0.1, -0.2, 0.3, 0.4]))
    return L.autograd.gradcheck(F(L, "LinearFunction").apply, (x, w, b))


@case
def mul_constant(L):
    x = leaf(L)
    return grad_of(L, lambda t: F(L, "MulConstant").apply(t, 5.5), x)


@case
def materialize_false_one_output_used(L):
    x = leaf(L)
    a, b = F(L, "SimpleFunc").apply(x)
    a.sum().backward()
    return x.grad


@case
def materialize_default_fills_zeros(L):
    x = leaf(L)
    a, b = F(L, "Materialized").apply(x)
    (b * 2).sum().backward()
    return x.grad, a.grad_fn.seen


@case
def non_differentiable_output(L):
    x = leaf(L)
    y, idx = F(L, "WithIndices").apply(x)
    (y * 3).sum().backward()
    return y, idx, idx.requires_grad, idx.grad_fn, x.grad


@case
def non_differentiable_float_output(L):
    x = leaf(L)
    y = F(L, "MarkedFloat").apply(x)
    return y.requires_grad, y.grad_fn, y.is_leaf


@case
def returns_input_unchanged(L):
    x = leaf(L)
    y = F(L, "Identity").apply(x)
    (y * 2).sum().backward()
    return y is x, y.grad_fn.name(), y.is_leaf, x.grad


@case
def returns_input_unchanged_nonleaf(L):
    x = leaf(L)
    h = x * 1
    y = F(L, "Identity").apply(h)
    y.sum().backward()
    return y is h, x.grad


@case
def returns_one_input_unchanged(L):
    x, y = leaf(L), leaf(L, A * 2)
    p, q = F(L, "PassThroughSecond").apply(x, y)
    (p + q * 10).sum().backward()
    return q is y, x.grad, y.grad


@case
def double_backward_through_custom(L):
    x = leaf(L)
    y = F(L, "Cube").apply(x).sum()
    (g,) = L.autograd.grad(y, x, create_graph=True)
    (h,) = L.autograd.grad(g.sum(), x)
    return g, h


@case
def gradgradcheck_custom(L):
    return L.autograd.gradgradcheck(F(L, "Cube").apply, (leaf(L),))


@case
def once_differentiable_first_order(L):
    x = leaf(L)
    return grad_of(L, F(L, "CubeOnce").apply, x)


@case
def once_differentiable_twice(L):
    x = leaf(L)
    y = F(L, "CubeOnce").apply(x).sum()
    (g,) = L.autograd.grad(y, x, create_graph=True)
    return g.requires_grad, L.autograd.grad(g.sum(), x)


@case
def once_differentiable_twice_via_grad_output(L):
    x = leaf(L)
    v = L.ones(2, 3, dtype=L.float64, requires_grad=True)
    (g,) = L.autograd.grad(F(L, "CubeOnce").apply(x), x, v, create_graph=True)
    flag = g.requires_grad
    g.sum().backward()
    return flag


@case
def needs_input_grad(L):
    a, b = leaf(L), leaf(L, rg=False)
    NG = F(L, "NeedsGrad")
    y = NG.apply(a, b, 2.0)
    y.sum().backward()
    return y.grad_fn.flags, NG.seen, a.grad


@case
def no_input_requires_grad(L):
    y = F(L, "MyExp").apply(leaf(L, rg=False))
    return y.requires_grad, y.grad_fn


@case
def under_no_grad(L):
    with L.no_grad():
        y = F(L, "MyExp").apply(leaf(L))
    return y.requires_grad, y.grad_fn


@case
def mark_dirty(L):
    x = leaf(L)
    h = x * 1
    y = F(L, "AddInPlace").apply(h)
    y.sum().backward()
    return y is h, h, x.grad, h.grad_fn.name()


@case
def mark_dirty_on_leaf(L):
    F(L, "AddInPlace").apply(leaf(L))


@case
def too_few_gradients(L):
    x, y = leaf(L), leaf(L)
    F(L, "TooFew").apply(x, y).sum().backward()


@case
def wrong_gradient_shape(L):
    x = leaf(L)
    F(L, "WrongShape").apply(x).sum().backward()


@case
def gradient_not_a_tensor(L):
    x = leaf(L)
    F(L, "NotATensor").apply(x).sum().backward()


@case
def save_non_tensor(L):
    F(L, "SaveNonTensor").apply(leaf(L))


@case
def save_none(L):
    x = leaf(L)
    return grad_of(L, F(L, "SaveNone").apply, x)


@case
def saved_tensors_after_backward(L):
    x = leaf(L)
    y = F(L, "MyExp").apply(x)
    y.sum().backward()
    return y.grad_fn.saved_tensors


@case
def saved_tensors_retained(L):
    x = leaf(L)
    y = F(L, "MyExp").apply(x)
    y.sum().backward(retain_graph=True)
    return y.grad_fn.saved_tensors


@case
def no_backward_defined(L):
    x = leaf(L)
    F(L, "NoBackward").apply(x).sum().backward()


@case
def setup_context_style(L):
    x = leaf(L)
    return grad_of(L, lambda t: F(L, "SetupContext").apply(t, 3.0), x)


@case
def backward_node_name(L):
    x = leaf(L)
    y = F(L, "LegendrePolynomial3").apply(x)
    return y.grad_fn.name(), type(y.grad_fn).__name__, graph_names(y.grad_fn)


def graph_names(fn):
    return fn.name(), tuple((None if c is None else c.name(), nr) for c, nr in fn.next_functions)


@case
def next_functions_with_constants(L):
    x = leaf(L)
    y = F(L, "MulConstant").apply(x, 2.0)
    return graph_names(y.grad_fn)


@case
def custom_in_bigger_graph(L):
    x, w = leaf(L), leaf(L, W)
    h = F(L, "MyExp").apply(x.mm(w.t()) * 0.1)
    loss = F(L, "LegendrePolynomial3").apply(h).mean()
    loss.backward()
    return loss, x.grad, w.grad


@case
def hooks_on_custom_outputs(L):
    x = leaf(L)
    y = F(L, "MyExp").apply(x)
    y.register_hook(lambda g: g * 3)
    y.sum().backward()
    return x.grad


@case
def ctx_attributes_on_grad_fn(L):
    y = F(L, "MulConstant").apply(leaf(L), 4.0)
    return y.grad_fn.constant, y.grad_fn.needs_input_grad


@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch(name):
    same_outcome(CASES[name])
