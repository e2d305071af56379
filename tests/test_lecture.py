"""The tensor and autograd snippets of the course lecture (shared/spec/lecture.txt), run with
`import ember as torch`, asserting what the lecture says about them."""

from __future__ import annotations

import argparse
import re

import numpy as np
import pytest

import ember as torch


def arr(t) -> np.ndarray:
    return np.array(t.detach()._host())


# -- Building blocks, tensors ----------------------------------------------------------------------

def test_randn_ones_zeros():
    x = torch.randn(2, 3, 4)  # tensor with independent N(0,1) entries
    assert x.shape == (2, 3, 4) and x.dtype == torch.float32
    big = arr(torch.randn(200, 200))
    assert abs(big.mean()) < 0.05 and abs(big.std() - 1) < 0.05
    assert torch.randn((3, 3)).shape == (3, 3)
    for fill, make in ((1, torch.ones), (0, torch.zeros)):
        t = make(2, 5)
        assert t.shape == (2, 5) and np.all(arr(t) == fill)
        assert make((4,)).shape == (4,)


def test_tensor_from_nested_list_or_ndarray():
    t = torch.Tensor([[1, 2], [3, 4]])
    assert t.dtype == torch.float32 and t.shape == (2, 2)
    np.testing.assert_array_equal(arr(t), [[1, 2], [3, 4]])
    n = torch.Tensor(np.arange(6).reshape(2, 3))
    assert n.dtype == torch.float32 and n.shape == (2, 3)
    np.testing.assert_array_equal(arr(n), np.arange(6).reshape(2, 3))


def test_clone():
    x = torch.randn(3)
    y = x.clone()
    y[0] = 100.0
    assert arr(x)[0] != 100.0 and arr(y)[0] == 100.0


def test_no_grad_stops_tracking():
    x = torch.ones(2, requires_grad=True)
    with torch.no_grad():  # code wrap that stops autograd from tracking tensor history
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert (x * 2).requires_grad


def test_requires_grad_argument_tracks_history():
    x = torch.randn(2, requires_grad=True)
    y = (x * x).sum()
    assert x.requires_grad and y.grad_fn is not None
    y.backward()
    np.testing.assert_allclose(arr(x.grad), 2 * arr(x), rtol=1e-6)


def test_size():
    x = torch.zeros(2, 3)
    s = x.size()  # tuple-like object of dimensions
    assert s == (2, 3) and tuple(s) == (2, 3) and s[0] == 2 and len(s) == 2
    assert repr(s) == "torch.Size([2, 3])"
    assert x.size(1) == 3


def test_cat():
    a, b = torch.ones(2, 3), torch.zeros(1, 3)
    c = torch.cat((a, b), dim=0)  # concatenates tensors along dim
    assert c.shape == (3, 3)
    np.testing.assert_array_equal(arr(c), np.vstack([np.ones((2, 3)), np.zeros((1, 3))]))
    assert torch.cat([a, a], 1).shape == (2, 6)
    assert torch.cat([a, b]).shape == (3, 3)  # dim=0 by default


def test_view():
    x = torch.arange(12)
    assert x.view(3, 4).shape == (3, 4)  # reshapes x into size (a,b,...)
    assert x.view(-1, 6).shape == (2, 6)  # reshapes x into size (b,a) for some b
    v = x.view(3, 4)
    v[0, 0] = 7
    assert int(x[0]) == 7  # a view shares memory


def test_transpose_permute():
    x = torch.randn(2, 3, 4)
    t = x.transpose(0, 2)  # swaps dimensions a and b
    assert t.shape == (4, 3, 2)
    np.testing.assert_array_equal(arr(t), arr(x).swapaxes(0, 2))
    p = x.permute(2, 0, 1)  # permutes dimensions
    assert p.shape == (4, 2, 3)
    np.testing.assert_array_equal(arr(p), arr(x).transpose(2, 0, 1))
    dims = (1, 2, 0)
    assert x.permute(*dims).shape == (3, 4, 2)


def test_unsqueeze():
    x = torch.zeros(2, 3, 4)
    assert x.unsqueeze(0).shape == (1, 2, 3, 4)  # tensor with added axis
    assert x.unsqueeze(dim=2).shape == (2, 3, 1, 4)  # (a,b,c) tensor -> (a,b,1,c) tensor


# -- Math operations --------------------------------------------------------------------------------

def test_mm_mv_t():
    a = np.arange(6.0).reshape(2, 3)
    b = np.arange(12.0).reshape(3, 4)
    v = np.array([1.0, -1.0, 2.0])
    A, B, x = torch.Tensor(a), torch.Tensor(b), torch.Tensor(v)
    np.testing.assert_allclose(arr(A.mm(B)), a @ b)  # matrix multiplication
    np.testing.assert_allclose(arr(A.mv(x)), a @ v)  # matrix-vector multiplication
    np.testing.assert_array_equal(arr(A.t()), a.T)  # matrix transpose
    assert A.t().shape == (3, 2)


# -- Gradient and tensors ---------------------------------------------------------------------------

def test_requires_grad_at_creation_and_by_attribute():
    t1 = torch.randn((3, 3), requires_grad=True)
    assert t1.requires_grad and t1.is_leaf
    t2 = torch.FloatTensor(3, 3)  # No way to specify requires_grad here
    assert not t2.requires_grad and t2.dtype == torch.float32 and t2.shape == (3, 3)
    t2.requires_grad = True
    assert t2.requires_grad and t2.is_leaf and t2.grad is None


def _toy_graph():
    a = torch.randn((3, 3), requires_grad=True)
    w1 = torch.randn((3, 3), requires_grad=True)
    w2 = torch.randn((3, 3), requires_grad=True)
    w3 = torch.randn((3, 3), requires_grad=True)
    w4 = torch.randn((3, 3), requires_grad=True)
    b = w1 * a
    c = w2 * a
    d = w3 * b + w4 * c
    L = 10 - d  # noqa: N806 - the lecture's name
    return a, w1, w2, w3, w4, b, c, d, L


def test_toy_graph_grad_fn(capsys):
    a, w1, w2, w3, w4, b, c, d, L = _toy_graph()  # noqa: N806
    print("The grad fn for a is", a.grad_fn)
    print("The grad fn for d is", d.grad_fn)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "The grad fn for a is None"
    assert re.fullmatch(r"The grad fn for d is <AddBackward0 object at 0x[0-9a-f]+>", out[1])
    # leaves are created by the user: no grad_fn; every other node names the op that made it
    assert all(t.grad_fn is None and t.is_leaf for t in (a, w1, w2, w3, w4))
    assert b.grad_fn.name() == c.grad_fn.name() == "MulBackward0"
    assert L.grad_fn.name() == "RsubBackward1"
    adds = [fn for fn, _ in L.grad_fn.next_functions if fn is not None]
    assert [fn.name() for fn in adds] == ["AddBackward0"]
    assert [fn.name() for fn, _ in d.grad_fn.next_functions] == ["MulBackward0", "MulBackward0"]


def test_toy_graph_chain_rule():
    a, w1, w2, w3, w4, b, c, d, L = _toy_graph()  # noqa: N806
    L.backward(torch.ones(L.shape))  # L is not a scalar: the upstream gradient is explicit
    dL_dd = -1.0
    # dL/dw4 = dL/dd * dd/dw4, dL/dw3 = dL/dd * dd/dw3
    np.testing.assert_allclose(arr(w4.grad), dL_dd * arr(c), rtol=1e-6)
    np.testing.assert_allclose(arr(w3.grad), dL_dd * arr(b), rtol=1e-6)
    # dL/dw2 = dL/dd * dd/dc * dc/dw2, dL/dw1 = dL/dd * dd/db * db/dw1
    np.testing.assert_allclose(arr(w2.grad), dL_dd * arr(w4) * arr(a), rtol=1e-6)
    np.testing.assert_allclose(arr(w1.grad), dL_dd * arr(w3) * arr(a), rtol=1e-6)
    # a feeds both branches: its gradient is the sum over the two paths
    np.testing.assert_allclose(arr(a.grad), dL_dd * (arr(w3) * arr(w1) + arr(w4) * arr(w2)), rtol=1e-6)
    # intermediate nodes do not keep gradients
    with pytest.warns(UserWarning):
        assert d.grad is None


def test_backward_of_non_scalar_needs_a_gradient():
    *_, L = _toy_graph()  # noqa: N806
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        L.backward()


def test_gradient_descent_step():
    a, w1, w2, w3, w4, b, c, d, L = _toy_graph()  # noqa: N806
    L.backward(torch.ones(L.shape))
    learning_rate = 0.1
    before, grad = arr(w1), arr(w1.grad)
    w1 = w1 - learning_rate * w1.grad
    np.testing.assert_allclose(arr(w1), before - learning_rate * grad, rtol=1e-6)
    # the update is itself recorded: w1 is now a computed tensor, not a leaf
    assert w1.grad_fn is not None and not w1.is_leaf and w1.grad_fn.name() == "SubBackward0"


def test_gradient_descent_step_in_place_under_no_grad():
    a, w1, *_, L = _toy_graph()  # noqa: N806
    L.backward(torch.ones(L.shape))
    before, grad = arr(w1), arr(w1.grad)
    with torch.no_grad():
        w1 -= 0.1 * w1.grad
    np.testing.assert_allclose(arr(w1), before - 0.1 * grad, rtol=1e-6)
    assert w1.is_leaf and w1.requires_grad


# -- Dynamic graph ------------------------------------------------------------------------------------

def test_graph_buffers_are_freed_by_backward():
    a, w1, *_, L = _toy_graph()  # noqa: N806
    L.backward(torch.ones(L.shape))
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        L.backward(torch.ones(L.shape))


def test_retain_graph_keeps_it_and_gradients_add_up():
    a, w1, *_, L = _toy_graph()  # noqa: N806
    L.backward(torch.ones(L.shape), retain_graph=True)
    first = arr(w1.grad)
    L.backward(torch.ones(L.shape))
    np.testing.assert_allclose(arr(w1.grad), 2 * first, rtol=1e-6)


def test_forward_again_shares_leaves_and_rebuilds_nodes():
    a, w1, w2, w3, w4, b, c, d, L = _toy_graph()  # noqa: N806
    L.backward(torch.ones(L.shape))
    first = arr(w1.grad)
    L2 = 10 - (w3 * (w1 * a) + w4 * (w2 * a))  # noqa: N806 - same leaves, new non-leaf nodes
    assert L2.grad_fn is not L.grad_fn
    L2.backward(torch.ones(L2.shape))
    np.testing.assert_allclose(arr(w1.grad), 2 * first, rtol=1e-6)


# -- Gradient cleaning -----------------------------------------------------------------------------

def test_gradients_accumulate_until_cleaned():
    x = torch.ones(3, requires_grad=True)
    for _ in range(3):
        (x * 2).sum().backward()
    np.testing.assert_array_equal(arr(x.grad), [6, 6, 6])
    x.grad.data.zero_()  # clean the gradient in place
    (x * 2).sum().backward()
    np.testing.assert_array_equal(arr(x.grad), [2, 2, 2])


def test_data_zero_on_a_leaf_is_not_tracked():
    x = torch.ones(3, requires_grad=True)
    x.data.zero_()  # allowed on a leaf that requires grad: .data is outside autograd
    assert x.is_leaf and x.requires_grad
    np.testing.assert_array_equal(arr(x), [0, 0, 0])


def test_optimizer_zero_grad():
    w = torch.ones(3, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.1)
    (w * 2).sum().backward()
    opt.zero_grad()
    assert w.grad is None  # the preferred way: gradients are reset


# -- Freezing weights ------------------------------------------------------------------------------

def test_requires_grad_is_contagious():
    x = torch.randn(3)
    y = torch.randn(3)
    w = torch.randn(3, requires_grad=True)
    assert not x.requires_grad and not (x + y).requires_grad
    assert (x + w).requires_grad and (x * y + w).requires_grad
    frozen = torch.randn(3)  # requires_grad is False by default
    out = (frozen * w).sum()
    out.backward()
    assert frozen.grad is None and w.grad is not None


def test_freezing_parameters():
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Linear(8, 8), torch.nn.Linear(8, 2))
    for param in model.parameters():
        param.requires_grad = False
    # Parameters of newly constructed modules have requires_grad=True by default
    model[2] = torch.nn.Linear(8, 3)
    optimizer = torch.optim.SGD(model[2].parameters(), lr=1e-2, momentum=0.9)
    out = model(torch.randn(5, 4)).sum()
    out.backward()
    assert all(p.grad is None for p in model[0].parameters())
    assert all(p.grad is not None for p in model[2].parameters())
    before = arr(model[2].weight)
    optimizer.step()
    assert not np.allclose(arr(model[2].weight), before)


# -- Inference -------------------------------------------------------------------------------------

def test_inference_records_no_graph():
    w1 = torch.randn(3, 3, requires_grad=True)
    a = torch.randn(3, 3)
    with torch.no_grad():
        b = w1 * a
    assert b.grad_fn is None and not b.requires_grad
    b = w1 * a
    assert b.grad_fn is not None  # outside no_grad, the same line records the graph


def test_no_grad_needs_parentheses():
    # the lecture's `with torch.no_grad:` fails in PyTorch too: no_grad must be instantiated
    with pytest.raises(TypeError):
        with torch.no_grad:
            pass


# -- GPU support -------------------------------------------------------------------------------------

def test_cuda_is_available_and_device_agnostic_code():
    assert callable(torch.cuda.is_available) and isinstance(torch.cuda.is_available(), bool)
    args = argparse.Namespace(disable_cuda=False)
    if not args.disable_cuda and torch.cuda.is_available():  # device agnostic code
        args.device = torch.device("cuda")
    else:
        args.device = torch.device("cpu")
    mytensor = torch.randn(2, 3)
    moved = mytensor.to(args.device)  # copy your tensors to a device
    assert moved.device.type == args.device.type
    np.testing.assert_array_equal(arr(moved.cpu()), arr(mytensor))
    net = torch.nn.Linear(3, 2)
    net.to(args.device)  # recursively convert parameters and buffers
    assert all(p.device.type == args.device.type for p in net.parameters())
    assert net(moved).device.type == args.device.type


def test_cuda_and_cpu_moves():
    x = torch.randn(3)
    assert x.cpu().device.type == "cpu"
    if torch.cuda.is_available():
        g = x.cuda()  # move x's data from CPU to GPU and return new object
        assert g.device.type == "cuda" and g is not x
        back = g.cpu()  # move x's data from GPU to CPU and return new object
        assert back.device.type == "cpu" and back is not g
        np.testing.assert_array_equal(arr(back), arr(x))
    else:
        with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
            x.cuda()
