"""safetensors files through the safetensors library: round trips, non-contiguous input, interop."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import ember
from ember import serialization

from .helpers import DTYPES, as_np, sample

st_numpy = pytest.importorskip("safetensors.numpy")


@pytest.mark.parametrize("dtype", DTYPES)
def test_round_trip_every_dtype(tmp_path, dtype):
    tensors = {"a": ember.from_numpy(sample(dtype, (3, 4))), "scalar": ember.from_numpy(sample(dtype, ())),
               "empty": ember.from_numpy(sample(dtype, (0, 2)))}
    path = tmp_path / "t.safetensors"
    serialization.save_safetensors(tensors, path, metadata={"format": "pt"})
    out = serialization.load_safetensors(path)
    assert out.keys() == tensors.keys()
    for k, t in tensors.items():
        assert out[k].dtype == t.dtype and out[k].shape == t.shape
        np.testing.assert_array_equal(as_np(out[k]), as_np(t))
    from safetensors import safe_open

    with safe_open(str(path), framework="np") as f:
        assert f.metadata() == {"format": "pt"}


def test_non_contiguous_tensors_are_written_by_value(tmp_path):
    """safetensors 0.8.0 writes the memory behind a non-contiguous array's pointer (upstream issue 825):
    every kind of view must still come back with its own values."""
    base = ember.arange(60, dtype=ember.float32).view(3, 4, 5)
    views = {"t": base.transpose(0, 2), "slice": base[:, 1:3, ::2], "col": base[1, :, 3],
             "expanded": base[0, 0, :2].unsqueeze(0).expand(3, 2), "flipped": ember.Tensor._make(
                 np.arange(10.0)[::-1])}
    for t in views.values():
        if t.dtype == ember.float32:
            assert not t.is_contiguous()
    path = tmp_path / "views.safetensors"
    serialization.save_safetensors(views, path)
    out = serialization.load_safetensors(path)
    for k, t in views.items():
        np.testing.assert_array_equal(as_np(out[k]), as_np(t), err_msg=k)


def test_loaded_tensors_are_writable_and_independent(tmp_path):
    path = tmp_path / "a.safetensors"
    x = ember.ones(3)
    serialization.save_safetensors({"x": x}, path)
    out = serialization.load_safetensors(path)["x"]
    out.add_(1)
    assert x.tolist() == [1.0, 1.0, 1.0] and out.tolist() == [2.0, 2.0, 2.0]


def test_interop_with_safetensors_torch(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file, save_file

    lin = torch.nn.Linear(4, 3)
    path = tmp_path / "torch.safetensors"
    save_file(lin.state_dict(), path)
    mine = ember.nn.Linear(4, 3)
    mine.load_state_dict(serialization.load_safetensors(path))
    x = np.random.default_rng(0).standard_normal((2, 4)).astype(np.float32)
    np.testing.assert_allclose(as_np(mine(ember.tensor(x))), lin(torch.tensor(x)).detach().numpy(), rtol=1e-6)
    back = tmp_path / "ember.safetensors"
    serialization.save_safetensors(mine.state_dict(), back)
    lin2 = torch.nn.Linear(4, 3)
    lin2.load_state_dict(load_file(back))
    torch.testing.assert_close(lin2.weight, lin.weight)


def test_bfloat16_files_widen_to_float32(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file

    t = torch.tensor([[1.5, -2.25], [3e38, 1e-30]], dtype=torch.bfloat16)
    path = tmp_path / "bf16.safetensors"
    save_file({"bf": t, "i": torch.arange(3)}, path)
    out = serialization.load_safetensors(path)
    assert out["bf"].dtype == ember.float32 and out["i"].dtype == ember.int64
    np.testing.assert_array_equal(as_np(out["bf"]), t.float().numpy())
    assert out["i"].tolist() == [0, 1, 2]


def test_errors(tmp_path, monkeypatch):
    path = tmp_path / "x.safetensors"
    with pytest.raises(TypeError, match="not a Tensor"):
        serialization.save_safetensors({"a": np.ones(2)}, path)
    with pytest.raises(TypeError, match="names must be str"):
        serialization.save_safetensors({1: ember.ones(2)}, path)
    with pytest.raises(TypeError, match="metadata"):
        serialization.save_safetensors({"a": ember.ones(2)}, path, metadata={"k": 1})
    with pytest.raises(TypeError, match="dict"):
        serialization.save_safetensors([ember.ones(2)], path)
    assert list(tmp_path.iterdir()) == []  # nothing written, no temporary files
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(ImportError, match="pip install"):
        serialization.load_safetensors(path)


def test_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "m.safetensors"
    serialization.save_safetensors({"a": ember.ones(2)}, path)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(st_numpy, "save_file", boom)
    with pytest.raises(OSError, match="disk full"):
        serialization.save_safetensors({"a": ember.zeros(5)}, path)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]
