"""nn.Parameter, nn.Buffer and the uninitialized kinds, against PyTorch."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import ember
import ember.nn as nn
from conftest import torch
from nn.helpers import err


def test_parameter_shares_memory_and_is_leaf():
    t = ember.ones(3)
    p = nn.Parameter(t)
    assert isinstance(p, nn.Parameter) and isinstance(p, ember.Tensor)
    assert p.is_leaf and p.requires_grad and p.grad_fn is None
    assert p.data_ptr() == t.data_ptr()
    t.add_(1)
    assert p.tolist() == [2.0, 2.0, 2.0]
    assert p._vc is t._vc


def test_parameter_from_non_leaf_is_leaf():
    x = ember.ones(2, requires_grad=True)
    p = nn.Parameter(x * 2)
    tp = torch.nn.Parameter(torch.ones(2, requires_grad=True) * 2)
    assert p.is_leaf == tp.is_leaf
    assert p.grad_fn is None and tp.grad_fn is None


def test_parameter_defaults_and_requires_grad_flag():
    assert tuple(nn.Parameter().shape) == tuple(torch.nn.Parameter().shape) == (0,)
    assert nn.Parameter().requires_grad
    assert not nn.Parameter(ember.ones(2), requires_grad=False).requires_grad
    p = nn.Parameter(ember.tensor([1, 2]), requires_grad=False)
    assert p.dtype == ember.int64


def test_parameter_int_requires_grad_error():
    assert err(lambda: nn.Parameter(ember.tensor([1, 2]))) == \
        err(lambda: torch.nn.Parameter(torch.tensor([1, 2])))


def test_ops_on_parameter_return_plain_tensors():
    p = nn.Parameter(ember.ones(2, 2))
    for out in (p * 2, p + p, p.clone(), p.detach(), p.data, p.sum(), p.t(), p.reshape(4), p[0]):
        assert type(out) is ember.Tensor
    assert p.to(ember.float32) is p  # no-op conversion returns self, as in PyTorch
    assert type(p.requires_grad_(False)) is nn.Parameter


def test_parameter_repr_prefix():
    p = nn.Parameter(ember.ones(2))
    assert repr(p) == "Parameter containing:\n" + ember.Tensor.__repr__(p)
    assert repr(torch.nn.Parameter(torch.ones(2))).startswith("Parameter containing:\ntensor(")


def test_parameter_deepcopy_like_pytorch():
    p = nn.Parameter(ember.ones(2))
    p.grad = ember.ones(2)
    p.foo = 3
    q = copy.deepcopy(p)
    tp = torch.nn.Parameter(torch.ones(2))
    tp.grad = torch.ones(2)
    tp.foo = 3
    tq = copy.deepcopy(tp)
    assert type(q) is nn.Parameter and type(tq) is torch.nn.Parameter
    assert q.requires_grad == tq.requires_grad
    assert (q.grad is None) == (tq.grad is None)
    assert hasattr(q, "foo") == hasattr(tq, "foo")
    assert q.data_ptr() != p.data_ptr()
    np.testing.assert_array_equal(q.detach().numpy(), p.detach().numpy())
    frozen = copy.deepcopy(nn.Parameter(ember.ones(1), requires_grad=False))
    assert not frozen.requires_grad


def test_parameter_pickle_keeps_type_flag_and_attributes():
    p = nn.Parameter(ember.ones(2), requires_grad=False)
    p.foo = 3
    q = pickle.loads(pickle.dumps(p))
    tp = torch.nn.Parameter(torch.ones(2), requires_grad=False)
    tp.foo = 3
    tq = pickle.loads(pickle.dumps(tp))
    assert type(q) is nn.Parameter
    assert q.requires_grad == tq.requires_grad
    assert getattr(q, "foo", None) == getattr(tq, "foo", None)


def test_pickle_after_backward():
    p = nn.Parameter(ember.ones(2))
    (p * 2).sum().backward()
    q = pickle.loads(pickle.dumps(p))
    assert q.grad is None and q.requires_grad


def test_buffer_is_a_flagged_plain_tensor():
    t = ember.ones(2)
    b = nn.Buffer(t, persistent=False)
    tb = torch.nn.Buffer(torch.ones(2), persistent=False)
    assert type(b) is ember.Tensor and type(tb) is torch.Tensor
    assert isinstance(b, nn.Buffer) and not isinstance(t, nn.Buffer)
    assert b is not t and b.data_ptr() == t.data_ptr()
    assert b.persistent is False and tb.persistent is False
    assert tuple(nn.Buffer().shape) == (0,)
    g = nn.Buffer(ember.ones(2, requires_grad=True) * 2)
    assert g.requires_grad and g.is_leaf


def test_uninitialized_parameter():
    p = nn.UninitializedParameter()
    assert repr(p) == repr(torch.nn.UninitializedParameter()) == "<UninitializedParameter>"
    assert err(lambda: p.shape) == err(lambda: torch.nn.UninitializedParameter().shape)
    assert nn.parameter.is_lazy(p)
    p.materialize((2, 3))
    assert type(p) is nn.Parameter and tuple(p.shape) == (2, 3) and p.requires_grad
    b = nn.UninitializedBuffer()
    b.materialize((4,), dtype=ember.float64)
    assert type(b) is ember.Tensor and b.dtype == ember.float64 and not b.requires_grad


@pytest.mark.parametrize("cls", [nn.UninitializedParameter, nn.UninitializedBuffer])
def test_uninitialized_copy_and_pickle(cls):
    u = cls()
    assert type(copy.deepcopy(u)) is cls
    assert type(pickle.loads(pickle.dumps(u))) is cls
