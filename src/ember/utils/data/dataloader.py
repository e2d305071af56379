"""DataLoader: sampler -> batch sampler -> fetch -> collate, in the main process or in worker processes.

With `num_workers > 0` each worker process has a task pipe and a result pipe of its own. The main
process deals batches of keys to the workers round-robin, keeping `prefetch_factor` tasks per worker in
flight, and reads each batch from the worker that owns it, so batches come back in order without
buffering. While it waits it also watches every worker's process sentinel: a worker that dies is noticed
at once. Workers are shut down when the epoch ends (unless persistent), when the iterator is garbage
collected, and at interpreter exit; a worker whose main process is gone exits by itself.
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import multiprocessing.context as mp_context
import os
import signal
import sys
import time
import warnings
import weakref
from collections import deque
from collections.abc import Callable, Iterable
from multiprocessing.connection import wait
from typing import Any, Generic, TypeVar

from ... import _creation, cuda
from ...backend import dtypes as _dt
from . import _worker
from ._fetch import make_fetcher
from ._worker import ExceptionWrapper, _IterableDatasetStopIteration, _ResumeIteration, get_worker_info
from .collate import default_collate, default_convert
from .dataset import Dataset, IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]

T_co = TypeVar("T_co", covariant=True)
# seconds a worker gets to exit after being told to, before it is terminated
_SHUTDOWN_GRACE_S = 1.0
# attributes fixed once the loader exists (they define its sampling)
_FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")


class _DatasetKind:
    """Map-style or iterable dataset, and the fetcher for each (PyTorch's names)."""

    Map = 0
    Iterable = 1

    @staticmethod
    def create_fetcher(kind: int, dataset: Any, auto_collation: bool, collate_fn: Callable, drop_last: bool):
        return make_fetcher(kind == _DatasetKind.Iterable, dataset, auto_collation, collate_fn, drop_last)


class _InfiniteConstantSampler(Sampler):
    """None forever: the 'keys' of an iterable dataset, which ignores them."""

    def __iter__(self):
        while True:
            yield None


def _default_context() -> mp_context.BaseContext:
    """'fork' on Linux unless the program chose a start method (as PyTorch gets from Python there)."""
    if (mp.get_start_method(allow_none=True) is None and sys.platform.startswith("linux")
            and "fork" in mp.get_all_start_methods()):
        return mp.get_context("fork")
    return mp.get_context()


def _cpu_budget() -> tuple[int | None, bool]:
    """CPUs this process may use, and whether that count honours its CPU affinity."""
    if hasattr(os, "sched_getaffinity"):
        try:
            return len(os.sched_getaffinity(0)), True
        except OSError:
            pass
    return os.cpu_count(), False


class DataLoader(Generic[T_co]):
    """Iterate over a dataset in batches: `for x, y in DataLoader(ds, batch_size=64, shuffle=True)`.

    The options are PyTorch's: a sampler (or shuffle) orders a map-style dataset's keys, a batch sampler
    groups them (batch_size, drop_last; batch_size=None turns batching off), collate_fn merges samples
    into a batch, and num_workers > 0 loads batches in worker processes (prefetch_factor batches ahead
    per worker; persistent_workers keeps them between epochs; timeout bounds the wait for a batch).
    """

    def __init__(self, dataset: Dataset[T_co], batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Sampler | Iterable | None = None, batch_sampler: Sampler | Iterable | None = None,
                 num_workers: int = 0, collate_fn: Callable | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn: Callable | None = None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor: int | None = None,
                 persistent_workers: bool = False, pin_memory_device: str = "", in_order: bool = True) -> None:
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing.let num_workers "
                             "> 0 to enable multiprocessing, otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order

        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle not in {False, None}:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, but got "
                                 f"shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler option, but got "
                                 f"sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified batch_sampler option, "
                                 f"but got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                                 "and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with "
                             "drop_last")
        if sampler is None:
            if self._iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)  # type: ignore[arg-type]
            else:
                sampler = SequentialSampler(dataset)  # type: ignore[arg-type]
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self._IterableDataset_len_called: int | None = None
        self._iterator: _BaseDataLoaderIter | None = None
        self._initialized = True
        self.check_worker_number_rationality()

    @property
    def multiprocessing_context(self):
        return self._mp_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, context) -> None:
        if context is not None:
            if self.num_workers <= 0:
                raise ValueError("multiprocessing_context can only be used with multi-process loading "
                                 f"(num_workers > 0), but got num_workers={self.num_workers}")
            if isinstance(context, str):
                methods = mp.get_all_start_methods()
                if context not in methods:
                    raise ValueError("multiprocessing_context option should specify a valid start method in "
                                     f"{methods!r}, but got multiprocessing_context={context!r}")
                context = mp.get_context(context)
            if not isinstance(context, mp_context.BaseContext):
                raise TypeError("multiprocessing_context option should be a valid context object or a string "
                                f"specifying the start method, but got multiprocessing_context={context}")
        self._mp_context = context

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _FROZEN and self.__dict__.get("_initialized"):
            raise ValueError(f"{name} attribute should not be set after {type(self).__name__} is initialized")
        super().__setattr__(name, value)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def _get_iterator(self) -> _BaseDataLoaderIter:
        if self.num_workers == 0:
            return _SingleProcessDataLoaderIter(self)
        self.check_worker_number_rationality()
        return _MultiProcessingDataLoaderIter(self)

    def __iter__(self) -> _BaseDataLoaderIter:
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None:
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    def __len__(self) -> int:
        if self._iterable:
            length = self._IterableDataset_len_called = len(self.dataset)  # type: ignore[arg-type]
            if self.batch_size is not None:
                length = length // self.batch_size if self.drop_last else -(-length // self.batch_size)
            return length
        return len(self._index_sampler)

    def check_worker_number_rationality(self) -> None:
        """Warn when more workers are asked for than this process has CPUs."""
        if self.num_workers <= 0:
            return
        cpus, honours_affinity = _cpu_budget()
        if cpus is None or self.num_workers <= cpus:
            return
        note = "" if honours_affinity else " (`cpuset` is not taken into account)"
        warnings.warn(f"This DataLoader will create {self.num_workers} worker processes in total. Our suggested "
                      f"max number of worker in current system is {cpus}{note}, which is smaller than what this "
                      "DataLoader is going to create. Please be aware that excessive worker creation might get "
                      "DataLoader running slow or even freeze, lower the worker number to avoid potential "
                      "slowness/freeze if necessary.", stacklevel=3)


class _BaseDataLoaderIter:
    """What both iterators share: the sampler pass, the epoch's base seed, the length checks."""

    def __init__(self, loader: DataLoader) -> None:
        self._dataset = loader.dataset
        self._iterable = loader._iterable
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        self._prefetch_factor = loader.prefetch_factor
        self._timeout = loader.timeout
        self._collate_fn = loader.collate_fn
        self._persistent_workers = loader.persistent_workers
        if loader.pin_memory and not cuda.is_available():
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, then device pinned "
                          "memory won't be used.", stacklevel=3)
        self._sampler_iter = iter(self._index_sampler)
        self._base_seed = int(_creation.empty((), dtype=_dt.int64).random_(generator=loader.generator).item())
        self._num_yielded = 0
        self._IterableDataset_len_called = loader._IterableDataset_len_called

    def __iter__(self) -> _BaseDataLoaderIter:
        return self

    def _reset(self, loader: DataLoader, first_iter: bool = False) -> None:
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0
        self._IterableDataset_len_called = loader._IterableDataset_len_called

    def _next_data(self) -> Any:
        raise NotImplementedError

    def __next__(self) -> Any:
        data = self._next_data()
        self._num_yielded += 1
        if (self._iterable and self._IterableDataset_len_called is not None
                and self._num_yielded > self._IterableDataset_len_called):
            msg = (f"Length of IterableDataset {self._dataset} was reported to be "
                   f"{self._IterableDataset_len_called}(when accessing len(dataloader)), but "
                   f"{self._num_yielded} samples have been fetched. ")
            if self._num_workers > 0:
                msg += ("For multiprocessing data-loading, this could be caused by not properly configuring the "
                        "IterableDataset replica at each worker. Please see "
                        "https://pytorch.org/docs/stable/data.html#torch.utils.data.IterableDataset for examples.")
            warnings.warn(msg, stacklevel=2)
        return data

    def __len__(self) -> int:
        return len(self._index_sampler)

    def __getstate__(self):
        # PyTorch's exception carries the format string and the name as two arguments
        raise NotImplementedError("{} cannot be pickled", type(self).__name__)


class _SingleProcessDataLoaderIter(_BaseDataLoaderIter):
    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self._fetcher = make_fetcher(self._iterable, self._dataset, self._auto_collation, self._collate_fn,
                                     self._drop_last)

    def _next_data(self) -> Any:
        return self._fetcher.fetch(next(self._sampler_iter))


class _WorkerPool:
    """The worker processes of one iterator and their pipes; `shutdown` is idempotent and only acts in the
    process that started them (a forked child holding a copy of this object leaves them alone)."""

    def __init__(self, ctx: mp_context.BaseContext, loader: DataLoader, base_seed: int) -> None:
        self.owner = os.getpid()
        self.closed = False
        self.procs: list = []
        self.tasks: list = []
        self.results: list = []
        n = loader.num_workers
        try:
            for i in range(n):
                # each pipe is made just before its worker starts and the parent drops the child's ends
                # right after, so no later worker inherits them: a dying worker's result pipe hits EOF
                task_r, task_w = ctx.Pipe(duplex=False)
                res_r, res_w = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_worker.worker_loop, daemon=True, args=(
                    loader._iterable, loader.dataset, loader._auto_collation, loader.collate_fn,
                    loader.drop_last, base_seed, loader.worker_init_fn, i, n, self.owner, task_r, res_w))
                self.tasks.append(task_w)
                self.results.append(res_r)
                try:
                    proc.start()
                finally:
                    task_r.close()
                    res_w.close()
                self.procs.append(proc)
        except BaseException:
            self.shutdown()
            raise
        self.sentinels = [p.sentinel for p in self.procs]

    def dead(self) -> list:
        return [p for p in self.procs if p.exitcode is not None]

    def shutdown(self) -> None:
        if self.closed or os.getpid() != self.owner:
            return
        self.closed = True
        for conn in self.tasks:
            try:
                conn.send(None)
            except (OSError, ValueError):
                pass
        deadline = time.monotonic() + _SHUTDOWN_GRACE_S
        for p in self.procs:
            p.join(max(0.0, deadline - time.monotonic()))
        for p in self.procs:
            if p.exitcode is None:
                p.terminate()
        for p in self.procs:
            p.join(_SHUTDOWN_GRACE_S)
            if p.exitcode is None:
                p.kill()
                p.join()
        for conn in self.tasks + self.results:
            conn.close()


def _death_message(proc) -> str:
    code = proc.exitcode
    if code is not None and code < 0:
        try:
            name = signal.strsignal(-code)
        except ValueError:
            name = None
        return f"DataLoader worker (pid {proc.pid}) is killed by signal: {name or -code}. "
    return (f"DataLoader worker (pid {proc.pid}) exited unexpectedly with exit code {code}. Details are lost "
            "due to multiprocessing. Rerunning with num_workers=0 may give better error trace.")


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self._in_order = loader.in_order
        self._max_outstanding = self._prefetch_factor * self._num_workers
        self._send_idx = 0  # task ids grow across epochs, so a persistent worker's stale replies are told apart
        self._fatal: tuple[str, str] | None = None
        ctx = loader.multiprocessing_context or _default_context()
        self._pool = _WorkerPool(ctx, loader, self._base_seed)
        weakref.finalize(self, self._pool.shutdown)
        self._reset(loader, first_iter=True)

    def _reset(self, loader: DataLoader, first_iter: bool = False) -> None:
        super()._reset(loader, first_iter)
        n = self._num_workers
        if not first_iter:
            self._check_usable()
            for w in range(n):  # drop what the last epoch left in flight, then restart each fetcher
                resume = self._send(w, _ResumeIteration())
                while True:
                    self._wait([w])
                    if self._read(w)[0] == resume:
                        break
        self._order: deque[int] = deque()  # the worker of each task in flight, in task order
        self._in_flight = [0] * n
        self._active = [True] * n  # False once a worker's copy of an iterable dataset is exhausted
        self._cycle = itertools.cycle(range(n))
        for _ in range(self._max_outstanding):
            self._try_put_index()

    def _check_usable(self) -> None:
        if self._fatal is not None:
            msg, cause = self._fatal
            raise RuntimeError(msg) from RuntimeError(cause)

    def _send(self, w: int, index: Any) -> int:
        task_id = self._send_idx
        self._send_idx += 1
        try:
            self._pool.tasks[w].send((task_id, index))
        except OSError:
            self._fail()
        return task_id

    def _try_put_index(self) -> None:
        if len(self._order) >= self._max_outstanding:
            return
        try:
            index = next(self._sampler_iter)
        except StopIteration:
            return
        for _ in range(self._num_workers):
            w = next(self._cycle)
            if self._active[w]:
                break
        else:
            return
        self._send(w, index)
        self._order.append(w)
        self._in_flight[w] += 1

    def _fail(self) -> None:
        """A worker died: stop the others and raise, now and on any later use of this iterator."""
        pool = self._pool
        dead = pool.dead()
        deadline = time.monotonic() + _SHUTDOWN_GRACE_S
        while not dead and time.monotonic() < deadline:  # its pipe closed first: let it be reaped
            wait(pool.sentinels, 0.05)
            dead = pool.dead()
        pids = ", ".join(str(p.pid) for p in (dead or pool.procs))
        cause = _death_message(dead[0]) if dead else "DataLoader worker closed its result pipe unexpectedly."
        pool.shutdown()
        self._fatal = (f"DataLoader worker (pid(s) {pids}) exited unexpectedly", cause)
        self._check_usable()

    def _wait(self, workers: list[int]) -> int:
        """The first of `workers` with a reply ready; raises on timeout and when any worker has died."""
        pool = self._pool
        conns = [pool.results[w] for w in workers]
        ready = wait(conns + pool.sentinels, self._timeout if self._timeout > 0 else None)
        if not ready:
            raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
        if any(r not in conns for r in ready):
            self._fail()
        return workers[conns.index(ready[0])]

    def _read(self, w: int) -> tuple[int, Any]:
        try:
            return _worker.read_frame(self._pool.results[w].fileno())
        except EOFError:
            self._fail()
            raise
        except BaseException:  # e.g. KeyboardInterrupt mid-frame: the pipe is out of step for good
            self._pool.shutdown()
            self._fatal = ("DataLoader iterator was interrupted while reading a batch", "interrupted")
            raise

    def _next_data(self) -> Any:
        while True:
            self._check_usable()
            if not self._order:
                if not self._persistent_workers:
                    self._pool.shutdown()
                raise StopIteration
            if self._in_order:
                w = self._wait([self._order[0]])
            else:
                w = self._wait([i for i, k in enumerate(self._in_flight) if k])
            _, data = self._read(w)
            self._order.remove(w)  # its oldest task: each worker answers its tasks in order
            self._in_flight[w] -= 1
            if isinstance(data, _IterableDatasetStopIteration):
                self._active[w] = False
                self._try_put_index()
                continue
            self._try_put_index()
            if isinstance(data, ExceptionWrapper):
                data.reraise()
            return data
