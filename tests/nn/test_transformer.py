"""TransformerEncoderLayer, TransformerEncoder, TransformerDecoderLayer, TransformerDecoder and Transformer
against PyTorch with the same weights: outputs and gradients of inputs and parameters over the option grid
(batch_first, norm_first, activation, bias, masks, causal hints), in training mode with dropout 0 and in eval
mode with and without gradients (PyTorch's inference fast paths, including the nested-tensor path's zeros at
padded positions); construction warnings, state_dict keys, reprs, initialisation, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from conftest import torch
from nn.helpers import copy_weights, err
from nn.seq_parity import compare, np_of

pytestmark = [pytest.mark.skipif(torch is None, reason="PyTorch (the parity reference) is not installed"),
              pytest.mark.filterwarnings("ignore:enable_nested_tensor is True"),
              pytest.mark.filterwarnings("ignore:Support for mismatched"),
              pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors")]
TNN = torch.nn if torch is not None else None
RNG = np.random.default_rng(0)
D, NH, FF = 8, 2, 16


def arr(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


def _same_err(fe, ft):
    a, b = err(fe), err(ft)
    assert b is not None, "PyTorch raised nothing"
    assert a == b, f"ember: {a}\nPyTorch: {b}"


def _pair(build):
    """build(nn_module) -> module, for ember and PyTorch; float64, PyTorch's holding ember's weights."""
    e, t = build(nn).double(), build(TNN).double()
    copy_weights(e, t)
    return e, t


def _acts(lib_nn):
    return {"relu": "relu", "gelu": "gelu", "gelu_fn": lib_nn.functional.gelu, "module": lib_nn.GELU("tanh"),
            "tanh": lambda x: x.tanh()}


def _seq(batch_first, L, N=2):
    return arr(N, L, D) if batch_first else arr(L, N, D)


SRC_KPM = np.array([[False, False, False, False, False], [False, False, False, True, True]])
TGT_KPM = np.array([[False, False, False, False], [False, False, False, True]])


def _causal(n):
    return np.triu(np.full((n, n), -np.inf), 1)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("act", ["relu", "gelu_fn", "module", "tanh"])
@pytest.mark.parametrize("bias", [True, False])
def test_encoder_layer(batch_first, norm_first, act, bias):
    def build(lib_nn):
        return lib_nn.TransformerEncoderLayer(D, NH, FF, 0.0, _acts(lib_nn)[act], 1e-4, batch_first, norm_first,
                                              bias)
    e, t = _pair(build)

    def call(lib, mod, x, kpm, mask):
        return mod(x, src_mask=mask, src_key_padding_mask=kpm)
    compare(e, t, call, [_seq(batch_first, 5), SRC_KPM, _causal(5)], grad_mask=[True, False, False])


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("masks", ["none", "all", "causal_hint"])
def test_decoder_layer(batch_first, norm_first, masks):
    e, t = _pair(lambda lib_nn: lib_nn.TransformerDecoderLayer(D, NH, FF, 0.0, "gelu", batch_first=batch_first,
                                                               norm_first=norm_first))

    def call(lib, mod, tgt, mem, tkpm, mkpm, tmask, mmask):
        if masks == "none":
            return mod(tgt, mem)
        if masks == "causal_hint":
            return mod(tgt, mem, tgt_mask=tmask, tgt_is_causal=True)
        return mod(tgt, mem, tgt_mask=tmask, memory_mask=mmask, tgt_key_padding_mask=tkpm,
                   memory_key_padding_mask=mkpm)
    compare(e, t, call, [_seq(batch_first, 4), _seq(batch_first, 5), TGT_KPM, SRC_KPM, _causal(4), arr(4, 5)],
            grad_mask=[True, True, False, False, False, False])


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("mode", ["train", "eval", "eval_no_grad"])
def test_transformer(batch_first, norm_first, mode):
    e, t = _pair(lambda lib_nn: lib_nn.Transformer(D, NH, 2, 2, FF, 0.0, batch_first=batch_first,
                                                   norm_first=norm_first))
    e.train(mode == "train")
    t.train(mode == "train")
    src, tgt = _seq(batch_first, 5), _seq(batch_first, 4)

    def call(lib, mod, src, tgt, skpm, tkpm, tmask):
        return mod(src, tgt, tgt_mask=tmask, src_key_padding_mask=skpm, tgt_key_padding_mask=tkpm,
                   memory_key_padding_mask=skpm)
    arrays = [src, tgt, SRC_KPM, TGT_KPM, _causal(4)]
    if mode != "eval_no_grad":
        compare(e, t, call, arrays, grad_mask=[True, True, False, False, False])
        return
    outs = []
    for lib, mod in ((ember, e), (torch, t)):
        with lib.no_grad():
            outs.append(np_of(call(lib, mod, *[lib.tensor(a) for a in arrays])))
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-7, atol=1e-9)


def test_transformer_all_masks_and_float32():
    e, t = _pair(lambda lib_nn: lib_nn.Transformer(D, NH, 1, 1, FF, 0.0))
    compare(e, t, lambda lib, mod, s, g, m: mod(s, g, src_mask=m, tgt_mask=m[:2, :2], memory_mask=m[:2]),
            [arr(3, 2, D), arr(2, 2, D), arr(3, 3)], grad_mask=[True, True, False])
    e, t = nn.Transformer(D, NH, 1, 1, FF, 0.0, batch_first=True), TNN.Transformer(D, NH, 1, 1, FF, 0.0,
                                                                                   batch_first=True)
    copy_weights(e, t)
    compare(e, t, lambda lib, mod, s, g: mod(s, g), [arr(2, 3, D, dtype=np.float32), arr(2, 2, D, dtype=np.float32)])


def test_transformer_unbatched():
    e, t = _pair(lambda lib_nn: lib_nn.Transformer(D, NH, 1, 1, FF, 0.0))
    compare(e, t, lambda lib, mod, s, g, m: mod(s, g, tgt_mask=m), [arr(5, D), arr(4, D), _causal(4)],
            grad_mask=[True, True, False])


@pytest.mark.parametrize("kpm_kind", ["bool", "float", "not_left_aligned", "fully_padded"])
@pytest.mark.parametrize("grad", [False, True])
@pytest.mark.parametrize("heads,batch_first", [(2, True), (1, True), (2, False)])
def test_encoder_inference_paths(kpm_kind, grad, heads, batch_first):
    # in eval mode without gradients PyTorch runs padded batches as nested tensors: padded positions of the
    # output come back as zeros (before the final norm) when the mask is left aligned
    kpm = SRC_KPM.copy()
    if kpm_kind == "not_left_aligned":
        kpm[1] = [False, True, False, True, False]
    if kpm_kind == "fully_padded":
        kpm[0] = True
    mask = np.where(kpm, -np.inf, 0.0) if kpm_kind == "float" else kpm

    def build(lib_nn):
        layer = lib_nn.TransformerEncoderLayer(D, heads, FF, 0.1, batch_first=batch_first)
        return lib_nn.TransformerEncoder(layer, 2, lib_nn.LayerNorm(D))
    e, t = _pair(build)
    e.eval()
    t.eval()
    x = _seq(batch_first, 5)
    outs = []
    for lib, mod in ((ember, e), (torch, t)):
        with (lib.enable_grad() if grad else lib.no_grad()):
            outs.append(np_of(mod(lib.tensor(x), src_key_padding_mask=lib.tensor(mask))))
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-7, atol=1e-9, equal_nan=True)


def test_encoder_layer_eval_fast_path_nan_rows():
    e, t = _pair(lambda lib_nn: lib_nn.TransformerEncoderLayer(D, NH, FF, batch_first=True))
    e.eval()
    t.eval()
    kpm = np.array([[True] * 5, [False, False, True, False, False]])
    x = arr(2, 5, D)
    for grad in (False, True):
        outs = []
        for lib, mod in ((ember, e), (torch, t)):
            with (lib.enable_grad() if grad else lib.no_grad()):
                outs.append(np_of(mod(lib.tensor(x), src_key_padding_mask=lib.tensor(kpm))))
        np.testing.assert_allclose(outs[0], outs[1], rtol=1e-7, atol=1e-9, equal_nan=True)


@pytest.mark.parametrize("is_causal", [None, True, False])
def test_encoder_causal_detection(is_causal):
    e, t = _pair(lambda lib_nn: lib_nn.TransformerEncoder(lib_nn.TransformerEncoderLayer(D, NH, FF, 0.0), 2))
    compare(e, t, lambda lib, mod, x, m: mod(x, mask=m, is_causal=is_causal), [arr(4, 2, D), _causal(4)],
            grad_mask=[True, False])
    compare(e, t, lambda lib, mod, x, m: mod(x, mask=m, is_causal=is_causal), [arr(4, 2, D), np.triu(arr(4, 4))],
            grad_mask=[True, False])


def test_decoder_stack():
    def build(lib_nn):
        layer = lib_nn.TransformerDecoderLayer(D, NH, FF, 0.0, norm_first=True)
        return lib_nn.TransformerDecoder(layer, 3, lib_nn.LayerNorm(D))
    e, t = _pair(build)
    compare(e, t, lambda lib, mod, g, m, tm: mod(g, m, tgt_mask=tm), [arr(4, 2, D), arr(5, 2, D), _causal(4)],
            grad_mask=[True, True, False])


def test_dropout_in_training_only():
    e = nn.TransformerEncoderLayer(D, NH, FF, dropout=0.5).double()
    x = ember.tensor(arr(4, 2, D))
    ember.manual_seed(0)
    a, b = np_of(e(x)), np_of(e(x))
    assert not np.allclose(a, b)
    e.eval()
    np.testing.assert_array_equal(np_of(e(x)), np_of(e(x)))


def test_custom_encoder_decoder_and_generate_mask():
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, NH, FF), 1)
    dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(D, NH, FF), 1)
    m = nn.Transformer(D, NH, custom_encoder=enc, custom_decoder=dec)
    assert m.encoder is enc and m.decoder is dec
    for sz in (1, 4):
        a = nn.Transformer.generate_square_subsequent_mask(sz)
        b = TNN.Transformer.generate_square_subsequent_mask(sz)
        np.testing.assert_array_equal(np_of(a), b.numpy())
        assert str(a.dtype) == str(b.dtype)
    assert nn.Transformer.generate_square_subsequent_mask(3, dtype=ember.float64).dtype == ember.float64


def test_state_dict_repr_and_init():
    cases = [lambda lib_nn: lib_nn.Transformer(D, NH, 2, 1, FF),
             lambda lib_nn: lib_nn.TransformerEncoderLayer(D, NH, FF, bias=False),
             lambda lib_nn: lib_nn.TransformerDecoderLayer(D, NH, FF, activation="gelu"),
             lambda lib_nn: lib_nn.TransformerEncoder(lib_nn.TransformerEncoderLayer(D, NH, FF), 2,
                                                      lib_nn.LayerNorm(D))]
    for build in cases:
        e, t = build(nn), build(TNN)
        assert list(e.state_dict()) == list(t.state_dict())
        assert [tuple(v.shape) for v in e.state_dict().values()] == [tuple(v.shape) for v in t.state_dict().values()]
        assert repr(e) == repr(t)
    ember.manual_seed(0)
    m = nn.Transformer(64, 4, 1, 1, 128)
    w = np_of(m.encoder.layers[0].linear1.weight)
    bound = np.sqrt(6 / (64 + 128))
    assert w.min() >= -bound and w.max() <= bound and w.std() > 0.5 * bound
    # layers are independent copies
    assert m.encoder.layers[0].linear1.weight is not nn.TransformerEncoder(
        nn.TransformerEncoderLayer(D, NH), 2).layers[1].linear1.weight


def test_attributes():
    for a_e, a_t in [(nn.TransformerEncoderLayer(D, NH, activation="gelu"), TNN.TransformerEncoderLayer(D, NH,
                                                                                                        activation="gelu")),
                     (nn.TransformerEncoderLayer(D, NH, activation=F.relu), TNN.TransformerEncoderLayer(D, NH)),
                     (nn.TransformerEncoderLayer(D, NH, activation=nn.ReLU()),
                      TNN.TransformerEncoderLayer(D, NH, activation=TNN.ReLU())),
                     (nn.TransformerEncoderLayer(D, NH, activation=ember.tanh),
                      TNN.TransformerEncoderLayer(D, NH, activation=torch.tanh))]:
        assert a_e.activation_relu_or_gelu == a_t.activation_relu_or_gelu
        assert a_e.norm_first == a_t.norm_first
    e = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, NH, batch_first=True), 2, enable_nested_tensor=False)
    t = TNN.TransformerEncoder(TNN.TransformerEncoderLayer(D, NH, batch_first=True), 2, enable_nested_tensor=False)
    for a in ("num_layers", "enable_nested_tensor", "use_nested_tensor", "mask_check"):
        assert getattr(e, a) == getattr(t, a)
    m = nn.Transformer(D, NH, batch_first=True)
    assert (m.d_model, m.nhead, m.batch_first) == (D, NH, True)


NESTED_WARNINGS = [
    "TransformerEncoderLayer(8, 2, 16)", "TransformerEncoderLayer(9, 3, 16, batch_first=True)",
    "TransformerEncoderLayer(8, 2, 16, batch_first=True, norm_first=True)",
    "TransformerEncoderLayer(8, 2, 16, batch_first=True, activation=lambda x: x)",
    "TransformerEncoderLayer(8, 2, 16, batch_first=True, bias=False)",
    "TransformerEncoderLayer(8, 2, 16, batch_first=True, activation='gelu')",
]


@pytest.mark.parametrize("layer", NESTED_WARNINGS)
def test_nested_tensor_warnings(layer):
    got = []
    for lib_nn in (nn, TNN):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            enc = lib_nn.TransformerEncoder(eval("lib_nn." + layer), 2)
        got.append(([str(x.message) for x in w], enc.use_nested_tensor))
    assert got[0] == got[1]
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        nn.Transformer(D, NH, 1, 1, FF)
    assert [str(x.message) for x in w] == ["enable_nested_tensor is True, but self.use_nested_tensor is False "
                                           "because encoder_layer.self_attn.batch_first was not True(use batch_first "
                                           "for better inference performance)"]


def test_errors():
    _same_err(lambda: nn.TransformerEncoderLayer(D, NH, activation="tanh"),
              lambda: TNN.TransformerEncoderLayer(D, NH, activation="tanh"))
    _same_err(lambda: nn.TransformerDecoderLayer(D, 3), lambda: TNN.TransformerDecoderLayer(D, 3))
    e, t = nn.Transformer(D, NH, 1, 1, FF), TNN.Transformer(D, NH, 1, 1, FF)
    for s, g in [((5, 2, D), (4, 3, D)), ((5, 2, D), (4, 2, D + 1)), ((5, 2, D + 1), (4, 2, D))]:
        _same_err(lambda s=s, g=g: e(ember.zeros(*s), ember.zeros(*g)),
                  lambda s=s, g=g: t(torch.zeros(*s), torch.zeros(*g)))
    el, tl = nn.TransformerEncoderLayer(D, NH), TNN.TransformerEncoderLayer(D, NH)
    _same_err(lambda: el(ember.zeros(3, 2, D), src_key_padding_mask=ember.zeros(2, 3, dtype=ember.int64)),
              lambda: tl(torch.zeros(3, 2, D), src_key_padding_mask=torch.zeros(2, 3, dtype=torch.int64)))
    _same_err(lambda: el(ember.zeros(3, 2, D), src_mask=ember.zeros(4, 3)),
              lambda: tl(torch.zeros(3, 2, D), src_mask=torch.zeros(4, 3)))


def test_fast_path_uses_exact_gelu_for_any_gelu_module():
    # PyTorch's fused inference kernel runs exact GELU even for GELU('tanh'); its reference path the tanh form
    e, t = _pair(lambda lib_nn: lib_nn.TransformerEncoderLayer(D, NH, FF, batch_first=True,
                                                               activation=lib_nn.GELU("tanh")))
    e.eval()
    t.eval()
    x = arr(2, 5, D) * 3
    for grad in (False, True):
        outs = []
        for lib, mod in ((ember, e), (torch, t)):
            with (lib.enable_grad() if grad else lib.no_grad()):
                outs.append(np_of(mod(lib.tensor(x))))
        np.testing.assert_allclose(outs[0], outs[1], rtol=1e-7, atol=1e-9)
