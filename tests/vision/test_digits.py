"""The shipped 8x8 digits: contents, the stratified seeded split, samples and transforms."""

from __future__ import annotations

import gzip
from importlib import resources

import numpy as np
import pytest

import ember
from ember.utils.data import DataLoader
from ember.vision import datasets, transforms


def raw_table() -> np.ndarray:
    data = resources.files("ember.vision.datasets").joinpath("data", "digits.csv.gz").read_bytes()
    return np.loadtxt(gzip.decompress(data).decode().splitlines(), delimiter=",", dtype=np.int64)


def test_the_shipped_file():
    table = raw_table()
    assert table.shape == (1797, 65)
    assert table[:, :64].min() == 0 and table[:, :64].max() == 16
    assert np.bincount(table[:, 64]).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    readme = resources.files("ember.vision.datasets").joinpath("data", "README.md").read_text()
    assert "CC BY 4.0" in readme and "Alpaydin" in readme and "scikit-learn" in readme


def test_split_is_a_stratified_partition():
    train, test = datasets.Digits(train=True), datasets.Digits(train=False)
    assert (len(train), len(test)) == (1438, 359)
    table = raw_table()
    rows = {tuple(r) for r in table}
    both = np.concatenate([np.column_stack([d.data.numpy().reshape(len(d), 64), d.targets.numpy()])
                           for d in (train, test)])
    assert len(both) == 1797 and {tuple(r) for r in both} == rows
    counts = np.bincount(test.targets.numpy(), minlength=10)
    totals = np.bincount(table[:, 64])
    assert np.array_equal(counts, np.round(0.2 * totals).astype(int))


def test_split_is_seeded():
    a = datasets.Digits(train=False).targets.numpy()
    b = datasets.Digits(train=False, split_seed=0).data.numpy()
    assert np.array_equal(b, datasets.Digits(train=False).data.numpy())
    other = datasets.Digits(train=False, split_seed=1)
    assert not np.array_equal(other.data.numpy(), b) and len(other) == len(a)
    small = datasets.Digits(train=False, test_fraction=0.1)
    assert len(small) == int(np.round(0.1 * np.bincount(raw_table()[:, 64])).sum())
    with pytest.raises(ValueError, match=r"test_fraction should be in \(0, 1\)"):
        datasets.Digits(test_fraction=1.0)


def test_samples():
    ds = datasets.Digits(train=True)
    img, label = ds[5]
    assert img.shape == (1, 8, 8) and img.dtype is ember.float32 and isinstance(label, int)
    np.testing.assert_array_equal(img.numpy()[0] * 16, ds.data[5].numpy())
    assert label == int(ds.targets[5])
    assert ds.data.dtype is ember.uint8 and ds.targets.dtype is ember.int64
    assert ds.class_to_idx["7 - seven"] == 7
    img[0, 0, 0] = 99.0                                              # samples are copies
    assert ds[5][0][0, 0, 0].item() != 99.0


def test_transforms_and_repr():
    norm = transforms.Normalize((0.5,), (0.5,))
    ds = datasets.Digits(train=False, transform=norm, target_transform=str)
    img, label = ds[0]
    raw = datasets.Digits(train=False)[0][0]
    np.testing.assert_allclose(img.numpy(), (raw.numpy() - 0.5) / 0.5)
    assert isinstance(label, str)
    assert repr(ds).splitlines()[:3] == ["Dataset Digits", "    Number of datapoints: 359",
                                         "    Split: Test (split_seed=0, test_fraction=0.2)"]


def test_pil_pipeline():
    pytest.importorskip("PIL.Image")
    ds = datasets.Digits(transform=transforms.Compose([transforms.ToPILImage(), transforms.Resize(16),
                                                       transforms.ToTensor()]))
    img, _ = ds[0]
    assert img.shape == (1, 16, 16)


def test_loader_batches():
    loader = DataLoader(datasets.Digits(train=False), batch_size=100)
    images, labels = next(iter(loader))
    assert images.shape == (100, 1, 8, 8) and labels.dtype is ember.int64 and labels.shape == (100,)
    assert sum(len(y) for _, y in loader) == 359


def test_root_folder(tmp_path):
    with pytest.raises(RuntimeError, match="Dataset not found"):
        datasets.Digits(root=tmp_path)
    data = resources.files("ember.vision.datasets").joinpath("data", "digits.csv.gz").read_bytes()
    (tmp_path / "digits.csv.gz").write_bytes(data)
    assert len(datasets.Digits(root=str(tmp_path))) == 1438
