"""Loading PyTorch's legacy (pre-1.6, non-zip) checkpoints: round trips, sharing, safety, malformed files."""

from __future__ import annotations

import builtins
import io
import os
import pickle
import subprocess
import time
from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ember
from ember import serialization

from .helpers import DTYPES, G, Pid, as_np, assemble, eload, sample, tensor_v2, torch
from .test_fuzz import EDITS, _check, _mutate

pytestmark = pytest.mark.skipif(torch is None, reason="needs PyTorch to write legacy files")

FORBIDDEN = "Weights only load failed"
MAGIC = 0x1950A86A20F9469CFC6C


def legacy_bytes(obj, protocol: int = 2) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=False, pickle_protocol=protocol)
    return buf.getvalue()


def handmade(obj_pkl: bytes, keys: list, data: bytes, magic=MAGIC, version=1001, little: bool = True,
             info=None) -> bytes:
    """A legacy file from its parts: the object pickle, the storage keys and the storages' bytes."""
    if info is None:
        info = {"protocol_version": 1001, "little_endian": little, "type_sizes": {"short": 2, "int": 4, "long": 4}}
    return (pickle.dumps(magic, 2) + pickle.dumps(version, 2) + pickle.dumps(info, 2) + obj_pkl
            + pickle.dumps(keys, 2) + data)


def floats(values, order: str = "<") -> bytes:
    """A storage's data in a legacy file: its element count, then its float32 elements."""
    arr = np.asarray(values, np.dtype("float32").newbyteorder(order))
    return len(arr).to_bytes(8, "little" if order == "<" else "big") + arr.tobytes()


def check_same(e, t) -> None:
    assert isinstance(e, ember.Tensor)
    assert tuple(e.shape) == tuple(t.shape)
    want = t.float() if t.dtype == torch.bfloat16 else t  # ember widens bfloat16 to float32
    assert e.dtype.name == str(want.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(as_np(e), as_np(want))


# -- round trips ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("protocol", [2, 4, 5])
@pytest.mark.parametrize("name", DTYPES)
def test_every_dtype_round_trips(name, protocol):
    shapes = [(2, 3), (), (0,), (3, 0, 2), (5,)]
    ts = [torch.from_numpy(np.array(sample(name, s, seed=i))) for i, s in enumerate(shapes)]
    out = eload(legacy_bytes(ts, protocol))
    assert isinstance(out, list) and len(out) == len(ts)
    for e, t in zip(out, ts):
        check_same(e, t)


def test_bfloat16_widens_exactly():
    t = torch.tensor([1.5, -2.25, 3e38, 1e-38], dtype=torch.bfloat16)
    check_same(eload(legacy_bytes(t)), t)


def test_nested_containers():
    a = torch.arange(4.0)
    obj = {"list": [a, (torch.ones(2, dtype=torch.int64), None)], "od": OrderedDict(x=a * 2, n=3),
           "scalars": {"lr": 0.1, "name": "sgd", "flag": True, "b": b"\x00\x01"}, "set": {1, 2}}
    out = eload(legacy_bytes(obj))
    check_same(out["list"][0], a)
    check_same(out["list"][1][0], torch.ones(2, dtype=torch.int64))
    assert out["list"][1][1] is None and isinstance(out["list"][1], tuple)
    assert isinstance(out["od"], OrderedDict) and list(out["od"]) == ["x", "n"] and out["od"]["n"] == 3
    check_same(out["od"]["x"], a * 2)
    assert out["scalars"] == {"lr": 0.1, "name": "sgd", "flag": True, "b": b"\x00\x01"}
    assert out["set"] == {1, 2}


def test_shared_storages_and_views_survive():
    base = torch.arange(24.0).reshape(4, 6)
    views = {"base": base, "row": base[1], "col": base[:, 2], "t": base.t(), "slice": base[1:3, 2:5],
             "step": base[::2, ::3], "flat": base.view(-1)[5:]}
    out = eload(legacy_bytes(views))
    for k, t in views.items():
        check_same(out[k], t)
        assert out[k].stride() == t.stride(), k
        assert out[k].storage_offset() == t.storage_offset(), k
    out["base"][1, 2] = -1.0  # one storage: writes show through every view
    assert out["row"][2].item() == -1.0 and out["col"][1].item() == -1.0 and out["t"][2, 1].item() == -1.0
    assert out["slice"][0, 0].item() == -1.0 and out["flat"][3].item() == -1.0


def test_parameters_and_requires_grad():
    p = torch.nn.Parameter(torch.randn(3))
    g = torch.randn(2).requires_grad_()
    out = eload(legacy_bytes({"p": p, "g": g, "frozen": torch.nn.Parameter(torch.ones(1), requires_grad=False)}))
    assert isinstance(out["p"], ember.nn.Parameter) and out["p"].requires_grad
    check_same(out["p"].detach(), p.detach())
    assert out["g"].requires_grad and not isinstance(out["g"], ember.nn.Parameter)
    assert isinstance(out["frozen"], ember.nn.Parameter) and not out["frozen"].requires_grad


def test_state_dict_into_ember_model(tmp_path):
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.ReLU(), torch.nn.BatchNorm1d(7),
                             torch.nn.Linear(7, 3))
    tm.train()
    tm(torch.randn(8, 5))  # moves the batch-norm statistics away from their defaults
    tm.eval()
    path = tmp_path / "legacy.pth"
    torch.save(tm.state_dict(), path, _use_new_zipfile_serialization=False)
    em = ember.nn.Sequential(ember.nn.Linear(5, 7), ember.nn.ReLU(), ember.nn.BatchNorm1d(7),
                             ember.nn.Linear(7, 3))
    sd = serialization.load(path)
    assert list(sd) == list(tm.state_dict())
    em.load_state_dict(sd)
    em.eval()
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    with torch.no_grad():
        want = tm(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(as_np(em(ember.tensor(x))), want, rtol=1e-5, atol=1e-6)


def test_files_paths_and_unseekable_streams(tmp_path):
    t = torch.arange(6, dtype=torch.int32).reshape(3, 2)
    data = legacy_bytes({"t": t})
    path = tmp_path / "f.pt"
    path.write_bytes(data)
    check_same(serialization.load(path)["t"], t)
    check_same(serialization.load(str(path), weights_only=False)["t"], t)

    class Stream(io.RawIOBase):
        def __init__(self) -> None:
            self.inner = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, b) -> int:
            return self.inner.readinto(b)

    check_same(serialization.load(Stream())["t"], t)
    with pytest.raises(RuntimeError, match="mmap"):
        serialization.load(path, mmap=True)


@pytest.mark.parametrize("ml", ["cpu", ember.device("cpu"), {"cpu": "cpu"}, {"cuda:0": "cpu"},
                                lambda s, loc: s, lambda s, loc: None])
def test_map_location(ml):
    t = torch.randn(3, 2)
    out = eload(legacy_bytes({"t": t, "v": t[1]}), map_location=ml)
    check_same(out["t"], t)
    check_same(out["v"], t[1])
    assert out["t"].device.type == "cpu"


def test_cuda_location_needs_map_location():
    pkl = assemble(tensor_v2(Pid(("storage", G("torch.cuda", "FloatStorage"), "k", "cuda:0", 4, None))))
    data = handmade(pkl, ["k"], floats([1, 2, 3, 4]))
    np.testing.assert_array_equal(as_np(eload(data, map_location="cpu")), [1, 2, 3, 4])
    np.testing.assert_array_equal(as_np(eload(data, map_location={"cuda:0": "cpu"})), [1, 2, 3, 4])
    seen = []
    out = eload(data, map_location=lambda s, loc: seen.append(loc) or s)
    assert seen == ["cuda:0"] and out.device.type == "cpu"
    if not ember.cuda.is_available():
        with pytest.raises(RuntimeError, match="map_location"):
            eload(data)


def test_map_location_errors_propagate():
    def boom(s, loc):
        raise KeyError("mine")

    with pytest.raises(KeyError, match="mine"):
        eload(legacy_bytes(torch.ones(2)), map_location=boom)


def test_storage_views_in_persistent_ids():
    """Old files name slices of a storage: ('storage', cls, root_key, loc, root_numel, (key, offset, n))."""
    root = ("storage", G("torch", "FloatStorage"), "r", "cpu", 6)
    pkl = assemble([tensor_v2(Pid(root + ((("v", 2, 3)),)), size=(3,)),
                    tensor_v2(Pid(root + (None,)), size=(6,)),
                    tensor_v2(Pid(root + ((("v", 2, 3)),)), offset=1, size=(2,))])
    out = eload(handmade(pkl, ["r"], floats(range(6))))
    assert [o.tolist() for o in out] == [[2.0, 3.0, 4.0], [0, 1, 2, 3, 4, 5], [3.0, 4.0]]
    out[1][3] = 9.0
    assert out[0][1].item() == 9.0 and out[2][0].item() == 9.0
    bad = assemble(tensor_v2(Pid(root + ((("v", 4, 3)),)), size=(3,)))
    with pytest.raises(RuntimeError, match="outside storage"):
        eload(handmade(bad, ["r"], floats(range(6))))


def test_big_endian_files():
    pkl = assemble([tensor_v2(Pid(("storage", G("torch", "FloatStorage"), "0", "cpu", 3, None)), size=(3,))])
    out = eload(handmade(pkl, ["0"], floats([1.5, -2, 7], order=">"), little=False))
    assert out[0].tolist() == [1.5, -2.0, 7.0]


def test_weights_only_false_loads_the_same():
    t = torch.randn(2, 2)
    out = eload(legacy_bytes({"t": t, "v": t[0]}), weights_only=False)
    check_same(out["t"], t)
    out["t"][0, 0] = 5.0
    assert out["v"][0].item() == 5.0


# -- safety -------------------------------------------------------------------------------------------------

class _Reduce:
    def __init__(self, fn, *args) -> None:
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def _gadgets(marker: str) -> dict:
    touch = f"open({marker!r}, 'w').close()"
    return {
        "os.system": _Reduce(os.system, f"touch {marker}"),
        "subprocess.call": _Reduce(subprocess.call, ["touch", marker]),
        "builtins.eval": _Reduce(builtins.eval, touch),
        "builtins.exec": _Reduce(builtins.exec, touch),
        "nested": OrderedDict(w=torch.ones(2), evil=_Reduce(os.system, f"touch {marker}")),
    }


def _legacy_with(obj) -> bytes:
    """A legacy file whose object pickle is `obj` (plain pickle: tensors inside become torch's pickles)."""
    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=False)
    return buf.getvalue()


@pytest.mark.parametrize("name", list(_gadgets("m")))
def test_gadgets_in_the_object_pickle_run_nothing(tmp_path, name):
    marker = tmp_path / "pwned"
    data = _legacy_with(_gadgets(str(marker))[name])
    assert not marker.exists()  # saving ran nothing either
    with pytest.raises(pickle.UnpicklingError, match=FORBIDDEN):
        eload(data)
    with pytest.raises(pickle.UnpicklingError, match=FORBIDDEN):
        eload(data, map_location="cpu", weights_only=None)
    assert not marker.exists()


def test_the_gadgets_are_live(tmp_path):
    marker = tmp_path / "pwned"
    eload(_legacy_with(_gadgets(str(marker))["os.system"]), weights_only=False)
    assert marker.exists()


@pytest.mark.parametrize("slot", ["magic", "version", "info", "keys"])
def test_gadgets_in_header_pickles_run_nothing_even_unrestricted(tmp_path, slot):
    marker = tmp_path / "pwned"
    evil = pickle.dumps(_Reduce(os.system, f"touch {marker}"), 2)
    parts = {"magic": pickle.dumps(MAGIC, 2), "version": pickle.dumps(1001, 2),
             "info": pickle.dumps({"little_endian": True}, 2)}
    parts[slot] = evil
    pkl = assemble(tensor_v2(Pid(("storage", G("torch", "FloatStorage"), "0", "cpu", 2, None)), size=(2,)))
    keys = evil if slot == "keys" else pickle.dumps(["0"], 2)
    data = parts["magic"] + parts["version"] + parts["info"] + pkl + keys + floats([1, 2])
    for wo in (True, False):
        with pytest.raises(pickle.UnpicklingError, match=FORBIDDEN):
            eload(data, weights_only=wo)
    assert not marker.exists()


def test_raw_gadget_opcodes_in_the_object_pickle(tmp_path):
    marker = tmp_path / "pwned"
    for pkl in [b"\x80\x02cos\nsystem\nX\x00\x00\x00\x00\x85R.",
                b"\x80\x04\x8c\x02os\x8c\x06system\x93X\x04\x00\x00\x00true\x85R.",
                b"\x80\x02(X\x04\x00\x00\x00trueios\nsystem\n.",
                b"\x80\x02ctorch\nFloatStorage\n)R."]:
        pkl = pkl.replace(b"X\x00\x00\x00\x00", pickle.dumps(f"touch {marker}", 2)[2:-2])
        with pytest.raises(pickle.UnpicklingError, match=FORBIDDEN):
            eload(handmade(pkl, [], b""))
    assert not marker.exists()


# -- malformed and truncated files -----------------------------------------------------------------------

def _valid() -> bytes:
    base = torch.arange(12.0).reshape(3, 4)
    return legacy_bytes({"a": base, "b": base[1], "c": torch.arange(5, dtype=torch.int16), "e": torch.ones(0)})


_VALID = _valid() if torch is not None else b""


def test_every_truncation_is_a_clear_error():
    data = _valid()
    start = time.perf_counter()
    for cut in range(1, len(data)):
        with pytest.raises((RuntimeError, pickle.UnpicklingError)) as info:
            eload(data[:cut])
        assert "ember.load" in str(info.value) or "truncated" in str(info.value), cut
    assert time.perf_counter() - start < 20
    with pytest.raises(RuntimeError, match="truncated"):
        eload(data[:-3])


def test_single_byte_corruptions_never_crash_or_hang():
    data = _valid()
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    for pos in rng.choice(len(data), 300, replace=False):
        for value in (0x00, 0xFF, data[pos] ^ 0x01):
            bad = bytearray(data)
            bad[pos] = value
            try:
                eload(bytes(bad))
            except (RuntimeError, pickle.UnpicklingError):
                pass
    assert time.perf_counter() - start < 30


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=EDITS, cut=st.none() | st.integers(0, 1 << 12))
def test_fuzzed_legacy_files(edits, cut):
    """Random edits anywhere in a legacy file: a result or a clear error, quickly (test_fuzz's checker)."""
    _check(_mutate(_VALID, edits, cut))


def _one_float_tensor(numel: int = 4, size=(4,), stride=(1,), offset: int = 0, key: str = "0") -> bytes:
    return assemble(tensor_v2(Pid(("storage", G("torch", "FloatStorage"), key, "cpu", numel, None)),
                              offset=offset, size=size, stride=stride))


@pytest.mark.parametrize("case, match", [
    ("magic", "magic number"),
    ("version", "version"),
    ("info", "system information"),
    ("keys", "list of strings"),
    ("count", "holds 3 elements"),
    ("unknown key", "not used"),
    ("twice", "listed twice"),
    ("missing data", "is missing"),
    ("huge numel", "does not fit"),
    ("past the end", "needs 7 elements"),
    ("trailing pid", "persistent id"),
    ("header pid", "header"),
    ("empty", "empty|truncated"),
])
def test_malformed_files(case, match):
    pkl, keys, data, kw = _one_float_tensor(), ["0"], floats([1, 2, 3, 4]), {}
    if case == "magic":
        kw = {"magic": 1234}
    elif case == "version":
        kw = {"version": 1000}
    elif case == "info":
        kw = {"info": [1, 2]}
    elif case == "keys":
        keys = "0"
    elif case == "count":
        data = (3).to_bytes(8, "little") + data[8:]
    elif case == "unknown key":
        keys = ["0", "x"]
    elif case == "twice":
        keys = ["0", "0"]
    elif case == "missing data":
        keys, data = [], b""
    elif case == "huge numel":
        pkl = _one_float_tensor(numel=2 ** 60)
    elif case == "past the end":
        pkl = _one_float_tensor(size=(2, 2), stride=(2, 1), offset=3)
    elif case == "trailing pid":
        pkl = assemble(Pid("just a string"))
    if case == "header pid":
        raw = pickle.dumps(MAGIC, 2) + pickle.dumps(1001, 2) + assemble({"x": Pid(("storage",))})
        raw += pkl + pickle.dumps(keys, 2) + data
    elif case == "empty":
        raw = b"\x80\x02"
    else:
        raw = handmade(pkl, keys, data, **kw)
    start = time.perf_counter()
    with pytest.raises(RuntimeError, match=match):
        eload(raw)
    assert time.perf_counter() - start < 5  # generous: the machine is shared


def test_huge_claims_allocate_nothing():
    """Element counts and string lengths far beyond the file are refused before any allocation."""
    for numel in (2 ** 40, 2 ** 62, 10 ** 30):
        with pytest.raises(RuntimeError, match="does not fit"):
            eload(handmade(_one_float_tensor(numel=numel), ["0"], floats([1, 2, 3, 4])))
    claim = b"\x80\x02\x8d" + (2 ** 62).to_bytes(8, "little") + b"xx"  # BINUNICODE8 of 2**62 bytes
    with pytest.raises((RuntimeError, pickle.UnpicklingError)):
        eload(handmade(claim, [], b""))
