"""y += a * x in one pass, the update optimizers make on every parameter and state.

NumPy has no fused multiply-add: y += a * x costs it two passes over memory and a work array. SciPy's BLAS
wrappers (the optional `fast` extra) do it in one pass with one rounding, as PyTorch's `add_(x, alpha=a)`
does on CPUs with FMA. Without SciPy, and for arrays or dtypes BLAS does not take, the two ufunc passes do it.

BLAS is used only when ember runs on one thread (ember.get_num_threads() == 1, as OMP_NUM_THREADS=1 or
set_num_threads(1) make it): SciPy's wrappers hold the GIL, which would serialise ember's worker threads,
and a multi-threaded OpenBLAS axpy costs more in thread hand-offs than it saves on cache-sized blocks.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from .._parallel import get_num_threads, limit_blas_threads

__all__ = ["axpy_for"]

Axpy = Callable[[Any, Any, Any, Any], None]

def axpy_for(like: Any) -> Axpy:
    """A function axpy(x, y, a, work) doing y += a * x in place, for arrays of like's type and dtype.

    `a` is a Python number or a 0-d array of the dtype; `work` is an array shaped like y that only the
    two-pass fallback writes to.
    """
    if type(like) is not np.ndarray or get_num_threads() > 1:
        return _two_pass
    routine = _blas_axpy().get(like.dtype)
    return _two_pass if routine is None else functools.partial(_fused, routine)


def _two_pass(x, y, a, work) -> None:
    np.multiply(x, a, out=work)
    y += work


def _fused(routine, x, y, a, work) -> None:
    if y.ndim != 1 or not y.size:  # BLAS's wrappers take non-empty vectors only
        _two_pass(x, y, a, work)
        return
    out = routine(x, y, y.size, a)
    if out is not y:  # y was strided or misaligned: the wrappers then update a copy and return it
        y[...] = out


@functools.cache
def _blas_axpy() -> dict:
    """dtype -> SciPy's BLAS axpy for it; empty without SciPy (imported on first use: it takes ~0.1 s)."""
    try:
        from scipy.linalg import blas
    except ImportError:
        return {}
    limit_blas_threads()
    return {np.dtype(np.float32): blas.saxpy, np.dtype(np.float64): blas.daxpy,
            np.dtype(np.complex64): blas.caxpy, np.dtype(np.complex128): blas.zaxpy}
