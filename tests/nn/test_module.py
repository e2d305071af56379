"""nn.Module: registration, traversal, state_dict, conversions, printing, errors — against PyTorch."""

from __future__ import annotations

import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import ember
import ember.nn as nn
from conftest import torch
from nn.helpers import copy_weights, err, to_torch_state


def _classes(lib):
    """A small nested model with a shared weight, a shared submodule, buffers (one non-persistent)."""
    class Block(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = lib.nn.Linear(3, 3)
            self.register_buffer("count", lib.zeros(1, dtype=lib.int64))
            self.register_buffer("scratch", lib.ones(2), persistent=False)

        def forward(self, x):
            return self.fc(x).relu()

    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = Block()
            self.b = Block()
            self.b.fc.weight = self.a.fc.weight  # tied weight
            self.shared = self.a  # the same module under two names
            self.head = lib.nn.Linear(3, 2, bias=False)
            self.scale = lib.nn.Parameter(lib.ones(1))
            self.none_param = None

        def forward(self, x):
            return self.head(self.b(self.a(x))) * self.scale

    return Block, Net


# module-level names so that pickle finds the ember classes
Block, Net = _classes(ember)
Block.__qualname__, Net.__qualname__ = "Block", "Net"
_TORCH_CLASSES = _classes(torch)


def make_net(lib):
    return Net() if lib is ember else _TORCH_CLASSES[1]()


@pytest.fixture
def nets():
    e, t = make_net(ember), make_net(torch)
    copy_weights(e, t)
    return e, t


def names(it):
    return [n for n, _ in it]


def test_named_members_match_pytorch(nets):
    e, t = nets
    assert names(e.named_parameters()) == names(t.named_parameters())
    assert names(e.named_parameters(remove_duplicate=False)) == \
        names(t.named_parameters(remove_duplicate=False))
    assert names(e.named_parameters(prefix="m", recurse=False)) == names(t.named_parameters(prefix="m",
                                                                                            recurse=False))
    assert names(e.named_buffers()) == names(t.named_buffers())
    assert names(e.named_buffers(remove_duplicate=False)) == names(t.named_buffers(remove_duplicate=False))
    assert names(e.named_children()) == names(t.named_children())
    assert names(e.named_modules()) == names(t.named_modules())
    assert names(e.named_modules(remove_duplicate=False)) == names(t.named_modules(remove_duplicate=False))
    assert names(e.named_modules(prefix="root")) == names(t.named_modules(prefix="root"))
    assert len(list(e.parameters())) == len(list(t.parameters()))
    assert len(list(e.modules())) == len(list(t.modules()))
    assert len(list(e.children())) == len(list(t.children()))


def test_named_modules_memo_shared_across_calls(nets):
    e, t = nets
    memo_e, memo_t = set(), set()
    first_e = names(e.a.named_modules(memo_e))
    first_t = names(t.a.named_modules(memo_t))
    assert first_e == first_t
    assert names(e.named_modules(memo_e)) == names(t.named_modules(memo_t))


def test_shared_parameter_listed_once(nets):
    e, _ = nets
    params = list(e.parameters())
    assert sum(p is e.a.fc.weight for p in params) == 1


def test_forward_matches(nets):
    e, t = nets
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_allclose(e(ember.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_state_dict_keys_shapes_and_sharing(nets):
    e, t = nets
    se, st = e.state_dict(), t.state_dict()
    assert isinstance(se, OrderedDict)
    assert list(se.keys()) == list(st.keys())
    assert [tuple(v.shape) for v in se.values()] == [tuple(v.shape) for v in st.values()]
    assert [str(v.dtype) for v in se.values()] == [str(v.dtype) for v in st.values()]
    assert dict(se._metadata) == dict(st._metadata)
    w = se["a.fc.weight"]
    assert type(w) is ember.Tensor and not w.requires_grad
    assert w.data_ptr() == e.a.fc.weight.data_ptr()
    kv = e.state_dict(keep_vars=True)
    assert kv["a.fc.weight"] is e.a.fc.weight
    assert list(e.state_dict(prefix="p.").keys()) == list(t.state_dict(prefix="p.").keys())


def test_state_dict_destination_and_hooks():
    m = nn.Linear(2, 2)
    dest = OrderedDict()
    assert m.state_dict(destination=dest) is dest and list(dest) == ["weight", "bias"]
    calls = []
    m.register_state_dict_pre_hook(lambda mod, prefix, keep_vars: calls.append(("pre", prefix)))
    m.register_state_dict_post_hook(lambda mod, sd, prefix, meta: calls.append(("post", list(sd))))
    m.state_dict()
    assert calls == [("pre", ""), ("post", ["weight", "bias"])]


def test_load_state_dict_in_place(nets):
    e, t = nets
    w = e.a.fc.weight
    ptr = w.data_ptr()
    state = {k: ember.tensor(v.numpy() + 1) for k, v in t.state_dict().items()}
    res = e.load_state_dict(state)
    assert e.a.fc.weight is w and w.data_ptr() == ptr and w.requires_grad and w.is_leaf
    np.testing.assert_allclose(w.detach().numpy(), t.a.fc.weight.detach().numpy() + 1)
    tres = t.load_state_dict({k: torch.tensor(v.numpy()) for k, v in state.items()})
    assert repr(res) == repr(tres) == "<All keys matched successfully>"
    assert res.missing_keys == [] and res.unexpected_keys == []
    assert type(res).__name__ == "_IncompatibleKeys"


def test_load_state_dict_casts_dtype():
    m = nn.Linear(2, 2)
    m.load_state_dict({"weight": ember.ones(2, 2, dtype=ember.float64), "bias": ember.zeros(2)})
    assert m.weight.dtype == ember.float32 and m.weight.tolist() == [[1.0, 1.0], [1.0, 1.0]]


def _state_variants(lib):
    return [
        {"weight": lib.ones(2, 3), "bias": lib.ones(2), "foo": lib.ones(1), "bar.x": lib.ones(1)},
        {"weight": lib.ones(3, 3)},
        {"weight": lib.ones(3, 3), "bias": lib.ones(3), "weight.x": lib.ones(1)},
        {"weight": [1, 2], "bias": lib.ones(3)},
        {"weight": lib.ones(3, 3), "bias": lib.ones(3), "extra": lib.ones(1)},
        {"bias": lib.ones(4)},
    ]


@pytest.mark.parametrize("i", range(6))
@pytest.mark.parametrize("strict", [True, False])
def test_load_state_dict_errors_match(i, strict):
    e, t = nn.Linear(3, 3), torch.nn.Linear(3, 3)
    se, st = _state_variants(ember)[i], _state_variants(torch)[i]
    re_ = err(lambda: e.load_state_dict(se, strict=strict))
    rt = err(lambda: t.load_state_dict(st, strict=strict))
    assert re_ == rt
    if rt is None:
        assert repr(e.load_state_dict(se, strict=False)) == repr(t.load_state_dict(st, strict=False))


def test_load_state_dict_not_a_mapping():
    assert err(lambda: nn.Linear(1, 1).load_state_dict([1])) == \
        err(lambda: torch.nn.Linear(1, 1).load_state_dict([1]))


def test_load_state_dict_nested_missing_and_unexpected(nets):
    e, t = nets
    se = {k: v for k, v in e.state_dict().items() if not k.startswith("head")}
    se["a.zzz"] = ember.ones(1)
    st = {k: torch.tensor(v.numpy()) for k, v in se.items()}
    assert err(lambda: e.load_state_dict(se)) == err(lambda: t.load_state_dict(st))
    assert repr(e.load_state_dict(se, strict=False)) == repr(t.load_state_dict(st, strict=False))


def test_load_state_dict_assign():
    m = nn.Linear(2, 2)
    new_w = ember.ones(2, 2)
    m.load_state_dict({"weight": new_w, "bias": ember.zeros(2)}, assign=True)
    assert type(m.weight) is nn.Parameter and m.weight.requires_grad
    assert m.weight.data_ptr() == new_w.data_ptr()
    m.weight.requires_grad_(False)
    p = nn.Parameter(ember.ones(2, 2))
    m.load_state_dict({"weight": p, "bias": ember.zeros(2)}, assign=True)
    assert m.weight is p and not p.requires_grad


def test_load_state_dict_post_hook_and_pre_hook():
    m = nn.Linear(2, 2)
    seen = []

    def post(mod, keys):
        seen.append((mod, list(keys.missing_keys)))
        keys.missing_keys.clear()

    m.register_load_state_dict_post_hook(post)
    m.register_load_state_dict_pre_hook(lambda mod, sd, prefix, *rest: seen.append(("pre", sorted(sd))))
    m.load_state_dict({"weight": ember.ones(2, 2)})  # the post hook clears the missing key
    assert seen == [("pre", ["weight"]), (m, ["bias"])]


def test_extra_state_round_trip():
    class WithExtra(nn.Module):
        def __init__(self):
            super().__init__()
            self.value = 1

        def get_extra_state(self):
            return {"value": self.value}

        def set_extra_state(self, state):
            self.value = state["value"]

    m = WithExtra()
    m.value = 5
    sd = m.state_dict()
    assert list(sd) == ["_extra_state"]
    m2 = WithExtra()
    m2.load_state_dict(sd)
    assert m2.value == 5


@pytest.mark.parametrize("name,value", [("weight", "tensor"), ("weight", 3), ("bias", "module")])
def test_setattr_type_errors(name, value):
    def attempt(lib):
        m = lib.nn.Linear(2, 2)
        v = {"tensor": lib.ones(2, 2), "module": None}.get(value, value) if isinstance(value, str) else value
        if value == "module":
            v = 5
            m.sub = lib.nn.Linear(1, 1)
            return err(lambda: setattr(m, "sub", v))
        return err(lambda: setattr(m, name, v))
    assert attempt(ember) == attempt(torch)


def test_setattr_buffer_type_error_and_none():
    def attempt(lib):
        m = lib.nn.Module()
        m.register_buffer("b", lib.ones(1))
        first = err(lambda: setattr(m, "b", 5))
        m.b = None
        return first, m.b, list(m.state_dict())
    assert attempt(ember) == attempt(torch)


@pytest.mark.parametrize("call", [
    lambda lib, m: m.register_buffer("c", 5),
    lambda lib, m: m.register_buffer("a.b", lib.ones(1)),
    lambda lib, m: m.register_buffer("", lib.ones(1)),
    lambda lib, m: m.register_buffer(1, lib.ones(1)),
    lambda lib, m: m.register_buffer("zz", lib.ones(1)),
    lambda lib, m: m.register_parameter("zz", None),
    lambda lib, m: m.register_parameter("p", lib.ones(1)),
    lambda lib, m: m.register_parameter("p", lib.nn.Parameter(lib.ones(1)) * 2),
    lambda lib, m: m.register_parameter("a.b", None),
    lambda lib, m: m.register_parameter("", None),
    lambda lib, m: m.register_parameter(2, None),
    lambda lib, m: m.add_module("zz", None),
    lambda lib, m: m.add_module("a.b", None),
    lambda lib, m: m.add_module("", None),
    lambda lib, m: m.add_module("q", 5),
    lambda lib, m: m.add_module(3, None),
    lambda lib, m: lib.nn.Module(3),
    lambda lib, m: lib.nn.Module(a=3),
    lambda lib, m: m(3),
    lambda lib, m: m.nothere,
    lambda lib, m: lib.nn.Sequential(lib.nn.Linear(2, 2)).get_submodule("0.weight"),
    lambda lib, m: lib.nn.Sequential(lib.nn.Linear(2, 2)).get_submodule("5"),
    lambda lib, m: lib.nn.Sequential(lib.nn.Linear(2, 2)).get_submodule("0.x"),
    lambda lib, m: lib.nn.Sequential(lib.nn.Linear(2, 2)).get_parameter("0.x"),
    lambda lib, m: lib.nn.Sequential(lib.nn.Linear(2, 2)).get_parameter("0.in_features"),
    lambda lib, m: lib.nn.Sequential(lib.nn.Linear(2, 2)).get_buffer("0.weight"),
    lambda lib, m: lib.nn.Sequential(lib.nn.Linear(2, 2)).get_buffer("0.x"),
    lambda lib, m: lib.nn.Linear(2, 2).to(lib.int64),
    lambda lib, m: m.train(1),
])
def test_errors_match(call):
    def attempt(lib):
        m = lib.nn.Module()
        m.zz = 3
        return err(lambda: call(lib, m))
    res = attempt(ember)
    assert res is not None and res == attempt(torch)


def test_missing_forward_message():
    class Foo(nn.Module):
        pass

    class TFoo(torch.nn.Module):
        pass

    TFoo.__name__ = "Foo"
    assert err(lambda: Foo()(1)) == err(lambda: TFoo()(1))


def test_get_submodule_parameter_buffer(nets):
    e, _ = nets
    assert e.get_submodule("") is e
    assert e.get_submodule("a.fc") is e.a.fc
    assert e.get_parameter("a.fc.weight") is e.a.fc.weight
    assert e.get_parameter("scale") is e.scale
    assert e.get_buffer("b.count") is e.b.count
    new = nn.Linear(3, 3)
    e.set_submodule("a.fc", new)
    assert e.a.fc is new


def test_replacing_a_layer_like_finetuning():
    m = nn.Sequential(OrderedDict(body=nn.Linear(4, 8), fc=nn.Linear(8, 10)))
    m.fc = nn.Linear(8, 3)
    assert [n for n, _ in m.named_parameters()] == ["body.weight", "body.bias", "fc.weight", "fc.bias"]
    assert m(ember.ones(2, 4)).shape == (2, 3)


def test_reassign_kinds_between_stores():
    def run(lib):
        m = lib.nn.Module()
        m.x = lib.nn.Parameter(lib.ones(1))
        out = [err(lambda: setattr(m, "x", lib.nn.Linear(1, 1)))]
        m.y = lib.nn.Linear(1, 1)
        m.y = lib.nn.Parameter(lib.ones(1))  # a parameter replaces a module
        out.append((list(m._modules), list(m._parameters)))
        m.plain = 3
        m.plain = lib.nn.Parameter(lib.ones(1))
        out.append("plain" in m.__dict__)
        m.z = 3
        out.append(err(lambda: setattr(m, "z", lib.nn.Buffer(lib.ones(1)))))
        out.append(err(lambda: setattr(m, "x", lib.nn.Buffer(lib.ones(1)))))
        m.buf = lib.nn.Buffer(lib.ones(1), persistent=False)
        out.append((list(m._buffers), sorted(m._non_persistent_buffers_set)))
        del m.buf, m.x, m.plain, m.z
        out.append((list(m._buffers), list(m._parameters), hasattr(m, "z")))
        return out
    assert run(ember) == run(torch)


def test_dir_lists_members(nets):
    e, _ = nets
    d = dir(e)
    for key in ("a", "head", "scale", "forward", "training"):
        assert key in d
    assert "count" in dir(e.a)


def test_repr_matches(nets):
    e, t = nets
    assert repr(e) == repr(t)

    class WithExtra(nn.Module):
        def extra_repr(self):
            return "line1\nline2"

    class TWithExtra(torch.nn.Module):
        def extra_repr(self):
            return "line1\nline2"

    TWithExtra.__name__ = "WithExtra"
    a, b = WithExtra(), TWithExtra()
    a.inner = nn.Linear(1, 2, bias=False)
    b.inner = torch.nn.Linear(1, 2, bias=False)
    assert repr(a) == repr(b)
    assert repr(nn.Module()) == repr(torch.nn.Module()) == "Module()"


def test_train_eval_apply(nets):
    e, t = nets
    assert e.training and e.a.fc.training
    assert e.eval() is e
    assert not any(m.training for m in e.modules())
    e.train()
    assert all(m.training for m in e.modules())
    e.a.train(False)
    assert not e.a.fc.training and e.b.training
    visited = []
    e.apply(lambda m: visited.append(type(m).__name__))
    tvisited = []
    t.apply(lambda m: tvisited.append(type(m).__name__))
    assert visited == tvisited


def test_requires_grad_and_zero_grad():
    m = nn.Linear(3, 2)
    m(ember.ones(4, 3)).sum().backward()
    g = m.weight.grad
    m.zero_grad(set_to_none=False)
    assert m.weight.grad is g and g.tolist() == [[0.0] * 3] * 2
    m.zero_grad()
    assert m.weight.grad is None and m.bias.grad is None
    assert m.requires_grad_(False) is m
    assert not any(p.requires_grad for p in m.parameters())


@pytest.mark.parametrize("conv", ["double", "half", "float", "to_dtype", "to_tensor", "type", "cpu",
                                  "to_device"])
def test_conversions_keep_parameter_identity(conv):
    def run(lib):
        m = lib.nn.Linear(2, 2)
        m.register_buffer("steps", lib.zeros(1, dtype=lib.int64))
        w = m.weight
        m(lib.ones(1, 2)).sum().backward()
        out = {
            "double": lambda: m.double(), "half": lambda: m.half(), "float": lambda: m.double().float(),
            "to_dtype": lambda: m.to(lib.float64), "to_tensor": lambda: m.to(lib.ones(1, dtype=lib.float64)),
            "type": lambda: m.type(lib.float64), "cpu": lambda: m.cpu(), "to_device": lambda: m.to("cpu"),
        }[conv]()
        return (out is m, m.weight is w, type(m.weight).__name__, str(m.weight.dtype),
                str(m.weight.grad.dtype), str(m.steps.dtype), m.weight.requires_grad, m.weight.is_leaf)
    assert run(ember) == run(torch)


def test_deepcopy_and_pickle_preserve_sharing(nets):
    e, _ = nets
    for clone in (copy.deepcopy(e), pickle.loads(pickle.dumps(e))):
        assert clone.b.fc.weight is clone.a.fc.weight
        assert clone.shared is clone.a
        assert clone.a.fc.weight is not e.a.fc.weight
        assert type(clone.a.fc.weight) is nn.Parameter
        assert list(clone.state_dict()) == list(e.state_dict())
        x = ember.ones(2, 3)
        np.testing.assert_allclose(clone(x).detach().numpy(), e(x).detach().numpy())
        assert clone.a._non_persistent_buffers_set == {"scratch"}


def test_pickled_module_keeps_hooks_dict_consistent():
    m = nn.Linear(2, 2)
    m.register_forward_hook(_record_hook([]))
    m2 = pickle.loads(pickle.dumps(m))
    m2(ember.ones(1, 2))
    (hook,) = m2._forward_hooks.values()
    assert hook.calls == ["Linear"]


class _record_hook:  # a picklable hook
    def __init__(self, calls):
        self.calls = calls

    def __call__(self, module, args, output):
        self.calls.append(type(module).__name__)


def test_setstate_restores_missing_hook_dicts():
    m = nn.Linear(2, 2)
    state = dict(m.__dict__)
    del state["_forward_pre_hooks"]
    new = nn.Linear.__new__(nn.Linear)
    new.__setstate__(state)
    assert new(ember.ones(1, 2)).shape == (1, 2)


def test_state_dict_round_trip_with_pytorch(nets):
    e, t = nets
    t2 = make_net(torch)
    t2.load_state_dict(to_torch_state(e))
    e2 = make_net(ember)
    e2.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t.state_dict().items()})
    x = np.ones((1, 3), np.float32)
    np.testing.assert_allclose(e2(ember.tensor(x)).detach().numpy(), t2(torch.tensor(x)).detach().numpy(),
                               rtol=1e-6)
