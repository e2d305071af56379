"""Pretrained weights for the model zoo: weight enums, the download cache with hash check, and loading a
state dict from a URL, a path, a file object or a mapping into a model.

The names follow torchvision (`ResNet18_Weights.IMAGENET1K_V1`, `weights="DEFAULT"`,
`load_state_dict_from_url`), and the URLs are torchvision's, so the same files serve both libraries.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import IO, Any

from ... import nn
from ..._tensor import Tensor

__all__ = ["Weights", "WeightsEnum", "ImageClassification", "get_dir", "load_state_dict_from_url",
           "download_url_to_file"]

# torchvision names its files `<name>-<first hex digits of the file's sha256>.<ext>`
_HASH_PREFIX = re.compile(r"-([a-f0-9]*)\.")
_CHUNK = 1 << 20
_TIMEOUT_S = 60.0

_IMAGENET_MEAN = (0.485, 0.456, 0.406)
_IMAGENET_STD = (0.229, 0.224, 0.225)


class ImageClassification(nn.Module):
    """The inference preprocessing of ImageNet classifiers: resize the smaller edge to `resize_size`,
    center-crop `crop_size`, scale to floats in [0, 1] and normalise by the ImageNet mean and std.

    Accepts a PIL image or an image tensor (C, H, W) / batch (B, C, H, W), as torchvision's preset.
    """

    def __init__(self, *, crop_size: int, resize_size: int = 256, mean: tuple = _IMAGENET_MEAN,
                 std: tuple = _IMAGENET_STD, antialias: bool = True) -> None:
        super().__init__()
        self.crop_size = [crop_size]
        self.resize_size = [resize_size]
        self.mean = list(mean)
        self.std = list(std)
        self.antialias = antialias

    def forward(self, img: Any) -> Tensor:
        # imported here: the transforms are optional for the models and need this module to be importable
        import ember

        from ..transforms import functional as F

        if not isinstance(img, Tensor):
            img = F.pil_to_tensor(img)
        img = F.resize(img, self.resize_size, antialias=self.antialias)
        img = F.center_crop(img, self.crop_size)
        img = F.convert_image_dtype(img, ember.float32)
        return F.normalize(img, mean=self.mean, std=self.std)

    def extra_repr(self) -> str:
        return (f"crop_size={self.crop_size}, resize_size={self.resize_size}, mean={self.mean}, std={self.std}, "
                f"antialias={self.antialias}")


@dataclass(eq=False)
class Weights:
    """One set of pretrained weights: where to download them, how to preprocess inputs for them
    (`transforms()`), and facts about them (`meta`: num_params, min_size, ImageNet accuracy, ...)."""

    url: str
    crop_size: int = 224
    resize_size: int = 256
    meta: dict = field(default_factory=dict)

    def transforms(self) -> ImageClassification:
        """The preprocessing these weights were evaluated with."""
        return ImageClassification(crop_size=self.crop_size, resize_size=self.resize_size)


class WeightsEnum(Enum):
    """Base of the per-model weight enums. Members are looked up by name (`Cls["IMAGENET1K_V1"]`,
    `Cls.verify("DEFAULT")`); `DEFAULT` is an alias of the recommended member."""

    @classmethod
    def verify(cls, obj: Any) -> WeightsEnum | None:
        """`obj` as a member of this enum: None stays None, a name ('DEFAULT', 'IMAGENET1K_V1' or
        'ResNet18_Weights.IMAGENET1K_V1') is looked up; anything else must already be a member."""
        if obj is None or isinstance(obj, cls):
            return obj
        if isinstance(obj, str):
            name = obj.replace(cls.__name__ + ".", "", 1)
            if name in cls.__members__:
                return cls.__members__[name]
            raise ValueError(f"Unknown weights name {obj!r} for {cls.__name__}; valid names: "
                             f"{', '.join(cls.__members__)}")
        raise TypeError(f"Invalid Weight class provided; expected {cls.__name__} but received {type(obj).__name__}.")

    @property
    def url(self) -> str:
        return self.value.url

    @property
    def meta(self) -> dict:
        return self.value.meta

    def transforms(self) -> ImageClassification:
        return self.value.transforms()

    def get_state_dict(self, progress: bool = True, check_hash: bool = True) -> dict:
        """Download (once, into the cache) and load these weights as a state dict of ember tensors."""
        return load_state_dict_from_url(self.url, progress=progress, check_hash=check_hash)

    def __repr__(self) -> str:
        return f"{type(self).__name__}.{self.name}"


def get_dir() -> str:
    """ember's hub directory: `$EMBER_HOME/hub`, else `$XDG_CACHE_HOME/ember/hub`, else `~/.cache/ember/hub`."""
    if os.environ.get("EMBER_HOME"):
        return os.path.join(os.path.expanduser(os.environ["EMBER_HOME"]), "hub")
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "ember", "hub")


def _torch_checkpoint_dir() -> str:
    # where torch.hub keeps torchvision's downloads; a file already there is reused rather than fetched again
    home = os.environ.get("TORCH_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "torch")
    return os.path.join(os.path.expanduser(home), "hub", "checkpoints")


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download_url_to_file(url: str, dst: str, hash_prefix: str | None = None, progress: bool = True) -> None:
    """Download `url` to the file `dst`, atomically (a temporary file beside it, renamed at the end).

    With `hash_prefix`, the file's SHA-256 must start with it, else RuntimeError and `dst` is not
    written. No network (or any failure to fetch) raises RuntimeError saying how to proceed offline.
    """
    dst = os.path.abspath(os.path.expanduser(dst))
    folder = os.path.dirname(dst)
    os.makedirs(folder, exist_ok=True)
    digest = hashlib.sha256()
    tmp = tempfile.NamedTemporaryFile(prefix=os.path.basename(dst) + ".", suffix=".partial", dir=folder,
                                      delete=False)
    try:
        try:
            with tmp, urllib.request.urlopen(urllib.request.Request(url, headers={"User-Agent": "ember"}),
                                             timeout=_TIMEOUT_S) as response:
                total = response.headers.get("Content-Length")
                total = int(total) if total and total.isdigit() else None
                done = 0
                if progress:
                    sys.stderr.write(f'Downloading: "{url}" to {dst}\n')
                while chunk := response.read(_CHUNK):
                    tmp.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    if progress:
                        shown = f"{100 * done / total:5.1f}%" if total else f"{done / 2**20:.1f} MiB"
                        sys.stderr.write(f"\r{shown}")
                if progress:
                    sys.stderr.write("\n")
                tmp.flush()
                os.fsync(tmp.fileno())
        except (urllib.error.URLError, OSError, ValueError) as e:
            reason = getattr(e, "reason", None) or e
            raise RuntimeError(
                f"could not download {url} ({reason}). Pretrained weights are fetched from the network the "
                f"first time; offline, download that file elsewhere and either pass its path as weights=..., "
                f"or copy it to {dst}") from e
        if hash_prefix is not None:
            got = digest.hexdigest()
            if not got.startswith(hash_prefix):
                raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got "{got}") for the file '
                                   f"downloaded from {url}; it was not kept")
        os.replace(tmp.name, dst)
    finally:
        if os.path.exists(tmp.name):
            os.remove(tmp.name)


def load_state_dict_from_url(url: str, model_dir: str | None = None, map_location: Any = None,
                             progress: bool = True, check_hash: bool = False, file_name: str | None = None,
                             weights_only: bool = True) -> dict:
    """The checkpoint at `url` (downloaded once into `model_dir`, default `get_dir()/checkpoints`) loaded
    with `ember.load`. With `check_hash`, the file name's `-<hex>.` part must prefix the file's SHA-256.

    A copy already in torch.hub's checkpoint folder (torchvision's downloads) is used instead of
    downloading it again, after the same hash check.
    """
    name = file_name or os.path.basename(urllib.parse.urlparse(url).path)
    folder = model_dir if model_dir is not None else os.path.join(get_dir(), "checkpoints")
    cached = os.path.join(os.path.expanduser(folder), name)
    match = _HASH_PREFIX.search(name) if check_hash else None
    prefix = match.group(1) if match else None
    if not os.path.exists(cached):
        foreign = os.path.join(_torch_checkpoint_dir(), name)
        if model_dir is None and os.path.isfile(foreign) and (prefix is None or _sha256(foreign).startswith(prefix)):
            cached = foreign
        else:
            download_url_to_file(url, cached, prefix, progress=progress)
    return _read_state_dict(cached, map_location, weights_only)


def _read_state_dict(f: str | os.PathLike | IO[bytes], map_location: Any = None, weights_only: bool = True):
    # a safetensors file goes through the safetensors reader; anything else is a torch.save/ember.save checkpoint
    from ... import serialization

    if isinstance(f, (str, os.PathLike)) and os.fspath(f).endswith(".safetensors"):
        return serialization.load_safetensors(f)
    return serialization.load(f, map_location=map_location, weights_only=weights_only)


def _resolve(weights_enum: type[WeightsEnum], weights: Any, kwargs: dict) -> Any:
    """Turn the builder's `weights=` (and a legacy `pretrained=`) into None, a weights enum member, a
    mapping, a path or a file object; a bool is the legacy `pretrained` flag."""
    legacy = kwargs.pop("pretrained", None)
    if isinstance(weights, bool):
        legacy, weights = weights, None
    if legacy is not None:
        if weights is not None:
            raise ValueError("pass either weights=... or the deprecated pretrained=..., not both")
        old = weights_enum.__members__["IMAGENET1K_V1"] if legacy else None
        warnings.warn(f"The parameter 'pretrained' is deprecated, please use 'weights' instead: pretrained="
                      f"{bool(legacy)} is equivalent to weights={old!r}"
                      + (f" (weights={weights_enum.__name__}.DEFAULT gives the best available ones)" if old else ""),
                      UserWarning, stacklevel=3)
        return old
    if isinstance(weights, str):
        name = weights.replace(weights_enum.__name__ + ".", "", 1)
        if name in weights_enum.__members__:
            return weights_enum.__members__[name]
        if not os.path.exists(weights):
            raise ValueError(f"weights={weights!r} is neither a name of {weights_enum.__name__} (one of "
                             f"{', '.join(weights_enum.__members__)}) nor an existing file")
        return weights
    if isinstance(weights, WeightsEnum) and not isinstance(weights, weights_enum):
        raise TypeError(f"Invalid Weight class provided; expected {weights_enum.__name__} but received "
                        f"{type(weights).__name__}.")
    if weights is None or isinstance(weights, (WeightsEnum, Mapping, os.PathLike)) or hasattr(weights, "read"):
        return weights
    raise TypeError(f"weights must be None, a {weights_enum.__name__} member or name, a path, a file object or "
                    f"a state dict, not {type(weights).__name__}")


def _set_num_classes(weights: Any, kwargs: dict) -> None:
    # published weights fix the size of the classifier; a mismatching num_classes is an error
    if isinstance(weights, WeightsEnum):
        expected = weights.meta["num_classes"]
        given = kwargs.setdefault("num_classes", expected)
        if given != expected:
            raise ValueError(f"The parameter 'num_classes' expected value {expected} but got {given} instead.")


def _load_weights(model: nn.Module, weights: Any, progress: bool) -> None:
    """Load `weights` (as returned by `_resolve`) into `model` strictly; None leaves it as initialised."""
    if weights is None:
        return
    if isinstance(weights, WeightsEnum):
        state = weights.get_state_dict(progress=progress, check_hash=True)
    elif isinstance(weights, Mapping):
        state = weights
    else:
        state = _read_state_dict(weights, map_location="cpu")
    if not isinstance(state, Mapping):
        raise TypeError(f"the weights file holds a {type(state).__name__}, not a state dict")
    model.load_state_dict(state)
