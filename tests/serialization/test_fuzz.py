"""Property-based fuzzing: random mutations of valid checkpoints only ever give clean errors (or a load)."""

from __future__ import annotations

import io
import pickle
import time
import zipfile
from collections import OrderedDict

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ember

from .helpers import eload, ember_bytes, make_archive, records


def _base_objects():
    w = ember.arange(24.0).view(4, 6)
    return {
        "state_dict": OrderedDict(weight=w, view=w.t()[1:3], bias=ember.ones(6, dtype=ember.float16),
                                  steps=ember.tensor(3), mask=ember.tensor([True, False])),
        "optim": {"state": {0: {"step": ember.tensor(1.0), "exp_avg": ember.zeros(2, 2)}},
                  "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0], "name": None}]},
        "param": ember.nn.Parameter(ember.randn(3, 2)),
    }


BASES = {name: ember_bytes(obj) for name, obj in _base_objects().items()}
PICKLES = {name: records(data)["archive/data.pkl"] for name, data in BASES.items()}
STORAGES = {name: {k.split("/")[-1]: v for k, v in records(data).items() if "/data/" in k}
            for name, data in BASES.items()}
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _touch(obj, depth: int = 0) -> None:
    """Use whatever loaded, as a program would: tensors' values, containers' items."""
    if depth > 20:
        return
    if isinstance(obj, ember.Tensor):
        np.asarray(obj._data).sum()
        obj.shape, obj.stride(), obj.storage_offset()
    elif isinstance(obj, dict):
        for v in list(obj.values())[:50]:
            _touch(v, depth + 1)
    elif isinstance(obj, (list, tuple, set, frozenset)):
        for v in list(obj)[:50]:
            _touch(v, depth + 1)


def _check(data: bytes) -> None:
    start = time.perf_counter()
    try:
        out = eload(data)
    except (RuntimeError, pickle.UnpicklingError):
        out = None
    _touch(out)
    assert time.perf_counter() - start < 10


def _mutate(data: bytes, edits: list, cut: int | None) -> bytes:
    buf = bytearray(data)
    for pos, kind, value in edits:
        pos %= len(buf) or 1
        if not buf:
            break
        if kind == 0:
            buf[pos] = value
        elif kind == 1:
            buf[pos] ^= 1 << (value % 8)
        elif kind == 2:
            buf.insert(pos, value)
        else:
            del buf[pos]
    if cut is not None:
        del buf[cut % (len(buf) + 1):]
    return bytes(buf)


EDITS = st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 3), st.integers(0, 255)), min_size=1,
                 max_size=8)


@FUZZ
@given(base=st.sampled_from(sorted(BASES)), edits=EDITS, cut=st.none() | st.integers(0, 1 << 20))
def test_mutated_files(base, edits, cut):
    _check(_mutate(BASES[base], edits, cut))


@FUZZ
@given(base=st.sampled_from(sorted(BASES)), edits=EDITS,
       tail=st.integers(1, 400))
def test_mutated_zip_directories(base, edits, tail):
    """Edits aimed at the central directory and the last records, where the zip structure lives."""
    data = BASES[base]
    start = max(0, len(data) - tail)
    shifted = [(start + pos % tail, kind, value) for pos, kind, value in edits]
    _check(_mutate(data, shifted, None))


@FUZZ
@given(base=st.sampled_from(sorted(BASES)), edits=EDITS, cut=st.none() | st.integers(0, 1 << 16))
def test_mutated_pickles_in_valid_archives(base, edits, cut):
    """data.pkl mutated but stored in a well-formed zip (right CRC): the unpickler and the tensor checks
    see the garbage."""
    _check(make_archive(_mutate(PICKLES[base], edits, cut), STORAGES[base]))


@FUZZ
@given(base=st.sampled_from(sorted(BASES)), key=st.integers(0, 5), edits=EDITS, cut=st.integers(0, 200))
def test_mutated_storage_records(base, key, edits, cut):
    storages = dict(STORAGES[base])
    name = sorted(storages)[key % len(storages)]
    storages[name] = _mutate(storages[name], edits, cut)
    _check(make_archive(PICKLES[base], storages))


def test_unmutated_bases_load():
    for data in BASES.values():
        _touch(eload(data))
    with zipfile.ZipFile(io.BytesIO(BASES["optim"])) as zf:
        assert "archive/data/0" in zf.namelist()
