"""backend.memory: with glibc, importing ember makes freed large arrays' memory reusable without new page
faults; EMBER_TUNE_MALLOC=0 or a MALLOC_* tunable in the environment leaves malloc as it was."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

CHILD = """
import resource, numpy as np
import ember
from ember.backend import memory
for _ in range(3):  # warm up: the first allocations fault in any case
    a = np.ones(40 << 18, np.float32); del a
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    a = np.ones(40 << 18, np.float32)  # 40 MB, written in full
    del a
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""

glibc = pytest.mark.skipif(not sys.platform.startswith("linux") or not os.confstr("CS_GNU_LIBC_VERSION"),
                           reason="the tuning applies to glibc only")


def _faults(**env: str) -> int:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_") and k != "EMBER_TUNE_MALLOC"}
    environ.update(env)
    out = subprocess.run([sys.executable, "-c", CHILD], env=environ, capture_output=True, text=True, timeout=120,
                         check=True)
    return int(out.stdout.strip())


@glibc
def test_freed_memory_is_reused_without_page_faults():
    tuned, plain = _faults(), _faults(EMBER_TUNE_MALLOC="0")
    assert tuned < 100  # 20 x 40 MB would be about 200,000 faults of 4 KB pages, or thousands of huge pages
    assert plain > 10 * max(tuned, 1)


@glibc
def test_environment_tunables_win():
    assert _faults(MALLOC_ARENA_MAX="2") > 10 * max(_faults(), 1)


def test_tune_malloc_reports_whether_it_applied(monkeypatch):
    from ember.backend import memory

    monkeypatch.setenv("EMBER_TUNE_MALLOC", "0")
    assert memory.tune_malloc() is False
    monkeypatch.delenv("EMBER_TUNE_MALLOC")
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "1000")
    assert memory.tune_malloc() is False
