"""What runs inside a DataLoader worker process, and how its batches travel back.

A worker reads tasks `(task_id, keys)` from its own task pipe, fetches and collates the batch, and
writes `(task_id, batch)` to its own result pipe; every task gets exactly one reply (a batch, a wrapped
exception, or the end-of-stream marker of an iterable dataset), so the main process can read each
worker's replies in order. A sender thread does the writing, so the worker fetches its next batch while
the main process is still reading the previous one.

Batches travel as one frame: pickle protocol 5 with the array buffers out of band, written with one
`writev` and read straight into freshly allocated arrays, so a batch's bytes are copied once each way.
The worker exits when told to (a `None` task), when its task pipe closes, or when its parent process is
gone (checked every `_WATCHDOG_S` seconds while idle).
"""

from __future__ import annotations

import collections
import copyreg
import io
import os
import pickle
import queue
import random
import signal
import struct
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from typing import Any

import numpy as np

from ... import _tensor
from ... import random as _random
from ..._parallel import use_threads
from ._fetch import make_fetcher

__all__ = ["WorkerInfo", "get_worker_info"]

Tensor = _tensor.Tensor
_WATCHDOG_S = 1.0
_HEAD = struct.Struct("<QI")  # header length, number of out-of-band buffers
_OUT_OF_BAND_MIN = 1 << 15  # bytes
_IOV_MAX = 512  # buffers per writev (POSIX guarantees at least 1024)


@dataclass(frozen=True)
class WorkerInfo:
    """Who this worker is: `id` in [0, num_workers), the `seed` its generators were seeded with, and its
    copy of the `dataset`."""

    id: int
    num_workers: int
    seed: int
    dataset: Any
    rng: Any = None
    worker_method: str | None = "multiprocessing"


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """This worker's WorkerInfo inside a DataLoader worker process; None in the main process."""
    return _worker_info


class _IterableDatasetStopIteration:
    """A worker's reply once its copy of an iterable dataset is exhausted."""

    def __init__(self, worker_id: int) -> None:
        self.worker_id = worker_id


class _ResumeIteration:
    """A task asking a persistent worker to start a new epoch (a fresh fetcher); answered with None."""


class _KeyErrorMessage(str):
    """KeyError shows repr() of its argument; this keeps the worker's traceback readable."""

    def __repr__(self) -> str:
        return str(self)


class ExceptionWrapper:
    """An exception raised in a worker, carried to the main process (type and formatted traceback)."""

    def __init__(self, exc_info: tuple | None = None, where: str = "in background") -> None:
        exc_type, exc, tb = exc_info if exc_info is not None else sys.exc_info()
        self.exc_type = exc_type
        self.exc_msg = "".join(traceback.format_exception(exc_type, exc, tb))
        self.where = where

    def reraise(self) -> None:
        """Raise the exception again here, its message naming the worker and quoting its traceback."""
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)
        elif getattr(self.exc_type, "message", None):
            raise self.exc_type(message=msg)
        try:
            exc = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        try:
            raise exc
        finally:
            del exc  # a frame holding its own exception would keep the iterator alive until gc runs


# -- transport -------------------------------------------------------------------------------------------

def _tensor_from_array(arr: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor._make(arr)
    t._rg = requires_grad
    return t


def _reduce_tensor(t: Tensor):
    """A plain tensor's array travels as it is: the array arriving is fresh, so no copy is made."""
    if type(t._data) is not np.ndarray or t.grad_fn is not None or t._grad is not None or t.__dict__:
        return t.__reduce_ex__(pickle.HIGHEST_PROTOCOL)
    return _tensor_from_array, (t._data, t._rg)


class _BatchPickler(pickle.Pickler):
    # multiprocessing's reducers (connections, sockets) and copyreg's, live; tensors ours
    dispatch_table = collections.ChainMap({Tensor: _reduce_tensor}, ForkingPickler._extra_reducers,
                                          copyreg.dispatch_table)


def pack(obj: Any) -> list:
    """obj as the parts of one frame: prefix, buffer sizes, pickle header, then the raw buffers."""
    buffers: list[pickle.PickleBuffer] = []

    def out_of_band(buf: pickle.PickleBuffer) -> bool:
        # small arrays ride in the pickle itself: a read per buffer would cost more than the copy
        if buf.raw().nbytes < _OUT_OF_BAND_MIN:
            return True
        buffers.append(buf)
        return False

    f = io.BytesIO()
    _BatchPickler(f, protocol=5, buffer_callback=out_of_band).dump(obj)
    header = f.getbuffer()
    raws = [b.raw() for b in buffers]
    sizes = struct.pack(f"<{len(raws)}Q", *(r.nbytes for r in raws))
    return [_HEAD.pack(header.nbytes, len(raws)), sizes, header, *raws]


def write_frame(fd: int, parts: list) -> None:
    views = [memoryview(p).cast("B") for p in parts]
    while views:
        n = os.writev(fd, views[:_IOV_MAX])
        while views and n >= views[0].nbytes:
            n -= views[0].nbytes
            views.pop(0)
        if n:
            views[0] = views[0][n:]


def _read_exact(fd: int, n: int) -> bytes:
    chunks = []
    while n:
        chunk = os.read(fd, n)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _read_into(fd: int, buf: memoryview) -> None:
    while buf.nbytes:
        n = os.readv(fd, [buf])
        if not n:
            raise EOFError
        buf = buf[n:]


def read_frame(fd: int) -> Any:
    """The next object written with write_frame to this pipe (EOFError if the writer is gone)."""
    header_len, count = _HEAD.unpack(_read_exact(fd, _HEAD.size))
    sizes = struct.unpack(f"<{count}Q", _read_exact(fd, 8 * count)) if count else ()
    header = _read_exact(fd, header_len)
    buffers = []
    for size in sizes:
        buf = np.empty(size, np.uint8)
        _read_into(fd, memoryview(buf))
        buffers.append(buf)
    return pickle.loads(header, buffers=buffers)


class _Sender:
    """Writes packed frames to the result pipe from a daemon thread, in order."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        threading.Thread(target=self._run, name="ember-dataloader-sender", daemon=True).start()

    def put(self, obj: Any, worker_id: int) -> None:
        try:
            parts = pack(obj)
        except Exception:  # an unpicklable batch is reported like any error of the worker
            parts = pack((obj[0], ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")))
        self._queue.put(parts)

    def _run(self) -> None:
        while True:
            try:
                write_frame(self._fd, self._queue.get())
            except OSError:  # the main process stopped reading: it is shutting us down or is gone
                return


# -- the worker process ----------------------------------------------------------------------------------

def _seed_everything(base_seed: int, worker_id: int) -> int:
    """Seed Python's, ember's and NumPy's global generators differently in each worker."""
    seed = base_seed + worker_id
    random.seed(seed)
    _random.manual_seed(seed)
    mask = (1 << 32) - 1
    np.random.seed(np.random.SeedSequence([worker_id, base_seed & mask, base_seed >> 32]).generate_state(4))
    return seed


def _next_task(tasks: Connection, parent_pid: int) -> Any:
    """The next task, or None when told to stop or when the main process is gone."""
    while not tasks.poll(_WATCHDOG_S):
        if os.getppid() != parent_pid:
            return None
    try:
        return tasks.recv()
    except (EOFError, OSError):
        return None


def worker_loop(iterable: bool, dataset: Any, auto_collation: bool, collate_fn: Callable, drop_last: bool,
                base_seed: int, init_fn: Callable | None, worker_id: int, num_workers: int, parent_pid: int,
                tasks: Connection, results: Connection) -> None:
    """A worker process's main function: seed, run worker_init_fn, then answer tasks until told to stop."""
    global _worker_info
    # Ctrl-C reaches the whole process group: the main process handles it and shuts the workers down
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    seed = _seed_everything(base_seed, worker_id)
    use_threads(1)  # workers run side by side: one thread each, as in PyTorch
    _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
    where = f"in DataLoader worker process {worker_id}"
    sender = _Sender(results.fileno())
    init_error = None
    fetcher = None
    try:
        if init_fn is not None:
            init_fn(worker_id)
        fetcher = make_fetcher(iterable, dataset, auto_collation, collate_fn, drop_last)
    except Exception:
        init_error = ExceptionWrapper(where=where)
    ended = False
    while True:
        task = _next_task(tasks, parent_pid)
        if task is None:
            break
        task_id, index = task
        if isinstance(index, _ResumeIteration):
            ended = False
            try:
                fetcher = make_fetcher(iterable, dataset, auto_collation, collate_fn, drop_last)
            except Exception:
                init_error = ExceptionWrapper(where=where)
            sender.put((task_id, None), worker_id)
            continue
        if init_error is not None:
            data = init_error
        elif ended:
            data = _IterableDatasetStopIteration(worker_id)
        else:
            try:
                data = fetcher.fetch(index)
            except StopIteration:
                if not iterable:
                    data = ExceptionWrapper(where=where)
                else:
                    data = _IterableDatasetStopIteration(worker_id)
                    ended = True
            except Exception:
                data = ExceptionWrapper(where=where)
        sender.put((task_id, data), worker_id)
        del data, index, task
