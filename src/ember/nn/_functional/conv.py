"""conv1d/2d/3d, conv_transpose1d/2d/3d, unfold and fold: argument checks with PyTorch's messages, then
the array primitives of ember.ops.conv."""

from __future__ import annotations

from ... import _tensor
from ...backend import dtypes as _dt
from ...ops import conv as _ops
from ...ops.conv import Geometry

Tensor = _tensor.Tensor

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "unfold",
           "fold"]

_SCALAR = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
           "int64": "Long",
           "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
_C_TYPE = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
           "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
           "uint8": "unsigned char", "bool": "bool"}


def _dname(t: Tensor, names: dict) -> str:
    return names.get(t.dtype.name if hasattr(t.dtype, "name") else str(t.dtype), str(t.dtype))


def _int_tuple(value, n: int, fn: str, arg: str) -> tuple:
    """An int or a sequence of ints as a tuple; a single int is repeated n times (PyTorch's parser)."""
    if isinstance(value, bool) or not isinstance(value, (int, tuple, list, _tensor.Size)):
        if hasattr(value, "__index__") and not isinstance(value, float):
            return (int(value),) * n
        raise TypeError(f"{fn}(): argument '{arg}' must be tuple of ints, not {type(value).__name__}")
    if isinstance(value, int):
        return (value,) * n
    out = []
    for v in value:
        if isinstance(v, bool) or not hasattr(v, "__index__"):
            raise TypeError(f"{fn}(): argument '{arg}' must be tuple of ints, but found element of type "
                            f"{type(v).__name__} at pos {len(out)}")
        out.append(int(v))
    return tuple(out)


def _expand(values: tuple, name: str, nd: int) -> tuple:
    """A parameter list matched to the kernel's spatial dims: one value is repeated."""
    if len(values) == 1:
        return values * nd
    if len(values) != nd:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {nd} values to match "
                           f"the convolution dimensions, but got {name}={list(values)}")
    return values


def _check_tensor(fn: str, input, weight, bias) -> None:
    bad = [type(a).__name__ if not isinstance(a, Tensor) else "Tensor" for a in (input, weight)]
    if bias is not None and not isinstance(bias, Tensor):
        bad.append(type(bias).__name__)
    if any(b != "Tensor" for b in bad):
        raise TypeError(f"{fn}() received an invalid combination of arguments - got ({', '.join(bad)}), but "
                        "expected one of: (Tensor input, Tensor weight, Tensor bias, ...)")


def _check_dtypes(input: Tensor, weight: Tensor, bias, conv_kernel: str) -> None:
    if input.dtype != weight.dtype:
        raise RuntimeError(f"expected scalar type {_dname(input, _SCALAR)} but found "
                           f"{_dname(weight, _SCALAR)}")
    if bias is not None and bias.dtype != input.dtype:
        raise RuntimeError(f"Input type ({_dname(input, _C_TYPE)}) and bias type ({_dname(bias, _C_TYPE)}) "
                           "should be the same")
    if input.dtype is _dt.bool:
        raise NotImplementedError(f"\"{conv_kernel}\" not implemented for 'Bool'")


def _batchify(input: Tensor, nd: int, fn: str) -> tuple:
    dim = input.dim()
    if dim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {fn}, but got "
                           f"input of size: {list(input.shape)}")
    if dim == nd + 1:
        return input.unsqueeze(0), False
    return input, True


def _common_checks(stride: tuple, padding: tuple, dilation: tuple, groups: int) -> None:
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(d < 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")


def _check_weight(x: Tensor, weight: Tensor, groups: int) -> None:
    ws = list(weight.shape)
    if weight.dim() != x.dim():
        raise RuntimeError(f"Expected {weight.dim()}-dimensional input for {weight.dim()}-dimensional weight "
                           f"{ws}, but got {x.dim()}-dimensional input of size {list(x.shape)} instead")
    if ws[0] < groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, "
                           f"but got weight of size {ws} instead")
    if ws[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension "
                           f"0, but got weight of size [{ws}] instead")


def _sizes(values) -> str:
    return "(" + " x ".join(str(v) for v in values) + ")"


def _conv(fn: str, nd: int, input, weight, bias, stride, padding, dilation, groups) -> Tensor:
    _check_tensor(fn, input, weight, bias)
    x, batched = _batchify(input, nd, fn)
    wnd = weight.dim() - 2
    stride = _expand(_int_tuple(stride, nd, fn, "stride"), "stride", wnd)
    dilation = _expand(_int_tuple(dilation, nd, fn, "dilation"), "dilation", wnd)
    ksize = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * wnd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pads = []
            for k, d in zip(ksize, dilation):
                total = d * (k - 1)
                pads.append((total // 2, total - total // 2))
            pads = tuple(pads)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        padding = _expand(_int_tuple(padding, nd, fn, "padding"), "padding", wnd)
        pads = tuple((p, p) for p in padding)
    _common_checks(stride, [p for pair in pads for p in pair], dilation, groups)
    _check_weight(x, weight, groups)
    c = x.shape[1]
    ws = list(weight.shape)
    if c != ws[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {ws}, expected input{list(x.shape)} to "
                           f"have {ws[1] * groups} channels, but got {c} channels instead")
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != ws[0]):
        raise RuntimeError(f"Given weight of size {ws}, expected bias to be 1-dimensional with {ws[0]} "
                           f"elements, but got bias of size {list(bias.shape)} instead")
    padded = [s + lo + hi for s, (lo, hi) in zip(x.shape[2:], pads)]
    eff = [d * (k - 1) + 1 for k, d in zip(ksize, dilation)]
    if any(p < e for p, e in zip(padded, eff)):
        raise RuntimeError(f"Calculated padded input size per channel: {_sizes(padded)}. Kernel size: "
                           f"{_sizes(eff)}. Kernel size can't be greater than actual input size")
    _check_dtypes(x, weight, bias, "slow_conv3d_cpu" if wnd == 3 else "slow_conv2d_cpu")
    if 0 in dilation:
        # the generic kernel's message (PyTorch's oneDNN path words it "non-positive dilation ...")
        shown = [1] + list(dilation) if wnd == 1 else list(dilation)
        raise RuntimeError(f"dilation should be greater than zero, but got {shown}")
    geom = Geometry(stride, pads, dilation, groups)
    osize = tuple(_ops.out_size(s, k, st, lo, hi, d)
                  for s, k, st, (lo, hi), d in zip(x.shape[2:], ksize, stride, pads, dilation))
    out = _ops.Convolution.apply(x, weight, bias, geom, osize)
    return out if batched else out.squeeze(0)


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """1-D convolution (cross-correlation) of (N, C, L) or (C, L) input with (out, C/groups, k) weight."""
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """2-D convolution of (N, C, H, W) or (C, H, W) input with (out, C/groups, kH, kW) weight."""
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """3-D convolution of (N, C, D, H, W) or (C, D, H, W) input with (out, C/groups, kD, kH, kW) weight."""
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


_AXES = {1: ("height", "width"), 2: ("height", "width"), 3: ("depth", "height", "width")}


def _conv_transpose(fn: str, nd: int, input, weight, bias, stride, padding, output_padding, groups,
                    dilation) -> Tensor:
    _check_tensor(fn, input, weight, bias)
    if isinstance(padding, str):
        raise TypeError(f"{fn}(): argument 'padding' must be tuple of ints, not str")
    x, batched = _batchify(input, nd, fn)
    wnd = weight.dim() - 2
    stride = _expand(_int_tuple(stride, nd, fn, "stride"), "stride", wnd)
    padding = _expand(_int_tuple(padding, nd, fn, "padding"), "padding", wnd)
    output_padding = _expand(_int_tuple(output_padding, nd, fn, "output_padding"), "output_padding", wnd)
    dilation = _expand(_int_tuple(dilation, nd, fn, "dilation"), "dilation", wnd)
    _common_checks(stride, padding, dilation, groups)
    if any(p < 0 for p in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    # 1-d transposed convolutions run as 2-d ones of height 1, and their messages show it
    shown = (lambda v, fill: (fill,) + tuple(v)) if wnd == 1 else (lambda v, fill: tuple(v))
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        names = _AXES[wnd]
        parts = [f"output_padding_{n}: {v}" for n, v in zip(names, shown(output_padding, 0))]
        parts += [f"stride_{n}: {v}" for n, v in zip(names, shown(stride, 1))]
        parts += [f"dilation_{n}: {v}" for n, v in zip(names, shown(dilation, 1))]
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got "
                           + " ".join(parts))
    _check_weight(x, weight, groups)
    ws = list(weight.shape)
    if x.shape[1] != ws[0]:
        raise RuntimeError(f"Given transposed=1, weight of size {ws}, expected input{list(x.shape)} to have "
                           f"{ws[0]} channels, but got {x.shape[1]} channels instead")
    cout = ws[1] * groups
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != cout):
        raise RuntimeError(f"Given transposed=1, weight of size {ws}, expected bias to be 1-dimensional with "
                           f"{cout} elements, but got bias of size {list(bias.shape)} instead")
    ksize = tuple(ws[2:])
    size = tuple((i - 1) * s - 2 * p + d * (k - 1) + op + 1
                 for i, s, p, d, k, op in zip(x.shape[2:], stride, padding, dilation, ksize, output_padding))
    if any(o <= 0 for o in size):
        raise RuntimeError(f"Given input size per channel: {_sizes(shown(x.shape[2:], 1))}. Calculated "
                           f"output size per channel: {_sizes(shown(size, 1))}. Output size is too small")
    _check_dtypes(x, weight, bias, "slow_conv_transpose3d_cpu" if wnd == 3 else "slow_conv_transpose2d_cpu")
    if 0 in dilation:
        parts = ", ".join(f"dilation_{n}: {v}" for n, v in zip(_AXES[wnd], shown(dilation, 1)))
        raise RuntimeError(f"dilation should be greater than zero, but got {parts}")
    geom = Geometry(stride, tuple((p, p) for p in padding), dilation, groups)
    out = _ops.ConvTranspose.apply(x, weight, bias, geom, size)
    return out if batched else out.squeeze(0)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """1-D transposed convolution; weight is (in, out/groups, k)."""
    return _conv_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding,
                           groups,
                           dilation)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """2-D transposed convolution; weight is (in, out/groups, kH, kW)."""
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding,
                           groups,
                           dilation)


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """3-D transposed convolution; weight is (in, out/groups, kD, kH, kW)."""
    return _conv_transpose("conv_transpose3d", 3, input, weight, bias, stride, padding, output_padding,
                           groups,
                           dilation)


# -- unfold / fold ----------------------------------------------------------------------------------

def _pair(value, name: str) -> tuple:
    if isinstance(value, int):
        return (value, value)
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * 2
    return value


def _block_geometry(kernel_size, dilation, padding, stride) -> tuple:
    ks, dil, pad, st = (_pair(v, n) for v, n in ((kernel_size, "kernel_size"), (dilation, "dilation"),
                                                 (padding, "padding"), (stride, "stride")))
    if any(k <= 0 for k in ks):
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: {ks[0]} "
                           f"kernel_width: {ks[1]}")
    if any(s <= 0 for s in st):
        raise RuntimeError(f"stride should be greater than zero, but got stride_height: {st[0]} "
                           f"stride_width: {st[1]}")
    if any(d <= 0 for d in dil):
        raise RuntimeError(f"dilation should be greater than zero, but got dilation_height: {dil[0]} "
                           f"dilation_width: {dil[1]}")
    if any(p < 0 for p in pad):
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {pad[0]} pad_width: "
                           f"{pad[1]}")
    return ks, dil, pad, st


def _blocks(spatial, ks, dil, pad, st) -> tuple:
    return tuple((s + 2 * p - (d * (k - 1) + 1)) // t + 1 for s, k, d, p, t in zip(spatial, ks, dil, pad, st))


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sliding local blocks of a (N, C, H, W) or (C, H, W) input as columns: (N, C*kH*kW, L)."""
    ks, dil, pad, st = _block_geometry(kernel_size, dilation, padding, stride)
    dim = input.dim()
    if dim not in (3, 4) or (dim == 3 and 0 in input.shape) or (dim == 4 and 0 in input.shape[1:]):
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other "
                           f"non-zero dimensions for input, but got: {list(input.shape)}")
    x = input if dim == 4 else input.unsqueeze(0)
    blocks = _blocks(x.shape[2:], ks, dil, pad, st)
    if any(b < 1 for b in blocks):
        raise RuntimeError(f"Given input with spatial size {tuple(x.shape[2:])}, kernel_size={ks}, "
                           f"dilation={dil}, padding={pad}, calculated shape of the array of sliding blocks "
                           f"as {blocks}, but its components must be at least one.")
    geom = Geometry(st, tuple((p, p) for p in pad), dil)
    out = _ops.Im2Col.apply(x, ks, geom, blocks)
    return out if dim == 4 else out.squeeze(0)


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sum sliding-block columns (N, C*kH*kW, L) into a (N, C, *output_size) tensor (unfold's adjoint)."""
    size = _pair(output_size, "output_size")
    ks, dil, pad, st = _block_geometry(kernel_size, dilation, padding, stride)
    if any(s <= 0 for s in size):
        raise RuntimeError(f"output size should be greater than zero, but got output_height: {size[0]} "
                           f"output_width: {size[1]}")
    dim = input.dim()
    if dim not in (2, 3) or (dim == 2 and 0 in input.shape) or (dim == 3 and 0 in input.shape[1:]):
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and "
                           f"non-zero dimensions for input, but got: {list(input.shape)}")
    x = input if dim == 3 else input.unsqueeze(0)
    kprod = ks[0] * ks[1]
    if x.shape[1] % kprod:
        raise RuntimeError("Expected size of input's dimension 1 to be divisible by the product of "
                           f"kernel_size, but got input.size(1)={x.shape[1]} and kernel_size={ks}.")
    blocks = _blocks(size, ks, dil, pad, st)
    if x.shape[2] != blocks[0] * blocks[1]:
        raise RuntimeError(f"Given output_size={size}, kernel_size={ks}, dilation={dil}, padding={pad}, "
                           f"stride={st}, expected size of input's dimension 2 to match the calculated "
                           f"number of sliding blocks {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, "
                           f"but got input.size(2)={x.shape[2]}.")
    if any(b < 1 for b in blocks):
        raise RuntimeError(f"Given output_size={size}, kernel_size={ks}, dilation={dil}, padding={pad}, "
                           f"stride={st}, calculated shape of the array of sliding blocks as {blocks}, but "
                           "its components must be at least one.")
    geom = Geometry(st, tuple((p, p) for p in pad), dil)
    shape = (x.shape[0], x.shape[1] // kprod) + size
    out = _ops.Col2Im.apply(x, shape, ks, geom, blocks)
    return out if dim == 3 else out.squeeze(0)
