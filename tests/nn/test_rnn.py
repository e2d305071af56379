"""RNN (tanh/relu), LSTM (with projections), GRU and their cells against PyTorch with the same weights:
outputs, final states, gradients of the input, the initial states and every parameter (both backward paths),
second-order gradients, over the option grid; dropout between layers; initialisation; state_dict keys;
reprs; errors. Finite-difference gradchecks of the fused recurrence in float64."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
from conftest import torch
from ember.autograd import gradcheck, gradgradcheck
from ember.ops.rnn import Recurrence
from nn.helpers import err
from nn.seq_parity import compare, np_of, pair_modules

pytestmark = [pytest.mark.skipif(torch is None, reason="PyTorch (the parity reference) is not installed"),
              pytest.mark.filterwarnings("ignore:LSTM with projections")]
TNN = torch.nn if torch is not None else None
RNG = np.random.default_rng(0)
I, H, P, T, B = 3, 4, 2, 5, 2


def arr(*shape, dtype=np.float64, scale=1.0):
    return (RNG.standard_normal(shape) * scale).astype(dtype)


def _make(name: str, **kw):
    if name in ("RNN_TANH", "RNN_RELU"):
        kw["nonlinearity"] = "tanh" if name == "RNN_TANH" else "relu"
        name = "RNN"
    if name == "LSTMP":
        kw["proj_size"] = P
        name = "LSTM"
    return pair_modules(getattr(nn, name), getattr(TNN, name), I, H, **kw)


def _states(name, layers, dirs, batch):
    """Initial state arrays for (h0[, c0]) of a layer stack, or [] without a batch (unbatched: no batch dim)."""
    hsize = P if name == "LSTMP" else H
    lead = (layers * dirs,) + ((batch,) if batch else ())
    h0 = arr(*lead, hsize)
    return [h0, arr(*lead, H)] if name.startswith("LSTM") else [h0]


def _call(name, with_state):
    lstm = name.startswith("LSTM")

    def call(lib, mod, x, *states):
        if not with_state:
            return mod(x)
        return mod(x, tuple(states) if lstm else states[0])
    return call


MODES = ["RNN_TANH", "RNN_RELU", "LSTM", "LSTMP", "GRU"]


@pytest.mark.parametrize("name", MODES)
@pytest.mark.parametrize("layers,bidirectional", [(1, False), (2, False), (1, True), (2, True)])
@pytest.mark.parametrize("bias,batch_first", [(True, False), (False, True)])
@pytest.mark.parametrize("with_state", [False, True])
def test_rnn_module_grid(name, layers, bidirectional, bias, batch_first, with_state):
    e, t = _make(name, num_layers=layers, bias=bias, batch_first=batch_first, bidirectional=bidirectional)
    x = arr(B, T, I) if batch_first else arr(T, B, I)
    states = _states(name, layers, 2 if bidirectional else 1, B) if with_state else []
    compare(e, t, _call(name, with_state), [x] + states)


@pytest.mark.parametrize("name", MODES)
@pytest.mark.parametrize("with_state", [False, True])
def test_rnn_unbatched(name, with_state):
    e, t = _make(name, num_layers=2, bidirectional=True)
    states = _states(name, 2, 2, None) if with_state else []
    eo, to = compare(e, t, _call(name, with_state), [arr(T, I)] + states)
    assert [tuple(o.shape) for o in eo] == [tuple(o.shape) for o in to]


@pytest.mark.parametrize("name", MODES)
def test_rnn_second_order(name):
    e, t = _make(name, num_layers=2, bidirectional=True)
    compare(e, t, _call(name, True), [arr(3, 2, I)] + _states(name, 2, 2, 2), second_order=True)


@pytest.mark.parametrize("name", MODES)
def test_rnn_float32(name):
    e, t = _make(name, num_layers=2, dtype=np.float32)
    compare(e, t, _call(name, False), [arr(6, 3, I, dtype=np.float32)])


def test_rnn_long_sequence_saturating_gates():
    # large inputs push the sigmoid / tanh gates into saturation (exp overflow must not warn or give NaN)
    for name in ("LSTM", "GRU", "RNN_TANH"):
        e, t = _make(name)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            compare(e, t, _call(name, False), [arr(20, 2, I, scale=200.0)])


def test_rnn_output_shapes_and_state_order():
    e, t = _make("LSTMP", num_layers=2, bidirectional=True, batch_first=True)
    out, (h, c) = e(ember.tensor(arr(B, T, I)))
    assert tuple(out.shape) == (B, T, 2 * P) and tuple(h.shape) == (4, B, P) and tuple(c.shape) == (4, B, H)
    # the last layer's forward state is its output at the last step, the reverse state its output at step 0
    np.testing.assert_allclose(np_of(h[2]), np_of(out[:, -1, :P]))
    np.testing.assert_allclose(np_of(h[3]), np_of(out[:, 0, P:]))


def test_rnn_grad_of_final_state_only():
    e, t = _make("LSTM", num_layers=2)
    compare(e, t, lambda lib, mod, x: mod(x)[1][1], [arr(T, B, I)])
    e, t = _make("GRU", bidirectional=True)
    compare(e, t, lambda lib, mod, x: mod(x)[1], [arr(T, B, I)])


def test_rnn_frozen_weights_and_input_without_grad():
    e, t = _make("GRU", num_layers=2)
    for m in (e, t):
        m.weight_hh_l1.requires_grad_(False)
    compare(e, t, _call("GRU", False), [arr(T, B, I)])
    compare(e, t, _call("GRU", True), [arr(T, B, I), arr(2, B, H)], grad_mask=[False, True])


def test_rnn_no_grad_keeps_no_graph():
    e, _ = _make("LSTM", num_layers=2)
    with ember.no_grad():
        out, (h, c) = e(ember.tensor(arr(T, B, I)))
    assert out.grad_fn is None and not out.requires_grad and h.grad_fn is None


# -- dropout between layers ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["LSTM", "GRU", "RNN_TANH"])
def test_dropout_only_in_training(name):
    e, t = _make(name, num_layers=3, dropout=0.5)
    x = arr(T, B, I)
    e.eval()
    t.eval()
    compare(e, t, _call(name, False), [x])
    e.train()
    ember.manual_seed(0)
    a = np_of(e(ember.tensor(x))[0])
    b = np_of(e(ember.tensor(x))[0])
    assert not np.allclose(a, b), "training-mode dropout should draw new masks"
    ember.manual_seed(0)
    np.testing.assert_array_equal(np_of(e(ember.tensor(x))[0]), a)


def test_dropout_one_zeroes_the_layer_inputs():
    # p = 1 is deterministic: the second layer only sees zeros, in both libraries
    e, t = _make("LSTM", num_layers=2, dropout=1.0)
    compare(e, t, _call("LSTM", False), [arr(T, B, I)])


def test_dropout_mask_statistics():
    e, _ = _make("RNN_RELU", num_layers=2, dropout=0.25, bias=False)
    with ember.no_grad():
        for p in e.parameters():
            p.fill_(0.0)
        e.weight_ih_l0.fill_(1.0 / I)
        e.weight_ih_l1[0, 0] = 1.0
    x = ember.ones(1, 20000, I, dtype=ember.float64)
    out = np_of(e(x)[0])[0, :, 0]
    # layer 0 outputs 1 everywhere; the dropped units (p = 0.25) reach layer 1 as 0, the others as 1 / 0.75
    assert set(np.round(np.unique(out), 6)) <= {0.0, round(1 / 0.75, 6)}
    assert abs((out == 0).mean() - 0.25) < 0.02


def test_dropout_warning_and_validation():
    for lib in (nn, TNN):
        with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1, but got "
                                             "dropout=0.5 and num_layers=1"):
            lib.LSTM(3, 4, dropout=0.5)
    for d in (1.5, -0.1, True, "0.1"):
        assert err(lambda d=d: nn.GRU(3, 4, 2, dropout=d)) == err(lambda d=d: TNN.GRU(3, 4, 2, dropout=d))


# -- cells ---------------------------------------------------------------------------------------------------

CELLS = [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}), ("LSTMCell", {}), ("GRUCell", {})]


@pytest.mark.parametrize("cls,kw", CELLS)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_state", [False, True])
def test_cells(cls, kw, bias, batched, with_state):
    e, t = pair_modules(getattr(nn, cls), getattr(TNN, cls), I, H, bias=bias, **kw)
    lead = (3,) if batched else ()
    states = ([arr(*lead, H), arr(*lead, H)] if cls == "LSTMCell" else [arr(*lead, H)]) if with_state else []

    def call(lib, mod, x, *s):
        if not s:
            return mod(x)
        return mod(x, tuple(s) if cls == "LSTMCell" else s[0])
    compare(e, t, call, [arr(*lead, I)] + states, second_order=batched and with_state)


def test_cell_sequence_matches_layer():
    # unrolling LSTMCell over time gives the LSTM layer's outputs (same weights)
    cell, layer = nn.LSTMCell(I, H).double(), nn.LSTM(I, H).double()
    layer.load_state_dict({k + "_l0": v for k, v in cell.state_dict().items()})
    x = ember.tensor(arr(T, B, I))
    h = c = ember.zeros(B, H, dtype=ember.float64)
    outs = []
    for step in range(T):
        h, c = cell(x[step], (h, c))
        outs.append(h)
    out, (hn, cn) = layer(x)
    np.testing.assert_allclose(np_of(ember.stack(outs)), np_of(out), rtol=1e-12)
    np.testing.assert_allclose(np_of(cn[0]), np_of(c), rtol=1e-12)


# -- parameters, state_dict, init, repr --------------------------------------------------------------------

@pytest.mark.parametrize("cls,kw", [("RNN", {"num_layers": 2, "bidirectional": True}),
                                    ("LSTM", {"num_layers": 2, "bidirectional": True, "proj_size": 2}),
                                    ("LSTM", {"bias": False, "proj_size": 3}), ("GRU", {"num_layers": 3}),
                                    ("GRU", {"bias": False, "bidirectional": True}), ("RNNCell", {}),
                                    ("LSTMCell", {"bias": False}), ("GRUCell", {})])
def test_state_dict_keys_shapes_and_load_both_ways(cls, kw):
    e, t = getattr(nn, cls)(5, 4, **kw), getattr(TNN, cls)(5, 4, **kw)
    es, ts = e.state_dict(), t.state_dict()
    assert list(es) == list(ts)
    assert [tuple(v.shape) for v in es.values()] == [tuple(v.shape) for v in ts.values()]
    e.load_state_dict({k: ember.tensor(v.numpy()) for k, v in ts.items()})
    for k, v in e.state_dict().items():
        np.testing.assert_array_equal(np_of(v), ts[k].numpy())
    if hasattr(t, "_flat_weights_names"):
        assert e._flat_weights_names == t._flat_weights_names
        assert e._all_weights == t._all_weights
        assert [[tuple(w.shape) for w in ws] for ws in e.all_weights] == \
               [[tuple(w.shape) for w in ws] for ws in t.all_weights]


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"])
def test_default_init_is_uniform_in_one_over_sqrt_hidden(cls):
    ember.manual_seed(0)
    m = getattr(nn, cls)(30, 64)
    bound = 1 / math.sqrt(64)
    vals = np.concatenate([np_of(p).ravel() for p in m.parameters()])
    assert vals.min() >= -bound and vals.max() <= bound
    assert abs(vals.mean()) < 0.01 and abs(vals.std() - bound / math.sqrt(3)) < 0.01 * bound * 10
    ember.manual_seed(0)
    again = getattr(nn, cls)(30, 64)
    for a, b in zip(m.parameters(), again.parameters()):
        np.testing.assert_array_equal(np_of(a), np_of(b))


REPRS = ["RNN(10, 20)", "RNN(10, 20, 2, nonlinearity='relu', bias=False, batch_first=True, dropout=0.5, "
         "bidirectional=True)", "LSTM(10, 20, proj_size=5)", "GRU(10, 20, num_layers=3)", "RNNCell(10, 20)",
         "RNNCell(10, 20, bias=False, nonlinearity='relu')", "LSTMCell(10, 20, bias=False)", "GRUCell(3, 4)",
         "RNN(3, 4, 2, 'relu')"]


@pytest.mark.parametrize("expr", REPRS)
def test_repr(expr):
    assert repr(eval("nn." + expr)) == repr(eval("TNN." + expr))


def test_attributes_and_methods():
    e, t = nn.LSTM(3, 4, 2, batch_first=True, proj_size=2), TNN.LSTM(3, 4, 2, batch_first=True, proj_size=2)
    for a in ("mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout", "bidirectional",
              "proj_size"):
        assert getattr(e, a) == getattr(t, a), a
    assert nn.RNN(3, 4, nonlinearity="relu").nonlinearity == "relu" and nn.RNN(3, 4).mode == "RNN_TANH"
    e.flatten_parameters()
    assert isinstance(nn.GRU(2, 3), nn.RNNBase) and isinstance(nn.GRUCell(2, 3), nn.RNNCellBase)


def test_module_conversions_keep_working():
    e, t = _make("GRU", num_layers=2)
    e.float()
    t.float()
    compare(e, t, _call("GRU", False), [arr(T, B, I, dtype=np.float32)])
    e.double()
    x = ember.tensor(arr(T, B, I))
    assert e(x)[0].dtype == ember.float64


# -- errors --------------------------------------------------------------------------------------------------

def _same_err(fe, ft):
    a, b = err(fe), err(ft)
    assert b is not None, "PyTorch raised nothing"
    assert a == b, f"ember: {a}\nPyTorch: {b}"


CTOR_ERRORS = ["RNN(10, 20.0)", "RNN(10, 0)", "RNN(10, 20, 0)", "RNN(10, 20, proj_size=3)",
               "LSTM(10, 20, proj_size=-1)", "LSTM(10, 20, proj_size=20)", "RNN(10, 20, nonlinearity='sigmoid')",
               "GRU(10, 20, proj_size=3)",
               "LSTM(10.0, 20)", "LSTM(0, 20)", "GRU(3, 4, bias=1)", "GRU(3, 4, batch_first=None)"]


@pytest.mark.parametrize("expr", CTOR_ERRORS)
def test_constructor_errors(expr):
    _same_err(lambda: eval("nn." + expr), lambda: eval("TNN." + expr))


def _inputs(lib, shapes, dtype=np.float32):
    rng = np.random.default_rng(1)
    return [lib.tensor(rng.standard_normal(s).astype(dtype)) for s in shapes]


FORWARD_ERRORS = [
    ("x", [(3, 4, 5)]), ("x", [(3, 4, 4, 10)]), ("x", [(10,)]), ("xh", [(3, 10), (1, 1, 20)]),
    ("xh", [(5, 3, 10), (1, 20)]), ("xh", [(5, 3, 10), (1, 4, 20)]), ("xh", [(5, 3, 10), (2, 3, 20)]),
    ("xh", [(5, 3, 10), (1, 3, 21)]),
]


@pytest.mark.parametrize("cls", ["RNN", "GRU", "LSTM"])
@pytest.mark.parametrize("kind,shapes", FORWARD_ERRORS)
def test_forward_errors(cls, kind, shapes):
    e, t = getattr(nn, cls)(10, 20), getattr(TNN, cls)(10, 20)

    def run(lib, mod):
        ts = _inputs(lib, shapes)
        if kind == "x":
            return mod(ts[0])
        h = ts[1]
        return mod(ts[0], (h, lib.zeros(h.shape)) if cls == "LSTM" else h)
    _same_err(lambda: run(ember, e), lambda: run(torch, t))


def test_lstm_state_errors():
    e, t = nn.LSTM(10, 20), TNN.LSTM(10, 20)
    for hs, cs in [((1, 3, 20), (1, 3, 21)), ((1, 3, 20), (3, 20)), ((3, 20), (3, 20)), ((1, 4, 20), (1, 3, 20))]:
        _same_err(lambda hs=hs, cs=cs: e(*_inputs(ember, [(5, 3, 10)]), tuple(_inputs(ember, [hs, cs]))),
                  lambda hs=hs, cs=cs: t(*_inputs(torch, [(5, 3, 10)]), tuple(_inputs(torch, [hs, cs]))))
    _same_err(lambda: e(*_inputs(ember, [(5, 10)]), tuple(_inputs(ember, [(1, 1, 20), (1, 1, 20)]))),
              lambda: t(*_inputs(torch, [(5, 10)]), tuple(_inputs(torch, [(1, 1, 20), (1, 1, 20)]))))


@pytest.mark.parametrize("cls", ["RNN", "GRU", "LSTM"])
def test_dtype_errors(cls):
    e, t = getattr(nn, cls)(10, 20), getattr(TNN, cls)(10, 20)
    _same_err(lambda: e(*_inputs(ember, [(3, 4, 10)], np.float64)),
              lambda: t(*_inputs(torch, [(3, 4, 10)], np.float64)))
    if cls == "GRU":
        _same_err(lambda: e(*_inputs(ember, [(3, 4, 10)]), *_inputs(ember, [(1, 4, 20)], np.float64)),
                  lambda: t(*_inputs(torch, [(3, 4, 10)]), *_inputs(torch, [(1, 4, 20)], np.float64)))


def test_empty_sequence_error_and_empty_batch():
    for cls in ("GRU", "LSTM", "RNN"):
        e, t = getattr(nn, cls)(10, 20), getattr(TNN, cls)(10, 20)
        _same_err(lambda e=e: e(*_inputs(ember, [(0, 2, 10)])), lambda t=t: t(*_inputs(torch, [(0, 2, 10)])))
        out = e(*_inputs(ember, [(3, 0, 10)]))
        ref = t(*_inputs(torch, [(3, 0, 10)]))
        assert tuple(out[0].shape) == tuple(ref[0].shape)


CELL_ERRORS = [[(3, 5)], [(3, 4, 10)], [(3, 10), (4, 20)], [(3, 10), (3, 21)], [(3, 10), (3, 2, 20)],
               [(10,), (3, 20)]]


@pytest.mark.parametrize("cls", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("shapes", CELL_ERRORS)
def test_cell_errors(cls, shapes):
    e, t = getattr(nn, cls)(10, 20), getattr(TNN, cls)(10, 20)

    def run(lib, mod):
        ts = _inputs(lib, shapes)
        if len(ts) == 1:
            return mod(ts[0])
        return mod(ts[0], (ts[1], ts[1]) if cls == "LSTMCell" else ts[1])
    _same_err(lambda: run(ember, e), lambda: run(torch, t))
    _same_err(lambda: e(*_inputs(ember, [(3, 10)], np.float64)), lambda: t(*_inputs(torch, [(3, 10)], np.float64)))


def test_lstm_cell_second_state_error():
    e, t = nn.LSTMCell(10, 20), TNN.LSTMCell(10, 20)
    _same_err(lambda: e(*_inputs(ember, [(3, 10)]), tuple(_inputs(ember, [(3, 20), (3, 21)]))),
              lambda: t(*_inputs(torch, [(3, 10)]), tuple(_inputs(torch, [(3, 20), (3, 21)]))))


# -- the fused recurrence itself --------------------------------------------------------------------------

@pytest.mark.parametrize("mode,proj", [("RNN_TANH", False), ("RNN_RELU", False), ("LSTM", False), ("LSTM", True),
                                       ("GRU", False)])
@pytest.mark.parametrize("batch_sizes,reverse", [((2, 2, 2), False), ((3, 2, 1), False), ((3, 2, 2, 1), True)])
def test_recurrence_gradcheck(mode, proj, batch_sizes, reverse):
    g = {"LSTM": 4, "GRU": 3}.get(mode, 1)
    hout = 2 if proj else 3
    n, b = sum(batch_sizes), batch_sizes[0]
    rng = np.random.default_rng(3)
    xp = ember.tensor(rng.standard_normal((n, g * 3)) + 0.1, requires_grad=True)
    h0 = ember.tensor(rng.standard_normal((b, hout)), requires_grad=True)
    c0 = ember.tensor(rng.standard_normal((b, 3)), requires_grad=True) if mode == "LSTM" else None
    w = ember.tensor(rng.standard_normal((g * 3, hout)) * 0.5, requires_grad=True)
    bias = ember.tensor(rng.standard_normal(g * 3), requires_grad=True)
    wr = ember.tensor(rng.standard_normal((hout, 3)), requires_grad=True) if proj else None

    def fn(*args):
        full = list(args) + [None] * (6 - len(args))
        if mode != "LSTM":
            full = [full[0], full[1], None, full[2], full[3], None]
        elif not proj:
            full[5] = None
        return Recurrence.apply(*full, mode=mode, batch_sizes=batch_sizes, reverse=reverse)
    inputs = [xp, h0] + ([c0] if c0 is not None else []) + [w, bias] + ([wr] if wr is not None else [])
    assert gradcheck(fn, inputs)
    if batch_sizes == (3, 2, 1):
        assert gradgradcheck(fn, inputs)

