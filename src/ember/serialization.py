"""`ember.save` / `ember.load` in PyTorch's zip checkpoint format, loading safely by default.

The format, as `torch.save` writes it: an uncompressed zip whose records all sit in one folder
`<archive>/`: `data.pkl` (the pickled object), `data/<key>` (the raw little-endian bytes of each storage,
64-byte aligned), `byteorder`, `version`, `.format_version`, `.storage_alignment` and
`.data/serialization_id`. The pickle names each storage by a persistent id
`('storage', <storage class>, key, location, numel)` and rebuilds tensors through
`torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)`; parameters
through `torch._utils._rebuild_parameter`. ember writes those `torch...` names itself (PyTorch is never
imported) and maps them back to its own rebuilders when loading, so files go both ways.

Loading is restricted by default (`weights_only=True`): only tensors, parameters, storages, dtypes,
devices, sizes and plain containers can be rebuilt, and every size, offset and stride is checked against
the bytes actually present. `weights_only=False` unpickles anything (arbitrary code: trusted files only).

PyTorch's legacy format (torch < 1.6, or `_use_new_zipfile_serialization=False`: a sequence of pickles
followed by the storages' bytes) loads too, under the same restrictions; ember does not write it.

safetensors files: `save_safetensors` / `load_safetensors` (the optional `safetensors` package).
"""

from __future__ import annotations

import _compat_pickle
import io
import os
import pickle
import secrets
import stat
import struct
import sys
import zipfile
import zlib
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from typing import IO, Any

import numpy as np

from ._safetensors import load_safetensors, save_safetensors
from ._tensor import Size, Tensor, _ptr
from .backend import dtypes as _dt
from .backend.device import cuda_available, device_of
from .backend.device import device as Device

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals", "safe_globals",
           "save_safetensors", "load_safetensors"]

FileLike = str | os.PathLike | IO[bytes]

_ALIGNMENT = 64
_NUMEL_LIMIT = 2 ** 62  # NumPy cannot describe arrays of this many bytes or more

# storage class names by element type, as PyTorch spells them
_STORAGE_NAMES = {
    np.dtype(np.float16): "HalfStorage", np.dtype(np.float32): "FloatStorage",
    np.dtype(np.float64): "DoubleStorage", np.dtype(np.int8): "CharStorage",
    np.dtype(np.int16): "ShortStorage", np.dtype(np.int32): "IntStorage",
    np.dtype(np.int64): "LongStorage", np.dtype(np.uint8): "ByteStorage", np.dtype(np.bool_): "BoolStorage",
}


# ------------------------------------------------------------------------------------------------------
# saving
# ------------------------------------------------------------------------------------------------------

class _Global:
    """A name written into the pickle as a GLOBAL opcode; it need not be importable here (`torch...`)."""

    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name

    def __call__(self, *args, **kwargs):
        # callable only so that the pickler accepts it as a reduce function; it is never called
        raise TypeError(f"{self.module}.{self.name} is a name written into checkpoints, not a function")


_GLOBALS: dict = {}


def _g(module: str, name: str) -> _Global:
    # one object per name, so that the pickler's memo writes each name only once
    key = (module, name)
    g = _GLOBALS.get(key)
    if g is None:
        g = _GLOBALS[key] = _Global(module, name)
    return g


class _StorageRef:
    """One storage being saved: its persistent id and the flat array holding its bytes."""

    __slots__ = ("pid", "key", "flat")

    def __init__(self, pid: tuple, key: str, flat) -> None:
        self.pid = pid
        self.key = key
        self.flat = flat


_STORAGE_TAG = "storage"  # shared string objects: the memo then writes them once


class _Pickler(pickle._Pickler):
    """Pure-Python pickler that writes tensors as PyTorch does, naming `torch...` globals without torch."""

    dispatch = pickle._Pickler.dispatch.copy()

    def __init__(self, file, protocol: int) -> None:
        super().__init__(file, protocol)
        self.storages: dict = {}  # (location, address, nbytes, dtype) -> _StorageRef
        self.locations: dict = {}

    def persistent_id(self, obj):
        return obj.pid if type(obj) is _StorageRef else None

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            return self._reduce_tensor(obj)
        t = type(obj)
        if t is Device:
            args = (obj.type,) if obj.index is None else (obj.type, obj.index)
            return _g("torch", "device"), args
        if t is Size:
            return _g("torch", "Size"), (tuple(obj),)
        return NotImplemented

    def _save_global_standin(self, obj: _Global) -> None:
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode())
        self.memoize(obj)

    def _save_dtype(self, obj: _dt.dtype) -> None:
        self.save(_g("torch", obj.name))

    dispatch[_Global] = _save_global_standin
    dispatch[_dt.dtype] = _save_dtype

    def _reduce_tensor(self, t: Tensor):
        from .nn.parameter import Parameter, UninitializedTensorMixin

        if isinstance(t, UninitializedTensorMixin):
            raise RuntimeError("Can't save an uninitialized parameter or buffer: run a forward pass first so "
                               "that lazy modules materialize their parameters.")
        if isinstance(t, Parameter):
            # user attributes only; Tensor's own per-instance state (grad, graph links) is not saved
            state = {k: v for k, v in t.__dict__.items() if k not in Tensor.__dict__ and k != "_acc_strong"}
            data = Tensor._make(t._data)
            if state:
                return (_g("torch._utils", "_rebuild_parameter_with_state"),
                        (data, t._rg, OrderedDict(), state))
            return _g("torch._utils", "_rebuild_parameter"), (data, t._rg, OrderedDict())
        ref, offset, stride = self._storage_of(t._data)
        return (_g("torch._utils", "_rebuild_tensor_v2"),
                (ref, offset, tuple(t._data.shape), stride, t._rg, OrderedDict()))

    def _location(self, arr) -> str:
        dev = device_of(arr)
        loc = "cpu" if dev.type == "cpu" else f"cuda:{dev.index or 0}"
        return self.locations.setdefault(loc, loc)

    def _storage_of(self, arr) -> tuple:
        """(storage ref, element offset, element strides) of an array, sharing storages between views."""
        isz = arr.itemsize
        if arr.size:
            root = arr
            while isinstance(root.base, type(arr)):
                root = root.base
            flat = (root.reshape(-1) if root.flags.c_contiguous else
                    root.reshape(-1, order="F") if root.flags.f_contiguous else None)
            if flat is not None:
                low = _ptr(flat)
                off = _ptr(arr) - low
                st = arr.strides
                if (off >= 0 and off % isz == 0 and flat.nbytes % isz == 0 and all(s >= 0 and s % isz == 0
                                                                                   for s in st)):
                    ident = (self._location(arr), low, flat.nbytes, arr.dtype.str)
                    ref = self.storages.get(ident)
                    if ref is None:
                        ref = self._new_storage(flat.view(arr.dtype) if flat.dtype != arr.dtype else flat,
                                                ident[0])
                        self.storages[ident] = ref
                    return ref, off // isz, tuple(s // isz for s in st)
        # an empty tensor, or memory ember cannot describe as one storage (negative strides...): a copy
        ref = self._new_storage(arr.copy().reshape(-1), self._location(arr))
        self.storages[("copy", id(ref))] = ref
        return ref, 0, _contiguous_strides(arr.shape)

    def _new_storage(self, flat, location: str) -> _StorageRef:
        key = str(len(self.storages))
        cls = _g("torch", _STORAGE_NAMES[flat.dtype])
        pid = (_STORAGE_TAG, cls, key, location, int(flat.shape[0]))
        return _StorageRef(pid, key, flat)


def _contiguous_strides(shape) -> tuple:
    st, acc = [], 1
    for s in reversed(shape):
        st.append(acc)
        acc *= max(s, 1)
    return tuple(reversed(st))


def _host_bytes(flat) -> memoryview:
    """The bytes of a flat storage array, copied to the host when it lives on a GPU."""
    if not isinstance(flat, np.ndarray):
        flat = Tensor._make(flat).cpu()._data
    return memoryview(flat.view(np.uint8))


def _write_record(zf: zipfile.ZipFile, fileobj, name: str, data) -> None:
    """Write one stored zip record whose data starts on a 64-byte boundary (for mmap'ed loading)."""
    n = len(data) if isinstance(data, bytes) else data.nbytes
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.file_size = n
    zip64 = n * 1.05 > zipfile.ZIP64_LIMIT  # zipfile's own rule for adding a zip64 extra to the header
    header = 30 + len(name.encode()) + (20 if zip64 else 0) + 4
    pad = -(fileobj.tell() + header) % _ALIGNMENT
    info.extra = struct.pack("<HH", 0x4246, pad) + b"Z" * pad
    with zf.open(info, "w", force_zip64=zip64) as w:
        w.write(data)


def _write_archive(fileobj, archive: str, pickled: bytes, storages: Iterable[_StorageRef]) -> None:
    with zipfile.ZipFile(fileobj, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        _write_record(zf, fileobj, f"{archive}/data.pkl", pickled)
        _write_record(zf, fileobj, f"{archive}/.format_version", b"1")
        _write_record(zf, fileobj, f"{archive}/.storage_alignment", str(_ALIGNMENT).encode())
        _write_record(zf, fileobj, f"{archive}/byteorder", sys.byteorder.encode())
        for ref in storages:
            _write_record(zf, fileobj, f"{archive}/data/{ref.key}", _host_bytes(ref.flat))
        _write_record(zf, fileobj, f"{archive}/version", b"3\n")
        _write_record(zf, fileobj, f"{archive}/.data/serialization_id",
                      "".join(str(secrets.randbelow(10)) for _ in range(40)).encode())


def save(obj: Any, f: FileLike, pickle_module: Any = pickle, pickle_protocol: int = 2,
         _use_new_zipfile_serialization: bool = True) -> None:
    """Save `obj` (tensors, state_dicts, nested containers...) to `f` in PyTorch's checkpoint format.

    `f` is a path or a writable binary file object. Saving to a path is atomic: the checkpoint is written
    to a temporary file next to it, flushed to disk and renamed over `f`, so an interrupted save never
    leaves a partial file in place of a good one. Views keep sharing their storage (as in PyTorch, a view
    of a large tensor saves the whole storage). `torch.load(f, weights_only=True)` reads the result.
    """
    if pickle_module is not pickle:
        raise ValueError("ember.save writes with its own pickler; pickle_module must be the pickle module")
    if not _use_new_zipfile_serialization:
        raise RuntimeError("ember.save writes only the zip checkpoint format (_use_new_zipfile_serialization="
                           "True); PyTorch's legacy format is not supported")
    buf = io.BytesIO()
    pickler = _Pickler(buf, pickle_protocol)
    pickler.dump(obj)
    pickled = buf.getvalue()
    storages = list(pickler.storages.values())
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        archive = os.path.splitext(os.path.basename(path))[0] or "archive"
        _atomic_write(path, lambda fh: _write_archive(fh, archive, pickled, storages))
        return
    if not hasattr(f, "write"):
        raise AttributeError(f"'{type(f).__name__}' object has no attribute 'write'")
    seekable = getattr(f, "seekable", None)
    if seekable is not None and seekable():
        _write_archive(f, "archive", pickled, storages)
    else:  # zip needs to seek back to patch headers: assemble it in memory first
        tmp = io.BytesIO()
        _write_archive(tmp, "archive", pickled, storages)
        f.write(tmp.getbuffer())


def _atomic_write(path: str, write: Callable, by_name: bool = False) -> None:
    """Run write(file object) (or write(temporary path) with by_name) on a temporary file in path's folder,
    fsync it and rename it over path; on any error the temporary file is removed and path is untouched."""
    if os.path.islink(path):
        path = os.path.realpath(path)  # replace the link's target, as writing through the link would
    folder = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = os.path.join(folder, f".{base}.{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(tmp, flags, 0o666)  # the umask applies, as for an ordinary new file
            break
        except FileExistsError:
            continue
    try:
        if by_name:
            os.close(fd)
            write(tmp)
            fd = os.open(tmp, os.O_RDWR | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "r+b" if by_name else "wb") as fh:
            if not by_name:
                write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
        except FileNotFoundError:
            pass
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(folder)


def _fsync_dir(folder: str) -> None:
    # makes the rename itself durable; not possible on every platform (Windows), hence best effort
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ------------------------------------------------------------------------------------------------------
# reading the archive
# ------------------------------------------------------------------------------------------------------

def _bad(msg: str) -> RuntimeError:
    return RuntimeError(f"ember.load: invalid checkpoint: {msg}")


class _Archive:
    """The records of a checkpoint zip, each checked to lie inside the file without overlapping another."""

    def __init__(self, fileobj, mapped=None) -> None:
        self.f = fileobj
        self.mapped = mapped
        fileobj.seek(0, os.SEEK_END)
        self.size = fileobj.tell()
        fileobj.seek(0)
        try:
            with zipfile.ZipFile(fileobj) as zf:
                infos = zf.infolist()
        except Exception as e:  # zipfile raises many types on garbage (BadZipFile, ValueError, EOFError...)
            raise self._not_a_zip() from e
        names = [i.filename for i in infos]
        if len(set(names)) != len(names):
            raise _bad("the zip archive holds duplicate record names")
        if any(n.endswith("/constants.pkl") and n.count("/") == 1 for n in names):
            raise RuntimeError("ember.load: this is a TorchScript archive (torch.jit.save); ember loads only "
                               "checkpoints written by torch.save / ember.save")
        pkls = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
        if len(pkls) != 1:
            raise _bad("data.pkl record is missing" if not pkls else "several data.pkl records")
        self.prefix = pkls[0][: -len("data.pkl")]
        self.records: dict = {}
        spans = []
        for info in infos:
            if not info.filename.startswith(self.prefix):
                continue
            if info.flag_bits & 0x1:
                raise _bad(f"record '{info.filename}' is encrypted")
            if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size:
                raise _bad(f"record '{info.filename}' is compressed (checkpoints store records "
                           "uncompressed)")
            start = self._data_offset(info)
            end = start + info.file_size
            if end > self.size:
                raise _bad(f"record '{info.filename}' extends past the end of the file (truncated?)")
            self.records[info.filename[len(self.prefix):]] = (start, info.file_size, info.CRC)
            spans.append((info.header_offset, end, info.filename))
        spans.sort()
        for (_, end, name), (nxt, _, other) in zip(spans, spans[1:]):
            if nxt < end:
                raise _bad(f"records '{name}' and '{other}' overlap")

    def _not_a_zip(self) -> RuntimeError:
        self.f.seek(0)
        head = self.f.read(512)
        if not head:
            return _bad("the file is empty")
        if head[257:262] == b"ustar":
            return RuntimeError(
                "ember.load: this file is in the tar serialization format of the earliest PyTorch releases, "
                "which ember does not support. Load it with PyTorch and save it again with "
                "torch.save(obj, f) to get the zip format.")
        if len(head) > 9 and head[8:9] == b"{" and int.from_bytes(head[:8], "little") < self.size:
            return RuntimeError("ember.load: this looks like a safetensors file; read it with "
                                "ember.serialization.load_safetensors(path)")
        if head.startswith(b"PK"):
            return _bad("the zip archive is corrupt or truncated")
        return _bad("not a zip archive (not written by torch.save / ember.save, or corrupt)")

    def _data_offset(self, info: zipfile.ZipInfo) -> int:
        if info.header_offset < 0 or info.header_offset + 30 > self.size:
            raise _bad(f"record '{info.filename}' has an offset outside the file")
        self.f.seek(info.header_offset)
        head = self.f.read(30)
        if len(head) != 30 or head[:4] != b"PK\x03\x04":
            raise _bad(f"record '{info.filename}' has no valid local header (wrong offset?)")
        name_len, extra_len = struct.unpack("<HH", head[26:30])
        name = self.f.read(name_len)
        if name not in (info.filename.encode("utf-8"), info.filename.encode("cp437", "replace")):
            raise _bad(f"record '{info.filename}' does not match its local header")
        return info.header_offset + 30 + name_len + extra_len

    def has(self, name: str) -> bool:
        return name in self.records

    def read(self, name: str) -> bytes:
        """A small record's bytes, checked against its CRC."""
        start, n, crc = self._record(name)
        self.f.seek(start)
        data = self.f.read(n)
        if len(data) != n:
            raise _bad(f"record '{name}' is truncated")
        if zlib.crc32(data) != crc:
            raise _bad(f"record '{name}' is corrupt (CRC mismatch)")
        return data

    def read_array(self, name: str) -> np.ndarray:
        """A storage record as a writable uint8 array (a copy-on-write map of the file with mmap)."""
        start, n, _ = self._record(name)
        if self.mapped is not None:
            return np.frombuffer(self.mapped, np.uint8, count=n, offset=start)
        out = np.empty(n, np.uint8)
        self.f.seek(start)
        view = memoryview(out)
        got = 0
        readinto = getattr(self.f, "readinto", None)
        while got < n:
            if readinto is not None:
                k = readinto(view[got:])
            else:
                chunk = self.f.read(n - got)
                k = len(chunk)
                view[got:got + k] = chunk
            if not k:
                raise _bad(f"record '{name}' is truncated")
            got += k
        return out

    def _record(self, name: str) -> tuple:
        rec = self.records.get(name)
        if rec is None:
            raise _bad(f"record '{self.prefix}{name}' is missing")
        return rec


# ------------------------------------------------------------------------------------------------------
# rebuilding tensors (the targets of the `torch._utils...` names in a checkpoint)
# ------------------------------------------------------------------------------------------------------

class _StorageKind:
    """What a `torch.<X>Storage` name stands for: the element type of the storage's bytes."""

    __slots__ = ("name", "np", "itemsize", "bf16")

    def __init__(self, name: str, np_dtype, bf16: bool = False) -> None:
        self.name = name
        self.np = np_dtype  # None: untyped bytes (or bfloat16, which NumPy lacks)
        self.bf16 = bf16
        self.itemsize = 2 if bf16 else 1 if np_dtype is None else np_dtype.itemsize


class _TypeMarker:
    """Stands for `torch.Tensor` / `torch.nn.Parameter` & co. in a checkpoint (a type, never instantiated)."""

    __slots__ = ("name", "parameter")

    def __init__(self, name: str, parameter: bool = False) -> None:
        self.name = name
        self.parameter = parameter


def _is_int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _storage_array(storage):
    """The flat typed array behind a storage argument (storages load as 1-D tensors)."""
    if not isinstance(storage, Tensor) or storage._data.ndim != 1 or not storage._data.flags.c_contiguous:
        raise _bad(f"expected a storage when rebuilding a tensor, got {type(storage).__name__}")
    return storage._data


def _build(storage, offset, size, stride, requires_grad, dtype=None) -> Tensor:
    arr = _storage_array(storage)
    if dtype is not None:
        if not isinstance(dtype, _dt.dtype):
            raise _bad(f"expected a dtype when rebuilding a tensor, got {type(dtype).__name__}")
        if arr.dtype != np.uint8 or arr.shape[0] % dtype.itemsize:
            raise _bad(f"storage of {arr.shape[0]} bytes cannot hold elements of {dtype}")
        arr = arr.view(dtype.np)
    if not _is_int(offset) or not isinstance(size, (tuple, list)) or not isinstance(stride, (tuple, list)):
        raise _bad("tensor offset, size and stride must be an int and two tuples of ints")
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride) or len(size) > 64 or not all(_is_int(s) for s in size + stride):
        raise _bad(f"tensor size {size} and stride {stride} do not match")
    if offset < 0 or any(s < 0 for s in size) or any(s < 0 for s in stride):
        raise _bad(f"negative offset, size or stride (offset {offset}, size {size}, stride {stride})")
    if not isinstance(requires_grad, bool):
        raise _bad("requires_grad must be a bool")
    n = arr.shape[0]
    numel = extent = 1
    for s in size:
        numel *= s
        extent *= max(s, 1)  # empty tensors must still have a shape NumPy can describe
    if extent * arr.itemsize >= _NUMEL_LIMIT:
        raise _bad(f"tensor of size {list(size)} is too large")
    if numel == 0:
        if offset > n:
            raise _bad(f"storage offset {offset} is past the end of a storage of {n} elements")
        out = arr[offset:offset].reshape(size)
    else:
        last = offset + sum((sz - 1) * st for sz, st in zip(size, stride))
        if last >= n:
            raise _bad(f"tensor of size {list(size)}, stride {list(stride)} and offset {offset} needs "
                       f"{last + 1} elements but its storage holds {n}")
        if stride == _contiguous_strides(size):
            out = arr[offset:offset + numel].reshape(size)
        elif isinstance(arr, np.ndarray):
            out = np.ndarray(size, arr.dtype, buffer=arr, offset=offset * arr.itemsize,
                             strides=tuple(s * arr.itemsize for s in stride))
        else:
            xp = Device(device_of(arr)).xp
            out = xp.lib.stride_tricks.as_strided(arr[offset:], size, tuple(s * arr.itemsize for s in stride))
    t = Tensor._make(out)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _rebuild_tensor(storage, storage_offset, size, stride) -> Tensor:
    return _build(storage, storage_offset, size, stride, False)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       metadata=None) -> Tensor:
    return _build(storage, storage_offset, size, stride, requires_grad)


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype,
                       metadata=None) -> Tensor:
    return _build(storage, storage_offset, size, stride, requires_grad, dtype)


def _apply_state(obj: Tensor, state) -> None:
    """Set a checkpoint's attribute dict on a tensor (never Tensor's own internals)."""
    if isinstance(state, tuple) and len(state) == 2:
        state = state[0]
    if state is None:
        return
    if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
        raise _bad("a tensor's saved state must be a dict with str keys")
    for k, v in state.items():
        if k in Tensor.__dict__ or k.startswith("__") or k in ("_acc_strong", "_retain_entry"):
            raise _bad(f"a tensor's saved state may not set '{k}'")
        obj.__dict__[k] = v


def _rebuild_parameter(data, requires_grad, backward_hooks):
    from .nn.parameter import Parameter

    if not isinstance(data, Tensor) or not isinstance(requires_grad, bool):
        raise _bad("a parameter must be rebuilt from a tensor and a bool")
    return Parameter(data, requires_grad)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    p = _rebuild_parameter(data, requires_grad, backward_hooks)
    _apply_state(p, state)
    return p


_TENSOR_REBUILDERS = {_rebuild_tensor, _rebuild_tensor_v2, _rebuild_tensor_v3, _rebuild_parameter,
                      _rebuild_parameter_with_state}


def _rebuild_from_type_v2(func, new_type, args, state):
    if func not in _TENSOR_REBUILDERS or not isinstance(new_type, _TypeMarker) or not isinstance(args, tuple):
        raise _bad("unsupported tensor subclass rebuild")
    t = func(*args)
    if new_type.parameter and not isinstance(t, _param_class()):
        t = _rebuild_parameter(t, t.requires_grad, None)
    _apply_state(t, state)
    return t


def _param_class():
    from .nn.parameter import Parameter

    return Parameter


def _make_size(sizes=()) -> Size:
    sizes = tuple(sizes)
    if not all(_is_int(s) for s in sizes):
        raise _bad("torch.Size takes ints")
    return Size(sizes)


def _safe_bytearray(source=b"", *args):
    # bytearray(n) would allocate n bytes: only copies of existing data are allowed
    if not isinstance(source, (bytes, bytearray, str, list, tuple)):
        raise _bad("bytearray() may only copy bytes, str or lists of ints in a checkpoint")
    return bytearray(source, *args)


def _safe_encode(obj, encoding="utf-8", errors="strict"):
    # protocol 2 writes bytes as _codecs.encode(str, 'latin1'); nothing else is needed
    if not isinstance(obj, str) or encoding not in ("latin1", "latin-1", "utf-8", "utf8", "ascii"):
        raise _bad("_codecs.encode is only allowed to turn str into bytes")
    return obj.encode(encoding, errors)


def _get_layout(name):
    if name != "torch.strided":
        raise RuntimeError(f"ember.load: layout {name} is not supported (ember has strided tensors only)")
    return name


def _unsupported(what: str):
    raise RuntimeError(f"ember.load: the checkpoint holds {what}, which ember does not support")


def _build_torch_names() -> dict:
    names: dict = {
        "torch._utils._rebuild_tensor": _rebuild_tensor,
        "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
        "torch._utils._rebuild_tensor_v3": _rebuild_tensor_v3,
        "torch._utils._rebuild_parameter": _rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": _rebuild_parameter_with_state,
        "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
        "torch.serialization._get_layout": _get_layout,
        "torch.Size": _make_size,
        "torch.device": Device,
        "torch.storage.UntypedStorage": _StorageKind("UntypedStorage", None),
        "torch.BFloat16Storage": _StorageKind("BFloat16Storage", None, bf16=True),
        "torch.cuda.BFloat16Storage": _StorageKind("BFloat16Storage", None, bf16=True),
        "torch.Tensor": _TypeMarker("Tensor"),
        "torch.nn.parameter.Parameter": _TypeMarker("Parameter", parameter=True),
        "torch.nn.Parameter": _TypeMarker("Parameter", parameter=True),
    }
    for np_dt, sname in _STORAGE_NAMES.items():
        for mod in ("torch", "torch.cuda"):
            names[f"{mod}.{sname}"] = _StorageKind(sname, np_dt)
            names[f"{mod}.{sname.replace('Storage', 'Tensor')}"] = _TypeMarker(sname.replace("Storage", "Tensor"))
    for d in _dt.ALL:
        names[f"torch.{d.name}"] = d
    return names


_TORCH_NAMES = _build_torch_names()

# names PyTorch's own safe loader admits but ember cannot represent: a clear "unsupported" error, not a
# "forbidden" one
_TORCH_UNSUPPORTED = {
    **{f"torch.{n}": f"tensors of dtype torch.{n}" for n in (
        "bfloat16", "complex32", "complex64", "complex128", "uint16", "uint32", "uint64", "qint8", "quint8",
        "qint32", "quint4x2", "quint2x4", "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz",
        "float8_e5m2fnuz", "float8_e8m0fnu", "float4_e2m1fn_x2", "bits8", "bits16", "bits1x8", "bits2x4",
        "bits4x2")},
    **{f"{m}.{n}Storage": f"{n} storages" for m in ("torch", "torch.cuda")
       for n in ("ComplexFloat", "ComplexDouble", "QInt8", "QUInt8", "QInt32", "QUInt4x2", "QUInt2x4")},
    **{f"torch._utils.{n}": f"{what} tensors" for n, what in (
        ("_rebuild_sparse_tensor", "sparse"), ("_rebuild_qtensor", "quantized"),
        ("_rebuild_nested_tensor", "nested"), ("_rebuild_meta_tensor_no_storage", "meta"),
        ("_rebuild_wrapper_subclass", "tensor-subclass"),
        ("_rebuild_device_tensor_from_numpy", "device (xla/mps) tensors saved as NumPy"),
        ("_rebuild_device_tensor_from_cpu_tensor", "device (xla/mps)"))},
}

_SAFE_BUILTINS = {
    "collections.OrderedDict": OrderedDict,
    "collections.Counter": Counter,
    "builtins.set": set,
    "builtins.frozenset": frozenset,
    "builtins.complex": complex,
    "builtins.bytearray": _safe_bytearray,
    "_codecs.encode": _safe_encode,
}
_SAFE_CLASSES = (OrderedDict, Counter, set, frozenset, complex)
_ALLOWED_CALLABLES = {id(f) for f in (*_TENSOR_REBUILDERS, *_SAFE_BUILTINS.values(), _rebuild_from_type_v2,
                                      _make_size, Device, _get_layout)}

_user_safe: dict = {}


def _global_name(obj) -> str:
    return f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', getattr(obj, '__name__', ''))}"


def add_safe_globals(safe_globals: list) -> None:
    """Let `load(weights_only=True)` rebuild these (trusted) classes and functions too.

    Items are the objects themselves or `(obj, "module.name")` pairs for objects pickled under another
    name. Instances of an added class are created with `cls.__new__` and get their state through
    `__setstate__` or their `__dict__`.
    """
    if not isinstance(safe_globals, list):
        raise TypeError("safe_globals must be a list")
    for item in safe_globals:
        if isinstance(item, tuple):
            obj, name = item
        else:
            obj, name = item, _global_name(item)
        _user_safe[name] = obj


def get_safe_globals() -> list:
    """The objects added with add_safe_globals (pairs where the name differs from the object's own)."""
    return [obj if _global_name(obj) == name else (obj, name) for name, obj in _user_safe.items()]


def clear_safe_globals() -> None:
    """Forget every global added with add_safe_globals."""
    _user_safe.clear()


class safe_globals:  # noqa: N801 - PyTorch's spelling
    """Context manager: `with safe_globals([MyClass]): load(f)` admits MyClass only within the block."""

    def __init__(self, safe_globals: list) -> None:
        self.safe_globals = safe_globals

    def __enter__(self) -> None:
        self._saved = dict(_user_safe)
        add_safe_globals(self.safe_globals)

    def __exit__(self, *exc) -> None:
        _user_safe.clear()
        _user_safe.update(self._saved)


# ------------------------------------------------------------------------------------------------------
# unpicklers
# ------------------------------------------------------------------------------------------------------

_WEIGHTS_ONLY_HELP = (
    "Weights only load failed. Re-running `ember.load` with `weights_only` set to `False` will likely "
    "succeed, but it can result in arbitrary code execution. Do it only if you got the file from a trusted "
    "source.\n\n")
_WEIGHTS_ONLY_TAIL = (
    "\n\nBy default ember.load rebuilds only tensors, parameters, storages, dtypes, devices, sizes and plain "
    "containers (dict, OrderedDict, list, tuple, set, str, bytes, numbers, bool, None). If you trust this "
    "global, allow it with `ember.serialization.add_safe_globals([...])` or the "
    "`ember.serialization.safe_globals([...])` context manager.")
_BLOCKED_MODULES = {"os", "posix", "nt", "subprocess", "sys", "builtins", "socket", "shutil", "importlib",
                    "runpy", "pty", "ctypes", "pickle", "_pickle", "marshal", "code", "codeop", "webbrowser"}


def _forbidden(what: str) -> pickle.UnpicklingError:
    return pickle.UnpicklingError(_WEIGHTS_ONLY_HELP + what + _WEIGHTS_ONLY_TAIL)


def _fix_name(proto: int, fix_imports: bool, module: str, name: str) -> tuple:
    """Python 2 / protocol < 3 names (`__builtin__.set`) as Python 3 spells them."""
    if proto < 3 and fix_imports:
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.IMPORT_MAPPING:
            module = _compat_pickle.IMPORT_MAPPING[module]
    return module, name


def _torch_name(full: str):
    obj = _TORCH_NAMES.get(full)
    if obj is None and full in _TORCH_UNSUPPORTED:
        _unsupported(_TORCH_UNSUPPORTED[full])
    return obj


_OPS = pickle  # opcode constants


class _WeightsUnpickler(pickle._Unpickler):
    """Pure-Python unpickler (dict memo: a huge memo index cannot allocate) admitting only safe globals
    and only the opcodes a checkpoint needs, each applied to the kinds of objects it is meant for."""

    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(self, file, loader: _Loader, **kwargs) -> None:
        super().__init__(file, **kwargs)
        self._loader = loader

    def find_class(self, module: str, name: str):
        if not isinstance(module, str) or not isinstance(name, str):
            raise _forbidden("A global's module and name must be strings.")
        module, name = _fix_name(self.proto, self.fix_imports, module, name)
        full = f"{module}.{name}"
        obj = _torch_name(full)
        if obj is None:
            obj = _SAFE_BUILTINS.get(full)
        if obj is None:
            obj = _user_safe.get(full)
        if obj is None:
            top = module.split(".")[0]
            if top in _BLOCKED_MODULES:
                raise _forbidden(f"Trying to load unsupported GLOBAL {full} whose module {module} is blocked.")
            raise _forbidden(f"Unsupported global: GLOBAL {full} was not an allowed global by default.")
        return obj

    def persistent_load(self, pid):
        return self._loader.storage(pid)

    def _callable_ok(self, func) -> bool:
        # by identity: objects from the checkpoint never get to run their __eq__ / __hash__ here
        return id(func) in _ALLOWED_CALLABLES or any(func is v for v in _user_safe.values())

    def load_reduce(self):
        stack = self.stack
        args = stack.pop()
        func = stack[-1]
        if not self._callable_ok(func) or not isinstance(args, tuple):
            raise _forbidden(f"Trying to call {_describe(func)}, which is not an allowed callable.")
        stack[-1] = func(*args)

    def load_newobj(self):
        args = self.stack.pop()
        cls = self.stack[-1]
        self._check_class(cls)
        if not isinstance(args, tuple):
            raise _forbidden("NEWOBJ arguments must be a tuple.")
        self.stack[-1] = cls.__new__(cls, *args)

    def load_newobj_ex(self):
        kwargs = self.stack.pop()
        args = self.stack.pop()
        cls = self.stack.pop()
        self._check_class(cls)
        if not isinstance(args, tuple) or not isinstance(kwargs, dict):
            raise _forbidden("NEWOBJ_EX arguments must be a tuple and a dict.")
        self.append(cls.__new__(cls, *args, **kwargs))

    def _check_class(self, cls) -> None:
        if not isinstance(cls, type) or not (any(cls is c for c in _SAFE_CLASSES)
                                             or any(cls is v for v in _user_safe.values())):
            raise _forbidden(f"Trying to instantiate {_describe(cls)}, which is not an allowed class.")

    def load_build(self):
        state = self.stack.pop()
        inst = self.stack[-1]
        if type(inst) in (OrderedDict, Counter):
            if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
                raise _forbidden("Only a dict of attributes can be set on an OrderedDict.")
            inst.__dict__.update(state)
            return
        if any(type(inst) is v for v in _user_safe.values()):
            setstate = getattr(inst, "__setstate__", None)
            if setstate is not None:
                setstate(state)
            elif isinstance(state, dict):
                inst.__dict__.update(state)
            else:
                raise _forbidden(f"Cannot set state {_describe(state)} on {_describe(inst)}.")
            return
        raise _forbidden(f"Cannot set the state of {_describe(inst)} (BUILD is only allowed on OrderedDict and "
                         "on instances of safe globals).")

    def load_setitem(self):
        value = self.stack.pop()
        key = self.stack.pop()
        self._check_dict(self.stack[-1])[key] = value

    def load_setitems(self):
        items = self.pop_mark()
        d = self._check_dict(self.stack[-1])
        if len(items) % 2:
            raise pickle.UnpicklingError("odd number of items for SETITEMS")
        for i in range(0, len(items), 2):
            d[items[i]] = items[i + 1]

    def _check_dict(self, d):
        if type(d) not in (dict, OrderedDict, Counter):
            raise _forbidden(f"SETITEM(S) on {_describe(d)}: only dicts can be filled.")
        return d

    def load_append(self):
        value = self.stack.pop()
        self._check_list(self.stack[-1]).append(value)

    def load_appends(self):
        items = self.pop_mark()
        self._check_list(self.stack[-1]).extend(items)

    def _check_list(self, lst):
        if type(lst) is not list:
            raise _forbidden(f"APPEND(S) on {_describe(lst)}: only lists can be extended.")
        return lst

    def load_additems(self):
        items = self.pop_mark()
        s = self.stack[-1]
        if type(s) is not set:
            raise _forbidden(f"ADDITEMS on {_describe(s)}: only sets can be extended.")
        s.update(items)

    def load_bytearray8(self):
        (n,) = struct.unpack("<Q", self.read(8))
        data = self.read(n)  # reads what is there: no allocation sized by the claim
        if len(data) != n:
            raise pickle.UnpicklingError("BYTEARRAY8 is truncated")
        self.append(bytearray(data))

    def _unsupported_op(self):
        raise _forbidden("Unsupported opcode: checkpoints need only protocol-2+ containers, globals from the "
                         "allowlist and persistent storage ids.")

    dispatch[_OPS.REDUCE[0]] = load_reduce
    dispatch[_OPS.NEWOBJ[0]] = load_newobj
    dispatch[_OPS.NEWOBJ_EX[0]] = load_newobj_ex
    dispatch[_OPS.BUILD[0]] = load_build
    dispatch[_OPS.SETITEM[0]] = load_setitem
    dispatch[_OPS.SETITEMS[0]] = load_setitems
    dispatch[_OPS.APPEND[0]] = load_append
    dispatch[_OPS.APPENDS[0]] = load_appends
    dispatch[_OPS.ADDITEMS[0]] = load_additems
    dispatch[_OPS.BYTEARRAY8[0]] = load_bytearray8
    for _op in (_OPS.INST, _OPS.OBJ, _OPS.EXT1, _OPS.EXT2, _OPS.EXT4, _OPS.NEXT_BUFFER, _OPS.READONLY_BUFFER):
        dispatch[_op[0]] = _unsupported_op
    del _op


def _describe(obj) -> str:
    if isinstance(obj, (_StorageKind, _TypeMarker)):
        return f"torch.{obj.name}"
    if isinstance(obj, type) or callable(obj):
        return _global_name(obj).strip(".") or repr(type(obj))
    return f"an object of type {type(obj).__name__}"


class _FullUnpickler(pickle.Unpickler):
    """weights_only=False: any global (arbitrary code!), with PyTorch's tensor names mapped to ember's."""

    def __init__(self, file, loader: _Loader, **kwargs) -> None:
        super().__init__(file, **kwargs)
        self._loader = loader

    def find_class(self, module: str, name: str):
        full = f"{module}.{name}"
        obj = _torch_name(full)
        if obj is not None:
            return obj
        if module == "torch" or module.startswith("torch."):
            raise RuntimeError(f"ember.load: the checkpoint holds a PyTorch object ({full}) that ember cannot "
                               "rebuild; save a state_dict (tensors and plain containers) instead")
        return super().find_class(module, name)

    def persistent_load(self, pid):
        return self._loader.storage(pid)


# ------------------------------------------------------------------------------------------------------
# loading
# ------------------------------------------------------------------------------------------------------

class _UserError(Exception):
    """Carries an exception raised by a user's map_location callable through the unpickler."""

    def __init__(self, original: BaseException) -> None:
        self.original = original


def _parse_location(loc) -> Device:
    if isinstance(loc, Device):
        return loc
    if not isinstance(loc, str):
        raise _bad(f"storage location must be a string, got {type(loc).__name__}")
    try:
        return Device(loc)
    except (RuntimeError, TypeError):
        raise RuntimeError(f"ember.load: don't know how to restore data location '{loc}' (ember has cpu and "
                           "cuda devices); pass map_location='cpu' to load the tensors on the CPU") from None


class _Loader:
    """Loads each storage record once (shared storages stay shared) onto the device map_location picks."""

    def __init__(self, archive: _Archive, map_location, swap: bool) -> None:
        self.archive = archive
        self.map_location = map_location
        self.swap = swap
        self.raw: dict = {}  # key -> uint8 array on its device
        self.typed: dict = {}  # (key, kind) -> 1-D typed Tensor

    def storage(self, pid) -> Tensor:
        if (type(pid) is not tuple or len(pid) != 5 or type(pid[0]) is not str or pid[0] != "storage"
                or type(pid[1]) is not _StorageKind):
            raise _bad(f"unsupported persistent id {_short_repr(pid)} (expected a storage reference)")
        _, kind, key, location, numel = pid
        if type(key) is not str or type(location) is not str or not _is_int(numel) or numel < 0:
            raise _bad(f"malformed storage reference {_short_repr(pid)}")
        cached = self.typed.get((key, kind.name))
        if cached is not None:
            return cached
        raw = self.raw.get(key)
        if raw is None:
            rec = f"data/{key}"
            if not self.archive.has(rec):
                raise _bad(f"record '{self.archive.prefix}{rec}' is missing")
            raw = self._restore(self.archive.read_array(rec), location)
            self.raw[key] = raw
        if raw.shape[0] != numel * kind.itemsize:
            raise _bad(f"storage '{key}' claims {numel} elements of {kind.itemsize} bytes but its record "
                       f"holds {raw.shape[0]} bytes")
        t = Tensor._make(_typed_from_raw(raw, kind, self.swap))
        self.typed[(key, kind.name)] = t
        return t

    def _restore(self, raw: np.ndarray, location: str):
        ml = self.map_location
        target = location
        if ml is None:
            pass
        elif isinstance(ml, (str, Device)):
            target = ml
        elif isinstance(ml, dict):
            target = ml.get(location, location)
        elif callable(ml):
            try:
                res = ml(Tensor._make(raw), location)
            except BaseException as e:
                raise _UserError(e) from e
            if res is not None:
                arr = res._data if isinstance(res, Tensor) else res
                if getattr(arr, "dtype", None) != np.uint8 or arr.shape != raw.shape:
                    raise RuntimeError("ember.load: map_location must return the storage it was given (a 1-D "
                                       "uint8 tensor), moved to a device, or None")
                return arr
        dev = _parse_location(target)
        if dev.type == "cpu":
            return raw
        if not cuda_available():
            raise RuntimeError("Attempting to deserialize object on a CUDA device but ember.cuda.is_available() "
                               "is False. If you are running on a CPU-only machine, please use ember.load with "
                               "map_location=ember.device('cpu') to map your storages to the CPU.")
        return Tensor._make(raw).to(dev)._data


def _typed_from_raw(raw, kind: _StorageKind, swap: bool):
    """A storage's elements from its raw bytes (a view where no conversion is needed)."""
    if kind.bf16:  # ember has no bfloat16: widen (exactly) to float32
        half = raw.view(np.dtype(np.uint16).newbyteorder("S") if swap else np.uint16)
        return (half.astype(np.uint32) << 16).view(np.float32)
    if kind.np is None:
        return raw
    if swap and kind.itemsize > 1:
        return raw.view(kind.np.newbyteorder("S")).astype(kind.np)
    return raw.view(kind.np)


def _short_repr(obj) -> str:
    r = repr(obj)
    return r if len(r) <= 80 else r[:77] + "..."


# ------------------------------------------------------------------------------------------------------
# PyTorch's legacy format (torch < 1.6, or _use_new_zipfile_serialization=False)
# ------------------------------------------------------------------------------------------------------
#
# The file is a sequence of pickles followed by raw data: the magic number, the format version (1001), a
# dict of system information (byte order, C type sizes), the object itself (its storages are persistent
# ids `('storage', <storage class>, key, location, numel, view)`, view being None or
# `(view_key, offset, view_numel)` for a slice of the storage), the list of storage keys, and then for
# each key in that order an 8-byte element count and the storage's bytes. The storages' element sizes are
# only known from the object pickle, so it is unpickled first into empty storages, which are filled
# afterwards in place (the tensors rebuilt meanwhile are views of them).

_LEGACY_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
_LEGACY_PROTOCOL = 1001


class _BoundedReader:
    """A file's read methods that never ask for more bytes than the file holds, so that a pickle claiming
    a huge string cannot make the reader allocate for it."""

    def __init__(self, f, size: int) -> None:
        self.f = f
        self.size = size

    def _left(self) -> int:
        return max(self.size - self.f.tell(), 0)

    def read(self, n: int = -1) -> bytes:
        left = self._left()
        return self.f.read(left if n is None or n < 0 else min(n, left))

    def readline(self, limit: int = -1) -> bytes:
        left = self._left()
        return self.f.readline(left if limit is None or limit < 0 else min(limit, left))

    def readinto(self, buf) -> int:
        view = memoryview(buf).cast("B")
        n = min(len(view), self._left())
        readinto = getattr(self.f, "readinto", None)
        if readinto is not None:
            return readinto(view[:n]) or 0
        data = self.f.read(n)
        view[:len(data)] = data
        return len(data)

    def tell(self) -> int:
        return self.f.tell()


class _LegacyStorage:
    """A storage of a legacy file: allocated empty (on its target device) when the pickle names it and
    filled once its bytes are reached."""

    __slots__ = ("kind", "numel", "dest", "tensor", "filled")

    def __init__(self, kind: _StorageKind, numel: int, dest) -> None:
        self.kind = kind
        self.numel = numel
        self.dest = dest  # 1-D array of the storage's elements as ember holds them
        self.tensor = Tensor._make(dest)
        self.filled = False


class _NoStorages:
    """The loader of the header pickles, which hold no storages."""

    def storage(self, pid):
        raise _bad(f"unexpected persistent id {_short_repr(pid)} in the header of a legacy checkpoint")


class _LegacyLoader:
    def __init__(self, map_location, swap: bool, budget: int) -> None:
        self.restorer = _Loader(None, map_location, swap)
        self.swap = swap
        self.budget = budget  # bytes still available in the file for storages not yet named
        self.storages: dict = {}  # key -> _LegacyStorage
        self.views: dict = {}  # view key -> Tensor

    def storage(self, pid) -> Tensor:
        if (type(pid) is not tuple or len(pid) not in (5, 6) or type(pid[0]) is not str or pid[0] != "storage"
                or type(pid[1]) is not _StorageKind):
            raise _bad(f"unsupported persistent id {_short_repr(pid)} (expected a storage reference)")
        kind, key, location, numel = pid[1:5]
        view = pid[5] if len(pid) == 6 else None
        if type(key) is not str or type(location) is not str or not _is_int(numel) or numel < 0:
            raise _bad(f"malformed storage reference {_short_repr(pid)}")
        st = self.storages.get(key)
        if st is None:
            st = self.storages[key] = self._allocate(kind, numel, location)
        elif st.kind is not kind and st.kind.name != kind.name or st.numel != numel:
            raise _bad(f"storage '{key}' is referenced with different types or sizes")
        if view is None:
            return st.tensor
        if (type(view) is not tuple or len(view) != 3 or type(view[0]) is not str or not _is_int(view[1])
                or not _is_int(view[2])):
            raise _bad(f"malformed storage view {_short_repr(view)}")
        view_key, offset, view_numel = view
        if offset < 0 or view_numel < 0 or offset + view_numel > numel:
            raise _bad(f"storage view of {view_numel} elements at offset {offset} lies outside storage "
                       f"'{key}' of {numel} elements")
        t = self.views.get(view_key)
        if t is None:
            t = self.views[view_key] = Tensor._make(st.dest[offset:offset + view_numel])
        elif t._data.shape[0] != view_numel:
            raise _bad(f"storage view '{view_key}' is referenced with different sizes")
        return t

    def _allocate(self, kind: _StorageKind, numel: int, location: str) -> _LegacyStorage:
        nbytes = numel * kind.itemsize
        # every storage's bytes follow in the file: claims beyond its size are lies, never allocations
        if nbytes + 8 > self.budget:
            raise _bad(f"a storage of {numel} elements of {kind.itemsize} bytes does not fit in the file "
                       "(truncated or corrupt?)")
        self.budget -= nbytes + 8
        raw = self.restorer._restore(np.empty(nbytes, np.uint8), location)
        if not kind.bf16 and not (self.swap and kind.itemsize > 1):
            dest = raw if kind.np is None else raw.view(kind.np)
        else:
            dest = np.empty(numel, np.float32 if kind.bf16 else kind.np)
            if not isinstance(raw, np.ndarray):
                dest = Tensor._make(dest).to(device_of(raw))._data
        return _LegacyStorage(kind, numel, dest)

    def fill(self, reader: _BoundedReader, key: str, little: bool) -> None:
        st = self.storages.get(key)
        if st is None:
            raise _bad(f"storage '{key}' is listed but not used by the pickled object")
        if st.filled:
            raise _bad(f"storage '{key}' is listed twice")
        head = reader.read(8)
        if len(head) != 8:
            raise _bad(f"the data of storage '{key}' is missing (truncated file?)")
        count = int.from_bytes(head, "little" if little else "big", signed=True)
        if count != st.numel:
            raise _bad(f"storage '{key}' holds {count} elements but the pickle says {st.numel}")
        nbytes = count * st.kind.itemsize
        on_host = isinstance(st.dest, np.ndarray)
        direct = on_host and st.dest.dtype.itemsize == st.kind.itemsize and not (self.swap and nbytes)
        raw = st.dest.view(np.uint8) if direct else np.empty(nbytes, np.uint8)
        got = 0
        while got < nbytes:
            k = reader.readinto(raw[got:])
            if not k:
                raise _bad(f"the data of storage '{key}' is truncated ({got} of {nbytes} bytes present)")
            got += k
        if not direct:
            arr = _typed_from_raw(raw, st.kind, self.swap)
            st.dest[...] = arr if on_host else Tensor._make(arr).to(device_of(st.dest))._data
        st.filled = True


def _is_legacy(head: bytes) -> bool:
    # a pickle (protocol 2+) where a zip checkpoint starts with its "PK" signature
    return len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5


def _unpickle(cls, reader, loader, weights_only: bool, pickle_load_args: dict, what: str) -> Any:
    """Run one unpickler, turning the errors of a malformed pickle into clear ones."""
    unpickler = cls(reader, loader, **pickle_load_args)
    try:
        return unpickler.load()
    except _UserError as e:
        raise e.original from None
    except RecursionError as e:  # before RuntimeError, its base class
        raise pickle.UnpicklingError(f"ember.load: the checkpoint's {what} nests too deeply") from e
    except (pickle.UnpicklingError, RuntimeError):
        raise
    except EOFError as e:
        raise _bad(f"the {what} is truncated") from e
    except Exception as e:
        if not weights_only:
            raise
        raise pickle.UnpicklingError(f"ember.load: the checkpoint's {what} is malformed "
                                     f"({type(e).__name__}: {e})") from e


def _load_legacy(fileobj, map_location, weights_only: bool, pickle_load_args: dict) -> Any:
    fileobj.seek(0, os.SEEK_END)
    size = fileobj.tell()
    fileobj.seek(0)
    reader = _BoundedReader(fileobj, size)

    def run(cls, loader, weights_only: bool, what: str):
        try:
            return _unpickle(cls, reader, loader, weights_only, pickle_load_args, what)
        except (pickle.UnpicklingError, EOFError) as e:
            if reader.tell() < size:
                raise
            raise _bad(f"the file ends inside the {what} (truncated?)") from e

    def header(what: str):
        return run(_WeightsUnpickler, _NoStorages(), True, what)

    if header("legacy magic number") != _LEGACY_MAGIC_NUMBER:
        raise _bad("not a PyTorch checkpoint (a pickle without the legacy format's magic number)")
    version = header("legacy format version")
    if version != _LEGACY_PROTOCOL:
        raise _bad(f"unsupported legacy format version {_short_repr(version)}")
    info = header("legacy system information")
    if not isinstance(info, dict) or not isinstance(info.get("little_endian", True), bool):
        raise _bad("the legacy system information is not a dict")
    little = info.get("little_endian", True)
    loader = _LegacyLoader(map_location, little != (sys.byteorder == "little"), size - reader.tell())
    cls = _WeightsUnpickler if weights_only else _FullUnpickler
    result = run(cls, loader, weights_only, "pickled object")
    keys = header("list of storage keys")
    if not isinstance(keys, list) or not all(type(k) is str for k in keys):
        raise _bad("the list of storage keys is not a list of strings")
    for key in keys:
        loader.fill(reader, key, little)
    missing = [k for k, st in loader.storages.items() if not st.filled]
    if missing:
        raise _bad(f"the data of storage '{missing[0]}' is missing")
    return result


def load(f: FileLike, map_location=None, pickle_module: Any = None, *, weights_only: bool | None = True,
         mmap: bool | None = None, **pickle_load_args) -> Any:
    """Load an object saved with `ember.save` or `torch.save` as ember tensors.

    Both of PyTorch's formats load: the zip format and the legacy one (torch < 1.6, or
    `_use_new_zipfile_serialization=False`), with the same checks and the same restricted unpickler.

    `weights_only=True` (the default; None means the same) rebuilds only tensors, parameters and plain
    containers and rejects anything else with `pickle.UnpicklingError`; a malformed file raises
    RuntimeError. `weights_only=False` unpickles arbitrary objects: only for files you trust.
    `map_location`: None (each storage where it was saved), a device or string ('cpu', 'cuda:0'), a dict
    from saved to new locations, or a callable `(storage, location) -> storage or None` where storage is
    a 1-D uint8 tensor. `mmap=True` maps the file's storages copy-on-write instead of reading them.
    """
    if weights_only is None:
        weights_only = True
    if not (map_location is None or isinstance(map_location, (str, Device, dict)) or callable(map_location)):
        raise TypeError(f"map_location must be None, a string, a device, a dict or a callable, not "
                        f"{type(map_location).__name__}")
    if pickle_module is not None and weights_only:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    if pickle_module is not None and pickle_module is not pickle:
        raise ValueError("ember.load reads with its own unpickler; pickle_module must be the pickle module")
    unknown = set(pickle_load_args) - {"encoding", "errors", "fix_imports"}
    if unknown:
        raise TypeError(f"load() got an unexpected keyword argument '{sorted(unknown)[0]}'")
    pickle_load_args.setdefault("encoding", "utf-8")
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            mapped = None
            if mmap:
                import mmap as _mmap

                try:
                    mapped = _mmap.mmap(fh.fileno(), 0, access=_mmap.ACCESS_COPY)
                except ValueError:  # an empty file cannot be mapped; reading reports it properly
                    mapped = None
            return _load(fh, mapped, map_location, weights_only, pickle_load_args)
    if mmap:
        raise ValueError("f must be a file path in order to use the mmap argument")
    if not hasattr(f, "read"):
        raise AttributeError(f"'{type(f).__name__}' object has no attribute 'read'")
    seekable = getattr(f, "seekable", None)
    if seekable is None or not seekable() or not hasattr(f, "seek"):
        f = io.BytesIO(f.read())
    return _load(f, None, map_location, weights_only, pickle_load_args)


def _load(fileobj, mapped, map_location, weights_only: bool, pickle_load_args: dict) -> Any:
    head = fileobj.read(2)
    fileobj.seek(0)
    if _is_legacy(head):
        if mapped is not None:
            raise RuntimeError("mmap can only be used with files saved with torch.save(_use_new_zipfile_"
                               "serialization=True); this file is in PyTorch's legacy format")
        return _load_legacy(fileobj, map_location, weights_only, pickle_load_args)
    archive = _Archive(fileobj, mapped)
    swap = False
    if archive.has("byteorder"):
        order = archive.read("byteorder")
        if order not in (b"little", b"big"):
            raise _bad(f"unknown byteorder record {order[:20]!r}")
        swap = order.decode() != sys.byteorder
    loader = _Loader(archive, map_location, swap)
    data = archive.read("data.pkl")
    cls = _WeightsUnpickler if weights_only else _FullUnpickler
    return _unpickle(cls, io.BytesIO(data), loader, weights_only, pickle_load_args, "data.pkl")
