"""Every op in the spec table against PyTorch: values, dtypes, gradients, double backward."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

import ember
from conftest import assert_same, torch
from opspec import Arg, all_specs

SPECS = all_specs()


def _cases():
    for spec in SPECS:
        for ci, case in enumerate(spec.cases):
            for dt in spec.dtypes:
                yield pytest.param(spec, ci, dt, False, id=f"{spec.name}-{ci}-{dt}")
                if spec.noncontig and any(_can_stride(a) for a in case):
                    yield pytest.param(spec, ci, dt, True, id=f"{spec.name}-{ci}-{dt}-noncontig")


def _can_stride(a) -> bool:
    """Whether slicing the last dim of this argument with step 2 gives a non-contiguous tensor."""
    shape = a if isinstance(a, tuple) else a.shape if isinstance(a, Arg) else None
    return bool(shape) and shape[-1] >= 2 and 0 not in shape


def make_arrays(spec, case, dtype, seed):
    """NumPy values for each argument of a case (None where the argument is a constant)."""
    rng = np.random.default_rng(seed)
    out = []
    for a in case:
        if isinstance(a, tuple):
            a = Arg(a)
        if not isinstance(a, Arg):
            out.append(None)
            continue
        dt = a.dtype or dtype
        if a.values is not None:
            v = np.array(a.values, dtype=dt)
        elif a.integer or np.dtype(dt).kind in "iub":
            if dt == "bool":
                v = rng.integers(0, 2, a.shape).astype(bool)
            else:
                v = rng.integers(int(a.low), int(a.high), a.shape).astype(dt)
        else:
            v = rng.uniform(a.low, a.high, a.shape)
            for p in a.away_from:
                close = np.abs(v - p) < 0.05
                v = np.where(close, p + np.where(v >= p, 0.05, -0.05) + np.sign(v - p + 1e-12) * 0.05, v)
            v = v.astype(dt)
        out.append(v)
    return out


def build(lib, case, arrays, dtype, noncontig):
    """Arguments for `lib`: leaves that require grad for float tensor args with grad=True."""
    args, leaves = [], []
    for a, v in zip(case, arrays):
        if v is None:
            args.append(a)
            continue
        a = Arg(a) if isinstance(a, tuple) else a
        src = v
        if noncontig and v.ndim >= 1:
            big = np.repeat(v[..., None], 2, axis=-1).reshape(v.shape[:-1] + (2 * v.shape[-1],))
            t = lib.from_numpy(big.copy())[..., ::2]
        else:
            t = lib.from_numpy(src.copy())
        want = a.grad and v.dtype.kind == "f"
        t = t.detach().requires_grad_(want)
        if want:
            leaves.append(t)
        args.append(t)
    return args, leaves


def _flat(out):
    """Every tensor of a (possibly nested) result, in order."""
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flat(o)]
    return [out]


@pytest.mark.parametrize("spec,ci,dtype,noncontig", list(_cases()))
def test_op(spec, ci, dtype, noncontig):
    if torch is None:
        pytest.skip("PyTorch is not installed")
    case = spec.cases[ci]
    seed = zlib.crc32(f"{spec.name}-{ci}-{dtype}".encode())
    arrays = make_arrays(spec, case, dtype, seed)
    e_args, e_leaves = build(ember, case, arrays, dtype, noncontig)
    t_args, t_leaves = build(torch, case, arrays, dtype, noncontig)
    if noncontig:
        assert any(not a.is_contiguous() for a in e_args if isinstance(a, ember.Tensor) and a.dim() > 0)
    tol = dict(rtol=spec.rtol, atol=spec.atol)
    t_out = spec.fn(torch, *t_args)
    e_out = spec.fn(ember, *e_args)
    assert_same(e_out, t_out, **tol)
    if not spec.grad or not t_leaves:
        return
    t_outs = [o for o in _flat(t_out) if isinstance(o, torch.Tensor) and o.requires_grad]
    e_outs = [o for o in _flat(e_out) if isinstance(o, ember.Tensor) and o.requires_grad]
    assert len(e_outs) == len(t_outs), "a different number of outputs require grad"
    if not t_outs:
        return
    rng = np.random.default_rng(seed + 1)
    ups = [rng.standard_normal(tuple(o.shape)).astype(str(o.dtype).replace("torch.", "")) for o in t_outs]
    t_g = torch.autograd.grad(t_outs, t_leaves, [torch.from_numpy(u.copy()) for u in ups], allow_unused=True,
                              create_graph=spec.gradgrad)
    e_g = ember.autograd.grad(e_outs, e_leaves, [ember.from_numpy(u.copy()) for u in ups], allow_unused=True,
                              create_graph=spec.gradgrad)
    gtol = dict(rtol=spec.rtol * 10, atol=spec.atol * 10)
    for eg, tg in zip(e_g, t_g):
        if tg is None:
            assert eg is None or not np.any(to_np_safe(eg)), "PyTorch gives no gradient, ember a non-zero one"
        else:
            assert_same(eg, tg, **gtol)
    if spec.gradgrad:
        # first-order gradients without create_graph take the fast array path: they must agree too
        e_args2, e_leaves2 = build(ember, case, arrays, dtype, noncontig)
        e_out2 = [o for o in _flat(spec.fn(ember, *e_args2))
                  if isinstance(o, ember.Tensor) and o.requires_grad]
        e_g2 = ember.autograd.grad(e_out2, e_leaves2, [ember.from_numpy(u.copy()) for u in ups],
                                   allow_unused=True)
        for eg, tg in zip(e_g2, t_g):
            if tg is not None:
                assert_same(eg, tg, **gtol)
        pairs = [(eg, tg, leaf_e, leaf_t) for eg, tg, leaf_e, leaf_t in zip(e_g, t_g, e_leaves, t_leaves)
                 if tg is not None and tg.requires_grad]
        if not pairs:
            return
        vs = [rng.standard_normal(tuple(tg.shape)).astype(str(tg.dtype).replace("torch.", ""))
              for _, tg, _, _ in pairs]
        t_s = sum((tg * torch.from_numpy(v.copy())).sum() for (_, tg, _, _), v in zip(pairs, vs))
        e_s = None
        for (eg, _, _, _), v in zip(pairs, vs):
            term = (eg * ember.from_numpy(v.copy())).sum() if eg is not None and eg.requires_grad else None
            if term is not None:
                e_s = term if e_s is None else e_s + term
        t_gg = torch.autograd.grad(t_s, t_leaves, allow_unused=True)
        if e_s is None:
            assert all(g is None or not g.abs().sum() for g in t_gg)
            return
        e_gg = ember.autograd.grad(e_s, e_leaves, allow_unused=True)
        for eg, tg in zip(e_gg, t_gg):
            if tg is None:
                assert eg is None or not np.any(to_np_safe(eg))
            elif eg is None:
                assert not tg.abs().sum(), "ember gives no second-order gradient where PyTorch does"
            else:
                assert_same(eg, tg, rtol=spec.rtol * 100, atol=spec.atol * 100)


def to_np_safe(x):
    return np.asarray(x.detach()._host())
