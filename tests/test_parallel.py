"""ember.get_num_threads / set_num_threads (PyTorch's names, defaults and errors) and the worker pool that
runs split array work."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import ember
from ember import _parallel


def _run(code: str, **env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    environ.update(env)
    return subprocess.run([sys.executable, "-c", code], env=environ, capture_output=True, text=True,
                          timeout=120, check=True).stdout.strip()


def test_default_follows_omp_num_threads_else_the_usable_cpus():
    assert _run("import ember; print(ember.get_num_threads())", OMP_NUM_THREADS="3") == "3"
    assert _run("import ember; print(ember.get_num_threads())") == str(len(os.sched_getaffinity(0)))


def test_set_num_threads_sets_ember_and_blas_threads():
    """threadpoolctl (the `fast` extra, in the test extra) applies the count to NumPy's BLAS too; the check
    runs in a child process so that this one keeps its BLAS threads."""
    code = ("import ember, numpy, threadpoolctl\n"
            "ember.set_num_threads(1)\n"
            "print(ember.get_num_threads(), {i['num_threads'] for i in threadpoolctl.threadpool_info()"
            " if i['user_api'] == 'blas'})")
    assert _run(code, OMP_NUM_THREADS="2") == "1 {1}"


@pytest.mark.parametrize("value,message", [(0, "set_num_threads expects a positive integer"),
                                           (-2, "set_num_threads expects a positive integer"),
                                           (2.5, "set_num_threads expects an int, but got float"),
                                           (True, "set_num_threads expects an int, but got bool")])
def test_errors_as_pytorch(torch_mod, value, message):
    for lib in (ember, torch_mod):
        with pytest.raises(RuntimeError, match=message):
            lib.set_num_threads(value)


def test_without_threadpoolctl_set_num_threads_warns(monkeypatch):
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # makes the import fail
    monkeypatch.setattr(_parallel, "_num_threads", None)
    monkeypatch.setattr(_parallel, "_set_by_user", False)
    with pytest.warns(UserWarning, match="threadpoolctl is not installed"):
        ember.set_num_threads(2)
    assert ember.get_num_threads() == 2


@pytest.fixture
def two_threads(monkeypatch):
    monkeypatch.setattr(_parallel, "_num_threads", 2)


def test_run_parallel_runs_every_task_on_its_own_thread(two_threads):
    barrier = threading.Barrier(2, timeout=30)  # both tasks must be running at once to pass it
    seen = []

    def task(i):
        barrier.wait()
        seen.append((i, threading.get_ident()))
    _parallel.run_parallel([lambda: task(0), lambda: task(1)])
    assert sorted(i for i, _ in seen) == [0, 1]
    assert len({ident for _, ident in seen}) == 2


def test_the_first_error_is_raised_after_every_task_finished(two_threads):
    done = []

    def slow_ok():
        time.sleep(0.2)
        done.append("slow")

    def fail():
        raise KeyError("task failed")
    with pytest.raises(KeyError, match="task failed"):
        _parallel.run_parallel([fail, slow_ok])
    assert done == ["slow"]
    with pytest.raises(ZeroDivisionError):
        _parallel.run_parallel([lambda: 1 / 0, fail])


def test_tasks_on_workers_run_their_own_tasks_inline(two_threads):
    order = []

    def outer():
        _parallel.run_parallel([lambda: order.append("a"), lambda: order.append("b")])
    _parallel.run_parallel([lambda: None, outer])
    assert order == ["a", "b"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX only")
def test_a_forked_child_gets_a_new_pool():
    code = ("import os, threading, ember\n"
            "from ember import _parallel\n"
            "ember.set_num_threads(2)\n"
            "_parallel.run_parallel([lambda: None, lambda: None])\n"
            "pid = os.fork()\n"
            "if pid == 0:\n"
            "    seen = set()\n"
            "    _parallel.run_parallel([lambda: seen.add(1), lambda: seen.add(2)])\n"
            "    os._exit(0 if seen == {1, 2} else 1)\n"
            "print(os.waitpid(pid, 0)[1])")
    assert _run(code) == "0"


def test_large_gelu_split_over_threads_equals_one_thread(torch_mod, monkeypatch):
    """GELU's normal CDF shares the blocks of a large array among the threads: the same bits as on one
    thread, and PyTorch's values and gradients (float32: its erf to 1e-6)."""
    from ember.ops import activation

    x = np.random.default_rng(0).standard_normal(activation._PARALLEL_ELEMENTS + 12345).astype(np.float32)
    g = np.random.default_rng(1).standard_normal(x.shape).astype(np.float32)
    results = []
    for threads in (1, 2):
        monkeypatch.setattr(_parallel, "_num_threads", threads)
        calls = []

        def counting(tasks, calls=calls):
            calls.append(len(tasks))
            _parallel.run_parallel(tasks)
        monkeypatch.setattr(activation, "run_parallel", counting)
        t = ember.tensor(x, requires_grad=True)
        y = ember.nn.functional.gelu(t)
        y.backward(ember.tensor(g))
        results.append((y.detach().numpy(), t.grad.numpy()))
        assert calls == ([] if threads == 1 else [2, 2])  # forward and backward
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)
    tt = torch_mod.tensor(x, requires_grad=True)
    yt = torch_mod.nn.functional.gelu(tt)
    yt.backward(torch_mod.tensor(g))
    np.testing.assert_allclose(results[1][0], yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(results[1][1], tt.grad.numpy(), rtol=1e-5, atol=1e-6)
