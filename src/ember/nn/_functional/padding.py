"""pad: constant, reflect, replicate and circular padding of the last dims, as torch.nn.functional.pad."""

from __future__ import annotations

from ... import _tensor
from ...backend import dtypes as _dt
from ...ops import resample as _rs

Tensor = _tensor.Tensor

__all__ = ["pad"]

_MODES = ("constant", "reflect", "replicate", "circular")
_KERNELS = {"reflect": "reflection_pad", "replicate": "replication_pad", "circular": "circular_pad"}
_NAMES = {"reflect": "ReflectionPad{}DBackward0", "replicate": "ReplicationPad{}DBackward0"}
_UNSUPPORTED = ("Supported combinations for non-constant padding:\n"
                "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
                "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
                "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


def _pad_list(pad) -> tuple:
    if isinstance(pad, Tensor):
        pad = pad.tolist()
    out = []
    for i, p in enumerate(pad):
        if isinstance(p, bool) or not hasattr(p, "__index__"):
            raise TypeError("pad(): argument 'pad' (position 2) must be tuple of ints, but found element of "
                            f"type {type(p).__name__} at pos {i}")
        out.append(int(p))
    return tuple(out)


def _pairs(pad: tuple) -> tuple:
    """(left, right, top, bottom, ...) as (low, high) pairs in dim order (first padded dim first)."""
    n = len(pad) // 2
    return tuple((pad[2 * i], pad[2 * i + 1]) for i in range(n - 1, -1, -1))


def _constant(input: Tensor, pad: tuple, value) -> Tensor:
    pairs = _pairs(pad)
    shape = input.shape
    lead = input.dim() - len(pairs)
    for i, (lo, hi) in enumerate(pairs):
        s = shape[lead + i]
        if s + min(lo, 0) < 0 or s + min(lo, 0) + min(hi, 0) < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
    if value is None:
        value = 0
    if input.dtype.is_floating_point:
        fill = float(value)
    elif input.dtype is _dt.bool:
        fill = bool(value)
    else:
        fill = int(value)
    return _rs.ConstantPad.apply(input, pairs, fill)


def _check_nonconstant(input: Tensor, pad: tuple, mode: str) -> None:
    n = len(pad) // 2
    dim = input.dim()
    if n not in (1, 2, 3) or dim not in (n + 1, n + 2):
        raise NotImplementedError(f"Padding size {len(pad)} is not supported for {dim}D input tensor.\n"
                                  + _UNSUPPORTED)
    batched = dim == n + 2
    dims = input.shape[1:] if batched else input.shape
    if 0 in tuple(dims):
        raise RuntimeError(f"Expected {n + 1}D or {n + 2}D (batch mode) tensor with possibly 0 batch size "
                           f"and other non-zero dimensions for input, but got: {list(input.shape)}")
    if input.dtype is _dt.bool:
        raise NotImplementedError(f"\"{_KERNELS[mode]}{n}d\" not implemented for 'Bool'")
    pairs = _pairs(pad)
    spatial = input.shape[dim - n:]
    for i, ((lo, hi), s) in enumerate(zip(pairs, spatial)):
        axis = dim - n + i
        if mode == "reflect" and (lo >= s or hi >= s):
            arg = 2 * (n - i) + 2
            raise RuntimeError(f"Argument #{arg}: Padding size should be less than the corresponding input "
                               f"dimension, but got: padding ({lo}, {hi}) at dimension {axis} of input "
                               f"{list(input.shape)}")
        if mode == "circular" and (lo > s or hi > s):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if s + lo + hi < (1 if mode == "replicate" else 0):
            label = "DHW"[3 - n + i]
            raise RuntimeError(f"input ({label}: {s}) is too small. Calculated output {label}: {s + lo + hi}")


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last len(pad) // 2 dims of input; pad lists (left, right) amounts starting from the last dim.

    constant: fill with value (negative amounts crop); reflect: mirror without repeating the edge;
    replicate: repeat the edge; circular: wrap around."""
    pad = _pad_list(pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.dim():
        raise RuntimeError("Padding length should be less than or equal to two times the input dimension "
                           f"but got padding length {len(pad)} and input of dimension {input.dim()}")
    if mode not in _MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if mode == "constant":
        return _constant(input, pad, value)
    if value is not None and value != 0:
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    _check_nonconstant(input, pad, mode)
    n = len(pad) // 2
    size = input.shape[input.dim() - n:]
    taps = tuple(_rs.pad_taps(s, lo, hi, mode) for s, (lo, hi) in zip(size, _pairs(pad)))
    out = _rs.Resample.apply(input, taps)
    if out.grad_fn is not None:
        out.grad_fn._name = _NAMES[mode].format(n) if mode in _NAMES else "CatBackward0"
    return out
