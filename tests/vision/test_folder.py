"""ImageFolder and DatasetFolder over tiny PNG/JPEG files written here."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import ember
from ember.vision import datasets, transforms
from ember.vision.datasets import folder

Image = pytest.importorskip("PIL.Image")


@pytest.fixture
def tree(tmp_path):
    """root/cat/{a.png, b.JPG, notes.txt}, root/dog/{c.png, sub/d.png}, root/empty_not_a_class.txt"""
    root = tmp_path / "images"
    for rel, value in (("cat/a.png", 10), ("cat/b.JPG", 200), ("dog/c.png", 50), ("dog/sub/d.png", 90)):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.full((3, 4), value, np.uint8)).save(path, format="JPEG" if rel.endswith("JPG") else "PNG")
    (root / "cat" / "notes.txt").write_text("not an image")
    (root / "empty_not_a_class.txt").write_text("")
    return root


def test_image_folder(tree):
    ds = datasets.ImageFolder(tree)
    assert ds.classes == ["cat", "dog"] and ds.class_to_idx == {"cat": 0, "dog": 1}
    assert [(p.replace(str(tree), ""), c) for p, c in ds.samples] == [
        ("/cat/a.png", 0), ("/cat/b.JPG", 0), ("/dog/c.png", 1), ("/dog/sub/d.png", 1)]
    assert ds.imgs is ds.samples and ds.targets == [0, 0, 1, 1] and len(ds) == 4
    img, target = ds[2]
    assert img.mode == "RGB" and img.size == (4, 3) and target == 1
    assert np.asarray(img)[0, 0].tolist() == [50, 50, 50]
    jpeg, _ = ds[1]
    assert abs(int(np.asarray(jpeg)[1, 1, 0]) - 200) <= 3          # JPEG is lossy


def test_transforms_and_loader(tree):
    ds = datasets.ImageFolder(tree, transform=transforms.Compose([transforms.ToTensor(), transforms.Resize((2, 2))]),
                              target_transform=lambda c: -c)
    x, y = ds[3]
    assert x.shape == (3, 2, 2) and x.dtype is ember.float32 and y == -1
    np.testing.assert_allclose(x.numpy(), 90 / 255, rtol=1e-5)
    gray = datasets.ImageFolder(tree, loader=lambda p: Image.open(p).convert("L"))
    assert gray[0][0].mode == "L"


def test_is_valid_file_and_extensions(tree):
    ds = datasets.ImageFolder(tree, is_valid_file=lambda p: p.endswith(".png"))
    assert [c for _, c in ds.samples] == [0, 1, 1]
    texts = datasets.DatasetFolder(tree, loader=lambda p: open(p).read(), extensions=(".txt",), allow_empty=True)
    assert texts.samples == [(str(tree / "cat" / "notes.txt"), 0)] and texts[0] == ("not an image", 0)
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes dog. Supported extensions are: "
                                                ".txt"):
        datasets.DatasetFolder(tree, loader=open, extensions=(".txt",))
    with pytest.raises(ValueError, match="Both extensions and is_valid_file cannot be None or not None"):
        datasets.DatasetFolder(tree, loader=open)
    with pytest.raises(ValueError, match="Both extensions and is_valid_file cannot be None or not None"):
        datasets.DatasetFolder(tree, loader=open, extensions=(".png",), is_valid_file=bool)


def test_helpers(tree, tmp_path):
    assert folder.has_file_allowed_extension("A.PNG", (".png",)) and not folder.is_image_file("a.txt")
    assert folder.find_classes(tree) == (["cat", "dog"], {"cat": 0, "dog": 1})
    (tmp_path / "flat").mkdir()
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder in"):
        datasets.ImageFolder(tmp_path / "flat")


def test_custom_find_classes(tree):
    class OnlyDogs(datasets.ImageFolder):
        def find_classes(self, directory):
            return ["dog"], {"dog": 0}

    ds = OnlyDogs(tree)
    assert ds.classes == ["dog"] and ds.targets == [0, 0]


def test_missing_pillow_is_reported(tree, monkeypatch):
    ds = datasets.ImageFolder(tree)
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match=r"pip install 'ember\[vision\]'"):
        ds[0]
