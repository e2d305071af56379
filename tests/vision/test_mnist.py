"""MNIST, FashionMNIST and KMNIST on small IDX files made here, served from a local HTTP server so that the
real download, checksum and extraction code runs (no network beyond 127.0.0.1)."""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import os
import socket
import struct
import threading

import numpy as np
import pytest

import ember
from ember.vision import datasets, transforms
from ember.vision.datasets import mnist as mnist_module
from ember.vision.datasets.mnist import read_idx_file
from ember.vision.datasets.utils import ChecksumError, check_integrity, download_url, extract_archive

N_TRAIN, N_TEST, H, W = 6, 4, 5, 3


def idx_bytes(arr: np.ndarray, code: int) -> bytes:
    header = bytes([0, 0, code, arr.ndim]) + struct.pack(f">{arr.ndim}i", *arr.shape)
    return header + arr.astype(arr.dtype.newbyteorder(">")).tobytes()


def make_split(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, H, W), dtype=np.uint8), rng.integers(0, 10, n, dtype=np.uint8)


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    """A folder of gzip'd IDX files served over HTTP on 127.0.0.1; yields (url, resources, arrays)."""
    served = tmp_path / "served"
    served.mkdir()
    arrays = {"train": make_split(N_TRAIN, 0), "t10k": make_split(N_TEST, 1)}
    resources = []
    for prefix, (images, labels) in arrays.items():
        for kind, data in (("images-idx3", images), ("labels-idx1", labels)):
            name = f"{prefix}-{kind}-ubyte.gz"
            payload = gzip.compress(idx_bytes(data, 0x08))
            (served / name).write_bytes(payload)
            resources.append((name, hashlib.md5(payload).hexdigest()))
    handler = functools.partial(QuietHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", resources, arrays, server
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def dead_url() -> str:
    """A loopback URL on which nothing listens (connection refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def patch(monkeypatch, cls, mirrors, resources):
    monkeypatch.setattr(cls, "mirrors", mirrors)
    monkeypatch.setattr(cls, "resources", resources)


def test_download_parse_and_samples(tmp_path, mirror, monkeypatch):
    pytest.importorskip("PIL.Image")
    url, resources, arrays, _ = mirror
    patch(monkeypatch, datasets.MNIST, [url], resources)
    train = datasets.MNIST(tmp_path / "data", train=True, download=True)
    raw = tmp_path / "data" / "MNIST" / "raw"
    assert sorted(os.listdir(raw)) == sorted([name for name, _ in resources] + [name[:-3] for name, _ in resources])
    assert len(train) == N_TRAIN
    assert train.data.dtype is ember.uint8 and train.data.shape == (N_TRAIN, H, W)
    assert train.targets.dtype is ember.int64
    np.testing.assert_array_equal(train.data.numpy(), arrays["train"][0])
    np.testing.assert_array_equal(train.targets.numpy(), arrays["train"][1])
    img, target = train[2]
    assert img.mode == "L" and img.size == (W, H) and np.array_equal(np.asarray(img), arrays["train"][0][2])
    assert isinstance(target, int) and target == arrays["train"][1][2]
    test = datasets.MNIST(tmp_path / "data", train=False)
    assert len(test) == N_TEST
    np.testing.assert_array_equal(test.targets.numpy(), arrays["t10k"][1])


def test_reads_offline_once_downloaded(tmp_path, mirror, monkeypatch):
    url, resources, arrays, server = mirror
    patch(monkeypatch, datasets.MNIST, [url], resources)
    datasets.MNIST(tmp_path, download=True)
    server.shutdown()
    again = datasets.MNIST(tmp_path, download=True)           # present: nothing is fetched
    np.testing.assert_array_equal(again.data.numpy(), arrays["train"][0])


def test_transforms_and_repr(tmp_path, mirror, monkeypatch):
    url, resources, arrays, _ = mirror
    patch(monkeypatch, datasets.MNIST, [url], resources)
    ds = datasets.MNIST(str(tmp_path), download=True, transform=transforms.ToTensor(),
                        target_transform=lambda y: y + 100)
    img, target = ds[0]
    assert img.shape == (1, H, W) and img.dtype is ember.float32
    np.testing.assert_allclose(img.numpy()[0], arrays["train"][0][0] / 255.0, rtol=1e-6)
    assert target == arrays["train"][1][0] + 100
    text = repr(ds).splitlines()
    assert text[:4] == ["Dataset MNIST", f"    Number of datapoints: {N_TRAIN}", f"    Root location: {tmp_path}",
                        "    Split: Train"]
    assert text[4:6] == ["    StandardTransform", "    Transform: ToTensor()"]
    assert text[6].startswith("    Target transform: <function")


def test_without_pillow_samples_are_uint8_tensors(tmp_path, mirror, monkeypatch):
    url, resources, arrays, _ = mirror
    patch(monkeypatch, datasets.MNIST, [url], resources)
    monkeypatch.setattr(mnist_module, "_pil_available", lambda: False)
    ds = datasets.MNIST(tmp_path, download=True)
    img, _ = ds[1]
    assert isinstance(img, ember.Tensor) and img.dtype is ember.uint8 and img.shape == (1, H, W)
    np.testing.assert_array_equal(img.numpy()[0], arrays["train"][0][1])
    np.testing.assert_allclose(transforms.ToTensor()(img).numpy()[0], arrays["train"][0][1] / 255.0, rtol=1e-6)


def test_second_mirror_used_when_first_is_down(tmp_path, mirror, monkeypatch):
    url, resources, arrays, _ = mirror
    patch(monkeypatch, datasets.MNIST, [dead_url(), url], resources)
    ds = datasets.MNIST(tmp_path, download=True)
    np.testing.assert_array_equal(ds.targets.numpy(), arrays["train"][1])


def test_not_downloaded_error(tmp_path):
    with pytest.raises(RuntimeError, match="Dataset not found. You can use download=True to download it"):
        datasets.MNIST(tmp_path)


def test_offline_download_error(tmp_path, monkeypatch, mirror):
    _, resources, _, _ = mirror
    down = dead_url()
    patch(monkeypatch, datasets.MNIST, [down], resources)
    with pytest.raises(RuntimeError, match=r"Error downloading train-images-idx3-ubyte.gz: no mirror could provide "
                                           r"it \(are you offline\?\)") as info:
        datasets.MNIST(tmp_path, download=True)
    assert down in str(info.value) and "refused" in str(info.value).lower()
    assert not any(name.endswith(".part") for name in os.listdir(tmp_path / "MNIST" / "raw"))


def test_checksum_mismatch(tmp_path, mirror, monkeypatch):
    url, resources, _, _ = mirror
    bad = [(name, "0" * 32) if i == 1 else (name, md5) for i, (name, md5) in enumerate(resources)]
    patch(monkeypatch, datasets.MNIST, [url], bad)
    with pytest.raises(RuntimeError, match="Error downloading train-labels-idx1-ubyte.gz") as info:
        datasets.MNIST(tmp_path, download=True)
    assert "Checksum mismatch" in str(info.value) and "0" * 32 in str(info.value)
    # the bad file was removed; the good one before it stays
    raw = tmp_path / "MNIST" / "raw"
    assert not (raw / "train-labels-idx1-ubyte.gz").exists() and (raw / "train-images-idx3-ubyte").exists()


def test_download_url_checksum_error_and_cache(tmp_path, mirror):
    url, resources, _, server = mirror
    name, md5 = resources[0]
    with pytest.raises(ChecksumError, match="expected MD5 " + "f" * 32):
        download_url(url + name, tmp_path, md5="f" * 32)
    path = download_url(url + name, tmp_path, md5=md5)
    assert check_integrity(path, md5) and not check_integrity(path, "0" * 32)
    server.shutdown()
    assert download_url(url + name, tmp_path, md5=md5) == path       # verified copy: no request made
    assert extract_archive(path).endswith("train-images-idx3-ubyte")


@pytest.mark.parametrize("cls,folder,first_class", [(datasets.FashionMNIST, "FashionMNIST", "T-shirt/top"),
                                                    (datasets.KMNIST, "KMNIST", "o")])
def test_relatives(tmp_path, mirror, monkeypatch, cls, folder, first_class):
    url, resources, arrays, _ = mirror
    patch(monkeypatch, cls, [url], resources)
    ds = cls(tmp_path, train=False, download=True)
    assert (tmp_path / folder / "raw").is_dir()
    assert ds.classes[0] == first_class and len(ds.classes) == 10 and ds.class_to_idx[first_class] == 0
    np.testing.assert_array_equal(ds.data.numpy(), arrays["t10k"][0])


def test_real_resources_are_the_published_files():
    assert datasets.MNIST.resources[0] == ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873")
    assert datasets.MNIST.mirrors[0].startswith("https://")
    assert datasets.MNIST.classes[3] == "3 - three"
    assert all(len(md5) == 32 for cls in (datasets.MNIST, datasets.FashionMNIST, datasets.KMNIST)
               for _, md5 in cls.resources)


# ------------------------------------------------------------------------------------------------ IDX parsing

@pytest.mark.parametrize("code,dtype", [(0x08, np.uint8), (0x09, np.int8), (0x0B, np.int16), (0x0C, np.int32),
                                        (0x0D, np.float32), (0x0E, np.float64)])
def test_idx_types(tmp_path, code, dtype):
    data = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    path = tmp_path / "x.idx"
    path.write_bytes(idx_bytes(data, code))
    out = read_idx_file(path)
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative and np.array_equal(out, data)


@pytest.mark.parametrize("payload,message", [
    (b"\x00\x00", "fewer than a header"),
    (b"\x01\x00\x08\x01" + struct.pack(">i", 1) + b"\x00", "bad magic number 0x01000801"),
    (b"\x00\x00\x07\x01" + struct.pack(">i", 1) + b"\x00", "bad magic number"),
    (b"\x00\x00\x08\x03" + struct.pack(">i", 2), "truncated header"),
    (b"\x00\x00\x08\x01" + struct.pack(">i", 4) + b"\x00\x01", r"shape \(4,\) of uint8 needs 4 bytes of data, found 2"),
])
def test_corrupt_idx_files(tmp_path, payload, message):
    path = tmp_path / "bad"
    path.write_bytes(payload)
    with pytest.raises(RuntimeError, match=message):
        read_idx_file(path)


def test_wrong_kind_of_idx_file(tmp_path, mirror, monkeypatch):
    url, resources, _, _ = mirror
    patch(monkeypatch, datasets.MNIST, [url], resources)
    datasets.MNIST(tmp_path, download=True)
    labels = tmp_path / "MNIST" / "raw" / "train-labels-idx1-ubyte"
    labels.write_bytes(idx_bytes(np.zeros((2, 2), np.uint8), 0x08))
    with pytest.raises(RuntimeError, match="is not a label file: expected 1-d uint8 data, found 2-d uint8"):
        datasets.MNIST(tmp_path)
