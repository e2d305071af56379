"""Shape ops beyond the parity table: PyTorch's errors (type and message), grad_fn names, which results
share memory, and edge cases (empty tensors, 0-d tensors, type promotion in cat)."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from conftest import assert_same, torch

pytestmark = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def same_error(fn):
    """fn(lib, x) raises the same exception type with the same message in both libraries."""
    errs = []
    for lib in (ember, torch):
        x = lib.arange(12.0).reshape(3, 4)
        with pytest.raises(Exception) as e:
            fn(lib, x)
        errs.append(e)
    assert errs[0].type is errs[1].type, f"{errs[0].type.__name__}: {errs[0].value} vs " \
                                         f"{errs[1].type.__name__}: {errs[1].value}"
    assert str(errs[0].value) == str(errs[1].value)


def same_result(fn):
    out = [fn(lib, lib.arange(12.0).reshape(3, 4)) for lib in (ember, torch)]
    assert_same(out[0], out[1])
    return out


ERRORS = {
    "view_size": lambda lib, x: x.view(5),
    "view_two_infer": lambda lib, x: x.view(-1, -1),
    "view_negative": lambda lib, x: x.view(-2, 6),
    "view_infer_zero": lambda lib, x: lib.zeros(0, 3).view(-1, 0),
    "view_stride": lambda lib, x: x.t().view(12),
    "view_dtype_stride": lambda lib, x: x.t().view(lib.float16),
    "view_dtype_size": lambda lib, x: x[:, :3].view(lib.float64),
    "reshape_size": lambda lib, x: x.reshape(7, -1),
    "reshape_ambiguous": lambda lib, x: lib.zeros(0, 3).reshape(3, -1, 0),
    "flatten_order": lambda lib, x: x.flatten(1, 0),
    "unflatten_product": lambda lib, x: x.unflatten(1, (3, 2)),
    "unflatten_empty": lambda lib, x: x.unflatten(1, ()),
    "squeeze_dup": lambda lib, x: x[None].squeeze((0, 0)),
    "squeeze_range": lambda lib, x: x.squeeze(2),
    "unsqueeze_range": lambda lib, x: x.unsqueeze(3),
    "transpose_range": lambda lib, x: x.transpose(0, 2),
    "t_3d": lambda lib, x: lib.zeros(2, 2, 2).t(),
    "permute_count": lambda lib, x: x.permute(0),
    "permute_dup": lambda lib, x: x.permute(0, 0),
    "movedim_count": lambda lib, x: x.movedim((0, 1), (0,)),
    "movedim_src_dup": lambda lib, x: x.movedim((0, 0), (0, 1)),
    "movedim_dst_dup": lambda lib, x: x.movedim((0, 1), (1, 1)),
    "expand_rank": lambda lib, x: x.expand(4),
    "expand_size": lambda lib, x: x.expand(2, 4),
    "expand_leading_neg": lambda lib, x: x.expand(-1, 3, 4),
    "expand_int": lambda lib, x: x.long().expand(4),
    "broadcast_to": lambda lib, x: lib.broadcast_to(x, (4,)),
    "broadcast_tensors": lambda lib, x: lib.broadcast_tensors(x, lib.zeros(3)),
    "broadcast_shapes": lambda lib, x: lib.broadcast_shapes((3, 1), (4,), 2),
    "broadcast_shapes_neg": lambda lib, x: lib.broadcast_shapes((-1,), (4,)),
    "repeat_rank": lambda lib, x: x.repeat(2),
    "repeat_neg": lambda lib, x: x.repeat(2, -1),
    "repeat_interleave_neg": lambda lib, x: x.repeat_interleave(-1),
    "repeat_interleave_size": lambda lib, x: x.repeat_interleave(lib.tensor([1, 2]), dim=0),
    "flip_dup": lambda lib, x: x.flip(0, 0),
    "flip_range": lambda lib, x: x.flip(2),
    "fliplr_1d": lambda lib, x: x[0].fliplr(),
    "flipud_0d": lambda lib, x: x[0, 0].flipud(),
    "roll_align": lambda lib, x: x.roll((1, 2), 0),
    "roll_no_dims": lambda lib, x: x.roll((1, 2)),
    "roll_empty": lambda lib, x: x.roll((), ()),
    "rot90_dims": lambda lib, x: x.rot90(1, (0,)),
    "rot90_1d": lambda lib, x: x[0].rot90(),
    "rot90_same": lambda lib, x: x.rot90(1, (0, -2)),
    "narrow_past_end": lambda lib, x: x.narrow(1, 3, 2),
    "narrow_length": lambda lib, x: x.narrow(1, 0, -1),
    "narrow_start": lambda lib, x: x.narrow(1, 5, 0),
    "narrow_0d": lambda lib, x: x[0, 0].narrow(0, 0, 1),
    "select_range": lambda lib, x: x.select(1, 4),
    "select_0d": lambda lib, x: x[0, 0].select(0, 0),
    "cat_empty_list": lambda lib, x: lib.cat([]),
    "cat_0d": lambda lib, x: lib.cat([x[0, 0], x[0, 1]]),
    "cat_sizes": lambda lib, x: lib.cat([x, lib.zeros(2, 3)], 1),
    "cat_rank": lambda lib, x: lib.cat([x, lib.zeros(4)]),
    "cat_rank3": lambda lib, x: lib.cat([x, lib.zeros(2, 4, 1)]),
    "cat_dim": lambda lib, x: lib.cat([x, x], 2),
    "cat_tensor": lambda lib, x: lib.cat(x),
    "stack_empty": lambda lib, x: lib.stack([]),
    "stack_sizes": lambda lib, x: lib.stack([x, lib.zeros(3)]),
    "stack_dim": lambda lib, x: lib.stack([x, x], 4),
    "split_sizes": lambda lib, x: x.split([1, 1]),
    "split_zero": lambda lib, x: x.split(0),
    "split_neg": lambda lib, x: x.split(-1),
    "chunk_zero": lambda lib, x: x.chunk(0),
    "chunk_0d": lambda lib, x: x[0, 0].chunk(1),
    "tensor_split_zero": lambda lib, x: x.tensor_split(0),
    "tensor_split_float": lambda lib, x: x.tensor_split(lib.tensor(2.0), 1),
    "hsplit_divisible": lambda lib, x: x.hsplit(3),
    "vsplit_1d": lambda lib, x: x[0].vsplit(2),
    "dsplit_2d": lambda lib, x: x.dsplit(2),
    "unbind_0d": lambda lib, x: x[0, 0].unbind(),
    "tril_1d": lambda lib, x: x[0].tril(),
    "triu_1d": lambda lib, x: x[0].triu(),
    "diag_3d": lambda lib, x: lib.zeros(2, 2, 2).diag(),
    "diag_0d": lambda lib, x: x[0, 0].diag(),
    "diagonal_same": lambda lib, x: x.diagonal(0, 1, 1),
    "diagonal_1d": lambda lib, x: x[0].diagonal(),
    "diag_embed_same": lambda lib, x: x.diag_embed(0, 0, 0),
    "unfold_size": lambda lib, x: x.unfold(1, 5, 1),
    "unfold_step": lambda lib, x: x.unfold(1, 2, 0),
    "as_strided_bounds": lambda lib, x: x.as_strided((4, 4), (1, 1), 10),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_match_pytorch(name):
    same_error(ERRORS[name])


RESULTS = {
    "broadcast_shapes": lambda lib, x: lib.tensor(list(lib.broadcast_shapes((3, 1), (4,), (2, 1, 1)))),
    "broadcast_shapes_ints": lambda lib, x: lib.tensor(list(lib.broadcast_shapes(3, (2, 1)))),
    "split_empty_dim": lambda lib, x: lib.zeros(0, 2).split(2),
    "split_big": lambda lib, x: x.split(5),
    "chunk_uneven": lambda lib, x: lib.arange(6.0).chunk(4),
    "chunk_empty": lambda lib, x: lib.zeros(0).chunk(3),
    "tensor_split_tensor": lambda lib, x: x.tensor_split(lib.tensor([1, 2]), 1),
    "tensor_split_scalar_tensor": lambda lib, x: x.tensor_split(lib.tensor(2), 1),
    "tensor_split_many": lambda lib, x: x.tensor_split(5, 1),
    "unfold_0d": lambda lib, x: x[1, 1].unfold(0, 1, 1),
    "unfold_empty_window": lambda lib, x: x.unfold(1, 0, 1),
    "diag_big_offset": lambda lib, x: (x.diag(7), x.diagonal(-5)),
    "cat_skip_empty": lambda lib, x: (lib.cat([x, lib.zeros(0)], 1), lib.cat([lib.zeros(0), x])),
    "cat_all_empty": lambda lib, x: lib.cat([lib.zeros(0), lib.zeros(0, dtype=lib.long)]),
    "cat_promote": lambda lib, x: (lib.cat([x.long(), x.double(), x]), lib.cat([x.bool(), x.int()])),
    "cat_out": lambda lib, x: lib.cat([x, x], out=lib.zeros(6, 4)),
    "stack_promote": lambda lib, x: lib.stack([x.int(), x]),
    "view_dtype": lambda lib, x: (x.view(lib.int32), x.view(lib.float16).shape),
    "view_dtype_same": lambda lib, x: x.view(lib.float32),
    "repeat_interleave_counts": lambda lib, x: lib.repeat_interleave(lib.tensor([1, 2, 0, 3])),
    "repeat_interleave_one": lambda lib, x: x.repeat_interleave(lib.tensor([2]), dim=1),
    "repeat_zero": lambda lib, x: x.repeat(0, 2),
    "tile_empty": lambda lib, x: x.tile(()),
    "flip_empty_dims": lambda lib, x: x.flip(()),
    "roll_flat": lambda lib, x: x.roll(-5),
    "rot90_negative": lambda lib, x: x.rot90(-3, (1, 0)),
    "atleast_many": lambda lib, x: (lib.atleast_1d(x[0, 0], x), lib.atleast_3d([x[0], x])),
    "narrow_tensor_start": lambda lib, x: x.narrow(1, lib.tensor(1), 2),
    "expand_zero": lambda lib, x: x[:1].expand(0, 4),
    "squeeze_0d": lambda lib, x: (x[0, 0].squeeze(), x[0, 0].squeeze(0), x[0, 0].squeeze(-1)),
    "unsqueeze_0d": lambda lib, x: x[0, 0].unsqueeze(-1),
    "movedim_multi": lambda lib, x: lib.zeros(2, 3, 4, 5).movedim((3, 0), (1, 3)).shape,
    "flatten_empty": lambda lib, x: lib.zeros(2, 0, 3).flatten(1),
    "reshape_empty": lambda lib, x: (lib.zeros(0, 3).reshape(-1), lib.zeros(0, 3).reshape(2, -1)),
    "as_strided_offset": lambda lib, x: x[1:].as_strided((2, 2), (4, 1)),
}


@pytest.mark.parametrize("name", list(RESULTS))
def test_results_match_pytorch(name):
    same_result(RESULTS[name])


@pytest.mark.parametrize("expr,name", [
    ("x.view(12)", "ViewBackward0"), ("x.reshape(12)", "ViewBackward0"),
    ("x.t().reshape(12)", "UnsafeViewBackward0"), ("x.transpose(0, 1)", "TransposeBackward0"),
    ("x.t()", "TBackward0"), ("x.permute(1, 0)", "PermuteBackward0"), ("x.T", "PermuteBackward0"),
    ("x.squeeze()", "SqueezeBackward0"), ("x.squeeze(0)", "SqueezeBackward1"),
    ("x.squeeze((0, 1))", "SqueezeBackward2"), ("x.unsqueeze(0)", "UnsqueezeBackward0"),
    ("x.expand(2, 3, 4)", "ExpandBackward0"), ("x.narrow(0, 1, 2)", "SliceBackward0"),
    ("x.select(0, 1)", "SelectBackward0"), ("x.split(2)[0]", "SplitBackward0"),
    ("x.split([1, 2])[0]", "SplitWithSizesBackward0"), ("x.chunk(2)[1]", "SplitBackward0"),
    ("x.unbind()[0]", "UnbindBackward0"), ("x.tensor_split(2)[0]", "SliceBackward0"),
    ("x.diagonal()", "DiagonalBackward0"), ("x.unfold(1, 2, 1)", "UnfoldBackward0"),
    ("x.movedim(0, 1)", "PermuteBackward0"), ("x.unflatten(1, (2, 2))", "ViewBackward0"),
    ("x.flip(0)", "FlipBackward0"), ("x.roll(1)", "RollBackward0"), ("x.rot90()", "Rot90Backward0"),
    ("x.repeat(2, 1)", "RepeatBackward0"), ("x.tile(2)", "RepeatBackward0"),
    ("lib.cat([x, x])", "CatBackward0"), ("lib.stack([x, x])", "StackBackward0"),
    ("lib.hstack([x, x])", "CatBackward0"), ("x.tril()", "TrilBackward0"), ("x.triu()", "TriuBackward0"),
    ("x.diag()", "DiagonalBackward0_copy"), ("x[0].diag()", "DiagEmbedBackward0"),
    ("x.diag_embed()", "DiagEmbedBackward0"), ("x.as_strided((2, 2), (1, 2))", "AsStridedBackward0"),
])
def test_grad_fn_names(expr, name):
    for lib in (ember, torch):
        x = lib.randn(3, 4, requires_grad=True) * 1
        out = eval(expr, {"x": x, "lib": lib})
        assert out.grad_fn.name() == name


def test_flatten_and_broadcast_return_inputs_unchanged():
    x = ember.zeros(3, requires_grad=True) * 1
    assert x.flatten() is x
    assert x.flatten(0, 0) is x
    a, b = ember.broadcast_tensors(x, ember.zeros(1))
    assert a is x and b.shape == (3,)
    t = ember.zeros(3, 4)
    assert t.flatten(1, 1) is t


def test_tril_triu_inplace():
    for lib in (ember, torch):
        x = lib.arange(12.0).reshape(3, 4)
        v = x.clone()
        x.tril_(1)
        v.triu_(-1)
        if lib is ember:
            e = (x, v)
        else:
            assert_same(e[0], x)
            assert_same(e[1], v)


def test_split_pieces_cover_input_and_backprop_unused_pieces_as_zero():
    for lib in (ember, torch):
        x = lib.randn(5, 3, requires_grad=True)
        a, b, c = x.split(2)
        (b * 2).sum().backward()
        if lib is ember:
            g = x.grad
        else:
            assert_same(g, x.grad)


def test_unbind_and_iteration_gradients():
    rng = np.random.default_rng(1)
    data = rng.standard_normal((3, 4))
    grads = []
    for lib in (ember, torch):
        x = lib.tensor(data, requires_grad=True)
        rows = list(x)
        cols = x.unbind(1)
        (rows[0] * cols[2].sum() + rows[2]).sum().backward()
        grads.append(x.grad)
    assert_same(grads[0], grads[1])


def test_expand_views_broadcast_gradient():
    grads = []
    for lib in (ember, torch):
        x = lib.ones(3, 1, requires_grad=True)
        y = x.expand(2, 3, 4) * lib.arange(4.0)
        y.sum().backward()
        grads.append(x.grad)
    assert_same(grads[0], grads[1])


def test_cat_gradient_for_skipped_empty_tensor():
    grads = []
    for lib in (ember, torch):
        e = lib.zeros(0, requires_grad=True)
        x = lib.ones(2, 3, requires_grad=True)
        lib.cat([e, x, e]).sum().backward()
        grads.append((e.grad, x.grad))
    assert_same(grads[0], grads[1])


def test_reshape_views_only_when_pytorch_does():
    for shape, perm, new in [((2, 3, 4), (0, 2, 1), (2, 12)), ((2, 3, 4), (1, 0, 2), (3, 8)),
                             ((2, 1, 4), (1, 0, 2), (8,)), ((4, 6), (1, 0), (6, 2, 2))]:
        res = []
        for lib in (ember, torch):
            x = lib.zeros(shape).permute(perm)
            y = x.reshape(new)
            y.fill_(1)
            res.append(float(x.sum()))
        assert res[0] == res[1]
