"""Packed sequences against PyTorch: PackedSequence, pack_padded_sequence (sorted and unsorted, PyTorch's tie
order), pad_packed_sequence, pad_sequence, unpad_sequence, pack_sequence, unpack_sequence (values, gradients,
errors), and RNN / LSTM / GRU on packed input (outputs, states, gradients)."""

from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.nn as nn
from conftest import torch
from ember.nn.utils import rnn as R
from nn.helpers import err
from nn.seq_parity import compare, np_of, pair_modules

pytestmark = [pytest.mark.skipif(torch is None, reason="PyTorch (the parity reference) is not installed"),
              pytest.mark.filterwarnings("ignore:LSTM with projections")]
TNN = torch.nn if torch is not None else None
TR = torch.nn.utils.rnn if torch is not None else None
RNG = np.random.default_rng(0)


def arr(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


def lib_rnn(lib):
    return lib.nn.utils.rnn


def _same_err(fe, ft):
    a, b = err(fe), err(ft)
    assert b is not None, "PyTorch raised nothing"
    assert a == b, f"ember: {a}\nPyTorch: {b}"


def _same_packed(e, t):
    np.testing.assert_array_equal(np_of(e.data), np_of(t.data))
    assert e.batch_sizes.tolist() == t.batch_sizes.tolist()
    assert str(e.batch_sizes.dtype) == str(t.batch_sizes.dtype) == "torch.int64"
    for a, b in ((e.sorted_indices, t.sorted_indices), (e.unsorted_indices, t.unsorted_indices)):
        assert (a is None) == (b is None)
        if b is not None:
            assert a.tolist() == b.tolist()


# -- packing and padding ---------------------------------------------------------------------------------

@pytest.mark.parametrize("lengths,sorted_", [([4, 3, 3, 1], True), ([1, 4, 2, 4], False), ([2], True),
                                             ([3, 3, 3], True), ([2, 4, 1, 3, 4], False)])
@pytest.mark.parametrize("batch_first", [False, True])
def test_pack_pad_roundtrip_values_and_gradients(lengths, sorted_, batch_first):
    steps, batch = max(lengths), len(lengths)
    x = arr(batch, steps, 3) if batch_first else arr(steps, batch, 3)

    def call(lib, mod, x):
        p = lib_rnn(lib).pack_padded_sequence(x, lengths, batch_first=batch_first, enforce_sorted=sorted_)
        out, lens = lib_rnn(lib).pad_packed_sequence(p, batch_first=batch_first, padding_value=-2.0,
                                                     total_length=steps + 1)
        assert lens.tolist() == list(lengths)
        return p.data, out * 1.5
    compare(None, None, call, [x], second_order=True)
    tp = TR.pack_padded_sequence(torch.tensor(x), lengths, batch_first=batch_first, enforce_sorted=sorted_)
    ep = R.pack_padded_sequence(ember.tensor(x), ember.tensor(lengths), batch_first=batch_first,
                                enforce_sorted=sorted_)
    _same_packed(ep, tp)


def test_pack_grad_fn_names():
    x = ember.tensor(arr(3, 2, 2), requires_grad=True)
    p = R.pack_padded_sequence(x, [3, 1])
    assert p.data.grad_fn.name() == "PackPaddedSequenceBackward0"
    assert R.pad_packed_sequence(p)[0].grad_fn.name() == "CopySlices"


@pytest.mark.parametrize("n,k", [(40, 3), (100, 5), (17, 2), (300, 30)])
def test_unsorted_ties_are_ordered_as_pytorch(n, k):
    lengths = np.random.default_rng(n).integers(1, k + 1, n)
    x = arr(int(lengths.max()), n, 1)
    ep = R.pack_padded_sequence(ember.tensor(x), lengths.tolist(), enforce_sorted=False)
    tp = TR.pack_padded_sequence(torch.tensor(x), lengths.tolist(), enforce_sorted=False)
    _same_packed(ep, tp)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence(batch_first, side):
    seqs = [arr(3, 2), arr(5, 2), arr(1, 2)]

    def call(lib, mod, *xs):
        return lib_rnn(lib).pad_sequence(list(xs), batch_first=batch_first, padding_value=0.5, padding_side=side)
    compare(None, None, call, seqs, second_order=True)


def test_pad_sequence_tensor_and_errors():
    x = arr(2, 3, 4)
    np.testing.assert_array_equal(np_of(R.pad_sequence(ember.tensor(x))), TR.pad_sequence(torch.tensor(x)).numpy())
    for seqs, kw in [([], {}), ([(2, 3), (3, 2)], {}), ([(2, 3)], {"padding_side": "middle"})]:
        _same_err(lambda seqs=seqs, kw=kw: R.pad_sequence([ember.zeros(*s) for s in seqs], **kw),
                  lambda seqs=seqs, kw=kw: TR.pad_sequence([torch.zeros(*s) for s in seqs], **kw))


def test_pack_sequence_unpack_sequence_unpad_sequence():
    seqs = [arr(3, 2), arr(5, 2), arr(1, 2)]

    def call(lib, mod, *xs):
        p = lib_rnn(lib).pack_sequence(list(xs), enforce_sorted=False)
        back = lib_rnn(lib).unpack_sequence(p)
        padded = lib_rnn(lib).pad_sequence(list(xs), batch_first=True)
        cut = lib_rnn(lib).unpad_sequence(padded, lib.tensor([3, 5, 1]), batch_first=True)
        return [p.data] + list(back) + list(cut)
    compare(None, None, call, seqs)
    _same_err(lambda: R.pack_sequence([ember.zeros(1, 2), ember.zeros(2, 2)]),
              lambda: TR.pack_sequence([torch.zeros(1, 2), torch.zeros(2, 2)]))


@pytest.mark.parametrize("lengths,kw", [([1, 3, 2, 2], {}), ([3, 2, 2, 0], {}), ([3, 2, 2], {}),
                                        ([[3, 2, 2, 1]], {}), ([3, 2, 2, 1], {"batch_first": True})])
def test_pack_errors(lengths, kw):
    x = arr(3, 4, 2)
    lens_e = ember.tensor(lengths) if isinstance(lengths[0], list) else lengths
    lens_t = torch.tensor(lengths) if isinstance(lengths[0], list) else lengths
    if kw:  # batch_first reads the batch from dim 0: 3 sequences, 4 lengths
        _same_err(lambda: R.pack_padded_sequence(ember.tensor(x), lens_e, **kw),
                  lambda: TR.pack_padded_sequence(torch.tensor(x), lens_t, **kw))
        return
    _same_err(lambda: R.pack_padded_sequence(ember.tensor(x), lens_e),
              lambda: TR.pack_padded_sequence(torch.tensor(x), lens_t))


def test_pad_packed_total_length_error():
    ep = R.pack_padded_sequence(ember.tensor(arr(3, 2, 1)), [3, 1])
    tp = TR.pack_padded_sequence(torch.tensor(arr(3, 2, 1)), [3, 1])
    _same_err(lambda: R.pad_packed_sequence(ep, total_length=2), lambda: TR.pad_packed_sequence(tp, total_length=2))


def test_packed_sequence_class():
    data, bs = ember.tensor(arr(3, 2)), ember.tensor([2, 1])
    p = R.PackedSequence(data, bs, ember.tensor([1, 0]))
    t = TR.PackedSequence(torch.tensor(np_of(data)), torch.tensor([2, 1]), torch.tensor([1, 0]))
    assert p._fields == t._fields and isinstance(p, tuple)
    assert p.unsorted_indices.tolist() == t.unsorted_indices.tolist()
    assert R.PackedSequence((data, bs)).batch_sizes is bs
    d, b_, s, u = p
    assert d is data and b_ is bs
    assert p.float().data.dtype == ember.float32 and p.long().data.dtype == ember.int64
    assert p.to(ember.float32).batch_sizes.dtype == ember.int64 and p.double() is p
    assert not p.is_cuda and repr(p).startswith("PackedSequence(data=tensor(")
    assert R.invert_permutation(None) is None
    assert R.invert_permutation(ember.tensor([2, 0, 1])).tolist() == [1, 2, 0]
    assert nn.utils.rnn.PackedSequence is R.PackedSequence


# -- recurrent layers on packed input ----------------------------------------------------------------------

def _make(name, **kw):
    if name == "LSTMP":
        kw["proj_size"] = 2
        name = "LSTM"
    return pair_modules(getattr(nn, name), getattr(TNN, name), 3, 4, **kw)


@pytest.mark.parametrize("name", ["RNN", "LSTM", "LSTMP", "GRU"])
@pytest.mark.parametrize("sorted_", [True, False])
@pytest.mark.parametrize("layers,bidirectional", [(1, False), (2, True)])
@pytest.mark.parametrize("with_state", [False, True])
def test_rnn_on_packed_sequences(name, sorted_, layers, bidirectional, with_state):
    lengths = [5, 4, 4, 2, 1] if sorted_ else [2, 5, 1, 4, 4]
    e, t = _make(name, num_layers=layers, bidirectional=bidirectional)
    x = arr(5, len(lengths), 3)
    dirs = 2 if bidirectional else 1
    hsize = 2 if name == "LSTMP" else 4
    states = [arr(layers * dirs, len(lengths), hsize)] if with_state else []
    if with_state and name.startswith("LSTM"):
        states.append(arr(layers * dirs, len(lengths), 4))

    def call(lib, mod, x, *s):
        p = lib_rnn(lib).pack_padded_sequence(x, lengths, enforce_sorted=sorted_)
        hx = (tuple(s) if len(s) == 2 else s[0]) if s else None
        out, h = mod(p, hx)
        assert type(out).__name__ == "PackedSequence"
        padded, _ = lib_rnn(lib).pad_packed_sequence(out, batch_first=True)
        return out, padded, h
    compare(e, t, call, [x] + states)


@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_packed_final_states_are_each_sequences_last_step(name):
    e, _ = _make(name)
    lengths = [3, 1, 2]
    x = ember.tensor(arr(3, 3, 3))
    out, h = e(R.pack_padded_sequence(x, lengths, enforce_sorted=False))
    h = h[0] if name == "LSTM" else h
    padded, lens = R.pad_packed_sequence(out)
    for b, n in enumerate(lengths):
        np.testing.assert_allclose(np_of(h[0, b]), np_of(padded[n - 1, b]))
        assert not np_of(padded[n:, b]).any()
        # the same as running the sequence alone, unpadded
        alone = e(x[:n, b:b + 1])[0]
        np.testing.assert_allclose(np_of(alone[:, 0]), np_of(padded[:n, b]), rtol=1e-12)


def test_packed_second_order():
    e, t = _make("LSTM", num_layers=2, bidirectional=True)

    def call(lib, mod, x):
        return mod(lib_rnn(lib).pack_padded_sequence(x, [3, 1, 2], enforce_sorted=False))
    compare(e, t, call, [arr(3, 3, 3)], second_order=True)


def test_packed_input_errors():
    for cls in ("RNN", "GRU", "LSTM"):
        e, t = getattr(nn, cls)(10, 20), getattr(TNN, cls)(10, 20)
        for feat, dt in ((5, np.float32), (10, np.float64)):
            xs = [arr(3, feat, dtype=dt), arr(2, feat, dtype=dt)]
            _same_err(lambda e=e, xs=xs: e(R.pack_sequence([ember.tensor(v) for v in xs])),
                      lambda t=t, xs=xs: t(TR.pack_sequence([torch.tensor(v) for v in xs])))
        xs = [arr(3, 10, dtype=np.float32), arr(2, 10, dtype=np.float32)]
        h = arr(1, 3, 20, dtype=np.float32)

        def hx(lib, h=h, cls=cls):
            t_ = lib.tensor(h)
            return (t_, lib.zeros(1, 2, 20)) if cls == "LSTM" else t_
        _same_err(lambda e=e, xs=xs, hx=hx: e(R.pack_sequence([ember.tensor(v) for v in xs]), hx(ember)),
                  lambda t=t, xs=xs, hx=hx: t(TR.pack_sequence([torch.tensor(v) for v in xs]), hx(torch)))
