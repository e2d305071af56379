"""benchmarks/run.py: one quick repetition of cheap workloads, and its command-line contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DRIVER = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"
OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def run_driver(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(DRIVER), *args], capture_output=True, text=True, timeout=300)


def table_rows(out: str) -> dict[str, list[str]]:
    rows = {}
    for line in out.splitlines():
        if line.startswith("| ") and not line.startswith("| workload"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[cells[0]] = cells
    return rows


def test_list_names_every_workload():
    proc = run_driver("--list")
    assert proc.returncode == 0, proc.stderr
    names = {line.split()[0] for line in proc.stdout.splitlines()}
    assert {"op_overhead", "matmul_512", "matmul_1024", "matmul_2048", "elementwise_1m", "reduction_1m",
            "import_time"} <= names


def test_one_quick_repetition(tmp_path):
    pytest.importorskip("torch")
    raw = tmp_path / "raw.json"
    proc = run_driver("op_overhead", "import_time", "--reps", "1", "--warmup", "0", "--inner", "1",
                      "--threads", "1", "--unset-openblas-env", "--json", str(raw))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = table_rows(proc.stdout)
    assert set(rows) == {"op_overhead", "import_time"}
    assert rows["op_overhead"][1] == "µs/op" and rows["import_time"][1] == "s"
    for cells in rows.values():
        # ember wall, torch wall, ratio, then the same for CPU time
        assert float(cells[2]) > 0 and float(cells[3]) > 0 and cells[4].endswith("x")
        assert float(cells[5]) >= 0 and float(cells[6]) >= 0

    removed = [k for k in OPENBLAS_VARS if k in os.environ]
    for k in removed:
        assert f"{k}={os.environ[k]}" in proc.stdout
    if not removed:
        assert "none was set" in proc.stdout
    data = json.loads(raw.read_text())
    for runs in data["runs"].values():
        for lib in ("ember", "torch"):
            (res,) = runs[lib]
            assert all(res["env"][k] is None for k in OPENBLAS_VARS)
            assert res["env"]["OMP_NUM_THREADS"] == res["env"]["OPENBLAS_NUM_THREADS"] == "1"


def test_failing_run_is_reported_not_fatal(tmp_path):
    # a child that fails (here: runs past --timeout) shows up as an error cell and a non-zero exit,
    # and the driver still prints its table rather than a traceback
    proc = run_driver("import_time", "--reps", "1", "--timeout", "0.001")
    assert proc.returncode == 1
    assert "| import_time | s | error | error |" in proc.stdout
    assert "timed out" in proc.stdout


def test_unknown_workload_is_a_usage_error():
    proc = run_driver("no_such_workload")
    assert proc.returncode == 2
    assert "unknown workload(s) no_such_workload" in proc.stderr and "op_overhead" in proc.stderr
