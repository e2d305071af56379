"""Worker failures: errors re-raised with the worker's traceback, dead workers and timeouts detected
within a bounded time, and no worker process outliving its loader however the loop ends (every test
runs under a SIGALRM deadline and checks /proc for leftover children)."""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import ember
import ember.utils.data as ED

from .helpers import TD, child_pids, deadline, pid_alive, wait_until

SRC = str(Path(__file__).resolve().parents[3] / "src")


@pytest.fixture(autouse=True)
def no_leftover_children():
    before = child_pids()
    with deadline(30):
        yield
    for p in multiprocessing.active_children():
        p.join(3)
    assert child_pids() - before == set()


def failing(data, exc=ValueError, at=3, n=8):
    class Failing(data.Dataset):
        def __len__(self):
            return n

        def __getitem__(self, i):
            if i == at:
                raise exc("bad item")
            return i

    return Failing()


class TwoArgError(Exception):
    def __init__(self, a, b):
        super().__init__(a, b)


def two_arg(msg):
    raise TwoArgError(msg, 2)


class Killer(ED.Dataset):
    """Kills its own worker at one index (as the OOM killer would)."""

    def __init__(self, at=3, how="kill"):
        self.at, self.how = at, how

    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == self.at:
            if self.how == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            elif self.how == "exit":
                sys.exit(3)
            elif self.how == "os_exit":
                os._exit(0)
        return i


class Sleeper(ED.Dataset):
    def __init__(self, at=3, seconds=5.0):
        self.at, self.seconds = at, seconds

    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == self.at:
            time.sleep(self.seconds)
        return i


def first_lines(msg: str, n: int = 2) -> list[str]:
    return msg.splitlines()[:n]


# -- errors raised in a worker ---------------------------------------------------------------------------

def stop_torch_workers(it):
    """PyTorch's iterator, once collected after an error, takes seconds to stop its workers: stop them now."""
    if hasattr(it, "_shutdown_workers"):
        it._shutdown_workers()


def run_until_error(data, dataset, **kw):
    it = iter(data.DataLoader(dataset, batch_size=2, num_workers=2, **kw))
    got = []
    try:
        for b in it:
            got.append(b.tolist())
    except Exception as e:
        return got, type(e), str(e)
    finally:
        stop_torch_workers(it)
    return got, None, None


def test_exception_names_worker_and_keeps_traceback():
    e_got, e_type, e_msg = run_until_error(ED, failing(ED))
    t_got, t_type, t_msg = run_until_error(TD, failing(TD))
    assert e_got == t_got == [[0, 1]] and e_type is t_type is ValueError
    assert first_lines(e_msg) == first_lines(t_msg) == [
        "Caught ValueError in DataLoader worker process 1.", "Original Traceback (most recent call last):"]
    assert 'raise exc("bad item")' in e_msg and e_msg.rstrip().endswith("ValueError: bad item")


def test_iteration_continues_after_a_worker_error_as_pytorch():
    def run(data):
        it = iter(data.DataLoader(failing(data), batch_size=2, num_workers=2))
        out = []
        while True:
            try:
                out.append(next(it).tolist())
            except StopIteration:
                stop_torch_workers(it)
                return out
            except ValueError:
                out.append("error")

    assert run(ED) == run(TD) == [[0, 1], "error", [4, 5], [6, 7]]


def test_key_error_message_stays_readable():
    _, e_type, e_msg = run_until_error(ED, failing(ED, KeyError))
    _, t_type, t_msg = run_until_error(TD, failing(TD, KeyError))
    assert e_type is t_type is KeyError
    assert first_lines(e_msg) == first_lines(t_msg)
    assert e_msg.startswith("Caught KeyError in DataLoader worker process 1.\n")


def test_exception_that_cannot_be_rebuilt_becomes_runtime_error():
    class Odd(ED.Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            two_arg("x")

    _, e_type, e_msg = run_until_error(ED, Odd())
    assert e_type is RuntimeError and e_msg.startswith("Caught TwoArgError in DataLoader worker process 0.")


def fail_init(worker_id):
    raise RuntimeError(f"init failed in {worker_id}")


def test_worker_init_fn_exception():
    e_got, e_type, e_msg = run_until_error(ED, failing(ED, at=-1), worker_init_fn=fail_init)
    t_got, t_type, t_msg = run_until_error(TD, failing(TD, at=-1), worker_init_fn=fail_init)
    assert e_got == t_got == [] and e_type is t_type is RuntimeError
    assert first_lines(e_msg) == first_lines(t_msg)
    assert "init failed in 0" in e_msg and "fail_init" in e_msg


def test_unpicklable_batch_is_reported():
    def collate(batch):
        return lambda: batch

    loader = ED.DataLoader(list(range(4)), batch_size=2, num_workers=1, collate_fn=collate)
    with pytest.raises(Exception, match="Caught .* in DataLoader worker process 0"):
        next(iter(loader))


# -- dead workers, timeouts ---------------------------------------------------------------------------------

def expect_death(loader, cause_part, seconds=5.0):
    t0 = time.monotonic()
    it = iter(loader)
    pids = [p.pid for p in it._pool.procs]
    got = []
    with pytest.raises(RuntimeError) as info:
        for b in it:
            got.append(b.tolist())
    took = time.monotonic() - t0
    msg = str(info.value)
    assert msg.startswith("DataLoader worker (pid(s) ") and msg.endswith(") exited unexpectedly"), msg
    dead = [int(p) for p in msg[len("DataLoader worker (pid(s) "):-len(") exited unexpectedly")].split(", ")]
    assert set(dead) <= set(pids)
    assert cause_part in str(info.value.__cause__)
    assert took < seconds
    # the iterator stays failed; the other workers are already gone
    with pytest.raises(RuntimeError, match="exited unexpectedly"):
        next(it)
    assert not any(pid_alive(p) for p in pids)
    del info
    return got


def test_worker_killed_by_signal_is_detected_quickly():
    got = expect_death(ED.DataLoader(Killer(), batch_size=2, num_workers=2), "is killed by signal: Killed. ")
    assert got == [[0, 1]]


def kill_self(worker_id):
    if worker_id == 1:
        os.kill(os.getpid(), signal.SIGKILL)


def test_worker_killed_in_worker_init_fn():
    got = expect_death(ED.DataLoader(list(range(8)), batch_size=2, num_workers=2, worker_init_fn=kill_self),
                       "is killed by signal: Killed. ")
    assert got == [[0, 1]]


def test_worker_exit_code_is_reported():
    expect_death(ED.DataLoader(Killer(how="exit"), batch_size=2, num_workers=2),
                 "exited unexpectedly with exit code 3. Details are lost due to multiprocessing. Rerunning with "
                 "num_workers=0 may give better error trace.")
    expect_death(ED.DataLoader(Killer(how="os_exit"), batch_size=2, num_workers=2), "exit code 0")


def test_worker_killed_from_outside_while_main_waits():
    it = iter(ED.DataLoader(Sleeper(at=2, seconds=10), batch_size=2, num_workers=2))
    assert next(it).tolist() == [0, 1]
    victim = it._pool.procs[1].pid  # busy sleeping on batch 1
    threading.Timer(0.3, os.kill, (victim, signal.SIGKILL)).start()
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match=rf"^DataLoader worker \(pid\(s\) {victim}\) exited unexpectedly$"):
        next(it)
    assert time.monotonic() - t0 < 10  # detected within seconds, even on a loaded machine


def test_persistent_worker_dying_between_epochs():
    loader = ED.DataLoader(list(range(4)), batch_size=2, num_workers=2, persistent_workers=True)
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3]]
    victim = loader._iterator._pool.procs[0]
    os.kill(victim.pid, signal.SIGKILL)
    victim.join(5)
    with pytest.raises(RuntimeError, match="exited unexpectedly"):
        list(loader)
    del loader


def test_timeout():
    for data in (ED, TD):
        loader = data.DataLoader(Sleeper(at=2, seconds=1.0) if data is ED else _torch_sleeper(), batch_size=2,
                                 num_workers=2, timeout=0.5)
        it = iter(loader)
        assert next(it).tolist() == [0, 1]
        t0 = time.monotonic()
        with pytest.raises(RuntimeError) as info:
            next(it)
        assert str(info.value) == "DataLoader timed out after 0.5 seconds"
        assert 0.4 < time.monotonic() - t0 < 5  # timed out after 0.5 s; the upper bound allows a loaded machine
        stop_torch_workers(it)
        del it, info


def _torch_sleeper():
    class S(TD.Dataset):
        def __len__(self):
            return 8

        def __getitem__(self, i):
            if i == 2:
                time.sleep(1.0)
            return i

    return S()


def test_timeout_not_hit_by_a_fast_loader():
    loader = ED.DataLoader(list(range(6)), batch_size=2, num_workers=2, timeout=5)
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3], [4, 5]]


# -- no worker outlives its loader -------------------------------------------------------------------------

def start(loader):
    it = iter(loader)
    next(it)
    procs = list(it._pool.procs)
    assert all(p.is_alive() for p in procs)
    return it, procs


def gone(procs) -> bool:
    return wait_until(lambda: not any(pid_alive(p.pid) for p in procs), 5)


def loader(**kw):
    return ED.DataLoader(ED.TensorDataset(ember.arange(40)), batch_size=2, num_workers=2, **kw)


def test_deleted_iterator_stops_workers():
    it, procs = start(loader())
    del it
    assert gone(procs)


def test_exhausted_iterator_stops_workers():
    it, procs = start(loader())
    for _ in it:
        pass
    assert not any(p.is_alive() for p in procs)  # already joined when StopIteration came
    del it


def test_exception_in_loop_body_stops_workers():
    procs = []

    def train():
        for i, _ in enumerate(loader()):
            if i == 0:
                procs.extend(multiprocessing.active_children())
            if i == 3:
                raise ValueError("bug in the training step")

    with pytest.raises(ValueError, match="bug in the training step"):
        train()
    assert procs and gone(procs)


def test_break_then_drop_stops_workers():
    seen = []
    for i, _ in enumerate(loader()):
        seen.extend(multiprocessing.active_children())
        if i == 1:
            break
    # the loop's iterator is gone once the loop is left
    assert seen and gone(seen)


def test_garbage_collected_cycle_stops_workers():
    it, procs = start(loader())
    holder = {"it": it}
    holder["self"] = holder
    it.cycle = holder
    del it, holder
    gc.collect()
    assert gone(procs)


def test_deleted_persistent_loader_stops_workers():
    ld = loader(persistent_workers=True)
    list(ld)
    procs = list(ld._iterator._pool.procs)
    assert all(p.is_alive() for p in procs)  # kept between epochs
    list(ld)
    assert all(p.is_alive() for p in procs)
    del ld
    assert gone(procs)


def test_worker_error_then_exception_dropped_stops_workers():
    it, procs = start(ED.DataLoader(failing(ED, at=5, n=40), batch_size=2, num_workers=2))
    with pytest.raises(ValueError):
        for _ in it:
            pass
    del it
    gc.collect()
    assert gone(procs)


SCRIPT = """
import os, signal, sys, time
sys.path.insert(0, {src!r})
import ember
import ember.utils.data as data

loader = data.DataLoader(data.TensorDataset(ember.arange(100)), batch_size=2, num_workers=2,
                         persistent_workers={persistent})
it = iter(loader)
next(it)
print(" ".join(str(p.pid) for p in it._pool.procs), flush=True)
{ending}
"""


@pytest.mark.parametrize("ending,persistent", [
    ("sys.exit(0)", False),                      # interpreter exit with the iterator alive
    ("sys.exit(0)", True),                       # ... and persistent workers held by the loader
    ("os.kill(os.getpid(), signal.SIGKILL)", False),  # the main process dies: workers notice and exit
])
def test_no_worker_outlives_the_main_process(ending, persistent):
    code = SCRIPT.format(src=SRC, persistent=persistent, ending=ending)
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60)
    pids = [int(p) for p in proc.stdout.split()]
    assert len(pids) == 2, proc.stderr
    assert wait_until(lambda: not any(pid_alive(p) for p in pids), 5), "a worker outlived its process"
    assert "Traceback" not in proc.stderr, proc.stderr
