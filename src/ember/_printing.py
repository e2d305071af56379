"""Tensor repr in PyTorch's format: column alignment, fixed/scientific/integer float modes, wrapping at the
line width, `...` summaries of large tensors, and the dtype/device/grad suffixes.

Everything here works on the host copy of the data (float16 widened to float32, as PyTorch prints it).
"""

from __future__ import annotations

import math

import numpy as np

from .backend import dtypes as _dt

__all__ = ["set_printoptions"]


class _Options:
    """The current print options (PyTorch's defaults)."""

    precision = 4
    threshold: float = 1000
    edgeitems = 3
    linewidth = 80
    sci_mode: bool | None = None


_OPTS = _Options()

_PROFILES = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80), "full": (4, math.inf, 3, 80)}


def set_printoptions(precision: int | None = None, threshold: float | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None, profile: str | None = None,
                     sci_mode: bool | None = None) -> None:
    """Set how tensors print: digits after the point, the element count above which they are summarised,
    the items kept at each edge of a summary, the line width, a profile ('default', 'short', 'full') and
    scientific notation (True/False, or None to choose automatically)."""
    if profile in _PROFILES:
        _OPTS.precision, _OPTS.threshold, _OPTS.edgeitems, _OPTS.linewidth = _PROFILES[profile]
    if precision is not None:
        _OPTS.precision = precision
    if threshold is not None:
        _OPTS.threshold = threshold
    if edgeitems is not None:
        _OPTS.edgeitems = edgeitems
    if linewidth is not None:
        _OPTS.linewidth = linewidth
    _OPTS.sci_mode = sci_mode


def _widest(values: np.ndarray) -> list:
    """The values whose formatted strings are the longest candidates: per sign, the smallest and largest
    magnitude (fixed-point length grows with magnitude; exponent length peaks at one end)."""
    out = []
    for part in (values[values > 0], values[values < 0]):
        if part.size:
            out.extend((part.min().item(), part.max().item()))
    return out


class _Formatter:
    """How every element of one tensor prints: a common width, and integer, fixed or scientific mode."""

    def __init__(self, values: np.ndarray, floating: bool) -> None:
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        p = _OPTS.precision
        flat = values.ravel()
        if not floating:
            if flat.size:
                if flat.dtype.kind == "b":
                    self.width = 5 if not flat.all() else 4
                else:
                    self.width = max(len(str(flat.min().item())), len(str(flat.max().item())), 1)
        else:
            with np.errstate(invalid="ignore"):
                nz = flat[np.isfinite(flat) & (flat != 0)]
            if nz.size:
                mags = np.abs(nz).astype(np.float64)
                lo, hi = mags.min(), mags.max()
                self.int_mode = bool((nz == np.ceil(nz)).all())
                if _OPTS.sci_mode is None:
                    with np.errstate(over="ignore"):
                        self.sci_mode = bool(hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4)
                else:
                    self.sci_mode = _OPTS.sci_mode
                edges = _widest(nz)
                if self.sci_mode:
                    self.width = max(len(f"{v:.{p}e}") for v in edges)
                elif self.int_mode:
                    # integer-valued floats print with a trailing "."
                    self.width = max(len(f"{v:.0f}") + 1 for v in edges)
                else:
                    self.width = max(len(f"{v:.{p}f}") for v in edges)

    def format(self, value) -> str:
        if self.floating:
            if self.sci_mode:
                s = f"{value:{self.width}.{_OPTS.precision}e}"
            elif self.int_mode:
                s = f"{value:.0f}"
                if math.isfinite(value):
                    s += "."
            else:
                s = f"{value:.{_OPTS.precision}f}"
        else:
            s = f"{value}"
        return " " * (self.width - len(s)) + s


def _summarized(a: np.ndarray) -> np.ndarray:
    """The elements a summary shows (edgeitems from each end of every dimension)."""
    e = _OPTS.edgeitems
    if a.ndim == 0:
        return a
    if a.ndim == 1:
        # a[-0:] is the whole vector, as in PyTorch when edgeitems is 0
        return np.concatenate((a[:e], a[-e:])) if a.shape[0] > 2 * e else a
    if not e:
        return np.empty((0,) * a.ndim, a.dtype)
    rows = range(a.shape[0]) if a.shape[0] <= 2 * e else [*range(e), *range(a.shape[0] - e, a.shape[0])]
    return np.stack([_summarized(a[i]) for i in rows])


def _vector(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    e = _OPTS.edgeitems
    per_line = max(1, int(math.floor((_OPTS.linewidth - indent) / (fmt.width + 2))))
    if summarize and not e:
        items = ["..."]
    elif summarize and a.shape[0] > 2 * e:
        items = ([fmt.format(v) for v in a[:e].tolist()] + [" ..."]
                 + [fmt.format(v) for v in a[-e:].tolist()])
    else:
        items = [fmt.format(v) for v in a.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector(a, indent, summarize, fmt)
    e = _OPTS.edgeitems
    n = a.shape[0]
    if summarize and n > 2 * e:
        parts = ([_nested(a[i], indent + 1, summarize, fmt) for i in range(e)] + ["..."]
                 + [_nested(a[i], indent + 1, summarize, fmt) for i in range(n - e, n)])
    else:
        parts = [_nested(a[i], indent + 1, summarize, fmt) for i in range(n)]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _body(arr: np.ndarray, indent: int) -> str:
    """The bracketed values of a non-empty tensor."""
    if arr.dtype == np.float16:
        arr = arr.astype(np.float32)
    summarize = arr.size > _OPTS.threshold
    fmt = _Formatter(_summarized(arr) if summarize else arr, arr.dtype.kind == "f")
    return _nested(arr, indent, summarize, fmt)


def _with_suffixes(text: str, suffixes: list, indent: int) -> str:
    """Append `, suffix` items, moving one to a new line when it would pass the line width."""
    parts = [text]
    last = len(text) - text.rfind("\n") + 1
    for s in suffixes:
        if last + len(s) + 2 > _OPTS.linewidth:
            parts.append(",\n" + " " * indent + s)
            last = indent + len(s)
        else:
            parts.append(", " + s)
            last += len(s) + 2
    parts.append(")")
    return "".join(parts)


def _is_plain(t) -> bool:
    from ._tensor import Tensor

    cls = type(t)
    return cls is Tensor or (cls.__name__ == "Parameter" and cls.__module__ == "ember.nn.parameter")


def tensor_repr(t, tensor_contents: str | None = None) -> str:
    """`repr(t)` exactly as PyTorch writes it."""
    prefix = "tensor(" if _is_plain(t) else type(t).__name__ + "("
    indent = len(prefix)
    suffixes = []
    dev = t.device
    if dev.type != "cpu":
        suffixes.append(f"device='{dev}'")
    dtype = t.dtype
    default = _dt.get_default_dtype()
    arr = t._host()
    if arr.size == 0:
        if arr.ndim != 1:
            suffixes.append(f"size={tuple(arr.shape)}")
        if dtype is not default:
            suffixes.append(f"dtype={dtype}")
        body = "[]"
    else:
        if not _OPTS.edgeitems:
            suffixes.append(f"size={tuple(arr.shape)}")
        if dtype not in (default, _dt.int64, _dt.bool):
            suffixes.append(f"dtype={dtype}")
        body = _body(arr, indent)
    if tensor_contents is not None:
        body = tensor_contents
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _with_suffixes(prefix + body, suffixes, indent)
