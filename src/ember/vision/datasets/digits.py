"""The 8x8 handwritten digits that ship with ember, so that a real model trains offline."""

from __future__ import annotations

import functools
import gzip
import io
import os
from collections.abc import Callable
from importlib import resources
from typing import Any

import numpy as np

import ember

from .vision import VisionDataset

__all__ = ["Digits"]

_FILENAME = "digits.csv.gz"


@functools.cache
def _load(path: str | None) -> tuple[np.ndarray, np.ndarray]:
    if path is None:
        raw = resources.files(__package__).joinpath("data", _FILENAME).read_bytes()
    else:
        with open(path, "rb") as f:
            raw = f.read()
    table = np.loadtxt(io.TextIOWrapper(gzip.GzipFile(fileobj=io.BytesIO(raw))), delimiter=",", dtype=np.int64)
    if table.ndim != 2 or table.shape[1] != 65:
        raise RuntimeError(f"{path or _FILENAME}: expected rows of 64 pixels and a label, got shape {table.shape}")
    images = table[:, :64].reshape(-1, 8, 8).astype(np.uint8)
    return images, table[:, 64].copy()


def _split(labels: np.ndarray, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Stratified split: from each class, a seeded random round(test_fraction * size) of it goes to test."""
    rng = np.random.default_rng(seed)
    test = []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        test.append(rng.permutation(members)[:int(round(test_fraction * len(members)))])
    test_idx = np.sort(np.concatenate(test))
    train_idx = np.setdiff1d(np.arange(len(labels)), test_idx)
    return train_idx, test_idx


class Digits(VisionDataset):
    """1797 handwritten digits of 8x8 pixels, shipped with ember: `Digits(train=True)` needs no download.

    The data is the test set of the UCI *Optical Recognition of Handwritten Digits* data set (E. Alpaydin,
    C. Kaynak, 1998; https://doi.org/10.24432/C50P49; licence CC BY 4.0), as scikit-learn distributes it
    (`digits.csv.gz`, copied from the scikit-learn 1.9.1 wheel; see `datasets/data/README.md`). Each pixel
    counts the set pixels of a 4x4 block of a 32x32 bitmap, so values are integers 0..16.

    Args:
        root: None for the shipped file; otherwise a folder holding its own `digits.csv.gz`.
        train: the training part if True, else the test part of a stratified split: from every class a
            random `round(test_fraction * class size)` samples (drawn with NumPy seeded by `split_seed`,
            independent of ember's random state) form the test set. The defaults give 1438 / 359 samples.
        transform, target_transform: applied to each image / label.

    A sample is `(image, label)`: a float32 tensor of shape (1, 8, 8) with values `pixel / 16` in [0, 1],
    and an int. For PIL-based transforms, start the pipeline with `transforms.ToPILImage()` (a mode "L"
    image with values scaled to 0..255). `data` holds the raw images (uint8 tensor (N, 8, 8), values
    0..16) and `targets` the labels (int64 tensor (N,)).
    """

    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]

    def __init__(self, root: str | os.PathLike | None = None, train: bool = True,
                 transform: Callable | None = None, target_transform: Callable | None = None,
                 split_seed: int = 0, test_fraction: float = 0.2) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        if not 0.0 < test_fraction < 1.0:
            raise ValueError(f"test_fraction should be in (0, 1), got {test_fraction}")
        path = None
        if root is not None:
            path = os.path.join(self.root, _FILENAME)
            if not os.path.isfile(path):
                raise RuntimeError(f"Dataset not found: {path} does not exist. Leave root=None to use the copy "
                                   "that ships with ember.")
        images, labels = _load(path)
        train_idx, test_idx = _split(labels, test_fraction, split_seed)
        idx = train_idx if train else test_idx
        self.train = train
        self.split_seed = split_seed
        self.test_fraction = test_fraction
        self.data = ember.from_numpy(images[idx])
        self.targets = ember.from_numpy(labels[idx])

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.classes)}

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img = ember.from_numpy(self.data[index].numpy()[None].astype(np.float32) / np.float32(16.0))
        target = int(self.targets[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self.data)

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train else 'Test'} (split_seed={self.split_seed}, " \
               f"test_fraction={self.test_fraction})"
