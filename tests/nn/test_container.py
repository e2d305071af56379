"""Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict against PyTorch."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import ember
import ember.nn as nn
from conftest import torch
from nn.helpers import copy_weights, err


def layers(lib, n=4):
    """Distinguishable modules: Linear(i+1, i+2)."""
    return [lib.nn.Linear(i + 1, i + 2) for i in range(n)]


def sig(m):
    """A structural signature comparable across libraries: keys and child reprs."""
    return [(k, repr(v)) for k, v in m._modules.items()]


def same(fn):
    """fn(lib) gives the same result (or error) for ember and PyTorch."""
    def run(lib):
        out = err(lambda: run.result.append(fn(lib)))
        return out, run.result
    run.result = []
    a = run(ember)
    run.result = []
    b = run(torch)
    assert a == b
    return a


def test_sequential_forward_matches():
    e = nn.Sequential(nn.Linear(3, 4), nn.Identity(), nn.Linear(4, 2))
    t = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Identity(), torch.nn.Linear(4, 2))
    copy_weights(e, t)
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(e(ember.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("op", [
    lambda s: sig(s),
    lambda s: repr(s[1]),
    lambda s: repr(s[-1]),
    lambda s: sig(s[1:3]),
    lambda s: type(s[::2]).__name__,
    lambda s: sig(s[::-1]),
    lambda s: s[4],
    lambda s: s[-5],
    lambda s: len(s),
    lambda s: [repr(m) for m in s],
    lambda s: (s.__delitem__(1), sig(s))[1],
    lambda s: (s.__delitem__(slice(0, 2)), sig(s))[1],
    lambda s: (s.__delitem__(-1), sig(s))[1],
    lambda s: (s.pop(1).__repr__(), sig(s)),
    lambda s: (s.append(type(s[0])(1, 1)), sig(s))[1],
    lambda s: (s.insert(1, type(s[0])(9, 9)), sig(s))[1],
    lambda s: (s.insert(-1, type(s[0])(9, 9)), sig(s))[1],
    lambda s: s.insert(7, type(s[0])(9, 9)),
    lambda s: s.insert(0, 3),
    lambda s: (s.extend([type(s[0])(7, 7)]), sig(s))[1],
    lambda s: (s.__setitem__(-2, type(s[0])(8, 8)), sig(s))[1],
    lambda s: sig(s + s),
    lambda s: s + 3,
    lambda s: sig(s * 2),
    lambda s: sig(2 * s),
    lambda s: s * 0,
    lambda s: s * 1.5,
    lambda s: (s.__imul__(2), sig(s))[1],
    lambda s: (s.__iadd__(type(s)(type(s[0])(5, 5))), sig(s))[1],
    lambda s: sorted(k for k in dir(s) if k.isdigit()),
    lambda s: [n for n, _ in s.named_parameters()],
])
def test_sequential_behaviours(op):
    same(lambda lib: op(lib.nn.Sequential(*layers(lib))))


def test_sequential_from_ordered_dict_and_errors():
    same(lambda lib: sig(lib.nn.Sequential(OrderedDict(a=lib.nn.Identity()))))
    same(lambda lib: lib.nn.Sequential({"a": lib.nn.Linear(1, 1)}))
    same(lambda lib: lib.nn.Sequential(3))
    s = nn.Sequential(OrderedDict(first=nn.Linear(1, 2), second=nn.Linear(2, 3)))
    assert s.first is s[0] and s[-1] is s.second
    assert list(s._modules) == ["first", "second"]
    assert list(s[1:]._modules) == ["second"]


@pytest.mark.parametrize("op", [
    lambda m: repr(m),
    lambda m: repr(m[2]),
    lambda m: repr(m[-1]),
    lambda m: repr(m[1:3]),
    lambda m: type(m[1:]).__name__,
    lambda m: m[4],
    lambda m: m[-5],
    lambda m: len(m),
    lambda m: (m.append(type(m[0])(1, 1)), sig(m))[1],
    lambda m: (m.extend([type(m[0])(1, 1)] * 2), repr(m))[1],
    lambda m: m.extend(3),
    lambda m: (m.insert(1, type(m[0])(9, 9)), sig(m))[1],
    lambda m: (m.__delitem__(1), sig(m))[1],
    lambda m: (m.__delitem__(slice(1, 3)), sig(m))[1],
    lambda m: (m.pop(0).__repr__(), sig(m)),
    lambda m: (m.__setitem__(-1, type(m[0])(8, 8)), sig(m))[1],
    lambda m: sig(m + m),
    lambda m: (m.__iadd__([type(m[0])(4, 4)]), sig(m))[1],
    lambda m: m(1),
    lambda m: m.index,
    lambda m: [n for n, _ in m.named_parameters()],
])
def test_modulelist_behaviours(op):
    same(lambda lib: op(lib.nn.ModuleList(layers(lib))))


def test_modulelist_repr_groups_repeats():
    def build(lib):
        return lib.nn.ModuleList([lib.nn.Linear(2, 2) for _ in range(3)] + [lib.nn.Identity()]
                                 + [lib.nn.Linear(2, 2)] * 2)
    assert repr(build(ember)) == repr(build(torch))
    assert repr(nn.ModuleList()) == repr(torch.nn.ModuleList()) == "ModuleList()"
    nested = nn.Sequential(nn.ModuleList([nn.Identity(), nn.Identity()]), nn.Linear(1, 1))
    tnested = torch.nn.Sequential(torch.nn.ModuleList([torch.nn.Identity(), torch.nn.Identity()]),
                                  torch.nn.Linear(1, 1))
    assert repr(nested) == repr(tnested)


@pytest.mark.parametrize("op", [
    lambda d, lib: sig(d),
    lambda d, lib: repr(d),
    lambda d, lib: repr(d["b"]),
    lambda d, lib: list(d.keys()),
    lambda d, lib: [repr(v) for v in d.values()],
    lambda d, lib: [k for k, _ in d.items()],
    lambda d, lib: list(iter(d)),
    lambda d, lib: ("a" in d, "z" in d, len(d)),
    lambda d, lib: (d.pop("a").__repr__(), sig(d)),
    lambda d, lib: (d.__delitem__("b"), sig(d))[1],
    lambda d, lib: (d.clear(), len(d))[1],
    lambda d, lib: (d.update([("z", lib.nn.Linear(1, 1))]), sig(d))[1],
    lambda d, lib: (d.update({"y": lib.nn.Linear(2, 2), "x": lib.nn.Linear(3, 3)}), list(d.keys()))[1],
    lambda d, lib: d.update(3),
    lambda d, lib: d.update([(1,)]),
    lambda d, lib: d.update([(1, 2, 3)]),
    lambda d, lib: d.update([3]),
    lambda d, lib: d.__setitem__(1, lib.nn.Linear(1, 1)),
    lambda d, lib: d["missing"],
    lambda d, lib: [n for n, _ in d.named_parameters()],
])
def test_moduledict_behaviours(op):
    same(lambda lib: op(lib.nn.ModuleDict(OrderedDict(b=lib.nn.Linear(1, 2), a=lib.nn.Linear(2, 3))), lib))


def _plist(lib):
    return lib.nn.ParameterList([lib.nn.Parameter(lib.ones(2, 3)), lib.ones(2, dtype=lib.float64), 3, "s"])


@pytest.mark.parametrize("op", [
    lambda p, lib: repr(p),
    lambda p, lib: [type(x).__name__ for x in p],
    lambda p, lib: len(p),
    lambda p, lib: p[7],
    lambda p, lib: p(1),
    lambda p, lib: p.extend(3),
    lambda p, lib: p.extend(lib.ones(2)),
    lambda p, lib: (p.append(lib.zeros(1)), repr(p))[1],
    lambda p, lib: repr(p[1:3]),
    lambda p, lib: tuple(p[-3].shape),
    lambda p, lib: (p.__setitem__(0, lib.zeros(5)), repr(p))[1],
    lambda p, lib: (p.__iadd__([lib.zeros(1)]), len(p))[1],
    lambda p, lib: [(n, tuple(x.shape)) for n, x in p.named_parameters()],
    lambda p, lib: list(p.state_dict().keys()),
])
def test_parameterlist_behaviours(op):
    same(lambda lib: op(_plist(lib), lib))


def test_parameterlist_wraps_and_keeps_parameters():
    p = nn.Parameter(ember.ones(1))
    pl = nn.ParameterList([p, ember.ones(2)])
    assert pl[0] is p and type(pl[1]) is nn.Parameter and pl[1].requires_grad


def _pdict(lib):
    return lib.nn.ParameterDict(OrderedDict(b=lib.nn.Parameter(lib.ones(2, 3)),
                                            a=lib.ones(2, dtype=lib.float64), c=3))


@pytest.mark.parametrize("op", [
    lambda p, lib: repr(p),
    lambda p, lib: list(p.keys()),
    lambda p, lib: [type(v).__name__ for v in p.values()],
    lambda p, lib: [k for k, _ in p.items()],
    lambda p, lib: list(reversed(p)),
    lambda p, lib: ("a" in p, "z" in p, len(p)),
    lambda p, lib: p(1),
    lambda p, lib: p[1],
    lambda p, lib: p["zz"],
    lambda p, lib: (p.pop("a").dtype.__repr__(), list(p.keys())),
    lambda p, lib: (p.popitem()[0], list(p.keys())),
    lambda p, lib: (p.setdefault("d", lib.zeros(1)).shape.__repr__(), list(p.keys())),
    lambda p, lib: p.get("zz", 5),
    lambda p, lib: (p.clear(), len(p))[1],
    lambda p, lib: (p.update({"y": lib.zeros(1), "x": lib.zeros(2)}), list(p.keys()))[1],
    lambda p, lib: (p.update([("q", lib.zeros(1))]), list(p.keys()))[1],
    lambda p, lib: p.update(3),
    lambda p, lib: list(p.copy().keys()),
    lambda p, lib: list(p.fromkeys(["u", "v"]).keys()),
    lambda p, lib: list((p | lib.nn.ParameterDict({"n": lib.zeros(1)})).keys()),
    lambda p, lib: [(n, tuple(x.shape)) for n, x in p.named_parameters()],
    lambda p, lib: list(p.state_dict().keys()),
])
def test_parameterdict_behaviours(op):
    same(lambda lib: op(_pdict(lib), lib))


def test_containers_state_dict_round_trip():
    e = nn.ModuleDict({"enc": nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 2)),
                       "heads": nn.ModuleList([nn.Linear(2, 1), nn.Linear(2, 1)])})
    t = torch.nn.ModuleDict({"enc": torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(3, 2)),
                             "heads": torch.nn.ModuleList([torch.nn.Linear(2, 1), torch.nn.Linear(2, 1)])})
    assert list(e.state_dict()) == list(t.state_dict())
    copy_weights(e, t)
    x = np.ones((1, 2), np.float32)
    ye = e["heads"][1](e["enc"](ember.tensor(x)))
    yt = t["heads"][1](t["enc"](torch.tensor(x)))
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-6)
