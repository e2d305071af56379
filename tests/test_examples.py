"""What a newcomer runs first must keep working: the examples (shortened) and the README's code blocks."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
README_BLOCKS = re.findall(r"^```python\n(.*?)^```", (ROOT / "README.md").read_text(encoding="utf-8"),
                           re.DOTALL | re.MULTILINE)


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


def test_readme_has_a_tour():
    assert len(README_BLOCKS) >= 4


@pytest.mark.parametrize("index", range(len(README_BLOCKS)))
def test_readme_code_runs(index):
    exec(compile(README_BLOCKS[index], f"README.md python block {index}", "exec"), {})
