"""Where arrays' memory comes from: glibc's malloc is told to keep freed blocks for the next step.

NumPy allocates every array with malloc. By default glibc serves blocks above a few MB with fresh pages
from the kernel (mmap) and gives them back on free, so a training loop that allocates the same large
temporaries every step (im2col matrices, activations, gradients) pays for zero-filled page faults every
time: 15-20% of a small CNN's step on the machines ember is measured on. With the mmap threshold at 64 MB
and the trim threshold at 256 MB, freed blocks stay in the heap and the next step reuses them; arrays
above 64 MB still go back to the system when freed. This is process-wide (PyTorch users get the same from
preloading jemalloc or tcmalloc), so it is applied only with glibc, only when the environment sets no
MALLOC_* tunable of its own, and not at all with EMBER_TUNE_MALLOC=0.
"""

from __future__ import annotations

import ctypes
import os

__all__ = ["tune_malloc"]

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 64 << 20
TRIM_THRESHOLD = 256 << 20


def tune_malloc() -> bool:
    """Apply the thresholds above if allowed and possible; whether they were applied."""
    if os.environ.get("EMBER_TUNE_MALLOC", "1") == "0" or any(k.startswith("MALLOC_") for k in os.environ):
        return False
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            return False
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError, ValueError):  # not glibc, or no confstr name on this system
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
