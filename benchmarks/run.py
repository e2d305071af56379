#!/usr/bin/env python
"""Time benchmark workloads on ember and on PyTorch side by side and print a markdown table.

    python benchmarks/run.py op_overhead matmul_1024 --threads 1
    python benchmarks/run.py --all --reps 5 --threads 1 --unset-openblas-env
    python benchmarks/run.py --list

Each repetition of each library runs in a fresh interpreter (nothing cached between them), ember and
torch alternating, their order flipped every repetition so drift on a shared machine hits both alike.
The table gives medians over the repetitions of wall time and CPU time (time.process_time, which counts
every thread of the process) and the ratio ember / torch: above 1 means ember is slower. The workloads
live in benchmarks/workloads/ (one file each, see its __init__). Exits 1 when any run failed; the table
still shows the rest.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from workloads import Workload, all_workloads

LIBS = ("ember", "torch")
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
RESULT_MARK = "EMBER-BENCH-RESULT "
SRC = Path(__file__).resolve().parent.parent / "src"


# -- child: one library, one workload, one process ---------------------------------------------------

def _measure(w: Workload, lib_name: str, threads: int | None, warmup: int, inner: int) -> dict[str, Any]:
    """Set up, warm up and time `inner` steps of `w` on `lib_name`; seconds per step and versions."""
    if w.import_lib:
        lib = importlib.import_module(lib_name)
        if threads is not None and lib_name == "torch":
            lib.set_num_threads(threads)
        lib.manual_seed(0)
    else:
        lib = lib_name
    state = w.setup(lib)
    for _ in range(warmup):
        w.step(lib, state)
    c0, t0 = time.process_time(), time.perf_counter()
    for _ in range(inner):
        w.step(lib, state)
    t1, c1 = time.perf_counter(), time.process_time()
    module = sys.modules[lib_name]
    numpy = sys.modules.get("numpy")
    return {
        "wall": (t1 - t0) / inner,
        "cpu": (c1 - c0) / inner,
        "version": getattr(module, "__version__", "?"),
        "numpy": getattr(numpy, "__version__", None),
        "env": {k: os.environ.get(k) for k in THREAD_VARS + OPENBLAS_VARS},
    }


def _child(name: str, lib_name: str, threads: int | None, warmup: int | None, inner: int | None) -> int:
    w = all_workloads()[name]
    try:
        res = _measure(w, lib_name, threads, w.warmup if warmup is None else warmup,
                       w.inner if inner is None else inner)
    except Exception as e:  # reported in the table: a missing or failing op must not hide the rest
        print(RESULT_MARK + json.dumps({"error": f"{type(e).__name__}: {e}"}), flush=True)
        return 1
    print(RESULT_MARK + json.dumps(res), flush=True)
    return 0


# -- parent: repetitions, environment, table ---------------------------------------------------------

def child_env(threads: int | None, unset_openblas: bool) -> tuple[dict[str, str], list[str]]:
    """The children's environment, and the OPENBLAS_* assignments removed from it (as NAME=value)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH")) if p)
    if threads is not None:
        for k in THREAD_VARS:
            env[k] = str(threads)
    removed = []
    if unset_openblas:
        for k in OPENBLAS_VARS:
            if k in env:
                removed.append(f"{k}={env.pop(k)}")
    return env, removed


def run_once(name: str, lib: str, args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    """One fresh interpreter timing `name` on `lib`: its result dict, or {"error": ...}."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", name, lib]
    for flag, value in (("--threads", args.threads), ("--warmup", args.warmup), ("--inner", args.inner)):
        if value is not None:
            cmd += [flag, str(value)]
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {args.timeout} s"}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK):])
    tail = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}, no result"])[-1]
    return {"error": tail}


def _fmt(x: float) -> str:
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:.0f}"


def summarize(w: Workload, runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Medians (in the workload's unit) per library and clock, ratios, and the first error per library."""
    row: dict[str, Any] = {"name": w.name, "unit": w.unit, "errors": {}}
    for lib in LIBS:
        ok = [r for r in runs[lib] if "error" not in r]
        bad = [r["error"] for r in runs[lib] if "error" in r]
        if bad:
            row["errors"][lib] = bad[0]
        for clock in ("wall", "cpu"):
            row[f"{lib}_{clock}"] = (statistics.median(r[clock] for r in ok) * w.scale / w.per_step
                                     if ok and not bad else None)
    for clock in ("wall", "cpu"):
        e, t = row[f"ember_{clock}"], row[f"torch_{clock}"]
        row[f"ratio_{clock}"] = e / t if e is not None and t else None
    return row


def table(rows: list[dict[str, Any]]) -> str:
    """The markdown table of summarized rows."""
    head = ("| workload | unit | ember wall | torch wall | ember/torch wall "
            "| ember CPU | torch CPU | ember/torch CPU |")
    lines = [head, "|" + "---|" * 8]
    for r in rows:
        cells = [r["name"], r["unit"]]
        for clock in ("wall", "cpu"):
            for lib in LIBS:
                v = r[f"{lib}_{clock}"]
                cells.append(_fmt(v) if v is not None else ("error" if lib in r["errors"] else "–"))
            ratio = r[f"ratio_{clock}"]
            cells.append(f"{ratio:.2f}x" if ratio is not None else "–")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def header(args: argparse.Namespace, removed: list[str], versions: dict[str, str]) -> str:
    """What the figures were measured on: machine, versions, threads and OPENBLAS_* settings."""
    threads = ("default (nothing set)" if args.threads is None else
               f"{args.threads} ({'/'.join(THREAD_VARS)}={args.threads}, torch.set_num_threads)")
    if args.unset_openblas_env:
        blas = "unset in the children: " + (", ".join(removed) if removed else "none was set")
    else:
        blas = ", ".join(f"{k}={os.environ[k]}" for k in OPENBLAS_VARS if k in os.environ) or "none set"
        blas += " (as inherited)"
    return "\n".join([
        f"- machine: {_cpu_model()}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}; "
        + ", ".join(f"{k} {v}" for k, v in versions.items()),
        f"- threads: {threads}",
        f"- OPENBLAS_*: {blas}",
        f"- {args.reps} repetitions per library, each in a fresh process; medians; "
        "ratio = ember / torch (above 1: ember slower)",
    ])


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point (see the module docstring)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("names", nargs="*", help="workloads to run (see --list)")
    p.add_argument("--all", action="store_true", help="run every workload")
    p.add_argument("--list", action="store_true", help="list the workloads and exit")
    p.add_argument("--reps", type=int, default=5, help="fresh-process repetitions per library (default 5)")
    p.add_argument("--threads", type=int, help="set OMP/OPENBLAS/MKL_NUM_THREADS and torch.set_num_threads")
    p.add_argument("--unset-openblas-env", action="store_true",
                   help=f"remove {' and '.join(OPENBLAS_VARS)} from the children's environment")
    p.add_argument("--warmup", type=int, help="override each workload's untimed warm-up steps")
    p.add_argument("--inner", type=int, help="override each workload's timed steps per process")
    p.add_argument("--timeout", type=float, default=900, help="seconds allowed per child process")
    p.add_argument("--json", type=Path, help="also write every raw result to this file")
    p.add_argument("--child", nargs=2, metavar=("WORKLOAD", "LIB"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.child:
        return _child(*args.child, args.threads, args.warmup, args.inner)
    known = all_workloads()
    if args.list:
        for w in known.values():
            print(f"{w.name:16} {w.description}")
        return 0
    names = list(known) if args.all else args.names
    unknown = [n for n in names if n not in known]
    if not names or unknown:
        p.error((f"unknown workload(s) {', '.join(unknown)}; " if unknown else "name a workload or --all; ")
                + "choose from " + ", ".join(known))
    if args.reps < 1:
        p.error("--reps must be at least 1")

    env, removed = child_env(args.threads, args.unset_openblas_env)
    rows, raw, versions = [], {}, {}
    for name in names:
        runs: dict[str, list[dict[str, Any]]] = {lib: [] for lib in LIBS}
        for rep in range(args.reps):
            for lib in LIBS if rep % 2 == 0 else LIBS[::-1]:
                print(f"{name}: {lib} {rep + 1}/{args.reps}", file=sys.stderr, flush=True)
                res = run_once(name, lib, args, env)
                runs[lib].append(res)
                if "version" in res:
                    versions[lib] = res["version"]
                    if res.get("numpy") and lib == "ember":
                        versions["numpy"] = res["numpy"]
        raw[name] = runs
        rows.append(summarize(known[name], runs))

    print(header(args, removed, versions) + "\n\n" + table(rows))
    errors = [f"- {r['name']} on {lib}: {msg}" for r in rows for lib, msg in r["errors"].items()]
    if errors:
        print("\nFailed runs:\n" + "\n".join(errors))
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "runs": raw, "removed_env": removed}, indent=1))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
