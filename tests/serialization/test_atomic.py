"""Saving to a path is atomic: an interrupted save leaves the previous file intact and no debris."""

from __future__ import annotations

import os
import pickle
import signal
import stat
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import ember
from ember import serialization


def _good(tmp_path):
    path = tmp_path / "ckpt.pt"
    serialization.save({"w": ember.arange(10.0)}, path)
    return path, path.read_bytes()


def _entries(folder) -> list:
    return sorted(p.name for p in folder.iterdir())


def test_exception_mid_write_keeps_the_old_file(tmp_path, monkeypatch):
    path, before = _good(tmp_path)
    real = serialization._write_record
    calls = []

    def failing(zf, fileobj, name, data):
        calls.append(name)
        if "/data/" in name:
            real(zf, fileobj, name, data[: len(data) // 2] if isinstance(data, bytes) else data[:8])
            raise OSError("disk full")
        real(zf, fileobj, name, data)

    monkeypatch.setattr(serialization, "_write_record", failing)
    with pytest.raises(OSError, match="disk full"):
        serialization.save({"w": ember.zeros(1000)}, path)
    assert any("/data/" in c for c in calls)  # it did fail midway, after writing part of the archive
    assert path.read_bytes() == before
    assert _entries(tmp_path) == ["ckpt.pt"]  # no temporary file left behind
    monkeypatch.undo()
    assert serialization.load(path)["w"].tolist() == list(np.arange(10.0))


def test_keyboard_interrupt_mid_write(tmp_path, monkeypatch):
    path, before = _good(tmp_path)

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(serialization, "_write_record", interrupted)
    with pytest.raises(KeyboardInterrupt):
        serialization.save({"w": ember.zeros(3)}, path)
    assert path.read_bytes() == before and _entries(tmp_path) == ["ckpt.pt"]


def test_unpicklable_object_touches_nothing(tmp_path):
    path, before = _good(tmp_path)
    with pytest.raises(pickle.PicklingError):
        serialization.save({"w": ember.ones(2), "f": lambda: 0}, path)
    assert path.read_bytes() == before and _entries(tmp_path) == ["ckpt.pt"]
    new = tmp_path / "new.pt"
    with pytest.raises(pickle.PicklingError):
        serialization.save(lambda: 0, new)
    assert not new.exists() and _entries(tmp_path) == ["ckpt.pt"]


def test_killed_process_never_leaves_a_corrupt_file(tmp_path):
    """SIGKILL in the middle of writing a storage: the old checkpoint is still there, whole."""
    path, before = _good(tmp_path)
    ready = tmp_path / "ready"
    code = textwrap.dedent(f"""
        import time
        import ember
        from ember import serialization

        real = serialization._write_record

        def slow(zf, fileobj, name, data):
            if "/data/" in name:
                fileobj.write(b"partial bytes of a storage")
                fileobj.flush()
                open({str(ready)!r}, "w").close()
                time.sleep(120)
            real(zf, fileobj, name, data)

        serialization._write_record = slow
        serialization.save({{"w": ember.zeros(100000)}}, {str(path)!r})
    """)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.Popen([sys.executable, "-c", code], env=env)
    try:
        deadline = time.monotonic() + 120
        while not ready.exists():
            assert proc.poll() is None, "the saving process ended early"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert path.read_bytes() == before
    assert serialization.load(path)["w"].tolist() == list(np.arange(10.0))
    # the killed process could not clean up: its temporary file is a hidden sibling, never the target
    leftovers = [n for n in _entries(tmp_path) if n not in ("ckpt.pt", "ready")]
    assert all(n.startswith(".ckpt.pt.") and n.endswith(".tmp") for n in leftovers)


def test_new_file_and_replacement_permissions(tmp_path):
    path = tmp_path / "a.pt"
    serialization.save(ember.ones(1), path)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    path.chmod(0o600)
    serialization.save(ember.ones(2), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert serialization.load(path).tolist() == [1.0, 1.0]


def test_saving_through_a_symlink_replaces_its_target(tmp_path):
    target = tmp_path / "real.pt"
    serialization.save(ember.ones(1), target)
    link = tmp_path / "link.pt"
    link.symlink_to(target)
    serialization.save(ember.zeros(3), link)
    assert link.is_symlink()
    assert serialization.load(target).tolist() == [0.0, 0.0, 0.0]


def test_file_objects_and_paths_of_every_kind(tmp_path):
    x = ember.arange(4)
    for target in (tmp_path / "p.pt", str(tmp_path / "s.pt")):
        serialization.save(x, target)
        assert serialization.load(target).tolist() == [0, 1, 2, 3]
    with open(tmp_path / "f.pt", "wb") as fh:
        serialization.save(x, fh)
        assert not fh.closed
    assert serialization.load(tmp_path / "f.pt").tolist() == [0, 1, 2, 3]
    with open(tmp_path / "g.pt", "wb") as fh:  # after other content: offsets stay right
        fh.write(b"header bytes")
        serialization.save(x, fh)
    with open(tmp_path / "g.pt", "rb") as fh:
        fh.read(12)
        assert serialization.load(fh).tolist() == [0, 1, 2, 3]
    with pytest.raises((IsADirectoryError, PermissionError, OSError)):
        serialization.save(x, tmp_path)
