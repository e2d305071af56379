"""einsum on random equations against PyTorch: values, errors, gradients and double backward.

The equations mix repeated subscripts (diagonals), subscripts summed out of one operand only, size-1
broadcasting, ellipses of different lengths and implicit outputs; a fixed seed keeps them reproducible.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

import ember
from conftest import assert_same, torch

pytestmark = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

SIZES = {"a": 2, "b": 3, "c": 1, "d": 2, "X": 3}


def _labelled(rng: random.Random) -> tuple:
    """An equation over named subscripts, with operand shapes (some dims 1 to broadcast)."""
    terms = ["".join(rng.choice("abcdX") for _ in range(rng.randint(0, 3))) for _ in range(rng.randint(1, 3))]
    shapes = []
    for t in terms:
        shape, first = [], {}
        for c in t:
            shape.append(shape[first[c]] if c in first else (SIZES[c] if rng.random() < 0.85 else 1))
            first.setdefault(c, len(shape) - 1)
        shapes.append(tuple(shape))
    eq = ",".join(terms)
    if rng.random() < 0.6:
        labels = sorted(set(eq) - {","})
        rng.shuffle(labels)
        eq += "->" + "".join(labels[:rng.randint(0, len(labels))])
    return eq, shapes


def _ellipsis(rng: random.Random) -> tuple:
    """An equation with an ellipsis in every operand (different lengths, size-1 dims)."""
    terms, shapes = [], []
    for _ in range(rng.randint(1, 2)):
        named = "".join(rng.choice("ij") for _ in range(rng.randint(0, 2)))
        p = rng.randint(0, len(named))
        ell = [rng.choice([1, 2]) for _ in range(rng.randint(0, 2))]
        terms.append(named[:p] + "..." + named[p:])
        size = {"i": 2, "j": 3}
        shapes.append(tuple([size[c] for c in named[:p]] + ell + [size[c] for c in named[p:]]))
    eq = ",".join(terms)
    mode = rng.random()
    if mode < 0.7:
        labels = sorted(set(eq) - {",", "."})
        p = rng.randint(0, len(labels))
        eq += "->" + "".join(labels[:p]) + ("..." if mode < 0.55 else "") + "".join(labels[p:])
    return eq, shapes


CASES = [(_labelled if k % 3 else _ellipsis)(random.Random(k)) for k in range(90)]


@pytest.mark.parametrize("k", range(len(CASES)))
def test_random_einsum(k):
    eq, shapes = CASES[k]
    arrays = [np.random.default_rng(k * 7 + j).standard_normal(s) for j, s in enumerate(shapes)]
    tt = [torch.from_numpy(a.copy()).requires_grad_() for a in arrays]
    et = [ember.from_numpy(a.copy()).requires_grad_() for a in arrays]
    try:
        to = torch.einsum(eq, *tt)
    except RuntimeError as t_err:
        with pytest.raises(RuntimeError) as e_err:
            ember.einsum(eq, *et)
        assert str(e_err.value) == str(t_err)
        return
    eo = ember.einsum(eq, *et)
    assert_same(eo, to, rtol=1e-10, atol=1e-10)
    up = np.random.default_rng(k).standard_normal(tuple(to.shape))
    tg = torch.autograd.grad(to, tt, torch.from_numpy(up.copy()), allow_unused=True, create_graph=True)
    eg = ember.autograd.grad(eo, et, ember.from_numpy(up.copy()), allow_unused=True, create_graph=True)
    for e, t in zip(eg, tg):
        assert_same(e, t, rtol=1e-10, atol=1e-10)
    t_pairs = [(g, a) for g, a in zip(tg, tt) if g is not None and g.requires_grad]
    if not t_pairs:
        return
    ts = sum((g * g).sum() for g, _ in t_pairs)
    es = sum((g * g).sum() for g in eg if g is not None and g.requires_grad)
    tgg = torch.autograd.grad(ts, tt, allow_unused=True)
    egg = ember.autograd.grad(es, et, allow_unused=True)
    for e, t in zip(egg, tgg):
        if t is None:
            assert e is None or not e.detach().numpy().any()
        else:
            assert_same(e, t, rtol=1e-10, atol=1e-10)
