"""Resizing and resampling: interpolate/upsample, pixel_shuffle/unshuffle, channel_shuffle, affine_grid and
grid_sample, as in torch.nn.functional."""

from __future__ import annotations

import math
import warnings

import numpy as np

from ... import _tensor
from ...backend import dtypes as _dt
from ...ops import resample as _rs
from ...ops.elementwise import where as _where
from ...ops.pool import FlatGather
from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

Tensor = _tensor.Tensor

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "pixel_shuffle",
           "pixel_unshuffle",
           "channel_shuffle", "native_channel_shuffle", "affine_grid", "grid_sample"]

_SCALAR = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
           "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
_LINEAR = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}
_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")
_NAMES = {"nearest": "UpsampleNearest{}DBackward0", "nearest-exact": "UpsampleNearestExact{}DBackward0",
          "linear": "UpsampleLinear1DBackward0", "bilinear": "UpsampleBilinear2DBackward0",
          "bicubic": "UpsampleBicubic2DBackward0", "trilinear": "UpsampleTrilinear3DBackward0"}


def _per_dim(value, dim: int, input: Tensor, what: str) -> tuple:
    """size or scale_factor as one value per spatial dim."""
    if not isinstance(value, (list, tuple)):
        return (value,) * dim
    if len(value) != dim:
        spatial = list(input.shape[2:])
        if what == "size":
            raise ValueError("Input and output must have the same number of spatial dimensions, but got "
                             f"input with spatial dimensions of {spatial} and output size of {value}. Please "
                             "provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, "
                             "o2, ...,oK) format.")
        raise ValueError("Input and scale_factor must have the same number of spatial dimensions, but got "
                         f"input with spatial dimensions of {spatial} and scale_factor of shape {value}. "
                         "Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in "
                         "(s1, s2, ...,sK) format.")
    return tuple(value)


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
                align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None, antialias: bool = False) -> Tensor:
    """Resize the spatial dims of (N, C, *spatial) input to `size` or by `scale_factor`.

    Modes: nearest, nearest-exact, linear (3-D input), bilinear and bicubic (4-D), trilinear (5-D), area
    (adaptive average pooling). align_corners applies to the linear and cubic modes."""
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.dim() - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    scales = None
    if size is not None:
        out = tuple(int(s) for s in _per_dim(size, dim, input, "size"))
    else:
        scales = tuple(float(s) for s in _per_dim(scale_factor, dim, input, "scale_factor"))
        out = tuple(int(math.floor(float(s) * f)) for s, f in zip(input.shape[2:], scales))
    if recompute_scale_factor is not None and recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if recompute_scale_factor:
        scales = None
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.dim() == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and "
                         "requires a 4-D tensor as input")
    if antialias or mode == "lanczos":
        raise NotImplementedError("interpolate: antialias=True and mode='lanczos' are not supported by ember")
    if mode in ("linear", "bilinear", "trilinear") and input.dim() in (3, 4,
                                                                       5) and input.dim() != _LINEAR[mode]:
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs {_LINEAR[mode]}D input")
    if input.dim() not in (3, 4, 5) or mode not in _MODES or (mode == "bicubic" and input.dim() != 4):
        raise NotImplementedError("Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                                  f"{input.dim()}D) for the modes: nearest | linear | bilinear | bicubic | "
                                  f"trilinear | lanczos | area | nearest-exact (got {mode})")
    spatial = tuple(input.shape[2:])
    if any(o <= 0 for o in out) or any(s <= 0 for s in spatial):
        labels = "DHW"[3 - dim:]
        ins = ", ".join(f"{a}: {s}" for a, s in zip(labels, spatial))
        outs = ", ".join(f"{a}: {o}" for a, o in zip(labels, out))
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input ({ins}) output "
                           f"({outs})")
    if mode == "area":
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[dim - 1](input, out)
    if not input.dtype.is_floating_point and not (input.dtype is _dt.uint8 and mode.startswith("nearest")):
        # PyTorch also blends uint8 images (with its own rounding); ember resamples those only by nearest
        kernel = "upsample_" + mode.replace("-exact", "")
        raise NotImplementedError(f"\"{kernel}{dim}d_channels_last\" not implemented for "
                                  f"'{_SCALAR.get(input.dtype.name, input.dtype.name)}'")
    dt = input._data.dtype
    taps = []
    for i, (s, o) in enumerate(zip(spatial, out)):
        sc = None if scales is None else scales[i]
        if mode in ("nearest", "nearest-exact"):
            taps.append(_rs.nearest_taps(s, o, sc, mode == "nearest-exact"))
        elif mode == "bicubic":
            taps.append(_rs.cubic_taps(s, o, align_corners, sc, dt))
        else:
            taps.append(_rs.linear_taps(s, o, align_corners, sc, dt))
    res = _rs.Resample.apply(input, tuple(taps))
    if res.grad_fn is not None:
        res.grad_fn._name = _NAMES[mode].format(dim)
    return res


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
             align_corners: bool | None = None
             ) -> Tensor:
    """Deprecated alias of interpolate."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: interpolate(..., mode='nearest')."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: interpolate(..., mode='bilinear', align_corners=True)."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# -- shuffles ---------------------------------------------------------------------------------------

def _shuffle(input: Tensor, split: tuple, perm: tuple, out: tuple, name: str) -> Tensor:
    res = _rs.Shuffle.apply(input, split, perm, out)
    if res.grad_fn is not None:
        res.grad_fn._name = name
    return res


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C * r^2, H, W) to (*, C, H * r, W * r)."""
    r = int(upscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError("pixel_shuffle expects its input's 'channel' dimension to be divisible by the "
                           f"square of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    n = len(lead)
    split = tuple(lead) + (c // (r * r), r, r, h, w)
    perm = tuple(range(n)) + (n, n + 3, n + 1, n + 4, n + 2)
    return _shuffle(input, split, perm, tuple(lead) + (c // (r * r), h * r, w * r), "PixelShuffleBackward0")


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H * r, W * r) to (*, C * r^2, H, W)."""
    r = int(downscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if h % r:
        raise RuntimeError("pixel_unshuffle expects height to be divisible by downscale_factor, but "
                           f"input.size(-2)={h} is not divisible by {r}")
    if w % r:
        raise RuntimeError("pixel_unshuffle expects width to be divisible by downscale_factor, but "
                           f"input.size(-1)={w} is not divisible by {r}")
    n = len(lead)
    split = tuple(lead) + (c, h // r, r, w // r, r)
    perm = tuple(range(n)) + (n, n + 2, n + 4, n + 1, n + 3)
    return _shuffle(input, split, perm, tuple(lead) + (c * r * r, h // r, w // r), "PixelUnshuffleBackward0")


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Interleave the channels of (N, C, *) input across `groups` groups."""
    g = int(groups)
    if input.dim() <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes "
                           f"{list(input.shape)}")
    if g <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{g}")
    n, c = input.shape[:2]
    if c % g:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {g} "
                           "groups.")
    rest = tuple(input.shape[2:])
    split = (n, g, c // g) + rest
    perm = (0, 2, 1) + tuple(range(3, 3 + len(rest)))
    return _shuffle(input, split, perm, tuple(input.shape), "ChannelShuffleBackward0")


native_channel_shuffle = channel_shuffle


# -- affine_grid / grid_sample ----------------------------------------------------------------------

def _align_warning(align_corners):
    if align_corners is None:
        warnings.warn("Default grid_sample and affine_grid behavior has changed to align_corners=False since "
                      "1.3.0. Please specify align_corners=True if the old behavior is desired. See the "
                      "documentation of grid_sample for details.", stacklevel=3)
        return False
    return bool(align_corners)


def _base_coords(steps: int, align_corners: bool) -> np.ndarray:
    if steps <= 1:
        return np.zeros(max(steps, 1))
    r = np.linspace(-1.0, 1.0, steps)
    return r if align_corners else r * (steps - 1) / steps


def affine_grid(theta: Tensor, size, align_corners: bool | None = None) -> Tensor:
    """The sampling grid (N, *spatial, 2 or 3) of the affine maps theta (N, 2, 3) or (N, 3, 4) over an output
    of `size` (N, C, H, W) or (N, C, D, H, W), in grid_sample's normalised [-1, 1] coordinates."""
    align_corners = _align_warning(align_corners)
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(int(s) for s in size)
    if len(size) == 4:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. Got "
                             f"{theta.shape}.")
    elif len(size) == 5:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (3, 4):
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {size}. Got "
                             f"{theta.shape}.")
    else:
        raise NotImplementedError("affine_grid only supports 4D and 5D sizes, for 2D and 3D affine "
                                  f"transforms, respectively. Got size {size}.")
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if align_corners and min(size[2:]) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the "
                      "documentation of affine_grid for details.", stacklevel=2)
    n = size[0]
    spatial = size[2:]
    nd = len(spatial)
    if theta.shape[0] != n:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{n}, {nd + 1}] "
                           f"but got: [{theta.shape[0]}, {nd + 1}].")
    # coordinates ordered x (last dim), y, z, then 1 for the translation
    axes = [_base_coords(s, align_corners) for s in spatial]
    mesh = np.meshgrid(*axes, indexing="ij")
    base = np.stack([m for m in reversed(mesh)] + [np.ones(spatial)], axis=-1).reshape(-1, nd + 1)
    base_t = _tensor.tensor(base.astype(theta._data.dtype), device=theta.device)
    grid = base_t.matmul(theta.transpose(1, 2))
    out = grid.reshape((n,) + tuple(spatial) + (nd,))
    if out.grad_fn is not None:
        out.grad_fn._name = "AffineGridGeneratorBackward0"
    return out


def _unnormalize(coord: Tensor, size: int, align_corners: bool) -> Tensor:
    if align_corners:
        return (coord + 1) * ((size - 1) / 2)
    return ((coord + 1) * size - 1) / 2


def _clip(coord: Tensor, size: int) -> Tensor:
    """Clamp into [0, size - 1]; the gradient is 1 strictly inside and 0 on or past the borders."""
    arr = coord._data
    inside = (arr > 0) & (arr < size - 1)
    clamped = _tensor.Tensor._make(np.clip(arr, 0, size - 1).astype(arr.dtype, copy=False))
    return _where(_tensor.Tensor._make(inside), coord, clamped)


def _reflect(coord: Tensor, twice_low: int, twice_high: int) -> Tensor:
    """Mirror coord into [twice_low / 2, twice_high / 2], as many times as needed."""
    if twice_low == twice_high:
        return coord * 0
    low = twice_low / 2
    span = (twice_high - twice_low) / 2
    t = coord - low
    neg = _tensor.Tensor._make(t._data < 0)
    t = _where(neg, -t, t)
    flips = np.floor(t._data / span)
    extra = t - _tensor.Tensor._make((flips * span).astype(t._data.dtype, copy=False))
    even = _tensor.Tensor._make(np.mod(flips, 2) == 0)
    return _where(even, extra + low, (span + low) - extra)


def _source_coord(coord: Tensor, size: int, padding_mode: str, align_corners: bool) -> Tensor:
    c = _unnormalize(coord, size, align_corners)
    if padding_mode == "border":
        c = _clip(c, size)
    elif padding_mode == "reflection":
        c = _reflect(c, 0, 2 * (size - 1)) if align_corners else _reflect(c, -1, 2 * size - 1)
        c = _clip(c, size)
    return c


def _gather(input: Tensor, positions: list, spatial: tuple):
    """input (N, C, *spatial) read at integer positions (one (N, *out) array per spatial dim); positions
    outside give zero. Returns (values (N, C, *out), valid mask (N, 1, *out))."""
    n, c = input.shape[:2]
    valid = np.ones_like(positions[0], dtype=bool)
    flat = np.zeros_like(positions[0], dtype=np.int64)
    for p, s in zip(positions, spatial):
        valid &= (p >= 0) & (p < s)
        flat = flat * s + np.clip(p, 0, s - 1)
    out_shape = (n, c) + positions[0].shape[1:]
    idx = np.ascontiguousarray(np.broadcast_to(flat[:, None], out_shape))
    vals = FlatGather.apply(input, idx)
    return vals, valid[:, None]


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: bool | None = None) -> Tensor:
    """Sample input (N, C, H, W) or (N, C, D, H, W) at the normalised locations grid (N, Ho, Wo, 2) or
    (N, Do, Ho, Wo, 3) (x first, -1 and 1 the edges): bilinear or nearest, with zeros, border or reflection
    values outside."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or "
                         f"'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    align_corners = _align_warning(align_corners)
    if input.dtype != grid.dtype:
        raise RuntimeError(f"expected scalar type {_SCALAR.get(input.dtype.name, input.dtype.name)} but "
                           f"found {_SCALAR.get(grid.dtype.name, grid.dtype.name)}")
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError("grid_sampler(): expected grid and input to have same batch size, but got input "
                           f"with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    nd = input.dim() - 2
    if grid.shape[-1] != nd:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {nd} in last dimension, but got grid "
                           f"with sizes {list(grid.shape)}")
    for i in range(2, input.dim()):
        if input.shape[i] <= 0:
            raise RuntimeError("grid_sampler(): expected input to have non-empty spatial dimensions, but "
                               f"input has sizes {list(input.shape)} with dimension {i} being empty")
    if input.dim() not in (4, 5) or input.dim() != grid.dim():
        ranks = f"{input.dim()}D" if input.dim() in (4, 5) else "4D or 5D"
        raise RuntimeError(f"grid_sampler(): expected {ranks} input and grid with same number of dimensions, "
                           f"but got input with sizes {list(input.shape)} and grid with sizes "
                           f"{list(grid.shape)}")
    if mode == "bicubic":
        raise NotImplementedError("grid_sample(mode='bicubic') is not supported by ember")
    spatial = tuple(input.shape[2:])
    # grid's last dim lists x (width) first; spatial dims run depth, height, width
    coords = [_source_coord(grid[..., nd - 1 - i], spatial[i], padding_mode,
                            align_corners) for i in range(nd)]
    if mode == "nearest":
        pos = [np.rint(c._data).astype(np.int64) for c in coords]
        vals, valid = _gather(input, pos, spatial)
        out = _where(_tensor.Tensor._make(valid), vals, 0.0)
    else:
        lows = [np.floor(c._data) for c in coords]
        fracs = [c - _tensor.Tensor._make(lo.astype(c._data.dtype, copy=False)) for c, lo in zip(coords,
                                                                                                 lows)]
        out = None
        for corner in np.ndindex(*(2,) * nd):
            pos = [lo.astype(np.int64) + k for lo, k in zip(lows, corner)]
            weight = None
            for f, k in zip(fracs, corner):
                w = f if k else 1 - f
                weight = w if weight is None else weight * w
            vals, valid = _gather(input, pos, spatial)
            term = _where(_tensor.Tensor._make(valid), vals, 0.0) * weight.unsqueeze(1)
            out = term if out is None else out + term
    if out.grad_fn is not None:
        out.grad_fn._name = f"GridSampler{nd}DBackward0"
    return out
