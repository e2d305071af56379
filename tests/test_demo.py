"""The README's main-job command: the digits CNN demo, shortened (--quick) as CI runs it."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import ember

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "train_digits_cnn.py"


def run_demo(out: Path, *args: str) -> str:
    proc = subprocess.run([sys.executable, str(DEMO), "--quick", "--out", str(out), *args], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def epoch_lines(stdout: str) -> list[str]:
    # the elapsed time at the end of each line differs between runs
    return [re.sub(r"\(\d+\.\d+s\)$", "", line) for line in stdout.splitlines() if line.startswith("epoch")]


def test_quick_demo_trains_saves_and_reproduces(tmp_path):
    out = run_demo(tmp_path / "a", "--seed", "1")
    lines = epoch_lines(out)
    assert len(lines) == 3, out
    accuracy = float(re.search(r"^test accuracy ([0-9.]+) after 3 epochs", out, re.MULTILINE).group(1))
    assert accuracy >= 0.9, out
    state = ember.load(tmp_path / "a" / "digits_cnn.pt")
    model = demo_module().make_model()
    model.load_state_dict(state)
    assert sum(v.numel() for v in state.values()) == sum(p.numel() for p in model.parameters()) > 30_000
    png = (tmp_path / "a" / "learning_curves.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and b"IEND" in png[-12:]
    assert epoch_lines(run_demo(tmp_path / "b", "--seed", "1")) == lines


def demo_module():
    spec = importlib.util.spec_from_file_location("train_digits_cnn", DEMO)
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    return demo


def test_png_encoder_round_trip(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    demo = demo_module()
    rgb = np.random.default_rng(0).integers(0, 256, (7, 5, 3), dtype=np.uint8)
    demo.write_png(str(tmp_path / "x.png"), rgb)
    assert np.array_equal(np.asarray(Image.open(tmp_path / "x.png")), rgb)
    curves = demo.draw_curves({"train_loss": [2.0, 1.0, 0.5], "test_loss": [2.1, 1.2, 0.9],
                               "train_acc": [0.5, 0.8, 0.9], "test_acc": [0.4, 0.7, 0.85]})
    assert curves.shape == (240, 480, 3) and curves.dtype == np.uint8 and (curves != 255).any()
