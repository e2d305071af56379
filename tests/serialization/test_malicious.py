"""A corpus of malicious and malformed checkpoints: each is rejected with a clear error and runs nothing."""

from __future__ import annotations

import builtins
import io
import os
import pickle
import subprocess
import time
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import ember
from ember import serialization

from .helpers import (
    FLOATS4,
    Call,
    G,
    assemble,
    eload,
    ember_bytes,
    header_offset,
    make_archive,
    set_central_offset,
    storage,
    tensor_v2,
)

FORBIDDEN = "Weights only load failed"


class _Reduce:
    """An object whose unpickling calls fn(*args): the classic `__reduce__` gadget."""

    def __init__(self, fn, *args) -> None:
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def _payloads(marker: str) -> dict:
    """name -> object whose unpickling creates `marker` (each is checked to really work when unpickled)."""
    touch = f"open({marker!r}, 'w').close()"
    return {
        "os.system": _Reduce(os.system, f"touch {marker}"),
        "subprocess.call": _Reduce(subprocess.call, ["touch", marker]),
        "subprocess.Popen": _Reduce(subprocess.Popen, ["touch", marker]),
        "subprocess.check_output": _Reduce(subprocess.check_output, ["touch", marker]),
        "builtins.eval": _Reduce(builtins.eval, touch),
        "builtins.exec": _Reduce(builtins.exec, touch),
        "builtins.open": _Reduce(builtins.open, marker, "w"),
        "builtins.getattr": _Reduce(getattr, _Reduce(__import__, "os"), "system"),
        "builtins.__import__": _Reduce(builtins.__import__, "os"),
        "builtins.compile": _Reduce(compile, touch, "<x>", "exec"),
        "nested in state_dict": OrderedDict(w=ember.ones(2), evil=_Reduce(os.system, f"touch {marker}")),
        "pickle.loads": _Reduce(pickle.loads, pickle.dumps(_Reduce(os.system, f"touch {marker}"), 2)),
    }


def _archive_of(obj, protocol: int = 2) -> bytes:
    return make_archive(pickle.dumps(obj, protocol=protocol))


@pytest.mark.parametrize("name", list(_payloads("m")))
@pytest.mark.parametrize("protocol", [2, 4])
def test_gadgets_are_rejected_and_run_nothing(tmp_path, name, protocol):
    marker = tmp_path / "pwned"
    data = _archive_of(_payloads(str(marker))[name], protocol)
    with pytest.raises(pickle.UnpicklingError, match=FORBIDDEN):
        eload(data)
    with pytest.raises(pickle.UnpicklingError, match=FORBIDDEN):
        eload(data, map_location="cpu", mmap=None)
    assert not marker.exists()


def test_the_corpus_is_live(tmp_path):
    """Unpickled without restrictions the payloads do run: the rejections above are real."""
    for name in ("os.system", "builtins.eval", "subprocess.call"):
        marker = tmp_path / f"pwned-{name}"
        eload(_archive_of(_payloads(str(marker))[name]), weights_only=False)
        assert marker.exists(), name


def test_forbidden_message_names_the_global(tmp_path):
    data = _archive_of(_Reduce(os.system, "true"))
    with pytest.raises(pickle.UnpicklingError) as info:
        eload(data)
    msg = str(info.value)
    assert msg.startswith(FORBIDDEN) and "GLOBAL posix.system" in msg and "weights_only" in msg
    assert "add_safe_globals" in msg


@pytest.mark.parametrize("pkl", ids=lambda b: f"{len(b)}b-{b[2:12]!r}", argvalues=[
    b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00true\x85R.",  # GLOBAL + REDUCE
    b"\x80\x04\x8c\x02os\x8c\x06system\x93X\x04\x00\x00\x00true\x85R.",  # STACK_GLOBAL
    b"(X\x04\x00\x00\x00trueios\nsystem\n.",  # INST
    b"\x80\x02(cos\nsystem\nX\x04\x00\x00\x00trueo.",  # OBJ
    b"\x80\x02\x82\x01.",  # EXT1
    b"\x80\x02c__builtin__\neval\nX\x01\x00\x00\x001\x85R.",  # protocol-2 spelling of builtins
    b"\x80\x02cnumpy.core.multiarray\n_reconstruct\n.",  # NumPy arrays are not weights
    b"\x80\x02cember.nn.modules.linear\nLinear\n.",  # nor are ember's own classes
    b"\x80\x02ctorch.nn.modules.linear\nLinear\n.",
    b"\x80\x02ccollections\nOrderedDict.fromkeys\n.",  # attribute walks
    b"\x80\x02ccollections\nOrderedDict.__init__.__globals__\n.",
    b"\x80\x02ctorch\nTensor\nK\x05\x85R.",  # torch.Tensor(5): a type marker, never called
    b"\x80\x02ctorch\nTensor\nK\x05\x85\x81.",  # ... nor instantiated (NEWOBJ)
    b"\x80\x02ctorch\nFloatStorage\n)R.",
    b"\x80\x02c_codecs\nencode\nX\x01\x00\x00\x00xX\x05\x00\x00\x00rot13\x86R.",
    b"\x80\x02c__builtin__\nbytearray\n\x8a\x05\x00\x00\x00\x00\x01\x85R.",  # bytearray(2**32)
    b"\x80\x02]X\x01\x00\x00\x00a}b.",  # BUILD on a list
    b"\x80\x02K\x01X\x01\x00\x00\x00aK\x02s.",  # SETITEM on an int
    b"\x80\x02}(K\x01K\x02e.",  # APPENDS on a dict
])
def test_raw_opcode_gadgets(pkl):
    with pytest.raises((pickle.UnpicklingError, RuntimeError)):
        eload(make_archive(pkl))


def test_build_and_setitem_on_tensors_are_forbidden():
    t = tensor_v2(storage())
    pkl = assemble([t])[:-2] + b"}X\x05\x00\x00\x00_datab."  # BUILD {'_data'...} onto the tensor
    with pytest.raises(pickle.UnpicklingError, match="Cannot set the state"):
        eload(make_archive(pkl, {"0": FLOATS4}))


def test_unknown_storage_types_and_persistent_ids():
    for kind in ("EvilStorage", "cuda.EvilStorage"):
        pkl = assemble(tensor_v2(storage(kind=kind)))
        with pytest.raises(pickle.UnpicklingError, match=FORBIDDEN):
            eload(make_archive(pkl, {"0": FLOATS4}))
    for pid in ["just a string", ("module", G("torch", "FloatStorage"), "0", "cpu", 4),
                ("storage", "torch.FloatStorage", "0", "cpu", 4), ("storage", G("torch", "FloatStorage")),
                ("storage", G("torch", "FloatStorage"), 0, "cpu", 4),
                ("storage", G("torch", "FloatStorage"), "0", "cpu", -4),
                ("storage", G("torch", "FloatStorage"), "0", "cpu", 4.0)]:
        from .helpers import Pid

        with pytest.raises(RuntimeError, match="invalid checkpoint"):
            eload(make_archive(assemble(Pid(pid)), {"0": FLOATS4}))


# -- size lies ----------------------------------------------------------------------------------------------

LIES = {
    "numel larger than the record": tensor_v2(storage(numel=1000)),
    "numel smaller than the record": tensor_v2(storage(numel=2), size=(2,)),
    "size past the storage": tensor_v2(storage(), size=(10,)),
    "offset past the storage": tensor_v2(storage(), offset=3, size=(2,)),
    "offset past the end of an empty tensor": tensor_v2(storage(), offset=5, size=(0,)),
    "negative offset": tensor_v2(storage(), offset=-1, size=(2,)),
    "negative size": tensor_v2(storage(), size=(-2,)),
    "negative stride": tensor_v2(storage(), size=(2,), stride=(-1,)),
    "huge stride": tensor_v2(storage(), size=(2,), stride=(2 ** 62,)),
    "huge broadcast": tensor_v2(storage(), size=(2 ** 40, 2 ** 40), stride=(0, 0)),
    "huge empty": tensor_v2(storage(), size=(0, 2 ** 62, 2 ** 62), stride=(1, 1, 1)),
    "size/stride lengths": tensor_v2(storage(), size=(2, 2), stride=(1,)),
    "float size": tensor_v2(storage(), size=(2.0,)),
    "str size": tensor_v2(storage(), size="ab"),
    "offset None": tensor_v2(storage(), offset=None),
    "too many dims": tensor_v2(storage(), size=(1,) * 65, stride=(1,) * 65),
    "requires_grad not a bool": tensor_v2(storage(), requires_grad=1),
    "requires_grad on ints": tensor_v2(storage(numel=2, kind="LongStorage"), size=(2,), requires_grad=True),
    "storage is a list": tensor_v2([1, 2, 3, 4]),
    "storage is a 2-d tensor": tensor_v2(tensor_v2(storage(), size=(2, 2), stride=(2, 1))),
    "missing record": tensor_v2(storage(key="7")),
    "v3 with a non-dtype": Call(G("torch._utils", "_rebuild_tensor_v3"),
                                storage(numel=16, kind="storage.UntypedStorage"), 0, (4,), (1,), False,
                                OrderedDict(), "float32"),
    "v3 dtype not dividing the bytes": Call(G("torch._utils", "_rebuild_tensor_v3"),
                                            storage("odd", 6, "storage.UntypedStorage"), 0, (1,), (1,),
                                            False, OrderedDict(), G("torch", "float64")),
    "parameter of a non-tensor": Call(G("torch._utils", "_rebuild_parameter"), [1.0], True, OrderedDict()),
    "rebuild_from_type with OrderedDict": Call(G("torch._tensor", "_rebuild_from_type_v2"),
                                               G("collections", "OrderedDict"), G("torch", "Tensor"), (), {}),
    "tensor state clobbering internals": Call(G("torch._tensor", "_rebuild_from_type_v2"),
                                              G("torch._utils", "_rebuild_tensor_v2"), G("torch", "Tensor"),
                                              (storage(), 0, (4,), (1,), False, OrderedDict()),
                                              {"_view_src": 1}),
    "Size of strs": Call(G("torch", "Size"), ("a",)),
    "unsupported layout": Call(G("torch.serialization", "_get_layout"), "torch.sparse_coo"),
}


@pytest.mark.parametrize("name", list(LIES))
def test_size_lies(name):
    data = make_archive(assemble(LIES[name]), {"0": FLOATS4, "odd": b"123456"})
    with pytest.raises(RuntimeError, match="invalid checkpoint|not support|floating point"):
        eload(data)


def test_well_formed_crafted_tensors_load():
    """The assembler itself is right: honest claims load (including offsets, strides and untyped storages)."""
    t = eload(make_archive(assemble(tensor_v2(storage(), offset=1, size=(2, 2), stride=(0, 2))), {"0": FLOATS4}))
    np.testing.assert_array_equal(t._data, [[1, 3], [1, 3]])
    v3 = Call(G("torch._utils", "_rebuild_tensor_v3"), storage(numel=16, kind="storage.UntypedStorage"), 0, (2,),
              (1,), False, OrderedDict(), G("torch", "float64"))
    np.testing.assert_array_equal(eload(make_archive(assemble(v3), {"0": FLOATS4}))._data,
                                  np.frombuffer(FLOATS4, np.float64))


# -- malformed archives ------------------------------------------------------------------------------------

GOOD = ember_bytes({"w": ember.arange(6.0).view(2, 3), "b": ember.ones(3, dtype=ember.int64), "n": 3})


def _clean(data: bytes, **kwargs):
    try:
        return eload(data, **kwargs)
    except (RuntimeError, pickle.UnpicklingError):
        return None


def test_every_truncation_is_a_clean_error():
    for cut in range(0, len(GOOD) - 1, 7):
        with pytest.raises((RuntimeError, pickle.UnpicklingError)):
            eload(GOOD[:cut])


def test_not_a_checkpoint():
    for data, what in [(b"", "empty"), (b"\x00" * 100, "not a zip"), (b"PK\x03\x04" + b"\x00" * 50, "corrupt"),
                       (os.urandom(2000), "not a zip")]:
        with pytest.raises(RuntimeError, match=what):
            eload(data)


def test_bad_record_offsets():
    moved = set_central_offset(GOOD, "archive/data/1", header_offset(GOOD, "archive/data/0"))
    with pytest.raises(RuntimeError, match="overlap|does not match"):
        eload(moved)
    into_data = set_central_offset(GOOD, "archive/data/1", header_offset(GOOD, "archive/data/1") + 70)
    with pytest.raises(RuntimeError, match="no valid local header"):
        eload(into_data)
    past_end = set_central_offset(GOOD, "archive/data/1", len(GOOD) + 10)
    with pytest.raises(RuntimeError, match="invalid checkpoint"):
        eload(past_end)


def test_overlapping_records_are_rejected():
    # a central directory pointing two names at one local header: the file can't be read twice over
    data = make_archive(assemble([tensor_v2(storage("0")), tensor_v2(storage("1"))]),
                        {"0": FLOATS4, "1": FLOATS4})
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
    pos = data.find(b"PK\x01\x02", data.find(b"archive/data/1") + 1)
    twin = data[:pos] + data[pos:].replace(b"archive/data/1", b"archive/data/0", 1)
    assert "archive/data/1" in names
    with pytest.raises(RuntimeError, match="duplicate|overlap|does not match"):
        eload(twin)
    other = set_central_offset(data, "archive/data/1", header_offset(data, "archive/data/0"))
    with pytest.raises(RuntimeError, match="overlap|does not match"):
        eload(other)


def test_duplicate_missing_and_compressed_records():
    buf = io.BytesIO()
    with pytest.warns(UserWarning), zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("archive/data.pkl", assemble(1))
        zf.writestr("archive/data.pkl", assemble(2))
    with pytest.raises(RuntimeError, match="duplicate"):
        eload(buf.getvalue())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("archive/version", "3\n")
    with pytest.raises(RuntimeError, match="data.pkl record is missing"):
        eload(buf.getvalue())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("one/data.pkl", assemble(1))
        zf.writestr("two/data.pkl", assemble(2))
    with pytest.raises(RuntimeError, match="several data.pkl"):
        eload(buf.getvalue())
    with pytest.raises(RuntimeError, match="compressed"):
        eload(make_archive(assemble(tensor_v2(storage())), {"0": FLOATS4}, compress=zipfile.ZIP_DEFLATED))


def test_corrupt_pickle_is_caught_by_crc():
    start = GOOD.find(b"\x80\x02")  # data.pkl is the first record
    bad = GOOD[:start + 5] + bytes([GOOD[start + 5] ^ 0xFF]) + GOOD[start + 6:]
    with pytest.raises(RuntimeError, match="CRC"):
        eload(bad)


def test_bad_byteorder_record():
    with pytest.raises(RuntimeError, match="byteorder"):
        eload(make_archive(assemble(1), byteorder="middle"))


def test_big_endian_files_are_swapped():
    data = np.arange(4, dtype=">f4").tobytes()
    half = np.array([1.5, -2.0], ">f4").view(">u4") >> 16  # bfloat16 bits, big-endian
    bf16 = half.astype(">u2").tobytes()
    obj = [tensor_v2(storage()), tensor_v2(storage("1", 2, "BFloat16Storage"), size=(2,)),
           tensor_v2(storage("2", 1, "ByteStorage"), size=(1,))]
    out = eload(make_archive(assemble(obj), {"0": data, "1": bf16, "2": b"\x07"}, byteorder="big"))
    assert out[0].tolist() == [0.0, 1.0, 2.0, 3.0] and out[0].dtype == ember.float32
    assert out[1].tolist() == [1.5, -2.0] and out[2].tolist() == [7]


# -- pickle-level abuse -------------------------------------------------------------------------------------

@pytest.mark.parametrize("pkl", ids=lambda b: f"{len(b)}b-{b[2:10]!r}", argvalues=[
    b"\x80\x02K\x01r\xff\xff\xff\xff0j\xff\xff\xff\xff.",  # LONG_BINPUT/GET at index 2**32-1: a dict memo
    b"\x80\x02K\x01q\x05h\x06.",  # BINGET of a missing index
    b"\x80\x02X\xff\xff\xff\x7fab.",  # BINUNICODE claiming 2 GB
    b"\x80\x04\x8e\xff\xff\xff\xff\xff\xff\xff\x0fab.",  # BINBYTES8 claiming 2**60
    b"\x80\x05\x96\xff\xff\xff\xff\xff\xff\xff\x0fab.",  # BYTEARRAY8 claiming 2**60
    b"\x80\x02\x8b\xff\xff\xff\x7fab.",  # LONG4 claiming 2 GB
    b"\x80\x04\x95\xff\xff\xff\xff\xff\xff\xff\x0fK\x01.",  # FRAME claiming 2**60
    b"\x80\x02" + b"(" * 100000 + b".",  # deep MARK stack
    b"\x80\x02K\x01" + b"\x85" * 200000 + b".",  # 200000 nested tuples
    b"\x80\x02" + b"]" * 100000 + b"a" * 99999 + b".",  # 100000 nested lists
    b"\x80\x02}K\x01]s.",  # unhashable... fine; and
    b"\x80\x02}]K\x01s.",  # an unhashable key
    b"\x80\x02\x97.",  # NEXT_BUFFER
    b"\x80\x02P1\n.",  # text persistent id
    b"\x80\x02t.",  # TUPLE without MARK
    b"\x80\x02",  # no STOP
    b"\x80\xff.",  # unknown protocol
])
def test_pickle_abuse_is_fast_and_clean(pkl):
    start = time.perf_counter()
    try:
        out = eload(make_archive(pkl))
    except (RuntimeError, pickle.UnpicklingError):
        out = None
    del out
    assert time.perf_counter() - start < 5


def test_memo_index_abuse_loads_with_a_dict_memo():
    assert eload(make_archive(b"\x80\x02K\x07r\xff\xff\xff\xff0j\xff\xff\xff\xff.")) == 7


def test_error_types_for_reporting():
    """Forbidden content is an UnpicklingError, a malformed file a RuntimeError (not KeyError & co.)."""
    with pytest.raises(pickle.UnpicklingError, match="malformed"):
        eload(make_archive(b"\x80\x02t."))
    with pytest.raises(RuntimeError):
        eload(GOOD[:100])
    assert _clean(GOOD)["n"] == 3
    assert serialization.load(io.BytesIO(GOOD))["w"].shape == (2, 3)
