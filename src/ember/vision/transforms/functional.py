"""Functional image transforms, as `torchvision.transforms.functional`.

Each function takes a PIL image or a tensor image: an ember Tensor of shape (..., C, H, W) or (..., H, W).
PIL images are handled with Pillow's own operations; tensor images with NumPy and ember ops, so that a
pipeline runs where Pillow is not installed. Pillow is imported only when a PIL image is met or made.
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Sequence
from enum import Enum
from typing import Any

import numpy as np

import ember

Tensor = ember.Tensor

__all__ = ["InterpolationMode", "get_dimensions", "get_image_size", "get_image_num_channels", "to_tensor",
           "pil_to_tensor", "to_pil_image", "convert_image_dtype", "normalize", "resize", "pad", "crop",
           "center_crop", "hflip", "vflip", "rotate"]


class InterpolationMode(Enum):
    """How resampling transforms compute a pixel from the input's pixels."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


# Pillow's resampling constants (Image.Resampling), so that no PIL import is needed to name them
_PIL_FILTERS = {InterpolationMode.NEAREST: 0, InterpolationMode.NEAREST_EXACT: 0, InterpolationMode.LANCZOS: 1,
                InterpolationMode.BILINEAR: 2, InterpolationMode.BICUBIC: 3, InterpolationMode.BOX: 4,
                InterpolationMode.HAMMING: 5}
_FROM_INT = {0: InterpolationMode.NEAREST, 1: InterpolationMode.LANCZOS, 2: InterpolationMode.BILINEAR,
             3: InterpolationMode.BICUBIC, 4: InterpolationMode.BOX, 5: InterpolationMode.HAMMING}


def _interpolation(mode: InterpolationMode | int) -> InterpolationMode:
    """An InterpolationMode from an InterpolationMode or one of Pillow's integer constants."""
    if isinstance(mode, InterpolationMode):
        return mode
    if isinstance(mode, int) and mode in _FROM_INT:
        return _FROM_INT[mode]
    raise TypeError("Argument interpolation should be a InterpolationMode or a corresponding Pillow integer constant")


def _pil_image_module():
    try:
        from PIL import Image
    except ImportError as e:
        raise ImportError("this needs Pillow, which is not installed: pip install 'ember[vision]'") from e
    return Image


def _is_pil_image(img: Any) -> bool:
    # an object can only be a PIL image if PIL.Image has been imported already
    mod = sys.modules.get("PIL.Image")
    return mod is not None and isinstance(img, mod.Image)


def _check_image(img: Any) -> None:
    if isinstance(img, Tensor):
        if img.ndim < 2:
            raise TypeError("Tensor is not a torch image.")
    elif not _is_pil_image(img):
        raise TypeError(f"img should be PIL Image or Tensor. Got {type(img)}")


def _wrap(arr: np.ndarray) -> Tensor:
    return Tensor._make(np.ascontiguousarray(arr))


def get_dimensions(img: Any) -> list[int]:
    """[channels, height, width] of a PIL image or a tensor image."""
    _check_image(img)
    if isinstance(img, Tensor):
        channels = 1 if img.ndim == 2 else int(img.shape[-3])
        return [channels, int(img.shape[-2]), int(img.shape[-1])]
    width, height = img.size
    return [len(img.getbands()), height, width]


def get_image_size(img: Any) -> list[int]:
    """[width, height] of a PIL image or a tensor image."""
    _, h, w = get_dimensions(img)
    return [w, h]


def get_image_num_channels(img: Any) -> int:
    return get_dimensions(img)[0]


# ---------------------------------------------------------------------------------------------- conversions

def to_tensor(pic: Any) -> Tensor:
    """A PIL image or an HWC ndarray as a CHW tensor; uint8 data becomes floats in [0, 1].

    A tensor image (ember's extension, for datasets that yield tensors when Pillow is missing) is converted
    with `convert_image_dtype` to the default float dtype, which scales integer images the same way.
    """
    default = ember.get_default_dtype()
    if isinstance(pic, Tensor):
        _check_image(pic)
        return convert_image_dtype(pic, default)
    if isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        arr = pic[:, :, None] if pic.ndim == 2 else pic
        img = _wrap(arr.transpose(2, 0, 1))
    elif _is_pil_image(pic):
        types = {"I": np.int32, "I;16": np.int16, "F": np.float32}
        arr = np.array(pic, dtype=types.get(pic.mode, np.uint8), copy=True)
        if pic.mode == "1":
            arr = arr * np.uint8(255)
        width, height = pic.size
        img = _wrap(arr.reshape(height, width, len(pic.getbands())).transpose(2, 0, 1))
    else:
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    if img.dtype is ember.uint8:
        return img.to(default).div(255)
    return img


def pil_to_tensor(pic: Any) -> Tensor:
    """A PIL image as a CHW tensor of its own dtype, values unchanged."""
    if not _is_pil_image(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    width, height = pic.size
    arr = np.array(pic, copy=True).reshape(height, width, len(pic.getbands()))
    return Tensor._make(arr).permute(2, 0, 1)


_MODES_BY_CHANNELS = {2: ["LA"], 3: ["RGB", "YCbCr", "HSV"], 4: ["RGBA", "CMYK", "RGBX"]}
_SINGLE_CHANNEL_MODES = {np.dtype(np.uint8): "L", np.dtype(np.int16): "I;16", np.dtype(np.uint16): "I;16",
                         np.dtype(np.int32): "I", np.dtype(np.float32): "F"}


def to_pil_image(pic: Any, mode: str | None = None):
    """A CHW tensor or an HWC ndarray as a PIL image; float data in [0, 1] is scaled to bytes."""
    Image = _pil_image_module()
    if isinstance(pic, Tensor):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        if pic.ndim == 2:
            pic = pic.unsqueeze(0)
        if pic.shape[-3] > 4:
            raise ValueError(f"pic should not have > 4 channels. Got {pic.shape[-3]} channels.")
        if pic.is_floating_point() and mode != "F":
            pic = pic.mul(255).byte()
        arr = np.asarray(pic.detach().cpu().numpy()).transpose(1, 2, 0)
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        arr = pic[:, :, None] if pic.ndim == 2 else pic
        if arr.shape[-1] > 4:
            raise ValueError(f"pic should not have > 4 channels. Got {arr.shape[-1]} channels.")
        if np.issubdtype(arr.dtype, np.floating) and mode != "F":
            arr = (arr * 255).astype(np.uint8)
    else:
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")

    channels = arr.shape[2]
    if channels == 1:
        arr = arr[:, :, 0]
        expected = _SINGLE_CHANNEL_MODES.get(arr.dtype)
        if mode is not None and mode != expected:
            raise ValueError(f"Incorrect mode ({mode}) supplied for input type {arr.dtype}. Should be {expected}")
        mode = expected
    else:
        permitted = _MODES_BY_CHANNELS[channels]
        if mode is not None and mode not in permitted:
            raise ValueError(f"Only modes {permitted} are supported for {channels}D inputs")
        if mode is None and arr.dtype == np.uint8:
            mode = permitted[0]
    if mode is None:
        raise TypeError(f"Input type {arr.dtype} is not supported")
    if mode == "I;16":
        arr = arr.astype("<u2")
    # frombytes reads the values as they are, in the mode's own channel meaning (no colour conversion)
    height, width = arr.shape[:2]
    return Image.frombytes(mode, (width, height), np.ascontiguousarray(arr).tobytes())


def _max_value(dtype: ember.dtype) -> float | int:
    if dtype is ember.bool:
        return 1
    if dtype.is_floating_point:
        return 1.0
    return ember.iinfo(dtype).max


def convert_image_dtype(image: Tensor, dtype: ember.dtype = ember.float32) -> Tensor:
    """Convert a tensor image to `dtype`, rescaling values to the new type's range (floats are in [0, 1])."""
    if not isinstance(image, Tensor):
        raise TypeError("Input img should be Tensor Image")
    if image.dtype is dtype:
        return image
    if image.is_floating_point():
        if dtype.is_floating_point:
            return image.to(dtype)
        if (image.dtype is ember.float32 and dtype in (ember.int32, ember.int64)) or \
                (image.dtype is ember.float64 and dtype is ember.int64):
            raise RuntimeError(f"The cast from {image.dtype} to {dtype} cannot be performed safely.")
        # just under max + 1, so that 1.0 maps to max and the bins below it are equally wide
        return image.mul(float(_max_value(dtype)) + 1.0 - 1e-3).to(dtype)
    input_max = _max_value(image.dtype)
    if dtype.is_floating_point:
        return image.to(dtype) / input_max
    output_max = _max_value(dtype)
    if input_max > output_max:
        factor = (input_max + 1) // (output_max + 1)
        return ember.div(image, factor, rounding_mode="floor").to(dtype)
    factor = (output_max + 1) // (input_max + 1)
    return image.to(dtype) * factor


def normalize(tensor: Tensor, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> Tensor:
    """(tensor - mean) / std per channel of a float tensor image (..., C, H, W)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ValueError("Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
                         f"{tensor.size()}")
    # mean and std are built as arrays and wrapped directly: this runs once per sample in data pipelines
    mean_a = np.asarray(mean, dtype=tensor._data.dtype)
    std_a = np.asarray(std, dtype=tensor._data.dtype)
    if (std_a == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to division by zero.")
    mean_t = Tensor._make(mean_a.reshape(-1, 1, 1) if mean_a.ndim == 1 else mean_a)
    std_t = Tensor._make(std_a.reshape(-1, 1, 1) if std_a.ndim == 1 else std_a)
    if tensor.device.type != "cpu":
        mean_t, std_t = mean_t.to(tensor.device), std_t.to(tensor.device)
    if inplace:
        return tensor.sub_(mean_t).div_(std_t)
    return tensor.sub(mean_t).div(std_t)


# ---------------------------------------------------------------------------------------------- resizing

def _resized_size(height: int, width: int, size, max_size: int | None) -> tuple[int, int]:
    if size is None:
        if max_size is None:
            raise ValueError("If size is None, then max_size must be a positive integer.")
        long = max(height, width)
        new_h, new_w = (int(max_size * height / long), int(max_size * width / long))
        return (max_size, new_w) if height >= width else (new_h, max_size)
    if isinstance(size, int) or len(size) == 1:
        requested = size if isinstance(size, int) else size[0]
        short, long = (width, height) if width <= height else (height, width)
        new_short, new_long = requested, int(requested * long / short)
        if max_size is not None:
            if max_size <= requested:
                raise ValueError(f"max_size = {max_size} must be strictly greater than the requested size for "
                                 f"the smaller edge size = {size}")
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        return (new_long, new_short) if width <= height else (new_short, new_long)
    if max_size is not None:
        raise ValueError("max_size should only be passed if size specifies the length of the smaller edge, "
                         "i.e. size should be an int or a sequence of length 1 in torchscript mode.")
    return int(size[0]), int(size[1])


def _triangle(x: np.ndarray) -> np.ndarray:
    return np.clip(1.0 - np.abs(x), 0.0, None)


def _cubic(a: float):
    def kernel(x: np.ndarray) -> np.ndarray:
        x = np.abs(x)
        near = ((a + 2) * x - (a + 3)) * x * x + 1
        far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
        return np.where(x <= 1, near, np.where(x < 2, far, 0.0))
    return kernel


def _resample_matrix(n_in: int, n_out: int, mode: InterpolationMode, antialias: bool) -> np.ndarray:
    """The (n_out, n_in) matrix whose rows are the weights one output pixel takes from the input's pixels.

    Output pixel i is centred at (i + 0.5) * scale in input coordinates. With antialiasing, a downscale widens
    the filter by the scale factor and each row is renormalised over the pixels inside the image, as Pillow
    does; without it the filter keeps its width and taps beyond the border repeat the edge pixel.
    """
    scale = n_in / n_out
    if mode is InterpolationMode.BILINEAR:
        kernel, support = _triangle, 1.0
    else:
        kernel, support = _cubic(-0.5 if antialias else -0.75), 2.0
    stretch = max(scale, 1.0) if antialias else 1.0
    centers = (np.arange(n_out) + 0.5) * scale
    taps = np.arange(-math.ceil(support * stretch) - 1, math.ceil(support * stretch) + 2)
    idx = np.floor(centers)[:, None].astype(np.int64) + taps[None, :]
    weights = kernel((idx + 0.5 - centers[:, None]) / stretch)
    matrix = np.zeros((n_out, n_in))
    rows = np.broadcast_to(np.arange(n_out)[:, None], idx.shape)
    if antialias:
        inside = (idx >= 0) & (idx < n_in)
        np.add.at(matrix, (rows[inside], idx[inside]), weights[inside])
        matrix /= matrix.sum(axis=1, keepdims=True)
    else:
        np.add.at(matrix, (rows, np.clip(idx, 0, n_in - 1)), weights)
    return matrix


def _nearest_index(n_in: int, n_out: int, exact: bool) -> np.ndarray:
    # PyTorch computes the scale in float32; 'nearest' takes the floor of out * scale, 'nearest-exact' of the
    # pixel centre's position
    scale = np.float32(n_in / n_out)
    pos = (np.arange(n_out, dtype=np.float32) + np.float32(0.5 if exact else 0.0)) * scale
    return np.minimum(np.floor(pos).astype(np.int64), n_in - 1)


def _resize_tensor(img: Tensor, new_h: int, new_w: int, mode: InterpolationMode, antialias: bool) -> Tensor:
    h, w = img.shape[-2], img.shape[-1]
    if mode in (InterpolationMode.NEAREST, InterpolationMode.NEAREST_EXACT):
        exact = mode is InterpolationMode.NEAREST_EXACT
        rows = ember.from_numpy(_nearest_index(h, new_h, exact))
        cols = ember.from_numpy(_nearest_index(w, new_w, exact))
        return img.index_select(-2, rows).index_select(-1, cols)
    if mode not in (InterpolationMode.BILINEAR, InterpolationMode.BICUBIC):
        raise ValueError(f"Interpolation mode {mode.value} is only supported for PIL images; tensor images take "
                         "nearest, nearest-exact, bilinear or bicubic")
    work = img if img.is_floating_point() else img.to(ember.float32)
    rows = ember.as_tensor(_resample_matrix(h, new_h, mode, antialias), dtype=work.dtype, device=img.device)
    cols = ember.as_tensor(_resample_matrix(w, new_w, mode, antialias), dtype=work.dtype, device=img.device)
    if img.is_floating_point():
        return ember.matmul(ember.matmul(rows, work), cols.t())
    # integer images: width first, rounded and clamped between the passes, as Pillow does for 8-bit images
    info = ember.iinfo(img.dtype)
    out = ember.matmul(work, cols.t()).round().clamp(info.min, info.max)
    return ember.matmul(rows, out).round().clamp(info.min, info.max).to(img.dtype)


def resize(img: Any, size, interpolation: InterpolationMode | int = InterpolationMode.BILINEAR,
           max_size: int | None = None, antialias: bool | None = True) -> Any:
    """Resize to `size`: (h, w), or an int for the smaller edge keeping the aspect ratio (capped by max_size)."""
    interpolation = _interpolation(interpolation)
    if size is not None and not isinstance(size, (int, Sequence)):
        raise TypeError(f"Size should be int or sequence. Got {type(size)}")
    if isinstance(size, Sequence) and len(size) not in (1, 2):
        raise ValueError("If size is a sequence, it should have 1 or 2 values")
    _, height, width = get_dimensions(img)
    new_h, new_w = _resized_size(height, width, size, max_size)
    if (new_h, new_w) == (height, width):
        return img
    if _is_pil_image(img):
        return img.resize((new_w, new_h), _PIL_FILTERS[interpolation])
    return _resize_tensor(img, new_h, new_w, interpolation, bool(antialias))


# ---------------------------------------------------------------------------------------------- geometry

_PAD_MODES = ("constant", "edge", "reflect", "symmetric")


def _padding_ltrb(padding) -> list[int]:
    if isinstance(padding, numbers.Integral):
        return [int(padding)] * 4
    if not isinstance(padding, (tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if len(padding) not in (1, 2, 4):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple")
    if len(padding) == 1:
        return [int(padding[0])] * 4
    if len(padding) == 2:
        return [int(padding[0]), int(padding[1])] * 2
    return [int(p) for p in padding]


def _channel_fill(fill, channels: int) -> np.ndarray | float:
    """A scalar fill, or a per-channel one shaped to broadcast over (C, H, W)."""
    if fill is None:
        return 0.0
    if isinstance(fill, numbers.Number):
        return float(fill)
    values = [float(f) for f in fill]
    if len(values) == 1:
        return values[0]
    if len(values) != channels:
        raise ValueError(f"The number of elements in 'fill' does not match the number of channels of the image "
                         f"({len(values)} != {channels})")
    return np.asarray(values).reshape(-1, 1, 1)


def _pad_array(arr: np.ndarray, left: int, top: int, right: int, bottom: int, fill, mode: str,
               hwc: bool) -> np.ndarray:
    """Pad the two spatial axes of arr (the last two, or the first two for HWC); negative amounts crop."""
    ay, ax = (0, 1) if hwc else (arr.ndim - 2, arr.ndim - 1)
    window = [slice(None)] * arr.ndim
    window[ay] = slice(max(-top, 0), arr.shape[ay] - max(-bottom, 0))
    window[ax] = slice(max(-left, 0), arr.shape[ax] - max(-right, 0))
    arr = arr[tuple(window)]
    top, bottom, left, right = (max(v, 0) for v in (top, bottom, left, right))
    if mode != "constant":
        widths = [(0, 0)] * arr.ndim
        widths[ay], widths[ax] = (top, bottom), (left, right)
        return np.pad(arr, widths, mode=mode)
    shape = list(arr.shape)
    shape[ay] += top + bottom
    shape[ax] += left + right
    out = np.empty(shape, arr.dtype)
    out[...] = fill
    window[ay] = slice(top, top + arr.shape[ay])
    window[ax] = slice(left, left + arr.shape[ax])
    out[tuple(window)] = arr
    return out


def pad(img: Any, padding, fill=0, padding_mode: str = "constant") -> Any:
    """Pad each border: `padding` is one int, (left/right, top/bottom) or (left, top, right, bottom).

    Modes: constant (with `fill`, a number or one per channel), edge, reflect (without repeating the edge
    pixel) and symmetric (repeating it). Negative amounts crop.
    """
    _check_image(img)
    if not isinstance(fill, (numbers.Number, tuple, list)) and fill is not None:
        raise TypeError("Got inappropriate fill arg")
    if padding_mode not in _PAD_MODES:
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    left, top, right, bottom = _padding_ltrb(padding)
    if _is_pil_image(img):
        Image = _pil_image_module()
        arr = np.asarray(img)
        channels = len(img.getbands())
        if isinstance(fill, (tuple, list)) and len(fill) not in (1, channels):
            raise ValueError(f"The number of elements in 'fill' does not match the number of channels of the "
                             f"image ({len(fill)} != {channels})")
        out = _pad_array(arr, left, top, right, bottom, _pil_fill(fill), padding_mode, arr.ndim == 3)
        if img.mode == "1":
            result = Image.fromarray(out)
        else:
            result = Image.frombytes(img.mode, (out.shape[1], out.shape[0]), np.ascontiguousarray(out).tobytes())
        if img.mode == "P":
            result.putpalette(img.getpalette())
        return result
    fill_value = _channel_fill(fill, get_dimensions(img)[0])
    arr = img.detach()._data
    return _wrap(_pad_array(arr, left, top, right, bottom, fill_value, padding_mode, False))


def _pil_fill(fill):
    if fill is None:
        return 0
    if isinstance(fill, numbers.Number):
        return fill
    values = list(fill)
    return values[0] if len(values) == 1 else np.asarray(values)


def crop(img: Any, top: int, left: int, height: int, width: int) -> Any:
    """The height x width window whose top-left corner is (top, left); outside the image reads as zero."""
    _check_image(img)
    if _is_pil_image(img):
        return img.crop((left, top, left + width, top + height))
    h, w = img.shape[-2], img.shape[-1]
    bottom, right = top + height, left + width
    if top < 0 or left < 0 or bottom > h or right > w:
        inside = img[..., max(top, 0):max(min(bottom, h), 0), max(left, 0):max(min(right, w), 0)]
        pad_top, pad_left = min(max(-top, 0), height), min(max(-left, 0), width)
        return pad(inside, [pad_left, pad_top, width - inside.shape[-1] - pad_left,
                            height - inside.shape[-2] - pad_top])
    return img[..., top:bottom, left:right]


def _size_pair(size, what: str = "size") -> tuple[int, int]:
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) == 1:
        return int(size[0]), int(size[0])
    if not isinstance(size, Sequence) or len(size) != 2:
        raise ValueError(f"Please provide only two dimensions (h, w) for {what}.")
    return int(size[0]), int(size[1])


def center_crop(img: Any, output_size) -> Any:
    """The central crop of size (h, w) (an int for a square); a smaller image is zero-padded first."""
    crop_h, crop_w = _size_pair(output_size)
    _, h, w = get_dimensions(img)
    if crop_w > w or crop_h > h:
        pads = [(crop_w - w) // 2 if crop_w > w else 0, (crop_h - h) // 2 if crop_h > h else 0,
                (crop_w - w + 1) // 2 if crop_w > w else 0, (crop_h - h + 1) // 2 if crop_h > h else 0]
        img = pad(img, pads, fill=0)
        _, h, w = get_dimensions(img)
        if (crop_h, crop_w) == (h, w):
            return img
    top = int(round((h - crop_h) / 2.0))
    left = int(round((w - crop_w) / 2.0))
    return crop(img, top, left, crop_h, crop_w)


def hflip(img: Any) -> Any:
    """Mirror left to right."""
    _check_image(img)
    if _is_pil_image(img):
        return img.transpose(_pil_image_module().Transpose.FLIP_LEFT_RIGHT)
    return img.flip(-1)


def vflip(img: Any) -> Any:
    """Mirror top to bottom."""
    _check_image(img)
    if _is_pil_image(img):
        return img.transpose(_pil_image_module().Transpose.FLIP_TOP_BOTTOM)
    return img.flip(-2)


def _rotation(angle: float) -> tuple[float, float]:
    # rounded as Pillow rounds them, so that right angles give exact integers and expand sizes match
    rad = math.radians(angle)
    return round(math.cos(rad), 15), round(math.sin(rad), 15)


def _expanded_size(w: int, h: int, angle: float, cx: float, cy: float) -> tuple[int, int]:
    cos, sin = _rotation(angle)
    xs, ys = [], []
    # the corners' positions are taken relative to the image origin, not the centre: with a centre at half a
    # pixel the floor and ceil below round differently, and this is the way Pillow sizes the canvas
    for x, y in ((0, 0), (w, 0), (w, h), (0, h)):
        dx, dy = x - cx, y - cy
        xs.append(cos * dx - sin * dy + cx)
        ys.append(sin * dx + cos * dy + cy)
    return math.ceil(max(xs)) - math.floor(min(xs)), math.ceil(max(ys)) - math.floor(min(ys))


def _rotate_array(arr: np.ndarray, angle: float, nearest: bool, expand: bool, center, fill) -> np.ndarray:
    h, w = arr.shape[-2], arr.shape[-1]
    cx, cy = (w / 2.0, h / 2.0) if center is None else (float(center[0]), float(center[1]))
    out_w, out_h = _expanded_size(w, h, angle, cx, cy) if expand else (w, h)
    # the output's centre of rotation is the input's, moved by half the growth of the canvas
    ocx, ocy = cx + (out_w - w) / 2.0, cy + (out_h - h) / 2.0
    cos, sin = _rotation(angle)
    dx = (np.arange(out_w) + 0.5 - ocx)[None, :]
    dy = (np.arange(out_h) + 0.5 - ocy)[:, None]
    # each output pixel centre is mapped back into the input (a counter-clockwise turn on screen, y down)
    sx = cos * dx - sin * dy + cx
    sy = sin * dx + cos * dy + cy
    work = arr.astype(np.float64)
    if nearest:
        ix, iy = np.floor(sx).astype(np.int64), np.floor(sy).astype(np.int64)
        taps = [(iy, ix, 1.0)]
    else:
        ux, uy = sx - 0.5, sy - 0.5
        x0, y0 = np.floor(ux).astype(np.int64), np.floor(uy).astype(np.int64)
        fx, fy = ux - x0, uy - y0
        taps = [(y0, x0, (1 - fy) * (1 - fx)), (y0, x0 + 1, (1 - fy) * fx),
                (y0 + 1, x0, fy * (1 - fx)), (y0 + 1, x0 + 1, fy * fx)]
    out = np.zeros(arr.shape[:-2] + (out_h, out_w))
    for ty, tx, wt in taps:
        inside = (ty >= 0) & (ty < h) & (tx >= 0) & (tx < w)
        vals = work[..., np.clip(ty, 0, h - 1), np.clip(tx, 0, w - 1)]
        out += np.where(inside, vals, fill) * wt
    if np.issubdtype(arr.dtype, np.integer):
        info = np.iinfo(arr.dtype)
        out = np.clip(np.rint(out), info.min, info.max)
    return out.astype(arr.dtype)


def rotate(img: Any, angle: float, interpolation: InterpolationMode | int = InterpolationMode.NEAREST,
           expand: bool = False, center: Sequence[int] | None = None, fill=None) -> Any:
    """Rotate by `angle` degrees counter-clockwise about `center` (default: the image centre).

    `expand` grows the output to hold the whole rotated image; pixels from outside the input take `fill`.
    Tensor images take nearest or bilinear interpolation.
    """
    interpolation = _interpolation(interpolation)
    _check_image(img)
    if center is not None and (not isinstance(center, Sequence) or len(center) != 2):
        raise ValueError("If center is a sequence, it must be of len 2.")
    if _is_pil_image(img):
        channels = len(img.getbands())
        kwargs = {}
        if fill is not None:
            values = [fill] * channels if isinstance(fill, numbers.Number) else list(fill)
            if len(values) == 1:
                values = values * channels
            if len(values) != channels:
                raise ValueError(f"The number of elements in 'fill' does not match the number of bands of the "
                                 f"image ({len(values)} != {channels})")
            kwargs["fillcolor"] = tuple(v if img.mode == "F" else int(v) for v in values)
            if channels == 1:
                kwargs["fillcolor"] = kwargs["fillcolor"][0]
        return img.rotate(angle, resample=_PIL_FILTERS[interpolation], expand=expand,
                          center=None if center is None else tuple(center), **kwargs)
    if interpolation not in (InterpolationMode.NEAREST, InterpolationMode.BILINEAR):
        raise ValueError(f"Interpolation mode {interpolation.value} is not supported for tensor images; "
                         "use nearest or bilinear")
    fill_value = _channel_fill(fill, get_dimensions(img)[0])
    out = _rotate_array(img.detach()._data, angle, interpolation is InterpolationMode.NEAREST, expand, center,
                        fill_value)
    return _wrap(out)
