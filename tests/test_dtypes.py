"""dtypes against PyTorch: promotion tables, result_type, can_cast, finfo/iinfo, defaults, aliases."""

from __future__ import annotations

import copy
import itertools
import pickle

import numpy as np
import pytest

import ember
from conftest import torch

pytestmark = pytest.mark.skipif(torch is None, reason="needs PyTorch")

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
PAIRS = list(itertools.product(NAMES, NAMES))


def E(name):  # noqa: N802
    return getattr(ember, name)


def T(name):  # noqa: N802
    return getattr(torch, name)


@pytest.mark.parametrize("a,b", PAIRS)
def test_promote_types_table(a, b):
    assert str(ember.promote_types(E(a), E(b))) == str(torch.promote_types(T(a), T(b)))


@pytest.mark.parametrize("a,b", PAIRS)
def test_can_cast_table(a, b):
    assert ember.can_cast(E(a), E(b)) == torch.can_cast(T(a), T(b))


def _operand(lib, kind: str, name: str):
    """A tensor (n-d or 0-d) of dtype `name`, or a Python scalar of that kind."""
    if kind == "nd":
        return lib.ones(2, dtype=getattr(lib, name))
    if kind == "0d":
        return lib.ones((), dtype=getattr(lib, name))
    return {"bool": True, "int": 2, "float": 2.5}[name]


OPERANDS = ([("nd", n) for n in NAMES] + [("0d", n) for n in NAMES]
            + [("scalar", s) for s in ("bool", "int", "float")])


@pytest.mark.parametrize("x", OPERANDS, ids=lambda o: f"{o[0]}-{o[1]}")
def test_result_type(x):
    for y in OPERANDS:
        if x[0] == "scalar" and y[0] == "scalar":
            continue
        e = ember.result_type(_operand(ember, *x), _operand(ember, *y))
        t = torch.result_type(_operand(torch, *x), _operand(torch, *y))
        assert str(e) == str(t), (x, y)


def test_result_type_scalars_and_numpy_scalars():
    assert ember.result_type(1, 2.0) is ember.float32
    assert str(torch.result_type(1, 2.0)) == "torch.float32"
    assert ember.result_type(True, 2) is ember.int64
    # NumPy scalars promote like Python numbers of their kind, but PyTorch counts np.bool_ as a float
    for s in (np.float32(1), np.float64(1), np.int32(1), np.uint8(1), np.bool_(True)):
        for name in ("int64", "float16", "uint8", "bool"):
            e = ember.result_type(ember.ones(2, dtype=E(name)), s)
            t = torch.result_type(torch.ones(2, dtype=T(name)), s)
            assert str(e) == str(t), (s, name)
    with pytest.raises(TypeError):
        ember.result_type([1], 1)
    with pytest.raises(TypeError):
        ember.promote_types(ember.float32, 1)
    with pytest.raises(TypeError):
        ember.can_cast(1, ember.float32)


def test_result_type_follows_default_dtype():
    try:
        ember.set_default_dtype(ember.float64)
        assert ember.result_type(ember.ones(2, dtype=ember.int32), 1.5) is ember.float64
        assert ember.result_type(ember.ones(2, dtype=ember.float16), 1.5) is ember.float16
    finally:
        ember.set_default_dtype(ember.float32)


@pytest.mark.parametrize("a,b", [("int32", "float16"), ("uint8", "int8"), ("bool", "int16"),
                                 ("int64", "float32"), ("float16", "float64"), ("bool", "bool"),
                                 ("uint8", "bool")])
def test_arithmetic_follows_promotion(a, b):
    for ea, ta in ((ember.ones(2, dtype=E(a)), torch.ones(2, dtype=T(a))),
                   (ember.ones((), dtype=E(a)), torch.ones((), dtype=T(a)))):
        eb, tb = ember.ones(2, dtype=E(b)), torch.ones(2, dtype=T(b))
        assert str((ea + eb).dtype) == str((ta + tb).dtype)
        assert str((ea * eb).dtype) == str((ta * tb).dtype)
        for s in (2, 2.5, True):
            assert str((ea + s).dtype) == str((ta + s).dtype)


@pytest.mark.parametrize("name", NAMES)
def test_dtype_attributes(name):
    e, t = E(name), T(name)
    assert repr(e) == repr(t) and str(e) == str(t)
    assert e.is_floating_point == t.is_floating_point
    assert e.is_complex == t.is_complex
    assert e.is_signed == t.is_signed
    assert e.itemsize == t.itemsize
    assert e.abbr == t.abbr
    assert e.to_real() is e
    assert pickle.loads(pickle.dumps(e)) is e
    assert copy.deepcopy(e) is e and copy.copy(e) is e
    assert hash(e) == hash(E(name)) and e == E(name)
    assert type(e).__name__ == "dtype"


@pytest.mark.parametrize("alias,name", [("float", "float32"), ("double", "float64"), ("half", "float16"),
                                        ("long", "int64"), ("int", "int32"), ("short", "int16")])
def test_aliases(alias, name):
    assert getattr(ember, alias) is E(name)
    assert str(getattr(torch, alias)) == str(E(name))


@pytest.mark.parametrize("name", ["float16", "float32", "float64"])
def test_finfo(name):
    e, t = ember.finfo(E(name)), torch.finfo(T(name))
    for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(e, field) == getattr(t, field), field
        assert type(getattr(e, field)) is type(getattr(t, field)), field
    assert repr(e) == repr(t)
    assert e == ember.finfo(E(name))


def test_finfo_default_and_errors():
    assert ember.finfo().dtype == torch.finfo().dtype == "float32"
    for name in ("int32", "bool"):
        with pytest.raises(TypeError) as te:
            torch.finfo(T(name))
        with pytest.raises(TypeError) as ee:
            ember.finfo(E(name))
        assert str(ee.value) == str(te.value)


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo(name):
    e, t = ember.iinfo(E(name)), torch.iinfo(T(name))
    for field in ("bits", "max", "min", "dtype"):
        assert getattr(e, field) == getattr(t, field), field
        assert type(getattr(e, field)) is type(getattr(t, field)), field
    assert repr(e) == repr(t)


def test_iinfo_errors():
    for name in ("float32", "bool"):
        with pytest.raises(TypeError) as te:
            torch.iinfo(T(name))
        with pytest.raises(TypeError) as ee:
            ember.iinfo(E(name))
        assert str(ee.value) == str(te.value)


def test_default_dtype():
    assert ember.get_default_dtype() is ember.float32
    for name in ("float64", "float16", "float32"):
        ember.set_default_dtype(E(name))
        torch.set_default_dtype(T(name))
        try:
            assert ember.get_default_dtype() is E(name)
            assert str(ember.tensor([1.0]).dtype) == str(torch.tensor([1.0]).dtype)
            assert str(ember.tensor(1.0).dtype) == str(torch.tensor(1.0).dtype)
            assert str(ember.tensor([1, 2.0]).dtype) == str(torch.tensor([1, 2.0]).dtype)
            assert ember.tensor([1]).dtype is ember.int64
            assert str(ember.zeros(2).dtype) == str(torch.zeros(2).dtype)
            assert str(ember.finfo().dtype) == str(torch.finfo().dtype)
        finally:
            ember.set_default_dtype(ember.float32)
            torch.set_default_dtype(torch.float32)
    for name in ("int64", "bool", "uint8"):
        with pytest.raises(TypeError) as te:
            torch.set_default_dtype(T(name))
        with pytest.raises(TypeError) as ee:
            ember.set_default_dtype(E(name))
        assert str(ee.value) == str(te.value)
    assert ember.get_default_dtype() is ember.float32


@pytest.mark.parametrize("name", NAMES)
def test_is_floating_point(name):
    x = ember.ones(2, dtype=E(name))
    assert ember.is_floating_point(x) == torch.is_floating_point(torch.ones(2, dtype=T(name)))
    assert x.is_floating_point() == ember.is_floating_point(x)
    assert ember.is_complex(x) is False
    with pytest.raises(TypeError):
        ember.is_floating_point(1.0)
