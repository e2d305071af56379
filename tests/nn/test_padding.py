"""F.pad and the padding layers against PyTorch: every mode, 1 to 3 padded dims, negative amounts, dtypes,
gradients (first and second order), reprs and error messages."""

from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from conftest import torch
from nn.layer_parity import check_fn, check_module, same_error, to_np

pytestmark = pytest.mark.skipif(torch is None, reason="PyTorch (the parity reference) is not installed")
TNN = torch.nn if torch is not None else None
TF = torch.nn.functional if torch is not None else None
RNG = np.random.default_rng(0)


def arr(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


CONSTANT = [((1, 2), (2, 3, 4)), ((0, 0), (2, 3)), ((1, 1, 2, 0), (2, 3, 4, 5)), ((-1, 2), (2, 3, 4)),
            ((-2, -1, 1, -1), (2, 3, 4, 5)), ((1, 1, 1, 1, 1, 1), (2, 3, 4)), ((2, 1) * 4, (2, 3, 4, 2)),
            ((1, 2), (5,)), ((-4, 0), (1, 4)), ((1, 1), (0, 3))]


@pytest.mark.parametrize("pad,shape", CONSTANT)
@pytest.mark.parametrize("value", [None, 1.5])
def test_constant(pad, shape, value):
    check_fn(lambda t: F.pad(t, pad, value=value), lambda t: TF.pad(t, pad, value=value), arr(*shape))


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("pad,shape", [((1, 2), (2, 5)), ((2, 1), (2, 3, 5)), ((1, 2, 2, 0), (3, 4, 5)),
                                       ((1, 2, 3, 1), (2, 3, 4, 5)), ((1, 0, 1, 2, 2, 1), (2, 3, 4, 5)),
                                       ((1, 1, 1, 1, 1, 1), (1, 2, 3, 4, 5)), ((-1, 2), (2, 3, 5)),
                                       ((2, -1, -1, 1), (2, 3, 4, 5)), ((0, 0), (2, 3, 4))])
def test_index_modes(mode, pad, shape):
    check_fn(lambda t: F.pad(t, pad, mode=mode), lambda t: TF.pad(t, pad, mode=mode), arr(*shape))


def test_full_width_padding():
    # reflect up to size - 1, circular up to size, replicate any amount
    x = arr(2, 3, 4)
    for mode, pad in (("reflect", (3, 3)), ("circular", (4, 4)), ("replicate", (7, 9))):
        check_fn(lambda t, m=mode, p=pad: F.pad(t, p, mode=m), lambda t, m=mode, p=pad: TF.pad(t, p, mode=m),
                 x)


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool", "float32"])
def test_dtypes(dtype):
    x = RNG.integers(0, 2 if dtype == "bool" else 9, (2, 3, 4))
    for mode, kw in (("constant", dict(value=1.5)), ("constant", {}), ("reflect", {}), ("replicate", {})):
        if dtype == "bool" and mode != "constant":
            continue
        e = F.pad(ember.tensor(x, dtype=getattr(ember, dtype)), (1, 2), mode=mode, **kw)
        t = TF.pad(torch.tensor(x, dtype=getattr(torch, dtype)), (1, 2), mode=mode, **kw)
        assert str(e.dtype) == str(t.dtype)
        np.testing.assert_array_equal(to_np(e), to_np(t))


def test_pad_accepts_lists_and_tensors():
    x = arr(2, 3)
    np.testing.assert_array_equal(to_np(F.pad(ember.tensor(x), [1, 1])), to_np(TF.pad(torch.tensor(x), [1,
                                                                                                        1])))


def test_grad_fn_names():
    x = ember.tensor(arr(1, 2, 3, 4), requires_grad=True)
    assert F.pad(x, (1, 1)).grad_fn.name() == "ConstantPadNdBackward0"
    assert F.pad(x, (1, 1, 1, 1), mode="reflect").grad_fn.name() == "ReflectionPad2DBackward0"
    assert F.pad(x[0], (1, 1), mode="replicate").grad_fn.name() == "ReplicationPad1DBackward0"


MODULES = [("ZeroPad1d", (2,), (2, 3, 4)), ("ZeroPad1d", ((1, 2),), (3, 4)), ("ZeroPad2d", (2,), (2, 3, 4,
                                                                                                  5)),
           ("ZeroPad2d", ((1, 0, 2, -1),), (3, 4, 5)), ("ZeroPad3d", (1,), (1, 2, 3, 4, 5)),
           ("ConstantPad1d", (2, 3.5), (2, 3, 4)), ("ConstantPad2d", ((1, 2, 0, 1), -1.0), (2, 3, 4, 5)),
           ("ConstantPad3d", (1, 2.0), (2, 3, 4, 5)), ("ReflectionPad1d", (2,), (2, 3, 4)),
           ("ReflectionPad2d", ((1, 2, 3, 0),), (2, 3, 4, 5)), ("ReflectionPad3d", (1,), (1, 2, 3, 4, 5)),
           ("ReplicationPad1d", ((3, 1),), (3, 4)), ("ReplicationPad2d", (2,), (2, 3, 4, 5)),
           ("ReplicationPad3d", ((1, 0, 2, 1, 0, 1),), (1, 2, 3, 4, 5)), ("CircularPad1d", (2,), (2, 3, 4)),
           ("CircularPad2d", ((1, 2, 0, 1),), (3, 4, 5)), ("CircularPad3d", (1,), (1, 2, 3, 4, 5))]


@pytest.mark.parametrize("name,args,shape", MODULES)
def test_modules(name, args, shape):
    e, t = getattr(nn, name)(*args), getattr(TNN, name)(*args)
    assert repr(e) == repr(t)
    assert e.padding == t.padding
    check_module(e, t, arr(*shape))


def test_circular_module_rejects_wrong_rank():
    same_error(lambda: nn.CircularPad2d(1)(ember.zeros(2, 3)), lambda: TNN.CircularPad2d(1)(torch.zeros(2,
                                                                                                        3)))


X = (1, 3, 8, 8)
ERRORS = [
    (X, (1,), {}), (X, (1,) * 10, {}), (X, (8, 8), dict(mode="reflect")), (X, (1, 1), dict(mode="foo")),
    ((3,), (1, 1), dict(mode="reflect")), ((2, 3, 4, 5, 6, 7), (1, 1), dict(mode="reflect")),
    (X, (1, 1, 1, 1, 1, 1, 1, 1), dict(mode="replicate")), (X, (9, 9), dict(mode="circular")),
    (X, (-9, -9), {}), ((1, 3, 4), (-3, -2), {}), ((1, 3, 4), (-9, 2), {}), ((1, 3, 4), (1, 1, -4, 1), {}),
    ((1, 3, 4), (5, 0), dict(mode="circular")), ((1, 3, 4), (4, 0), dict(mode="reflect")),
    ((1, 3, 4), (1, 1, 3, 3), dict(mode="reflect")), ((1, 3, 4), (-5, 0), dict(mode="replicate")),
    ((1, 3, 4), (-3, -3), dict(mode="replicate")), (X, (1, 1), dict(mode="replicate", value=2)),
    ((0, 3), (1, 1), dict(mode="replicate")), ((2, 0, 3), (1, 1), dict(mode="reflect")),
    ((0, 2, 3), (1, 1, 1, 1), dict(mode="reflect")), ((2, 3, 4), (1, 1, 1, 1, 1, 1), dict(mode="circular")),
    ((3,), (1, 1), dict(mode="circular")),
]


@pytest.mark.parametrize("shape,pad,kw", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors(shape, pad, kw):
    x = np.zeros(shape)
    same_error(lambda: F.pad(ember.tensor(x), pad, **kw), lambda: TF.pad(torch.tensor(x), pad, **kw))


def test_non_integer_padding_is_a_type_error():
    same_error(lambda: F.pad(ember.zeros(2, 3), (1.5, 1)), lambda: TF.pad(torch.zeros(2, 3), (1.5, 1)))


def test_bool_reflect_not_implemented():
    same_error(lambda: F.pad(ember.zeros(1, 3, 4, dtype=ember.bool), (1, 1), mode="reflect"),
               lambda: TF.pad(torch.zeros(1, 3, 4, dtype=torch.bool), (1, 1), mode="reflect"))


def test_reflect_with_zero_value_is_accepted():
    x = arr(1, 3, 4)
    np.testing.assert_array_equal(to_np(F.pad(ember.tensor(x), (1, 1), mode="reflect", value=0)),
                                  to_np(TF.pad(torch.tensor(x), (1, 1), mode="reflect", value=0)))
