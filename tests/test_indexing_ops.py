"""Indexing beyond the parity table: PyTorch's errors and warnings, grad_fn names, in-place forms,
setitem semantics (casting, broadcasting, leading unit dims), and the no-grad fast paths."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import ember
from conftest import assert_same, torch

pytestmark = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def _x(lib):
    return lib.arange(12.0).reshape(3, 4)


def same_error(fn):
    """fn(lib, x) raises the same exception type with the same message in both libraries."""
    errs = []
    for lib in (ember, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(Exception) as e:
                fn(lib, _x(lib))
        errs.append(e)
    assert errs[0].type is errs[1].type, f"{errs[0].type.__name__}: {errs[0].value} vs " \
                                         f"{errs[1].type.__name__}: {errs[1].value}"
    assert str(errs[0].value) == str(errs[1].value)


def same_result(fn):
    out = []
    for lib in (ember, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out.append(fn(lib, _x(lib)))
    assert_same(out[0], out[1])


def setitem(key, value):
    def fn(lib, x):
        v = value(lib) if callable(value) else value
        x[key] = v
        return x
    return fn


def t(lib, data, dtype=None):
    return lib.tensor(data, dtype=getattr(lib, dtype) if dtype else None)


ERRORS = {
    "negative_step": lambda lib, x: x[::-1],
    "zero_step": lambda lib, x: x[::0],
    "int_out_of_range": lambda lib, x: x[3],
    "negative_out_of_range": lambda lib, x: x[-4],
    "second_dim_out_of_range": lambda lib, x: x[:, 4],
    "too_many": lambda lib, x: x[0, 0, 0],
    "too_many_ellipsis": lambda lib, x: x[..., 0, 0, 0],
    "zero_dim_int": lambda lib, x: x[0, 0][0],
    "float_index": lambda lib, x: x[1.0],
    "numpy_float_index": lambda lib, x: x[np.float32(1)],
    "float_tensor_index": lambda lib, x: x[t(lib, [0.0])],
    "int16_tensor_index": lambda lib, x: x[t(lib, [0], "int16")],
    "tensor_out_of_range": lambda lib, x: x[t(lib, [0, 5])],
    "tensor_negative_out_of_range": lambda lib, x: x[:, t(lib, [0, -7])],
    "adv_dim_numbering": lambda lib, x: x[None, t(lib, [0]), t(lib, [9])],
    "adv_dim_split": lambda lib, x: lib.zeros(2, 3, 4)[t(lib, [0]), :, t(lib, [9])],
    "adv_after_int": lambda lib, x: lib.zeros(2, 3, 4)[0, :, t(lib, [9])],
    "mask_shape": lambda lib, x: x[t(lib, [True, False])],
    "mask_shape_second": lambda lib, x: lib.zeros(2, 3, 4)[lib.ones(2, 4, dtype=lib.bool)],
    "broadcast_mismatch": lambda lib, x: x[t(lib, [0, 1]), t(lib, [0, 1, 2])],
    "setitem_basic_shape": setitem(0, lambda lib: lib.ones(3)),
    "setitem_adv_shape": setitem([0, 1], lambda lib: lib.ones(3)),
    "setitem_mask_count": setitem((slice(None), slice(None)), lambda lib: lib.ones(11)),
    "setitem_adv_dtype": setitem([0], lambda lib: lib.ones(1, 4, dtype=lib.float64)),
    "setitem_adv_int_value": setitem([0], lambda lib: t(lib, 1)),
    "setitem_list": setitem(0, [1.0, 2.0, 3.0, 4.0]),
    "setitem_tuple": setitem(0, (1.0, 2.0, 3.0, 4.0)),
    "setitem_ndarray": setitem(0, np.ones(4)),
    "setitem_none": setitem(0, None),
    "setitem_negative_step": setitem(slice(None, None, -1), 1.0),
    "setitem_out_of_range": setitem((0, 7), 1.0),
    "gather_index_dtype": lambda lib, x: x.gather(0, t(lib, [[0.0]])),
    "gather_out_of_range": lambda lib, x: x.gather(0, t(lib, [[5]])),
    "gather_negative": lambda lib, x: x.gather(1, t(lib, [[-1]])),
    "gather_rank": lambda lib, x: x.gather(0, t(lib, [0])),
    "gather_size": lambda lib, x: x.gather(0, t(lib, [[0] * 5])),
    "gather_dim": lambda lib, x: x.gather(2, t(lib, [[0]])),
    "scatter_size": lambda lib, x: x.scatter(0, t(lib, [[0] * 5]), lib.ones(1, 5)),
    "scatter_src_small": lambda lib, x: x.scatter(0, t(lib, [[0] * 3]), lib.ones(1, 2)),
    "scatter_dtype": lambda lib, x: x.scatter(0, t(lib, [[0]]), lib.ones(1, 1, dtype=lib.float64)),
    "scatter_out_of_range": lambda lib, x: x.scatter(0, t(lib, [[7]]), 1.0),
    "scatter_reduce_name": lambda lib, x: x.scatter(0, t(lib, [[0]]), lib.ones(1, 1), reduce="max"),
    "scatter_0d_src": lambda lib, x: x.scatter(0, t(lib, [[0]]), t(lib, 7.0)),
    "scatter_rank": lambda lib, x: x.scatter(0, t(lib, [0]), 1.0),
    "scatter_add_value": lambda lib, x: x.scatter_add(0, t(lib, [[0]]), 1.0),
    "scatter_add_dtype": lambda lib, x: x.scatter_add(0, t(lib, [[0]]), lib.ones(1, 1).double()),
    "scatter_reduce_bad": lambda lib, x: x.scatter_reduce(0, t(lib, [[0]]), lib.ones(1, 1), "foo"),
    "scatter_reduce_dtype": lambda lib, x: x.scatter_reduce(0, t(lib, [[0]]), lib.ones(1, 1).double(), "sum"),
    "index_select_matrix": lambda lib, x: x.index_select(0, t(lib, [[0]])),
    "index_select_range": lambda lib, x: x.index_select(0, t(lib, [3])),
    "index_select_negative": lambda lib, x: x.index_select(0, t(lib, [-1])),
    "index_select_float": lambda lib, x: x.index_select(0, t(lib, [0.0])),
    "index_select_scalar_many": lambda lib, x: x[0, 0].index_select(0, t(lib, [0, 0])),
    "index_add_dtype": lambda lib, x: x.index_add(0, t(lib, [0]), lib.ones(1, 4).double()),
    "index_add_count": lambda lib, x: x.index_add(0, t(lib, [0]), lib.ones(2, 4)),
    "index_add_slice_shape": lambda lib, x: x.index_add(0, t(lib, [0]), lib.ones(1, 3)),
    "index_add_range": lambda lib, x: x.index_add(0, t(lib, [5]), lib.ones(1, 4)),
    "index_add_negative": lambda lib, x: x.index_add(0, t(lib, [-1]), lib.ones(1, 4)),
    "index_copy_range": lambda lib, x: x.index_copy(0, t(lib, [5]), lib.ones(1, 4)),
    "index_copy_dtype": lambda lib, x: x.index_copy(0, t(lib, [0]), lib.ones(1, 4).double()),
    "index_copy_count": lambda lib, x: x.index_copy(0, t(lib, [0]), lib.ones(2, 4)),
    "index_copy_index_dtype": lambda lib, x: x.index_copy(0, t(lib, [0.0]), lib.ones(1, 4)),
    "index_fill_range": lambda lib, x: x.index_fill(0, t(lib, [5]), 1.0),
    "index_fill_matrix": lambda lib, x: x.index_fill(0, t(lib, [[0]]), 1.0),
    "index_fill_float_index": lambda lib, x: x.index_fill(0, t(lib, [0.0]), 1.0),
    "index_fill_value_rank": lambda lib, x: x.index_fill(0, t(lib, [0]), lib.ones(1)),
    "index_put_dtype": lambda lib, x: x.index_put((t(lib, [0]),), t(lib, 1.0, "float64")),
    "index_put_scalar": lambda lib, x: x.index_put_((t(lib, [0]),), 1.0),
    "index_put_none": lambda lib, x: x.index_put((None, t(lib, [0])), t(lib, 1.0)),
    "index_put_too_many": lambda lib, x: x.index_put_((t(lib, [0]),) * 3, t(lib, 9.0)),
    "index_put_range": lambda lib, x: x.index_put_((t(lib, [5]),), t(lib, 9.0), accumulate=True),
    "index_put_shape": lambda lib, x: x.index_put_((t(lib, [0, 1]),), lib.ones(3)),
    "masked_fill_float_mask": lambda lib, x: x.masked_fill(lib.ones(3, 4), 1.0),
    "masked_fill_uint8_mask": lambda lib, x: x.masked_fill(lib.ones(3, 4, dtype=lib.uint8), 1.0),
    "masked_fill_value_rank": lambda lib, x: x.masked_fill(x > 0, lib.ones(1)),
    "masked_fill__broadcast": lambda lib, x: x[0].masked_fill_(lib.ones(2, 4, dtype=lib.bool), 1.0),
    "masked_fill__broadcast_grad": lambda lib, x: (x[0] * lib.ones(4, requires_grad=True)).masked_fill_(
        lib.ones(2, 4, dtype=lib.bool), 1.0),
    "masked_scatter_mask": lambda lib, x: x.masked_scatter(lib.ones(3, 4), x),
    "masked_scatter_dtype": lambda lib, x: x.masked_scatter(x > 0, x.double()),
    "masked_scatter_count": lambda lib, x: x.masked_scatter(x >= 0, lib.ones(11)),
    "masked_select_mask": lambda lib, x: x.masked_select(lib.ones(3, 4)),
    "take_range": lambda lib, x: x.take(t(lib, [12])),
    "take_dtype": lambda lib, x: x.take(t(lib, [0.0])),
    "put_range": lambda lib, x: x.put(t(lib, [-13]), t(lib, [1.0])),
    "put_count": lambda lib, x: x.put(t(lib, [0, 1]), t(lib, [1.0])),
    "take_along_dim_dtype": lambda lib, x: lib.take_along_dim(x, t(lib, [[0.0]]), 1),
    "take_along_dim_rank": lambda lib, x: lib.take_along_dim(x, t(lib, [0]), 1),
    "take_along_dim_flat_negative": lambda lib, x: lib.take_along_dim(x, t(lib, [[-1]])),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_match_pytorch(name):
    same_error(ERRORS[name])


RESULTS = {
    "empty_list": lambda lib, x: x[[]],
    "range_index": lambda lib, x: (x[range(2)], x[:, range(3, 0, -2)]),
    "list_of_bools": lambda lib, x: x[[True, False, True]],
    "nested_list_is_tuple": lambda lib, x: x[[[0, 1], [1, 2]]],
    "tuple_in_tuple": lambda lib, x: x[(0, 1),],
    "uint8_mask": lambda lib, x: x[t(lib, [1, 0, 1], "uint8")],
    "int32_index": lambda lib, x: x[t(lib, [2, 0], "int32")],
    "numpy_index": lambda lib, x: x[np.array([0, 2])],
    "numpy_int": lambda lib, x: x[np.int64(1), np.int32(2)],
    "bool_scalars": lambda lib, x: (x[True], x[False], x[0, True], x[t(lib, True)], x[t(lib, False)]),
    "zero_dim_bool_uint8": lambda lib, x: x[t(lib, 1, "uint8")],
    "tensor_slice_bounds": lambda lib, x: x[t(lib, 0):t(lib, 2), t(lib, 1):],
    "slice_clamped": lambda lib, x: (x[1:100], x[5:], x[-10:2], x[2:1]),
    "multiple_ellipsis": lambda lib, x: x[..., ...],
    "empty_tuple": lambda lib, x: x[()],
    "zero_dim": lambda lib, x: (x[0, 0][...], x[0, 0][None], x[0, 0][True], x[0, 0][()]),
    "adv_none_mix": lambda lib, x: (x[None, [0, 1], None], x[[0, 1], None], x[:, None, [0, 1]]),
    "adv_broadcast": lambda lib, x: x[t(lib, [[0], [2]]), t(lib, [0, 1, 3])],
    "adv_nonadjacent": lambda lib, x: lib.arange(24.0).reshape(2, 3, 4)[[0, 1], :, [1, 2]],
    "adv_int_then_adv": lambda lib, x: lib.arange(120.0).reshape(2, 3, 4, 5)[:, 0, :, [0, 1]],
    "mask_then_slice": lambda lib, x: lib.arange(24.0).reshape(2, 3, 4)[lib.tensor([True, False]), 1:],
    "setitem_cast_float_to_int": lambda lib, x: setitem(0, 1.7)(lib, x.long()),
    "setitem_cast_tensor_to_int": lambda lib, x: setitem(0, lambda lib: t(lib, [1.7, 2.5, -1.5, 9.9]))(
        lib, x.long()),
    "setitem_leading_ones": setitem(0, lambda lib: lib.ones(1, 1, 4)),
    "setitem_leading_ones_adv": setitem([0, 1], lambda lib: lib.ones(1, 2, 4)),
    "setitem_mask_scalar_tensor": lambda lib, x: setitem(x > 5, lambda lib: t(lib, 1.0, "float64"))(lib, x),
    "setitem_mask_one_int": lambda lib, x: setitem(x > 5, lambda lib: t(lib, [7]))(lib, x),
    "setitem_mask_values": lambda lib, x: setitem(x > 5, lambda lib: lib.arange(6.0))(lib, x),
    "setitem_bool_value": setitem(0, True),
    "setitem_0d": lambda lib, x: setitem((), 5.0)(lib, x[0, 0].clone()),
    "setitem_0d_ellipsis": lambda lib, x: setitem(Ellipsis, lambda lib: t(lib, [5.0]))(lib, x[0, 0].clone()),
    "setitem_int_tensor_index": lambda lib, x: setitem(t(lib, 1), 2.0)(lib, x),
    "setitem_repeated": setitem([0, 0, 2], lambda lib: t(lib, [[1.0], [2.0], [3.0]])),
    "setitem_self_overlap": lambda lib, x: setitem(slice(1, None), x[:-1].clone())(lib, x),
    "gather_int32_index": lambda lib, x: x.gather(1, t(lib, [[0, 0], [1, 3]], "int32")),
    "gather_empty_index": lambda lib, x: x.gather(1, lib.zeros(3, 0, dtype=lib.long)),
    "gather_0d": lambda lib, x: (x[0, 1].gather(0, t(lib, 0)), x[0, 1].gather(0, t(lib, [0, 0]))),
    "scatter_0d": lambda lib, x: x[0, 1].scatter(0, t(lib, 0), 5.0),
    "scatter_int_value": lambda lib, x: x.scatter(0, t(lib, [[0, 1]]), 7),
    "scatter_reduce_add": lambda lib, x: x.scatter(0, t(lib, [[0, 0, 1]]), lib.ones(1, 3), reduce="add"),
    "scatter_reduce_multiply": lambda lib, x: x.scatter(0, t(lib, [[0, 0, 1]]), 2.0, reduce="multiply"),
    "scatter_reduce_int_mean": lambda lib, x: t(lib, [-1, 2, 3]).scatter_reduce(
        0, t(lib, [0, 0]), t(lib, [-4, -5]), "mean"),
    "scatter_reduce_empty_index": lambda lib, x: x.scatter_reduce(0, lib.zeros(0, 4, dtype=lib.long),
                                                                  lib.ones(0, 4), "amax"),
    "index_select_0d": lambda lib, x: (x.index_select(0, t(lib, 1)), x[0, 0].index_select(0, t(lib, [0]))),
    "index_select_int32": lambda lib, x: x.index_select(1, t(lib, [3, 3], "int32")),
    "index_fill_negative": lambda lib, x: x.index_fill(1, t(lib, [-1, 0]), -5.0),
    "index_fill_0d_tensor_value": lambda lib, x: x.index_fill(0, t(lib, [2]), t(lib, 4.0)),
    "index_add_int": lambda lib, x: x.long().index_add(1, t(lib, [0, 0]), lib.ones(3, 2, dtype=lib.long),
                                                       alpha=3),
    "index_put_bool": lambda lib, x: x.index_put_((t(lib, [True, False, True]),), t(lib, 1.0)),
    "index_put_two": lambda lib, x: x.index_put((t(lib, [0, 2]), t(lib, [1, 3])), t(lib, [5.0, 6.0])),
    "index_put_accumulate_repeats": lambda lib, x: x.index_put_((t(lib, [0, 0, 2]),), lib.ones(3, 4), True),
    "masked_fill_broadcast_out": lambda lib, x: x[0].masked_fill(lib.ones(2, 4, dtype=lib.bool), 1.0),
    "masked_fill_int_value_on_float": lambda lib, x: x.masked_fill(x > 3, 2),
    "masked_fill_float_value_on_int": lambda lib, x: x.long().masked_fill(x > 3, 2.7),
    "masked_fill_double_tensor_value": lambda lib, x: x.masked_fill(x > 3, t(lib, 2.5, "float64")),
    "masked_fill_inplace": lambda lib, x: x.masked_fill_(x > 3, -1.0),
    "masked_fill_inplace_tensor": lambda lib, x: x.masked_fill_(x > 3, t(lib, -2.0)),
    "masked_scatter_broadcast": lambda lib, x: x[0].masked_scatter(lib.ones(3, 4, dtype=lib.bool), x),
    "masked_select_broadcast": lambda lib, x: x[0].masked_select(lib.ones(3, 4, dtype=lib.bool)),
    "take_negative": lambda lib, x: x.take(t(lib, [[-1, 0], [5, -12]])),
    "put_accumulate": lambda lib, x: x.put_(t(lib, [0, 0, -1]), t(lib, [1.0, 2.0, 3.0]), accumulate=True),
    "take_along_dim_negative": lambda lib, x: lib.take_along_dim(x, t(lib, [[-1], [0], [-4]]), 1),
    "take_along_dim_broadcast": lambda lib, x: lib.take_along_dim(x[:1], t(lib, [[0], [1]]), 1),
    "nonzero_cases": lambda lib, x: (lib.nonzero(x[0, 0]), lib.nonzero(x[0, 0], as_tuple=True),
                                     lib.nonzero(x[0, 1], as_tuple=True), lib.nonzero(t(lib, [True, False])),
                                     lib.argwhere(x > 6), lib.nonzero(lib.zeros(0, 2))),
    "where_single": lambda lib, x: lib.where(x > 6),
    "inplace_returns_self": lambda lib, x: (x.scatter_(1, t(lib, [[0], [1], [2]]), 1.0),
                                            x.index_fill_(0, t(lib, [1]), -1.0)),
}


@pytest.mark.parametrize("name", list(RESULTS))
def test_results_match_pytorch(name):
    same_result(RESULTS[name])


@pytest.mark.parametrize("expr,name", [
    ("x[1]", "SelectBackward0"), ("x[1:]", "SliceBackward0"), ("x[:]", "SliceBackward0"),
    ("x[:, :]", "AliasBackward0"), ("x[...]", "AliasBackward0"), ("x[()]", "AliasBackward0"),
    ("x[None]", "UnsqueezeBackward0"), ("x[0, None]", "UnsqueezeBackward0"),
    ("x[None, 0]", "SelectBackward0"),
    ("x[0, 1:]", "SliceBackward0"), ("x[1:, 0]", "SelectBackward0"), ("x[1, ..., 2]", "SelectBackward0"),
    ("x[lib.tensor(1)]", "SelectBackward0"), ("x[[0, 1]]", "IndexBackward0"), ("x[x > 0]", "IndexBackward0"),
    ("x[True]", "IndexBackward0"), ("x[1:, [0, 1]]", "IndexBackward0"),
    ("x.index_select(0, lib.tensor([0]))", "IndexSelectBackward0"),
    ("x.gather(0, lib.tensor([[0]]))", "GatherBackward0"),
    ("x.scatter(0, lib.tensor([[0]]), x)", "ScatterBackward0"),
    ("x.scatter(0, lib.tensor([[0]]), 1.0)", "ScatterBackward1"),
    ("x.scatter_add(0, lib.tensor([[0]]), x)", "ScatterAddBackward0"),
    ("x.scatter_reduce(0, lib.tensor([[0]]), x, 'amax')", "ScatterReduceBackward0"),
    ("x.index_add(0, lib.tensor([0]), x[:1])", "IndexAddBackward0"),
    ("x.index_copy(0, lib.tensor([0]), x[:1])", "IndexCopyBackward0"),
    ("x.index_fill(0, lib.tensor([0]), 1.0)", "IndexFillBackward0"),
    ("x.index_fill(0, lib.tensor([0]), x[0, 0])", "IndexFillBackward1"),
    ("x.index_put((lib.tensor([0]),), x[0, 0])", "IndexPutBackward0"),
    ("x.masked_fill(x > 0, 1.0)", "MaskedFillBackward0"),
    ("x.masked_fill(x > 0, x[0, 0])", "MaskedFillBackward1"),
    ("x.masked_select(x > 0)", "MaskedSelectBackward0"),
    ("x.masked_scatter(x > 0, x)", "MaskedScatterBackward0"),
    ("x.take(lib.tensor([1]))", "TakeBackward0"), ("x.put(lib.tensor([1]), x[0, :1])", "PutBackward0"),
    ("lib.take_along_dim(x, lib.tensor([[0]]), 1)", "GatherBackward0"),
])
def test_grad_fn_names(expr, name):
    for lib in (ember, torch):
        x = lib.randn(3, 4, requires_grad=True) * 1
        out = eval(expr, {"x": x, "lib": lib})
        assert out.grad_fn.name() == name


def test_basic_index_is_view_advanced_is_copy():
    x = ember.zeros(3, 4)
    v, c = x[1], x[[1]]
    x.add_(1)
    assert v.tolist() == [1.0] * 4 and c.tolist() == [[0.0] * 4]


def test_deprecation_warnings():
    # PyTorch emits these once per process, so only ember is checked (same texts)
    x = _x(ember)
    with pytest.warns(UserWarning, match="indexing with dtype torch.uint8 is now deprecated"):
        x[ember.tensor([1, 0, 1], dtype=ember.uint8)]
    with pytest.warns(UserWarning, match="Using a non-tuple sequence for multidimensional indexing"):
        x[[[0, 1], [1, 2]]]
    with pytest.warns(UserWarning, match="The reduce argument of torch.scatter with Tensor src is deprecat"):
        x.scatter(0, ember.tensor([[0]]), x, reduce="add")


def test_scatter_with_reduce_has_no_gradient():
    for lib in (ember, torch):
        x = lib.ones(3, 4, requires_grad=True) * 1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = x.scatter(0, lib.tensor([[0, 0]]), x, reduce="add")
        with pytest.raises(RuntimeError, match="derivative for aten::scatter is not implemented"):
            y.sum().backward()


def test_setitem_gradients_for_target_and_value():
    rng = np.random.default_rng(0)
    xd, vd, up = rng.standard_normal((4, 5)), rng.standard_normal((5,)), rng.standard_normal((4, 5))
    res = []
    for lib in (ember, torch):
        x = lib.tensor(xd, requires_grad=True)
        v = lib.tensor(vd, requires_grad=True)
        y = x * 1
        y[[0, 2, 0]] = v * 2       # repeated rows: the value's gradient counts each occurrence
        y[1:, 1] = v[0]            # basic index, broadcast scalar tensor
        y[y > 1] = 0.0             # mask with a scalar
        (y * lib.tensor(up)).sum().backward()
        res.append((y.detach(), x.grad, v.grad))
    assert_same(res[0], res[1])


def test_setitem_without_grad_bumps_version_and_writes_through_views():
    for lib in (ember, torch):
        x = lib.zeros(3, 4)
        v = x.t()
        v[1] = 2.0
        x[[0, 2], 0] = lib.tensor([5.0, 6.0])
        x[x > 5] = -1.0
        ver = x._version
        if lib is ember:
            e = (x.clone(), v.clone(), ver)
        else:
            assert_same(e[0], x)
            assert_same(e[1], v)
            assert e[2] == ver


def test_index_put_inplace_with_grad_and_accumulate():
    rng = np.random.default_rng(2)
    xd, vd = rng.standard_normal((3, 4)), rng.standard_normal((4,))
    res = []
    for lib in (ember, torch):
        x = lib.tensor(xd, requires_grad=True)
        v = lib.tensor(vd, requires_grad=True)
        y = x * 1
        y.index_put_((lib.tensor([0, 0, 2]),), v, accumulate=True)
        y.index_put_((lib.tensor([1]), lib.tensor([3])), v[0])
        (y * y).sum().backward()
        res.append((y.detach(), x.grad, v.grad))
    assert_same(res[0], res[1])


def test_masked_fill_inplace_gradients():
    rng = np.random.default_rng(3)
    xd = rng.standard_normal((3, 4))
    res = []
    for lib in (ember, torch):
        x = lib.tensor(xd, requires_grad=True)
        val = lib.tensor(0.5, requires_grad=True)
        y = x * 2
        y.masked_fill_(y > 0, val)
        (y * y).sum().backward()
        res.append((y.detach(), x.grad, val.grad))
    assert_same(res[0], res[1])


def test_scatter_reduce_prod_gradient_with_zeros():
    res = []
    for lib in (ember, torch):
        x = lib.tensor([[1.0, 0.0], [2.0, 3.0]], requires_grad=True)
        s = lib.tensor([[0.0, 2.0], [0.0, 4.0], [5.0, 0.0]], requires_grad=True)
        idx = lib.tensor([[0, 1], [0, 1], [1, 1]])
        for incl in (True, False):
            y = x.scatter_reduce(0, idx, s, "prod", include_self=incl)
            gx, gs = lib.autograd.grad((y * lib.tensor([[1.0, 2.0], [3.0, 4.0]])).sum(), (x, s))
            res.append((y.detach(), gx, gs))
    assert_same(res[:2], res[2:])


def test_where_single_helper():
    from ember.ops.indexing import _where_single

    x = ember.tensor([[0, 1], [2, 0]])
    rows, cols = _where_single(x)
    assert rows.tolist() == [0, 1] and cols.tolist() == [1, 0]
