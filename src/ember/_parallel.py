"""ember's intra-op threads: get_num_threads / set_num_threads, and a pool that runs array work on them.

NumPy releases the GIL inside its loops, so large array work split into tasks runs on several cores at
once (optimizer steps use this). As in PyTorch the default is OMP_NUM_THREADS when set, else the CPUs this
process may run on. NumPy's own BLAS threads follow set_num_threads too when threadpoolctl is installed
(the `fast` extra); without it they keep what OPENBLAS_NUM_THREADS / OMP_NUM_THREADS said at start-up.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Callable, Sequence

__all__ = ["get_num_threads", "set_num_threads"]

_num_threads: int | None = None  # None until first asked for or set
_set_by_user = False  # whether set_num_threads was called, which also limits BLAS threads
_pool = None  # a concurrent.futures.ThreadPoolExecutor with _num_threads - 1 workers, made on first use
_lock = threading.Lock()
_in_worker = threading.local()


def get_num_threads() -> int:
    """The number of threads ember uses for work it splits (PyTorch's torch.get_num_threads)."""
    global _num_threads
    if _num_threads is None:
        _num_threads = _default_threads()
    return _num_threads


def set_num_threads(num_threads: int) -> None:
    """Use `num_threads` threads for work ember splits, and for NumPy's BLAS where threadpoolctl is there."""
    if not isinstance(num_threads, int) or isinstance(num_threads, bool):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(num_threads).__name__}")
    if num_threads <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    if not use_threads(num_threads):
        warnings.warn("ember.set_num_threads: threadpoolctl is not installed, so NumPy's BLAS keeps its own "
                      "thread count (pip install 'ember[fast]')", stacklevel=2)


def use_threads(num_threads: int) -> bool:
    """set_num_threads without its checks and warning (DataLoader workers use one thread, as PyTorch's do);
    False where BLAS threads could not be limited."""
    global _num_threads, _set_by_user, _pool
    with _lock:
        _num_threads, _set_by_user = num_threads, True
        if _pool is not None:  # its workers finish what they run; the next use makes a pool of the new size
            _pool.shutdown(wait=False)
            _pool = None
    return limit_blas_threads()


def limit_blas_threads() -> bool:
    """Apply set_num_threads' count to the BLAS libraries loaded so far; False without threadpoolctl.

    Called again when ember loads another BLAS (SciPy's, see backend.blas), which would start unlimited.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return False
    if _set_by_user:
        threadpool_limits(limits=_num_threads, user_api="blas")
    return True


def run_parallel(tasks: Sequence[Callable[[], None]]) -> None:
    """Run every task, the first in this thread and the others on ember's worker threads, and wait for all.

    The first exception a task raised is raised here once all have finished. A task running on a worker
    runs any tasks it submits itself, in order, so that nested use cannot wait on a busy pool.
    """
    if len(tasks) == 1 or getattr(_in_worker, "active", False):
        for task in tasks:
            task()
        return
    pool = _get_pool()
    futures = [pool.submit(_as_worker, task) for task in tasks[1:]]
    error = None
    try:
        tasks[0]()
    except BaseException as e:  # the other tasks must finish before anything propagates
        error = e
    for future in futures:
        e = future.exception()
        if error is None and e is not None:
            error = e
    if error is not None:
        raise error


def _as_worker(task: Callable[[], None]) -> None:
    _in_worker.active = True
    task()


def _get_pool():
    global _pool
    with _lock:
        if _pool is None:
            from concurrent.futures import ThreadPoolExecutor

            _pool = ThreadPoolExecutor(max_workers=max(1, get_num_threads() - 1), thread_name_prefix="ember")
        return _pool


def _default_threads() -> int:
    value = os.environ.get("OMP_NUM_THREADS", "")
    if value.isdigit() and int(value) > 0:
        return int(value)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _forget_pool() -> None:
    """In a forked child the pool's threads do not exist: the next use makes a new pool."""
    global _pool, _lock
    _pool = None
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)
