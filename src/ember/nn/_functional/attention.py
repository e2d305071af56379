"""Attention: scaled_dot_product_attention and multi_head_attention_forward (MultiheadAttention's math).

Both run the fused ScaledDotProductAttention op (ops/attention.py). Masks become one additive bias: a bool
mask (True = attend for scaled_dot_product_attention, True = ignore for key_padding_mask and the
MultiheadAttention attn_mask) turns into 0 / -inf, a float mask is added as it is. Dropout keep-masks are
drawn from ember's default generator.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ... import _creation, _tensor
from ... import random as _random
from ...backend import dtypes as _dt
from ...ops.attention import ScaledDotProductAttention
from ...ops.shape import cat

Tensor = _tensor.Tensor

# the two private helpers are exported because code written against PyTorch (custom Transformer layers) calls
# them as F._canonical_mask and F._none_or_dtype
__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward", "_canonical_mask", "_none_or_dtype"]

_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
            "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
            "uint8": "unsigned char", "bool": "bool"}
_SCALAR_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
                 "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _name(t: Tensor, names: dict) -> str:
    n = str(t.dtype).replace("torch.", "")
    return names.get(n, n)


def _keep_mask(like: Tensor, shape: tuple, p: float):
    """A dropout keep-mask scaled by 1 / (1 - p), in like's dtype and on its device (all zeros for p = 1)."""
    dt = like._data.dtype
    if p >= 1:
        return np.zeros_like(like._data, shape=shape)
    u = _random.default_generator._rng.random(shape, dtype=np.float32)
    keep = (u < np.float32(1 - p)).astype(dt)
    keep *= dt.type(1 / (1 - p))
    return _random._on(keep, like)


def _broadcast_batch(shapes: list) -> tuple:
    """The broadcast of the batch dims (all but the last two) of q, k, v, with PyTorch's error."""
    out = ()
    for i, s in enumerate(shapes):
        s = tuple(s[:-2])
        if i == 0:
            out = s
            continue
        n = max(len(out), len(s))
        a = (1,) * (n - len(out)) + out
        b = (1,) * (n - len(s)) + s
        _check_broadcast(a, b)
        out = tuple(max(x, y) if min(x, y) != 0 else 0 for x, y in zip(a, b))
    return out


def _check_broadcast(a: tuple, b: tuple) -> None:
    """PyTorch's error for equal-rank shapes that do not broadcast (the last mismatching dim is named)."""
    for d in range(len(a) - 1, -1, -1):
        x, y = a[d], b[d]
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                               f"non-singleton dimension {d}")


def _causal_bias(like: Tensor, L: int, S: int) -> Tensor:
    """(L, S): -inf where key j comes after query i (j > i), else 0, in like's dtype and on its device."""
    return Tensor._make(np.triu(np.full_like(like._data, -np.inf, shape=(L, S)), 1))


def _mask_bias(mask: Tensor, query: Tensor) -> Tensor:
    """An attention mask as an additive bias: bool True = attend (0), False = -inf; floats as they are."""
    if mask.dtype == _dt.bool:
        bias = np.zeros_like(query._data, shape=mask._data.shape)
        bias[~mask._data] = -np.inf
        return Tensor._make(bias)
    return mask


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None = None,
                                 dropout_p: float = 0.0, is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(query key^T * scale + mask) value over (..., L, E), (..., S, E), (..., S, Ev) inputs; scale
    defaults to 1/sqrt(E). A bool attn_mask marks the positions that may be attended; is_causal masks
    key positions after each query's; dropout_p drops attention probabilities (always, as PyTorch does).
    Rows that may attend nothing give zeros."""
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError(f"Expected query, key, and value to have the same dtype, but got query.dtype: "
                           f"{_name(query, _C_NAMES)} key.dtype: {_name(key, _C_NAMES)} and value.dtype: "
                           f"{_name(value, _C_NAMES)} instead.")
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise RuntimeError(f"Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: "
                           f"{query.dim()} key.dim: {key.dim()} and value.dim: {value.dim()} instead.")
    if attn_mask is not None and attn_mask.dtype not in (_dt.bool, _dt.float32, query.dtype):
        raise RuntimeError(f"Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                           f"attn_mask.dtype: {_name(attn_mask, _C_NAMES)} and  query.dtype: "
                           f"{_name(query, _C_NAMES)} instead.")
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
    if dropout_p > 1:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
    if not query.is_floating_point():
        raise RuntimeError(f"expected scalar type Float but found {_name(query, _SCALAR_NAMES)}")
    if enable_gqa:
        heads = query.size(-3)
        if heads % key.size(-3) != 0 or heads % value.size(-3) != 0:
            raise RuntimeError("Number of heads in key and value must divide the number of heads in ")
        if key.size(-3) != heads:
            key = key.repeat_interleave(heads // key.size(-3), -3)
        if value.size(-3) != heads:
            value = value.repeat_interleave(heads // value.size(-3), -3)
    qs, ks, vs = tuple(query.shape), tuple(key.shape), tuple(value.shape)
    batch = _broadcast_batch([qs, ks, vs])
    flat = math.prod(batch)
    if ks[-1] != qs[-1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{flat}, {qs[-1]}] but "
                           f"got: [{flat}, {ks[-1]}].")
    if vs[-2] != ks[-2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{flat}, {ks[-2]}] but "
                           f"got: [{flat}, {vs[-2]}].")
    L, S = qs[-2], ks[-2]
    scores = batch + (L, S)
    bias = None
    if is_causal:
        bias = _causal_bias(query, L, S)
    elif attn_mask is not None:
        _check_mask_shape(tuple(attn_mask.shape), scores)
        bias = _mask_bias(attn_mask, query)
        if bias.dtype != query.dtype:
            bias = bias.to(query.dtype)
    keep = _keep_mask(query, scores, dropout_p) if dropout_p > 0 else None
    sc = scale if scale is not None else 1.0 / math.sqrt(qs[-1])
    out = ScaledDotProductAttention.apply(query, key, value, bias, keep, scale=sc)
    if out.grad_fn is not None and len(qs) != 4:
        out.grad_fn._name = "UnsafeViewBackward0"
    return out


def _check_mask_shape(mask: tuple, scores: tuple) -> None:
    """PyTorch's errors for a mask that does not broadcast onto the (..., L, S) scores (added in place)."""
    n = max(len(mask), len(scores))
    a = (1,) * (n - len(scores)) + scores
    b = (1,) * (n - len(mask)) + mask
    _check_broadcast(a, b)
    full = tuple(max(x, y) for x, y in zip(a, b))
    if full != scores:
        raise RuntimeError(f"output with shape {list(scores)} doesn't match the broadcast shape {list(full)}")


# -- MultiheadAttention's math -----------------------------------------------------------------------------

def _canonical_mask(mask: Tensor | None, mask_name: str, other_type, other_name: str, target_type,
                    check_other: bool = True) -> Tensor | None:
    """A bool mask as a float one (True -> -inf) in target_type; floats pass (warning when the two masks
    of a call have different types)."""
    if mask is None:
        return None
    if mask.dtype != _dt.bool and not mask.is_floating_point():
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. Use same type for both "
                      "instead.", stacklevel=3)
    if mask.dtype == _dt.bool:
        arr = np.zeros_like(mask._data, dtype=target_type.np)
        arr[mask._data] = -np.inf
        return Tensor._make(arr)
    return mask


def _none_or_dtype(input: Tensor | None):
    if input is None:
        return None
    if isinstance(input, Tensor):
        return input.dtype
    raise RuntimeError("input to _none_or_dtype() must be None or torch.Tensor")


def _mha_shape_check(query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Tensor | None,
                     attn_mask: Tensor | None, num_heads: int) -> bool:
    """Whether the call is batched; AssertionErrors (PyTorch's) for inconsistent ranks."""
    if query.dim() == 3:
        if key.dim() != 3 or value.dim() != 3:
            raise AssertionError("For batched (3-D) `query`, expected `key` and `value` to be 3-D but found "
                                 f"{key.dim()}-D and {value.dim()}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError("For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but "
                                 f"found {key_padding_mask.dim()}-D tensor instead")
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError("For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but "
                                 f"found {attn_mask.dim()}-D tensor instead")
        return True
    if query.dim() == 2:
        if key.dim() != 2 or value.dim() != 2:
            raise AssertionError("For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found "
                                 f"{key.dim()}-D and {value.dim()}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError("For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D "
                                 f"but found {key_padding_mask.dim()}-D tensor instead")
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError("For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D "
                                     f"but found {attn_mask.dim()}-D tensor instead")
            if attn_mask.dim() == 3:
                expected = (num_heads, query.shape[0], key.shape[0])
                if tuple(attn_mask.shape) != expected:
                    raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got {attn_mask.shape}")
        return False
    raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {query.dim()}-D query "
                         "tensor")


def _linear(x: Tensor, w: Tensor, b: Tensor | None) -> Tensor:
    from .. import functional as F
    return F.linear(x, w, b)


def _project(query, key, value, w, b, use_separate, q_w, k_w, v_w, embed_dim):
    """The q, k, v input projections (one GEMM for self-attention, two when key is value)."""
    if not use_separate:
        if w is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        E = embed_dim
        if key is value:
            if query is key:
                qkv = _linear(query, w, b)
                return qkv[..., :E], qkv[..., E:2 * E], qkv[..., 2 * E:]
            q = _linear(query, w[:E], None if b is None else b[:E])
            kv = _linear(key, w[E:], None if b is None else b[E:])
            return q, kv[..., :E], kv[..., E:]
        ws = w.chunk(3)
        bs = (None, None, None) if b is None else b.chunk(3)
        return _linear(query, ws[0], bs[0]), _linear(key, ws[1], bs[1]), _linear(value, ws[2], bs[2])
    for name, t in (("q", q_w), ("k", k_w), ("v", v_w)):
        if t is None:
            raise AssertionError(f"use_separate_proj_weight is True but {name}_proj_weight is None")
    bs = (None, None, None) if b is None else b.chunk(3)
    return _linear(query, q_w, bs[0]), _linear(key, k_w, bs[1]), _linear(value, v_w, bs[2])


def _heads(x: Tensor, seq_axis: int, num_heads: int, head_dim: int) -> Tensor:
    """(S, B, E) or (B, S, E) -> (B, H, S, hd) (a view)."""
    if seq_axis == 0:
        s, b = x.shape[0], x.shape[1]
        return x.reshape(s, b, num_heads, head_dim).permute(1, 2, 0, 3)
    b, s = x.shape[0], x.shape[1]
    return x.reshape(b, s, num_heads, head_dim).permute(0, 2, 1, 3)


def _pad_last(mask: Tensor) -> Tensor:
    """One more (zero) column at the end of a mask's last dim."""
    z = _creation.zeros(*mask.shape[:-1], 1, dtype=mask.dtype, device=mask.device)
    return cat([mask, z], -1)


def _mha(query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
         in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn: bool, dropout_p: float, out_proj_weight,
         out_proj_bias, training: bool = True, key_padding_mask=None, need_weights: bool = True, attn_mask=None,
         use_separate_proj_weight: bool = False, q_proj_weight=None, k_proj_weight=None, v_proj_weight=None,
         static_k=None, static_v=None, average_attn_weights: bool = True, is_causal: bool = False,
         batch_first: bool = False, safe: bool = True) -> tuple:
    """multi_head_attention_forward on (L, B, E) inputs, or (B, L, E) ones with batch_first; `safe=False`
    gives NaN rows where every key is masked (as PyTorch's fused inference path does)."""
    batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    seq = 1 if (batch_first and batched) else 0
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = (query.shape[1], query.shape[0], query.shape[2]) if seq else tuple(query.shape)
    src_len = key.shape[seq]
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", _none_or_dtype(attn_mask), "attn_mask",
                                       query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, check_other=False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    kshape = _seq_first_shape(key, seq)
    vshape = _seq_first_shape(value, seq)
    if use_separate_proj_weight:
        if kshape[:2] != vshape[:2]:
            raise AssertionError(f"key's sequence and batch dims {kshape[:2]} do not match value's {vshape[:2]}")
    elif kshape != vshape:
        raise AssertionError(f"key shape {kshape} does not match value shape {vshape}")
    q, k, v = _project(query, key, value, in_proj_weight, in_proj_bias, use_separate_proj_weight, q_proj_weight,
                       k_proj_weight, v_proj_weight, embed_dim)
    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be "
                                   f"{(tgt_len, src_len)}.")
            attn_mask = attn_mask.reshape(1, 1, tgt_len, src_len)
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be "
                                   f"{(bsz * num_heads, tgt_len, src_len)}.")
            attn_mask = attn_mask.reshape(bsz, num_heads, tgt_len, src_len)
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")
    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        shape = (1, bsz, embed_dim) if seq == 0 else (bsz, 1, embed_dim)
        k = cat([k, bias_k.reshape(1, 1, embed_dim).expand(*shape)], seq)
        v = cat([v, bias_v.reshape(1, 1, embed_dim).expand(*shape)], seq)
        if attn_mask is not None:
            attn_mask = _pad_last(attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _pad_last(key_padding_mask)
    elif bias_k is not None:
        raise AssertionError("bias_k is set but bias_v is None")
    elif bias_v is not None:
        raise AssertionError("bias_v is set but bias_k is None")
    q = _heads(q, seq, num_heads, head_dim)
    k = _static(static_k, "k", bsz, num_heads, head_dim) if static_k is not None else _heads(k, seq, num_heads,
                                                                                              head_dim)
    v = _static(static_v, "v", bsz, num_heads, head_dim) if static_v is not None else _heads(v, seq, num_heads,
                                                                                              head_dim)
    if add_zero_attn:
        z = _creation.zeros(bsz, num_heads, 1, head_dim, dtype=k.dtype, device=k.device)
        k = cat([k, z], 2)
        v = cat([v, _creation.zeros(bsz, num_heads, 1, head_dim, dtype=v.dtype, device=v.device)], 2)
        if attn_mask is not None:
            attn_mask = _pad_last(attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _pad_last(key_padding_mask)
    src_len = k.shape[2]
    if key_padding_mask is not None:
        kp = tuple(key_padding_mask.shape)
        if kp[0] != bsz:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got {kp[0]}")
        if kp[1] != src_len:
            raise AssertionError(f"Expected key_padded_mask.shape[1] to be {src_len}, but got {kp[1]}")
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    if not training:
        dropout_p = 0.0
    bias = None
    if attn_mask is not None:
        bias = attn_mask if attn_mask.dtype == q.dtype else attn_mask.to(q.dtype)
    elif is_causal:
        bias = _causal_bias(q, tgt_len, src_len)
    keep = _keep_mask(q, (bsz, num_heads, tgt_len, src_len), dropout_p) if dropout_p > 0 else None
    res = ScaledDotProductAttention.apply(q, k, v, bias, keep, scale=1.0 / math.sqrt(head_dim),
                                          safe=safe and not need_weights, weights=need_weights)
    out, weights = res if need_weights else (res, None)
    # (B, H, L, hd) -> the caller's layout, heads concatenated
    if seq == 0:
        out = out.permute(2, 0, 1, 3).reshape(tgt_len * bsz, embed_dim)
        out = _linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, -1)
    else:
        out = out.permute(0, 2, 1, 3).reshape(bsz, tgt_len, embed_dim)
        out = _linear(out, out_proj_weight, out_proj_bias)
    if weights is not None and average_attn_weights:
        weights = weights.mean(dim=1)
    if not batched:
        out = out.squeeze(1)
        if weights is not None:
            weights = weights.squeeze(0)
    return out, weights


def _seq_first_shape(x: Tensor, seq: int):
    """x's shape as PyTorch's seq-first code sees it (for its messages)."""
    return x.shape if seq == 0 else _tensor.Size((x.shape[1], x.shape[0]) + tuple(x.shape[2:]))


def _static(t: Tensor, name: str, bsz: int, num_heads: int, head_dim: int) -> Tensor:
    if t.size(0) != bsz * num_heads:
        raise AssertionError(f"expecting static_{name}.size(0) of {bsz * num_heads}, but got {t.size(0)}")
    if t.size(2) != head_dim:
        raise AssertionError(f"expecting static_{name}.size(2) of {head_dim}, but got {t.size(2)}")
    return t.reshape(bsz, num_heads, t.size(1), head_dim)


def multi_head_attention_forward(query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int,
                                 num_heads: int, in_proj_weight: Tensor | None, in_proj_bias: Tensor | None,
                                 bias_k: Tensor | None, bias_v: Tensor | None, add_zero_attn: bool,
                                 dropout_p: float, out_proj_weight: Tensor, out_proj_bias: Tensor | None,
                                 training: bool = True, key_padding_mask: Tensor | None = None,
                                 need_weights: bool = True, attn_mask: Tensor | None = None,
                                 use_separate_proj_weight: bool = False, q_proj_weight: Tensor | None = None,
                                 k_proj_weight: Tensor | None = None, v_proj_weight: Tensor | None = None,
                                 static_k: Tensor | None = None, static_v: Tensor | None = None,
                                 average_attn_weights: bool = True, is_causal: bool = False) -> tuple:
    """Multi-head attention on (L, N, E) query and (S, N, E) key/value (or unbatched (L, E), (S, E)):
    returns (output, attention weights averaged over heads or per head, or None without need_weights).
    Bool masks mark positions NOT to attend."""
    return _mha(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias, bias_k, bias_v,
                add_zero_attn, dropout_p, out_proj_weight, out_proj_bias, training, key_padding_mask, need_weights,
                attn_mask, use_separate_proj_weight, q_proj_weight, k_proj_weight, v_proj_weight, static_k, static_v,
                average_attn_weights, is_causal)
