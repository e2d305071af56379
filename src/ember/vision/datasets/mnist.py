"""MNIST and its drop-in relatives (Fashion-MNIST, Kuzushiji-MNIST), read from their IDX files.

The files are downloaded (with `download=True`) into `<root>/<ClassName>/raw/`, checked against their MD5
checksums and decompressed there; later runs read them offline.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

import numpy as np

import ember

from .utils import check_integrity, download_from_mirrors
from .vision import VisionDataset

__all__ = ["MNIST", "FashionMNIST", "KMNIST", "read_idx_file", "read_image_file", "read_label_file"]

# IDX type codes (the magic number's third byte) and the big-endian NumPy types they denote
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx_file(path: str | os.PathLike) -> np.ndarray:
    """Parse an IDX file (the MNIST format) into a native-endian NumPy array.

    The header is two zero bytes, a type code, the number of dimensions, then each dimension as a
    big-endian int32; the values follow, big-endian. Raises RuntimeError for a malformed file.
    """
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4:
        raise RuntimeError(f"{path} is not a valid IDX file: it has {len(raw)} bytes, fewer than a header")
    if raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise RuntimeError(f"{path} is not a valid IDX file: bad magic number 0x{raw[:4].hex()}")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise RuntimeError(f"{path} is not a valid IDX file: truncated header ({ndim} dimensions announced)")
    shape = tuple(int(d) for d in np.frombuffer(raw, ">i4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header != expected:
        raise RuntimeError(f"{path} is not a valid IDX file: shape {shape} of {dtype.name} needs {expected} "
                           f"bytes of data, found {len(raw) - header}")
    return np.frombuffer(raw, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def read_label_file(path: str | os.PathLike) -> ember.Tensor:
    """An IDX file of uint8 labels as an int64 tensor."""
    arr = read_idx_file(path)
    if arr.dtype != np.uint8 or arr.ndim != 1:
        raise RuntimeError(f"{path} is not a label file: expected 1-d uint8 data, found {arr.ndim}-d {arr.dtype}")
    return ember.from_numpy(arr.astype(np.int64))


def read_image_file(path: str | os.PathLike) -> ember.Tensor:
    """An IDX file of uint8 images (N, H, W) as a uint8 tensor."""
    arr = read_idx_file(path)
    if arr.dtype != np.uint8 or arr.ndim != 3:
        raise RuntimeError(f"{path} is not an image file: expected 3-d uint8 data, found {arr.ndim}-d {arr.dtype}")
    return ember.from_numpy(arr)


@functools.cache
def _pil_available() -> bool:
    try:
        import PIL.Image  # noqa: F401
    except ImportError:
        return False
    return True


class MNIST(VisionDataset):
    """The MNIST handwritten digits: 60000 training and 10000 test images of 28x28 grey pixels.

    Args:
        root: the folder holding `MNIST/raw/` (created by the download).
        train: the training set if True, else the test set.
        transform: applied to each image; target_transform: to each label.
        download: fetch the files (from `mirrors`, checking `resources`' MD5s) unless already present.

    A sample is `(image, label)`: a PIL image of mode "L" when Pillow is installed (as torchvision), else a
    uint8 tensor of shape (1, H, W) (what `transforms.PILToTensor` would give; `transforms.ToTensor` accepts
    it too). `data` holds all images as a uint8 tensor (N, H, W) and `targets` the labels (int64, N).
    """

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                 ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
                 ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
                 ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")]
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]

    def __init__(self, root: str | os.PathLike, train: bool = True, transform: Callable | None = None,
                 target_transform: Callable | None = None, download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_exists():
            raise RuntimeError("Dataset not found. You can use download=True to download it")
        self.data, self.targets = self._load_data()

    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, type(self).__name__, "raw")

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.classes)}

    def _raw_path(self, filename: str) -> str:
        return os.path.join(self.raw_folder, os.path.splitext(filename)[0])

    def _check_exists(self) -> bool:
        return all(check_integrity(self._raw_path(name)) for name, _ in self.resources)

    def _load_data(self) -> tuple[ember.Tensor, ember.Tensor]:
        prefix = "train" if self.train else "t10k"
        data = read_image_file(os.path.join(self.raw_folder, f"{prefix}-images-idx3-ubyte"))
        targets = read_label_file(os.path.join(self.raw_folder, f"{prefix}-labels-idx1-ubyte"))
        if len(data) != len(targets):
            raise RuntimeError(f"{type(self).__name__}: {len(data)} images but {len(targets)} labels")
        return data, targets

    def download(self) -> None:
        """Fetch and decompress the raw files that are missing (each from the first mirror that works)."""
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        for filename, md5 in self.resources:
            if not check_integrity(self._raw_path(filename)):
                download_from_mirrors(self.mirrors, filename, self.raw_folder, md5)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img = self.data[index].numpy()
        target = int(self.targets[index])
        if _pil_available():
            from PIL import Image
            img = Image.fromarray(img)
        else:
            img = ember.from_numpy(img[None].copy())
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self.data)

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: 28x28 grey images of 10 kinds of clothing, laid out as MNIST."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                 ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
                 ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
                 ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]


class KMNIST(MNIST):
    """Kuzushiji-MNIST: 28x28 grey images of 10 cursive Japanese characters, laid out as MNIST."""

    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = [("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
                 ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
                 ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
                 ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134")]
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]
