"""PyTorch's autograd errors, type and full message, checked on ember alone (no PyTorch needed)."""

from __future__ import annotations

import re

import pytest

import ember

HINT = ("Hint: enable anomaly detection to find the operation that failed to compute its gradient, with "
        "torch.autograd.set_detect_anomaly(True, check_nan=False).")


def leaf():
    return ember.ones(2, 3, requires_grad=True)


def raises(exc, message):
    return pytest.raises(exc, match="^" + re.escape(message) + "$")


def test_implicit_gradient_needs_a_scalar():
    with raises(RuntimeError, "grad can be implicitly created only for scalar outputs"):
        (leaf() * 2).backward()
    with raises(RuntimeError, "grad can be implicitly created only for scalar outputs"):
        ember.autograd.grad(leaf() * 2, leaf())


def test_second_backward_through_freed_graph():
    y = leaf().exp().sum()
    y.backward()
    with raises(RuntimeError, "Trying to backward through the graph a second time (or directly access "
                "saved tensors after they have already been freed). Saved intermediate values of the graph "
                "are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you "
                "need to backward through the graph a second time or if you need to access saved tensors "
                "after calling backward."):
        y.backward()


def test_inplace_modification_of_a_saved_tensor():
    a = leaf() * 1
    b = a * a
    a.mul_(2)
    with raises(RuntimeError, "one of the variables needed for gradient computation has been modified by an "
                "inplace operation: [torch.FloatTensor [2, 3]], which is output 0 of Mul, is at version 1; "
                "expected version 0 instead. " + HINT):
        b.sum().backward()


def test_inplace_modification_of_a_saved_output():
    e = leaf().exp()
    e.mul_(2)
    with raises(RuntimeError, "one of the variables needed for gradient computation has been modified by an "
                "inplace operation: [torch.FloatTensor [2, 3]], which is output 0 of Exp, is at version 1; "
                "expected version 0 instead. " + HINT):
        e.sum().backward()


def test_inplace_on_a_leaf_that_requires_grad():
    with raises(RuntimeError, "a leaf Variable that requires grad is being used in an in-place operation."):
        leaf().add_(1)
    with raises(RuntimeError, "a view of a leaf Variable that requires grad is being used in an in-place "
                "operation."):
        leaf()[0].add_(1)


def test_inplace_on_a_leaf_is_fine_under_no_grad():
    x = leaf()
    with ember.no_grad():
        x.add_(1)
    assert x.requires_grad and x.is_leaf and float(x.sum()) == 12.0


def test_backward_of_a_tensor_that_does_not_require_grad():
    with raises(RuntimeError, "element 0 of tensors does not require grad and does not have a grad_fn"):
        ember.ones(2).sum().backward()
    x = leaf()
    with raises(RuntimeError, "element 1 of tensors does not require grad and does not have a grad_fn"):
        ember.autograd.backward([x.sum(), ember.ones(2).sum()])


def test_unused_input_without_allow_unused():
    x = leaf()
    with raises(RuntimeError, "The differentiated Tensor at index 1 appears to not have been used in the "
                "graph. Set allow_unused=True if this is the desired behavior."):
        ember.autograd.grad(x.sum(), [x, ember.ones(2, requires_grad=True)])


def test_input_that_does_not_require_grad():
    with raises(RuntimeError, "One of the differentiated Tensors does not require grad"):
        ember.autograd.grad(leaf().sum(), ember.ones(2))


def test_grad_output_shape_mismatch():
    x = leaf()
    with raises(RuntimeError, "Mismatch in shape: grad_output[0] has a shape of torch.Size([3]) and "
                "output[0] has a shape of torch.Size([2, 3])."):
        (x * 2).backward(ember.ones(3))
    with raises(RuntimeError, "Mismatch in shape: grad_output[0] has a shape of torch.Size([2]) and "
                "output[0] has a shape of torch.Size([])."):
        ember.autograd.grad(x.sum(), x, ember.ones(2))


def test_requires_grad_on_integer_tensors():
    with raises(RuntimeError, "only Tensors of floating point dtype can require gradients"):
        ember.ones(2, dtype=ember.int64).requires_grad_()
    with raises(RuntimeError, "Only Tensors of floating point and complex dtype can require gradients"):
        ember.ones(2, dtype=ember.int64, requires_grad=True)


def test_numpy_of_a_tensor_that_requires_grad():
    with raises(RuntimeError, "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."):
        leaf().numpy()


def test_requires_grad_false_on_a_non_leaf():
    with raises(RuntimeError, "you can only change requires_grad flags of leaf variables. If you want to use "
                "a computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."):
        (leaf() * 2).requires_grad_(False)


def test_hook_on_a_tensor_that_does_not_require_grad():
    with raises(RuntimeError, "cannot register a hook on a tensor that doesn't require gradient"):
        ember.ones(2).register_hook(lambda g: g)


def test_retain_grad_on_a_tensor_that_does_not_require_grad():
    with raises(RuntimeError, "can't retain_grad on Tensor that has requires_grad=False"):
        ember.ones(2).retain_grad()


def test_materialize_grads_with_allow_unused_false():
    x = leaf()
    with raises(ValueError, "Expected allow_unused to be True or not passed when materialize_grads=True, but "
                "got: allow_unused=False."):
        ember.autograd.grad(x.sum(), x, allow_unused=False, materialize_grads=True)


def test_empty_inputs_to_backward():
    with raises(RuntimeError, "`inputs` argument to `backward()` cannot be empty."):
        leaf().sum().backward(inputs=[])


def test_grads_count_mismatch():
    x = leaf()
    with raises(RuntimeError, "got 2 tensors and 1 gradients"):
        ember.autograd.backward([x.sum(), x.sum()], [ember.tensor(1.0)])


def test_gradient_of_wrong_type():
    with raises(TypeError, "gradients can be either Tensors or None, but got list"):
        (leaf() * 2).backward([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
