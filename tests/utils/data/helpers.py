"""Shared helpers of the ember.utils.data tests: run the same code on both libraries, compare what they
give or raise, watch child processes, and bound a test's time."""

from __future__ import annotations

import collections.abc
import contextlib
import os
import signal
import time
import warnings

import numpy as np
import pytest

import ember
import ember.utils.data as ED

TD = pytest.importorskip("torch.utils.data")  # the reference: these tests compare with it
torch = pytest.importorskip("torch")

LIBS = {"ember": (ember, ED), "torch": (torch, TD)}


def plain(x):
    """A result of either library as plain Python/NumPy: tensors become (dtype name, array) pairs, the
    containers keep their type."""
    if isinstance(x, (ember.Tensor, torch.Tensor)):
        arr = np.array(x.detach()._host()) if isinstance(x, ember.Tensor) else x.detach().numpy()
        return ("tensor", str(x.dtype).replace("torch.", ""), arr.tolist())
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return (type(x).__name__, *[plain(v) for v in x])
    if isinstance(x, tuple):
        return tuple(plain(v) for v in x)
    if isinstance(x, list):
        return [plain(v) for v in x]
    if isinstance(x, dict):
        return {k: plain(v) for k, v in x.items()}
    if isinstance(x, collections.abc.Mapping):
        return (type(x).__name__, {k: plain(x[k]) for k in x})
    if isinstance(x, collections.abc.Sequence) and not isinstance(x, (str, bytes)):
        return (type(x).__name__, [plain(v) for v in x])
    return x


def outcome(fn, *args, **kwargs):
    """What fn returns (as plain data) or raises (type name, message), and the warnings it emits."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = ("ok", plain(fn(*args, **kwargs)))
        except Exception as e:  # comparing whatever each library raises is the point
            result = ("raise", type(e).__name__, str(e).replace("ember", "torch"))
    msgs = [(w.category.__name__, str(w.message).replace("ember", "torch")) for w in caught]
    return result, msgs


def same(fn, *args, **kwargs):
    """fn(torch_module, data_module, ...) behaves alike on both libraries; returns ember's outcome."""
    e = outcome(fn, ember, ED, *args, **kwargs)
    t = outcome(fn, torch, TD, *args, **kwargs)
    assert e == t, f"\nember: {e}\ntorch: {t}"
    return e


def child_pids() -> set[int]:
    """Processes whose parent is this one, zombies included (read from /proc), except multiprocessing's
    resource tracker (started once by the spawn context, it lives as long as this process)."""
    from multiprocessing import resource_tracker

    me = str(os.getpid())
    out = set()
    tracker = resource_tracker._resource_tracker._pid
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # the command name is parenthesised and may hold spaces: the fields after it are fixed
        if stat[stat.rindex(")") + 2:].split()[1] == me and int(entry) != tracker:
            out.add(int(entry))
    return out


def pid_alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def wait_until(cond, seconds: float = 5.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


class Deadline(Exception):
    pass


@contextlib.contextmanager
def deadline(seconds: float):
    """Fail (instead of hanging) when the block runs longer than `seconds`: a SIGALRM interrupts any
    blocking wait of the main thread."""
    def fire(signum, frame):
        raise Deadline(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
