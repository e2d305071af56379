"""Views: memory and version-counter sharing with the base, in-place ops through views (values and
autograd against PyTorch), and the errors for modified saved tensors and leaf views."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from conftest import assert_same, torch

pytestmark = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def version(t) -> int:
    return t._version


def both(fn):
    """Run fn with each library on the same data; return (ember result, torch result)."""
    data = np.arange(24, dtype=np.float32).reshape(4, 6) / 7 - 1
    return fn(ember, ember.from_numpy(data.copy())), fn(torch, torch.from_numpy(data.copy()))


VIEW_OPS = {
    "view": lambda x: x.view(6, 4),
    "view_infer": lambda x: x.view(-1),
    "view_dtype": lambda x: x.view(x.dtype),
    "reshape": lambda x: x.reshape(2, 12),
    "flatten": lambda x: x.flatten(),
    "unflatten": lambda x: x.unflatten(1, (2, 3)),
    "squeeze": lambda x: x[None].squeeze(0),
    "unsqueeze": lambda x: x.unsqueeze(1),
    "transpose": lambda x: x.transpose(0, 1),
    "t": lambda x: x.t(),
    "T": lambda x: x.T,
    "mT": lambda x: x.mT,
    "permute": lambda x: x.permute(1, 0),
    "movedim": lambda x: x.movedim(0, 1),
    "narrow": lambda x: x.narrow(1, 2, 3),
    "select": lambda x: x.select(0, 2),
    "slice": lambda x: x[1:3, ::2],
    "int_index": lambda x: x[1],
    "none_index": lambda x: x[None, :, None],
    "ellipsis": lambda x: x[...],
    "0d_tensor_index": lambda x: x[x.new_tensor(2).long()],
    "split": lambda x: x.split(2)[1],
    "chunk": lambda x: x.chunk(3, 1)[2],
    "tensor_split": lambda x: x.tensor_split(3, 1)[1],
    "unbind": lambda x: x.unbind(1)[3],
    "diagonal": lambda x: x.diagonal(1),
    "unfold": lambda x: x.unfold(1, 2, 2),
    "as_strided": lambda x: x.as_strided((2, 2), (6, 1), 1),
    "expand_then_select": lambda x: x[:, :1].expand(4, 3)[:, 0],
    "chained": lambda x: x[1:].view(-1)[::3].unsqueeze(0).t(),
}

COPY_OPS = {
    "reshape_transposed": lambda x: x.t().reshape(-1),
    "flip": lambda x: x.flip(0),
    "roll": lambda x: x.roll(1),
    "repeat": lambda x: x.repeat(1, 1),
    "tile": lambda x: x.tile((1,)),
    "cat": lambda x: ember.cat([x]) if isinstance(x, ember.Tensor) else torch.cat([x]),
    "rot90": lambda x: x.rot90(4),
    "advanced_index": lambda x: x[[0, 1]],
    "mask_index": lambda x: x[x > 0],
    "tril": lambda x: x.tril(5),
    "diag": lambda x: x.diag(),
    "contiguous_t": lambda x: x.t().contiguous(),
}


@pytest.mark.parametrize("name", list(VIEW_OPS))
def test_view_shares_memory_and_version(name):
    fn = VIEW_OPS[name]

    def run(lib, x):
        v = fn(x)
        before = version(x)
        x.add_(1)  # the base changes: the view sees it
        seen = v.clone()
        v.mul_(-1)  # the view changes: the base sees it
        return seen, x.clone(), v.clone(), version(x) - before, version(v) == version(x)

    e, t = both(run)
    assert_same(e, t)


@pytest.mark.parametrize("name", list(COPY_OPS))
def test_copy_ops_do_not_share(name):
    fn = COPY_OPS[name]

    def run(lib, x):
        c = fn(x)
        before = c.clone()
        x.add_(1)
        return c, before, version(c)

    e, t = both(run)
    assert_same(e, t)
    assert_same(e[0], e[1])


def test_view_is_writable_and_shares_data_ptr():
    x = ember.zeros(3, 4)
    v = x[1:, 1:]
    assert v.data_ptr() == x.data_ptr() + 5 * x.element_size()
    assert x.t().data_ptr() == x.data_ptr()
    d = x.diagonal()
    d.fill_(7)
    assert x.tolist()[2][2] == 7.0


# -- in-place ops through views, with autograd ------------------------------------------------------

def _grad_case(fn, extra_shape=(2, 6)):
    """fn(lib, y, w) modifies y (a non-leaf copy of x) in place, maybe using w; compare y and the
    gradients of a weighted sum with respect to x and w."""
    rng = np.random.default_rng(0)
    xd = rng.standard_normal((4, 6)).astype(np.float64)
    wd = rng.standard_normal(extra_shape).astype(np.float64)
    up = rng.standard_normal((4, 6)).astype(np.float64)
    out = []
    for lib in (ember, torch):
        x = lib.tensor(xd, requires_grad=True)
        w = lib.tensor(wd, requires_grad=True)
        y = x * 1
        fn(lib, y, w)
        (y * lib.tensor(up)).sum().backward()
        out.append((y.detach(), x.grad, w.grad))
    e, t = out
    assert_same(e[0], t[0])
    assert_same(e[1], t[1])
    if t[2] is None:
        assert e[2] is None or not np.any(e[2].numpy())
    else:
        assert_same(e[2], t[2])


INPLACE_THROUGH_VIEWS = {
    "slice_mul": lambda lib, y, w: y[1:3].mul_(2),
    "t_add": lambda lib, y, w: y.t().add_(1),
    "t_mul_tensor": lambda lib, y, w: y.t()[:2].mul_(w[:, :4]),
    "setitem_tensor": lambda lib, y, w: y.__setitem__(slice(1, 3), w),
    "setitem_scalar": lambda lib, y, w: y.__setitem__((0, slice(None, None, 2)), 3.0),
    "setitem_advanced": lambda lib, y, w: y.__setitem__((slice(None), [0, 2, 5]), w[0, :3]),
    "setitem_mask": lambda lib, y, w: y.__setitem__(y > 0, 0.5),
    "setitem_on_view": lambda lib, y, w: y.t()[2].__setitem__([0, 3], w[1, 4:]),
    "diagonal_zero": lambda lib, y, w: y.diagonal().zero_(),
    "diagonal_add": lambda lib, y, w: y.diagonal(1).add_(w[0, :4]),
    "narrow_copy": lambda lib, y, w: y.narrow(0, 2, 2).copy_(w),
    "select_fill": lambda lib, y, w: y.select(1, 3).fill_(w[0, 0]),
    "view_chain": lambda lib, y, w: y.view(-1)[::2].mul_(w.reshape(-1)),
    "unsqueeze_div": lambda lib, y, w: y.unsqueeze(0)[:, 1].div_(2),
    "permute_sub": lambda lib, y, w: y.permute(1, 0)[1:].sub_(w.t()[1:, :1].t().expand(4, 5).t()),
    "masked_fill_view": lambda lib, y, w: y[:, 1:].masked_fill_(y[:, 1:] > 0, 0.0),
    "index_add_view": lambda lib, y, w: y[1:3].index_add_(1, lib.tensor([0, 0, 5]), w[:, :3]),
    "scatter_view": lambda lib, y, w: y.t().scatter_(0, lib.tensor([[5, 0, 1, 2]]), w[:1, :4]),
    "twice": lambda lib, y, w: (y[0].mul_(w[0]), y[:, 0].add_(w[1, :4])),
    "unfold_mul": lambda lib, y, w: y.unfold(1, 2, 2).mul_(3),
    "split_piece_via_narrow": lambda lib, y, w: y.narrow(0, 0, 2).mul_(w),
    "setitem_whole": lambda lib, y, w: y.__setitem__(Ellipsis, 1.0),
    "as_strided_add": lambda lib, y, w: y.as_strided((2, 3), (6, 2), 1).add_(w[:, :3]),
}


@pytest.mark.parametrize("name", list(INPLACE_THROUGH_VIEWS))
def test_inplace_through_view_gradients(name):
    _grad_case(INPLACE_THROUGH_VIEWS[name])


def test_inplace_on_base_after_view_updates_view_graph():
    for lib in (ember, torch):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        v = y[:2]
        y.mul_(x)  # changes v's values too
        v.sum().backward()
        if lib is ember:
            e_grad, e_v = x.grad, v.detach()
        else:
            assert_same(e_grad, x.grad)
            assert_same(e_v, v.detach())


def test_view_of_leaf_inplace_errors():
    def run(lib, op):
        x = lib.ones(3, 4, requires_grad=True)
        with pytest.raises(RuntimeError) as e:
            op(x)
        return str(e.value)

    for op in (lambda x: x[0].mul_(2), lambda x: x.t().add_(1), lambda x: x.__setitem__(0, 1.0),
               lambda x: x.view(-1).zero_(), lambda x: x.__setitem__((slice(None), [0, 1]), 2.0)):
        assert run(ember, op) == run(torch, op)
    leaf = "a leaf Variable that requires grad is being used in an in-place operation."
    for lib in (ember, torch):
        x = lib.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match=leaf):
            x[[0, 1]] = 2.0
        with pytest.raises(RuntimeError, match=leaf):
            x.masked_fill_(x > 0, 1.0)


def test_inplace_in_no_grad_on_leaf_view_is_allowed():
    for lib in (ember, torch):
        x = lib.ones(3, 4, requires_grad=True)
        with lib.no_grad():
            x[1] = 5.0
            x.t()[0].mul_(2)
        assert x.requires_grad and x.grad_fn is None
        y = (x * x).sum()
        y.backward()
        if lib is ember:
            e = (x.detach().clone(), x.grad)
        else:
            assert_same(e[0], x.detach())
            assert_same(e[1], x.grad)


SAVED_MESSAGE = ("one of the variables needed for gradient computation has been modified by an inplace "
                 "operation: [torch.FloatTensor [{}]]")


@pytest.mark.parametrize("case", ["base", "setitem", "through_view", "view_of_saved"])
def test_modified_saved_tensor_raises(case):
    def run(lib):
        x = lib.randn(3, 2, requires_grad=True)
        y = x * 1
        if case == "base":
            z = y * y
            y.add_(1)
        elif case == "setitem":
            z = y.pow(2)
            y[0] = 2.0
        elif case == "through_view":
            z = y * y
            y.t()[0].mul_(3)
        else:
            w = y.view(-1)
            z = w * w
            y[1, 1] = 0.0
        with pytest.raises(RuntimeError) as e:
            z.sum().backward()
        return str(e.value)

    msg_e, msg_t = run(ember), run(torch)
    shape = "6" if case == "view_of_saved" else "3, 2"
    prefix = SAVED_MESSAGE.format(shape)
    assert msg_t.startswith(prefix)
    assert msg_e.startswith(prefix)


def test_saved_output_modified_through_view():
    for lib in (ember, torch):
        x = lib.randn(4, requires_grad=True)
        z = (x * 1).exp()  # exp saves its output
        z[1:].zero_()
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.sum().backward()


def test_view_version_counter_counts_each_inplace():
    for lib in (ember, torch):
        x = lib.zeros(4, 4)
        v = x[1:, 2]
        w = x.t()
        v.add_(1)
        w[0] = 3.0
        x.mul_(2)
        res = (version(x), version(v), version(w))
        if lib is ember:
            e = res
        else:
            assert e == res == (3, 3, 3)


def test_view_rule_errors_match_pytorch():
    for op in (lambda x: x.t().view(-1), lambda x: x[:, :2].view(6), lambda x: x.permute(1, 0).view(2, 6)):
        msgs = []
        for lib in (ember, torch):
            x = lib.zeros(3, 4)
            with pytest.raises(RuntimeError) as e:
                op(x)
            msgs.append(str(e.value))
        assert msgs[0] == msgs[1]
    # reshape copes by copying
    x = ember.arange(12.0).reshape(3, 4)
    r = x.t().reshape(-1)
    assert r.tolist() == torch.arange(12.0).reshape(3, 4).t().reshape(-1).tolist()


def test_expanded_views_reject_overlapping_writes():
    for lib in (ember, torch):
        e = lib.zeros(4).expand(3, 4)
        e[0] = 1.0  # a single row does not overlap itself
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
            e[:, 0] = 2.0
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
            e[1:] = lib.ones(2, 4)
        # advanced-index writes are only deprecated
        with pytest.warns(UserWarning, match="Use of masked_fill_ on expanded tensors is deprecated"):
            e.masked_fill_(lib.ones(3, 4, dtype=lib.bool), 1.0)
        with pytest.warns(UserWarning, match="Use of index_put_ on expanded tensors is deprecated"):
            e[[0, 1]] = 2.0


def test_multi_output_views_are_marked():
    pieces = ember.zeros(4, 2).split(2)
    assert all(p.__dict__.get("_multi_view") == "Split" for p in pieces)
    assert all(p.__dict__.get("_multi_view") == "Unbind" for p in ember.zeros(2, 2).unbind())
