"""default_collate / default_convert / collate, compared with torch.utils.data."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import ember
import ember.utils.data as ED

from .helpers import same

Point = collections.namedtuple("Point", "x y")


class Record(dict):
    """A mapping type that collate keeps."""


class Frozen(collections.abc.Mapping):
    """A read-only mapping that cannot be built from a dict: collate falls back to dict."""

    def __init__(self, **kw):
        self._d = kw

    def __getitem__(self, k):
        return self._d[k]

    def __iter__(self):
        return iter(self._d)

    def __len__(self):
        return len(self._d)


class Pair(collections.abc.Sequence):
    """An immutable sequence type built from a list."""

    def __init__(self, items):
        self._items = list(items)

    def __getitem__(self, i):
        return self._items[i]

    def __len__(self):
        return len(self._items)

    def __eq__(self, other):
        return type(other) is Pair and self._items == other._items


SAMPLES = {
    "tensors": lambda lib: [lib.tensor([1.0, 2.0]), lib.tensor([3.0, 4.0])],
    "int_tensors": lambda lib: [lib.tensor(1), lib.tensor(2)],
    "floats": lambda lib: [1.5, 2.5],
    "ints": lambda lib: [1, 2, 3],
    "bools": lambda lib: [True, False],
    "strings": lambda lib: ["a", "bc"],
    "bytes": lambda lib: [b"a", b"b"],
    "arrays": lambda lib: [np.zeros((2, 2), np.float32), np.ones((2, 2), np.float32)],
    "int32_arrays": lambda lib: [np.array([1, 2], np.int32), np.array([3, 4], np.int32)],
    "np_scalars": lambda lib: [np.float32(1.5), np.float32(2.5)],
    "np_float64": lambda lib: [np.float64(1.5), np.float64(2.5)],
    "np_int16": lambda lib: [np.int16(1), np.int16(2)],
    "np_bool": lambda lib: [np.bool_(True), np.bool_(False)],
    "tuples": lambda lib: [(lib.tensor([1]), 2, "a"), (lib.tensor([3]), 4, "b")],
    "lists": lambda lib: [[1, 2.0], [3, 4.0]],
    "dicts": lambda lib: [{"x": lib.tensor([1.0]), "y": 0, "s": "a"}, {"x": lib.tensor([2.0]), "y": 1, "s": "b"}],
    "namedtuples": lambda lib: [Point(lib.tensor(1.0), "a"), Point(lib.tensor(2.0), "b")],
    "nested": lambda lib: [{"a": [(1, np.float64(2.0)), {"b": lib.ones(2)}]},
                           {"a": [(3, np.float64(4.0)), {"b": lib.zeros(2)}]}],
    "record": lambda lib: [Record(a=1), Record(a=2)],
    "frozen": lambda lib: [Frozen(a=1.0), Frozen(a=2.0)],
    "custom_seq": lambda lib: [Pair([1, 2]), Pair([3, 4])],
}


@pytest.mark.parametrize("name", list(SAMPLES))
def test_default_collate(name):
    same(lambda lib, data: data.default_collate(SAMPLES[name](lib)))


@pytest.mark.parametrize("name", list(SAMPLES))
def test_default_convert(name):
    same(lambda lib, data: data.default_convert(SAMPLES[name](lib)))


def test_collate_keeps_container_types():
    assert type(ED.default_collate(SAMPLES["record"](ember))) is Record
    assert type(ED.default_collate(SAMPLES["frozen"](ember))) is dict
    assert type(ED.default_collate(SAMPLES["custom_seq"](ember))) is Pair
    assert type(ED.default_collate(SAMPLES["namedtuples"](ember))) is Point
    out = ED.default_collate([[ember.tensor(1)], [ember.tensor(2)]])
    assert type(out) is list and out[0].tolist() == [1, 2]


ERRORS = {
    "sizes": lambda lib: [lib.zeros(3), lib.zeros(4)],
    "list_lengths": lambda lib: [[1, 2], [1]],
    "object": lambda lib: [object(), object()],
    "none": lambda lib: [None, None],
    "str_array": lambda lib: [np.array(["a"]), np.array(["b"])],
    "object_array": lambda lib: [np.array([object()]), np.array([object()])],
    "empty": lambda lib: [],
    "array_shapes": lambda lib: [np.zeros(2), np.zeros(3)],
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_default_collate_errors(name):
    e = same(lambda lib, data: data.default_collate(ERRORS[name](lib)))
    assert e[0][0] == "raise"


def test_default_convert_leaves_strings_and_objects():
    same(lambda lib, data: data.default_convert(np.array(["a", "b"])).tolist())
    same(lambda lib, data: data.default_convert("abc"))
    same(lambda lib, data: data.default_convert(np.str_("abc")))
    same(lambda lib, data: data.default_convert(5))


def test_collate_with_custom_map():
    from ember.utils.data._utils.collate import collate, default_collate_fn_map

    def fn(lib, data, collate, fn_map):
        class Box:
            def __init__(self, v):
                self.v = v

        mine = {**fn_map, Box: lambda batch, *, collate_fn_map=None: sum(b.v for b in batch)}
        return collate([(Box(1), 2.0), (Box(5), 3.0)], collate_fn_map=mine)

    import torch.utils.data._utils.collate as tc

    e = fn(ember, ED, collate, default_collate_fn_map)
    t = fn(None, None, tc.collate, tc.default_collate_fn_map)
    assert e[0] == t[0] == 6 and e[1].tolist() == t[1].tolist() and str(e[1].dtype) == str(t[1].dtype)


def test_collate_is_a_module_path_too():
    import ember.utils.data.collate as mod
    from ember.utils.data import _utils

    assert ED.default_collate is mod.default_collate is _utils.collate.default_collate
    assert ED.default_convert is mod.default_convert
