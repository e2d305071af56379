"""scaled_dot_product_attention, multi_head_attention_forward and MultiheadAttention against PyTorch: values
and gradients (both backward paths, second order) over shapes, masks, causal attention, scale, GQA, fully
masked rows, dropout; MultiheadAttention over its options, need_weights / averaging, key padding and
attention masks, batch_first, unbatched input, the inference fast path's NaN rows; parameters and init;
errors. Finite-difference gradchecks of the fused attention op."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from conftest import torch
from ember.autograd import gradcheck, gradgradcheck
from ember.ops.attention import ScaledDotProductAttention
from nn.helpers import err
from nn.seq_parity import compare, np_of, pair_modules

pytestmark = pytest.mark.skipif(torch is None, reason="PyTorch (the parity reference) is not installed")
TNN = torch.nn if torch is not None else None
TF = torch.nn.functional if torch is not None else None
RNG = np.random.default_rng(0)


def arr(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


def _same_err(fe, ft):
    a, b = err(fe), err(ft)
    assert b is not None, "PyTorch raised nothing"
    assert a == b, f"ember: {a}\nPyTorch: {b}"


def sdpa(lib):
    return lib.nn.functional.scaled_dot_product_attention


# -- scaled_dot_product_attention ----------------------------------------------------------------------------

SHAPES = [((3, 4), (5, 4), (5, 6)), ((2, 3, 4), (2, 5, 4), (2, 5, 6)), ((2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 3)),
          ((2, 2, 3, 4), (1, 2, 5, 4), (2, 1, 5, 4)), ((1, 2, 3, 4), (2, 5, 4), (2, 5, 4)), ((2, 4, 4), (2, 4, 4),
                                                                                             (2, 4, 4))]


def _mask(kind, L, S, lead=()):
    if kind == "bool":
        m = RNG.random(lead + (L, S)) > 0.3
        m[..., 0] = True
        return m
    if kind == "float":
        return arr(*lead, L, S)
    return None


@pytest.mark.parametrize("shapes", SHAPES, ids=str)
@pytest.mark.parametrize("mask", [None, "bool", "float", "causal"])
@pytest.mark.parametrize("scale", [None, 0.3])
def test_sdpa(shapes, mask, scale):
    q, k, v = (arr(*s) for s in shapes)
    L, S = shapes[0][-2], shapes[1][-2]
    m = _mask(mask, L, S)

    def call(lib, mod, q, k, v, *rest):
        am = rest[0] if rest else None
        return sdpa(lib)(q, k, v, attn_mask=am, is_causal=mask == "causal", scale=scale)
    arrays = [q, k, v] + ([m] if m is not None else [])
    compare(None, None, call, arrays, grad_mask=[True, True, True, mask == "float"], second_order=True)


@pytest.mark.parametrize("lead", [(2, 1), (1, 2), (2, 2), (1,)])
def test_sdpa_broadcast_masks_get_gradients(lead):
    q, k, v = arr(2, 2, 3, 4), arr(2, 2, 5, 4), arr(2, 2, 5, 4)
    for kind in ("float", "bool"):
        m = _mask(kind, 3, 5, lead)
        compare(None, None, lambda lib, mod, q, k, v, m: sdpa(lib)(q, k, v, attn_mask=m), [q, k, v, m],
                grad_mask=[True, True, True, kind == "float"])


def test_sdpa_fully_masked_rows_give_zeros():
    q, k, v = arr(2, 4, 3), arr(2, 5, 3), arr(2, 5, 2)
    m = RNG.random((4, 5)) > 0.5
    m[1] = False
    fm = np.where(m, 0.0, -np.inf)
    for mask in (m, fm):
        e, t = compare(None, None, lambda lib, mod, q, k, v, m: sdpa(lib)(q, k, v, attn_mask=m), [q, k, v, mask],
                       grad_mask=[True, True, True, False], second_order=True)
        assert not np_of(e[0])[:, 1].any()


def test_sdpa_float32_and_mask_dtypes():
    q, k, v = (arr(2, 3, 4, dtype=np.float32) for _ in range(3))
    compare(None, None, lambda lib, mod, q, k, v: sdpa(lib)(q, k, v), [q, k, v])
    # a float32 mask with float64 inputs is allowed (promoted to the inputs' dtype)
    compare(None, None, lambda lib, mod, q, k, v, m: sdpa(lib)(q, k, v, attn_mask=m),
            [arr(2, 3, 4), arr(2, 3, 4), arr(2, 3, 4), arr(3, 3, dtype=np.float32)], grad_mask=[True] * 3 + [False])


def test_sdpa_causal_rectangular_is_top_left():
    q, k, v = arr(2, 5, 4), arr(2, 3, 4), arr(2, 3, 4)
    compare(None, None, lambda lib, mod, q, k, v: sdpa(lib)(q, k, v, is_causal=True), [q, k, v])
    compare(None, None, lambda lib, mod, q, k, v: sdpa(lib)(q, k, v, is_causal=True), [k, q, q])


@pytest.mark.parametrize("kv_heads", [(2, 2), (1, 1), (2, 1), (4, 4)])
def test_sdpa_gqa(kv_heads):
    q, k, v = arr(2, 4, 3, 5), arr(2, kv_heads[0], 6, 5), arr(2, kv_heads[1], 6, 3)
    compare(None, None, lambda lib, mod, q, k, v: sdpa(lib)(q, k, v, enable_gqa=True), [q, k, v])


def test_sdpa_empty():
    compare(None, None, lambda lib, mod, q, k, v: sdpa(lib)(q, k, v), [arr(0, 3, 4), arr(0, 5, 4), arr(0, 5, 2)])
    e, t = compare(None, None, lambda lib, mod, q, k, v: sdpa(lib)(q, k, v),
                   [arr(2, 3, 4), arr(2, 0, 4), arr(2, 0, 2)])
    assert tuple(e[0].shape) == (2, 3, 2)


def test_sdpa_dropout():
    q, k, v = ember.tensor(arr(2, 6, 4)), ember.tensor(arr(2, 6, 4)), ember.tensor(arr(2, 6, 4))
    ember.manual_seed(1)
    a = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    ember.manual_seed(1)
    b = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    np.testing.assert_array_equal(np_of(a), np_of(b))
    assert not np.allclose(np_of(a), np_of(F.scaled_dot_product_attention(q, k, v)))
    assert not np_of(F.scaled_dot_product_attention(q, k, v, dropout_p=1.0)).any()
    # dropped probabilities are scaled by 1 / (1 - p): with v = 1 each output is the kept share / (1 - p)
    ones = ember.ones(1, 2000, 50, dtype=ember.float64)
    out = np_of(F.scaled_dot_product_attention(ones, ones, ones, dropout_p=0.2))
    assert abs(out.mean() - 1.0) < 0.01


def test_sdpa_dropout_gradient_uses_the_same_mask():
    q = ember.tensor(arr(1, 4, 3), requires_grad=True)
    k, v = ember.tensor(arr(1, 4, 3)), ember.tensor(arr(1, 4, 3))
    ember.manual_seed(5)
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=0.4)
    (g,) = ember.autograd.grad(out.sum(), q)
    # the same computation with the mask drawn again from the same seed, by hand
    ember.manual_seed(5)
    keep = (ember.default_generator._rng.random((1, 4, 4), dtype=np.float32) < np.float32(0.6)) / 0.6
    q2 = ember.tensor(np_of(q), requires_grad=True)
    p = ember.softmax(q2.matmul(k.transpose(-2, -1)) / math.sqrt(3), -1)
    ref = (p * ember.tensor(keep)).matmul(v)
    (g2,) = ember.autograd.grad(ref.sum(), q2)
    np.testing.assert_allclose(np_of(out), np_of(ref), rtol=1e-12)
    np.testing.assert_allclose(np_of(g), np_of(g2), rtol=1e-10)


SDPA_ERRORS = [
    ([(2, 3, 4), (2, 5, 4), (2, 5, 6)], dict(is_causal=True, attn_mask="bool")),
    ([(2, 3, 4), (2, 5, 3), (2, 5, 6)], {}), ([(2, 3, 4), (2, 5, 4), (2, 4, 6)], {}),
    ([(2, 3, 4), (2, 5, 4), (3, 5, 6)], {}), ([(2, 3, 4), (2, 5, 4), (2, 5, 6)], dict(attn_mask=(4, 5))),
    ([(2, 3, 4), (2, 5, 4), (2, 5, 6)], dict(dropout_p=1.5)), ([(4,), (5, 4), (5, 4)], {}),
    ([(2, 4, 3, 4), (2, 3, 5, 4), (2, 3, 5, 4)], dict(enable_gqa=True)),
    ([(2, 4, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4)], {}),
    ([(2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4)], dict(attn_mask=(3, 2, 3, 5))),
    ([(2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4)], dict(attn_mask=(3, 5, 1))),
    ([(2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4)], dict(attn_mask=(1, 1, 1, 2, 3, 5))),
]


@pytest.mark.parametrize("shapes,kw", SDPA_ERRORS, ids=str)
def test_sdpa_errors(shapes, kw):
    def run(lib):
        q, k, v = (lib.tensor(np.ones(s, np.float32)) for s in shapes)
        kw2 = dict(kw)
        if kw2.get("attn_mask") == "bool":
            kw2["attn_mask"] = lib.ones(3, 5, dtype=lib.bool)
        elif "attn_mask" in kw2:
            kw2["attn_mask"] = lib.ones(*kw2["attn_mask"])
        return sdpa(lib)(q, k, v, **kw2)
    _same_err(lambda: run(ember), lambda: run(torch))


def test_sdpa_dtype_errors():
    def run(lib, qd, md=None, kd=None):
        q = lib.ones(2, 3, 4, dtype=qd)
        k = lib.ones(2, 5, 4, dtype=kd or qd)
        m = None if md is None else lib.ones(3, 5, dtype=md)
        return sdpa(lib)(q, k, k, attn_mask=m)
    for args in [("float64", None, "float32"), ("float32", "int64"), ("float32", "float64"), ("float32", "float16"),
                 ("int64",)]:
        _same_err(lambda args=args: run(ember, *[None if a is None else getattr(ember, a) for a in args]),
                  lambda args=args: run(torch, *[None if a is None else getattr(torch, a) for a in args]))


def test_sdpa_gqa_unbatched_error():
    _same_err(lambda: F.scaled_dot_product_attention(ember.ones(3, 4), ember.ones(5, 4), ember.ones(5, 4),
                                                     enable_gqa=True),
              lambda: TF.scaled_dot_product_attention(torch.ones(3, 4), torch.ones(5, 4), torch.ones(5, 4),
                                                      enable_gqa=True))


@pytest.mark.parametrize("safe", [True, False])
@pytest.mark.parametrize("weights", [False, True])
def test_attention_op_gradcheck(safe, weights):
    q = ember.tensor(arr(2, 3, 4), requires_grad=True)
    k = ember.tensor(arr(1, 5, 4), requires_grad=True)
    v = ember.tensor(arr(2, 5, 2), requires_grad=True)
    bias = ember.tensor(arr(3, 5), requires_grad=True)
    keep = ember.tensor((RNG.random((2, 3, 5)) > 0.3) / 0.7)

    def fn(q, k, v, bias):
        return ScaledDotProductAttention.apply(q, k, v, bias, keep, scale=0.7, safe=safe, weights=weights)
    assert gradcheck(fn, [q, k, v, bias])
    assert gradgradcheck(fn, [q, k, v, bias])


# -- MultiheadAttention -----------------------------------------------------------------------------------

MHA_OPTS = [{}, {"bias": False}, {"add_bias_kv": True}, {"add_zero_attn": True}, {"kdim": 3, "vdim": 5},
            {"add_bias_kv": True, "add_zero_attn": True, "kdim": 3}]


def _mha_inputs(opts, batch_first, self_attn, L=3, S=5, N=2, E=8):
    if self_attn:
        x = arr(N, L, E) if batch_first else arr(L, N, E)
        return [x]
    k = arr(N, S, opts.get("kdim", E)) if batch_first else arr(S, N, opts.get("kdim", E))
    v = arr(N, S, opts.get("vdim", E)) if batch_first else arr(S, N, opts.get("vdim", E))
    q = arr(N, L, E) if batch_first else arr(L, N, E)
    return [q, k, v]


def _mha_call(self_attn, masks=(), **kw):
    def call(lib, mod, *ts):
        n = 1 if self_attn else 3
        qkv = (ts[0],) * 3 if self_attn else ts[:3]
        extra = dict(zip(masks, ts[n:]))
        return mod(*qkv, **extra, **kw)
    return call


@pytest.mark.parametrize("opts", MHA_OPTS, ids=str)
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
def test_mha_options(opts, batch_first, need_weights, average):
    e, t = pair_modules(nn.MultiheadAttention, TNN.MultiheadAttention, 8, 2, batch_first=batch_first, **opts)
    self_attn = "kdim" not in opts
    compare(e, t, _mha_call(self_attn, need_weights=need_weights, average_attn_weights=average),
            _mha_inputs(opts, batch_first, self_attn))
    if self_attn:  # cross attention with the same weights
        compare(e, t, _mha_call(False, need_weights=need_weights, average_attn_weights=average),
                _mha_inputs(opts, batch_first, False))


KPM = np.array([[False, False, True, False, True], [False, False, False, False, False]])


@pytest.mark.parametrize("kpm", [None, "bool", "float"])
@pytest.mark.parametrize("am", [None, "bool2", "float2", "bool3", "float3"])
@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_masks(kpm, am, need_weights):
    e, t = pair_modules(nn.MultiheadAttention, TNN.MultiheadAttention, 8, 2, add_zero_attn=am == "float3")
    arrays = _mha_inputs({}, False, False)
    masks = []
    if kpm is not None:
        masks.append("key_padding_mask")
        arrays.append(KPM if kpm == "bool" else np.where(KPM, -1e9, 0.0) + arr(2, 5) * 0.1)
    if am is not None:
        masks.append("attn_mask")
        shape = (3, 5) if am.endswith("2") else (4, 3, 5)
        arrays.append(RNG.random(shape) > 0.7 if am.startswith("bool") else arr(*shape))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # mismatched mask types are deprecated (both warn)
        compare(e, t, _mha_call(False, masks, need_weights=need_weights), arrays,
                grad_mask=[True, True, True] + [False] * len(masks))


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("kpm", [False, True])
def test_mha_is_causal(need_weights, kpm):
    e, t = pair_modules(nn.MultiheadAttention, TNN.MultiheadAttention, 8, 2, batch_first=True)
    causal = np.triu(np.ones((3, 3), bool), 1)
    arrays = _mha_inputs({}, True, True) + [causal]
    masks = ["attn_mask"]
    if kpm:
        arrays.append(np.array([[False, False, True], [False, False, False]]))
        masks.append("key_padding_mask")
    compare(e, t, _mha_call(True, masks, need_weights=need_weights, is_causal=True), arrays,
            grad_mask=[True] + [False] * len(masks))


def test_mha_unbatched():
    e, t = pair_modules(nn.MultiheadAttention, TNN.MultiheadAttention, 8, 2, add_bias_kv=True)
    kpm = np.array([0.0, -np.inf, 0.0, 0.0, 0.0])
    am = arr(2, 3, 5)
    compare(e, t, lambda lib, mod, q, k, v, m, a: mod(q, k, v, key_padding_mask=m, attn_mask=a),
            [arr(3, 8), arr(5, 8), arr(5, 8), kpm, am], grad_mask=[True, True, True, False, False])
    compare(e, t, lambda lib, mod, q, k, v: mod(q, k, v, average_attn_weights=False),
            [arr(3, 8), arr(5, 8), arr(5, 8)])


def test_mha_second_order_and_float32():
    e, t = pair_modules(nn.MultiheadAttention, TNN.MultiheadAttention, 8, 4, add_bias_kv=True)
    compare(e, t, _mha_call(False), _mha_inputs({}, False, False), second_order=True)
    e, t = pair_modules(nn.MultiheadAttention, TNN.MultiheadAttention, 8, 2, batch_first=True, dtype=np.float32)
    compare(e, t, _mha_call(True), [arr(2, 4, 8, dtype=np.float32)])


@pytest.mark.parametrize("grad", [False, True])
@pytest.mark.parametrize("batch_first,heads", [(True, 2), (True, 1), (False, 2)])
@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_eval_fully_masked_rows(grad, batch_first, heads, need_weights):
    # PyTorch's inference fast path (eval, no grad, batch_first, even heads, self-attention) gives NaN rows
    # where every key is masked; its reference path gives zeros without need_weights
    e, t = pair_modules(nn.MultiheadAttention, TNN.MultiheadAttention, 8, heads, batch_first=batch_first)
    e.eval()
    t.eval()
    x = arr(2, 4, 8) if batch_first else arr(4, 2, 8)
    kpm = np.array([[True] * 4, [False, False, True, False]])
    outs = []
    for lib, mod in ((ember, e), (torch, t)):
        with (lib.enable_grad() if grad else lib.no_grad()):
            xt = lib.tensor(x)
            outs.append(mod(xt, xt, xt, key_padding_mask=lib.tensor(kpm), need_weights=need_weights))
    for a, b in zip(outs[0], outs[1]):
        if b is None:
            assert a is None
            continue
        np.testing.assert_allclose(np_of(a), np_of(b), rtol=1e-7, atol=1e-9, equal_nan=True)


def test_mha_dropout_in_training_only():
    e, t = pair_modules(nn.MultiheadAttention, TNN.MultiheadAttention, 8, 2, dropout=0.5)
    x = ember.tensor(arr(3, 2, 8))
    ember.manual_seed(0)
    a, wa = e(x, x, x)
    b, _ = e(x, x, x)
    assert not np.allclose(np_of(a), np_of(b))
    # the returned weights are the dropped-out ones: zeros or the probability / (1 - p)
    assert (np_of(wa) == 0).any()
    e.eval()
    t.eval()
    compare(e, t, _mha_call(False), _mha_inputs({}, False, False))


def test_multi_head_attention_forward_functional():
    e, t = pair_modules(nn.MultiheadAttention, TNN.MultiheadAttention, 8, 2, kdim=3, vdim=4, bias=True)

    def call(lib, mod, q, k, v, sk, sv):
        Fn = lib.nn.functional
        w = mod.in_proj_bias
        out = Fn.multi_head_attention_forward(
            q, k, v, 8, 2, None, w, None, None, False, 0.0, mod.out_proj.weight, mod.out_proj.bias,
            training=False, use_separate_proj_weight=True, q_proj_weight=mod.q_proj_weight,
            k_proj_weight=mod.k_proj_weight, v_proj_weight=mod.v_proj_weight, average_attn_weights=False)
        static = Fn.multi_head_attention_forward(
            q, k, v, 8, 2, None, w, None, None, True, 0.0, mod.out_proj.weight, None, training=False,
            use_separate_proj_weight=True, q_proj_weight=mod.q_proj_weight, k_proj_weight=mod.k_proj_weight,
            v_proj_weight=mod.v_proj_weight, static_k=sk, static_v=sv)
        return out, static
    compare(e, t, call, [arr(3, 2, 8), arr(5, 2, 3), arr(5, 2, 4), arr(4, 6, 4), arr(4, 6, 4)])


def test_mha_parameters_init_and_repr():
    for kw in ({}, {"bias": False}, {"add_bias_kv": True, "kdim": 3, "vdim": 5}):
        e, t = nn.MultiheadAttention(8, 2, **kw), TNN.MultiheadAttention(8, 2, **kw)
        assert list(e.state_dict()) == list(t.state_dict())
        assert [tuple(v.shape) for v in e.state_dict().values()] == [tuple(v.shape) for v in t.state_dict().values()]
        assert repr(e) == repr(t)
        for a in ("embed_dim", "kdim", "vdim", "_qkv_same_embed_dim", "num_heads", "dropout", "batch_first",
                  "head_dim", "add_zero_attn"):
            assert getattr(e, a) == getattr(t, a), a
    ember.manual_seed(0)
    m = nn.MultiheadAttention(64, 4)
    bound = math.sqrt(6 / (64 + 192))  # xavier_uniform over the packed (3E, E) weight
    w = np_of(m.in_proj_weight)
    assert w.min() >= -bound and w.max() <= bound and w.std() > 0.5 * bound
    assert not np_of(m.in_proj_bias).any() and not np_of(m.out_proj.bias).any()
    assert m.bias_k is None and m.bias_v is None
    m = nn.MultiheadAttention(8, 2, add_bias_kv=True)
    assert tuple(m.bias_k.shape) == (1, 1, 8) and np_of(m.bias_k).any()


def test_mha_merge_masks():
    e, t = nn.MultiheadAttention(8, 2), TNN.MultiheadAttention(8, 2)
    q = arr(2, 3, 8)
    am, kpm = arr(3, 3), arr(2, 3)
    for args in [(am, kpm), (None, kpm), (am, None), (arr(4, 3, 3), None)]:
        ea = [None if a is None else ember.tensor(a) for a in args]
        ta = [None if a is None else torch.tensor(a) for a in args]
        em, et = e.merge_masks(*ea, ember.tensor(q))
        tm, tt = t.merge_masks(*ta, torch.tensor(q))
        assert et == tt
        np.testing.assert_allclose(np_of(em), np_of(tm))


MHA_CTOR_ERRORS = ["MultiheadAttention(8, 3)", "MultiheadAttention(0, 3)", "MultiheadAttention(8, 0)"]


@pytest.mark.parametrize("expr", MHA_CTOR_ERRORS)
def test_mha_constructor_errors(expr):
    _same_err(lambda: eval("nn." + expr), lambda: eval("TNN." + expr))


MHA_CALL_ERRORS = [
    (((3, 2, 8), (3, 2, 8), (4, 2, 8)), {}),
    (((3, 2, 8),) * 3, dict(attn_mask=(4, 3))), (((3, 2, 8),) * 3, dict(attn_mask=(5, 3, 3))),
    (((3, 2, 8),) * 3, dict(attn_mask=(1, 5, 3, 3))), (((3, 2, 8),) * 3, dict(key_padding_mask=("b", 2, 4))),
    (((3, 2, 8),) * 3, dict(key_padding_mask=("b", 3, 3))), (((3, 2, 8),) * 3, dict(key_padding_mask=("l", 2, 3))),
    (((3, 2, 7),) * 3, {}), (((3, 8), (3, 2, 8), (3, 2, 8)), {}), (((2, 3, 2, 8), (3, 2, 8), (3, 2, 8)), {}),
    (((3, 8),) * 3, dict(key_padding_mask=("b", 2, 3))), (((3, 8),) * 3, dict(attn_mask=(3, 3, 3))),
    (((3, 2, 8),) * 3, dict(is_causal=True)), (((3, 2, 8), (3, 2, 8), (3, 2, 8)), dict(attn_mask=(2, 2, 3, 3))),
]


@pytest.mark.parametrize("shapes,kw", MHA_CALL_ERRORS, ids=str)
def test_mha_call_errors(shapes, kw):
    e, t = nn.MultiheadAttention(8, 2), TNN.MultiheadAttention(8, 2)

    def run(lib, mod):
        q, k, v = (lib.ones(*s) for s in shapes)
        kw2 = {}
        for name, spec in kw.items():
            if name == "key_padding_mask":
                dt = lib.bool if spec[0] == "b" else lib.int64
                kw2[name] = lib.zeros(*spec[1:], dtype=dt)
            elif name == "attn_mask":
                kw2[name] = lib.zeros(*spec)
            else:
                kw2[name] = spec
        return mod(q, k, v, **kw2)
    _same_err(lambda: run(ember, e), lambda: run(torch, t))


def test_mha_mismatched_mask_types_warn():
    e = nn.MultiheadAttention(8, 2)
    x = ember.ones(3, 2, 8)
    with pytest.warns(UserWarning, match="Support for mismatched key_padding_mask and attn_mask is deprecated"):
        e(x, x, x, key_padding_mask=ember.zeros(2, 3, dtype=ember.bool), attn_mask=ember.zeros(3, 3))


def test_private_mask_helpers_as_pytorch():
    # custom layers copied from PyTorch call F._canonical_mask / F._none_or_dtype
    m = RNG.random((2, 3)) > 0.5
    a = F._canonical_mask(ember.tensor(m), "mask", None, "", ember.float64)
    b = TF._canonical_mask(torch.tensor(m), "mask", None, "", torch.float64)
    np.testing.assert_array_equal(np_of(a), b.numpy())
    assert str(F._none_or_dtype(a)) == str(TF._none_or_dtype(b)) and F._none_or_dtype(None) is None
    _same_err(lambda: F._canonical_mask(ember.zeros(2, dtype=ember.int64), "mask", None, "", ember.float32),
              lambda: TF._canonical_mask(torch.zeros(2, dtype=torch.int64), "mask", None, "", torch.float32))
    _same_err(lambda: F._none_or_dtype(3), lambda: TF._none_or_dtype(3))
