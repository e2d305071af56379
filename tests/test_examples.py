"""The examples a newcomer runs first must keep working: run each (shortened) and check what it learned."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_example(name: str, *args: str) -> str:
    proc = subprocess.run([sys.executable, str(EXAMPLES / name), *args], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_fit_polynomial_loss_drops():
    out = run_example("fit_polynomial.py", "--epochs", "25", "--seed", "0")
    losses = [float(v) for v in re.findall(r"^epoch +\d+ +loss ([0-9.eE+-]+)$", out, re.MULTILINE)]
    assert len(losses) == 26, out
    assert losses[-1] < losses[0] / 10, out
    assert "x lower" in out.splitlines()[-1]


def test_fit_polynomial_is_reproducible():
    assert run_example("fit_polynomial.py", "--epochs", "2", "--seed", "5").splitlines()[:-1] == \
        run_example("fit_polynomial.py", "--epochs", "2", "--seed", "5").splitlines()[:-1]
