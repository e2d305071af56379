"""Recurrent primitives: one layer and direction of an Elman RNN (tanh or ReLU), an LSTM (optionally with a
projection of its hidden state) or a GRU over a whole (packed) sequence, as one graph node.

The input projection `x @ W_ih.T + b_ih` of every timestep is computed beforehand by one GEMM (outside this
op); what is left is the recurrence, which must run step by step:

    RNN:   h = act(xp + h W_hh^T + b_hh)
    LSTM:  i, f, g, o = sig, sig, tanh, sig (xp + h W_hh^T + b_hh);  c = f c + i g;  h = (o tanh(c)) W_hr^T
    GRU:   r, z = sig(xp_rz + (h W_hh^T + b_hh)_rz);  n = tanh(xp_n + r (h W_hh^T + b_hh)_n);  h = n + z (h - n)

Sequences are laid out as PackedSequence data: `batch_sizes[t]` rows per timestep, row `b` of every step
belonging to the same sequence, longest sequences first (a padded (T, B) batch is the case where every
batch size is B). A sequence only advances while it is active, so its final state is the one after its
own last step; the reverse direction starts each sequence from the initial state at its own last step.

`backward_array` is backpropagation through time on arrays: one GEMM per step for the recurrent
gradient, and the weight gradients of all steps at once (one GEMM each over the stacked steps).
`backward` (used for higher-order gradients) differentiates a re-run of the recurrence built from
differentiable Tensor ops.
"""

from __future__ import annotations

import numpy as np

from ..autograd import grad_mode
from ..autograd.engine import grad as _autograd_grad
from ._common import Op, Tensor
from .activation import quiet_op

__all__: list = []

_make = Tensor._make
MODES = ("RNN_TANH", "RNN_RELU", "LSTM", "GRU")
_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def gate_count(mode: str) -> int:
    """How many stacked gate blocks W_ih and W_hh have for this mode."""
    return _GATES[mode]


def _sigmoid_(a) -> None:
    """a = 1 / (1 + exp(-a)) in place (exp overflow gives the exact limit 0)."""
    np.negative(a, out=a)
    np.exp(a, out=a)
    a += 1
    np.reciprocal(a, out=a)


def _steps(batch_sizes: tuple, reverse: bool) -> list:
    """(row offset, active rows) of each step, in the order the recurrence visits them."""
    out, off = [], 0
    for b in batch_sizes:
        out.append((off, b))
        off += b
    return out[::-1] if reverse else out


@quiet_op
class Recurrence(Op):
    """out, h_n[, c_n] = the recurrence of one layer and direction over packed input projections.

    Arguments: xp (N, G) input projections (b_ih included), h0 (B, Hout), c0 (B, H) or None, w_hh
    (G, Hout), b_hh (G,) or None, w_hr (P, H) or None; keywords mode, batch_sizes (tuple of ints, B first),
    reverse, keep (whether the activations backward needs are kept)."""

    @staticmethod
    def forward(ctx, xp, h0, c0, w_hh, b_hh, w_hr, *, mode, batch_sizes, reverse, keep=True):
        n, g = xp.shape
        hsz = g // _GATES[mode]
        h = h0.copy()
        out = np.empty_like(xp, shape=(n, h.shape[1]))
        steps = _steps(batch_sizes, reverse)
        w_t = w_hh.T
        ctx.mode, ctx.batch_sizes, ctx.reverse = mode, batch_sizes, reverse
        if mode == "GRU":
            acts = np.empty_like(xp) if keep else None  # r, z, n
            ghn = np.empty_like(xp, shape=(n, hsz)) if keep else None  # (h W_hn^T + b_hn) for dr
            hprev = np.empty_like(out) if keep else None
            for off, b in steps:
                rows = slice(off, off + b)
                hb = h[:b]
                gh = hb @ w_t
                if b_hh is not None:
                    gh += b_hh
                a = acts[rows] if keep else np.empty_like(gh)
                np.add(xp[rows, :2 * hsz], gh[:, :2 * hsz], out=a[:, :2 * hsz])
                _sigmoid_(a[:, :2 * hsz])
                r, z, nn = a[:, :hsz], a[:, hsz:2 * hsz], a[:, 2 * hsz:]
                np.multiply(r, gh[:, 2 * hsz:], out=nn)
                nn += xp[rows, 2 * hsz:]
                np.tanh(nn, out=nn)
                if keep:
                    ghn[rows] = gh[:, 2 * hsz:]
                    hprev[rows] = hb
                hn = hb - nn
                hn *= z
                hn += nn
                h[:b] = hn
                out[rows] = hn
            ctx.save_for_backward(xp, h0, c0, w_hh, b_hh, w_hr, out, acts, ghn, hprev)
            return out, h
        xpb = xp if b_hh is None else xp + b_hh
        if mode != "LSTM":
            relu = mode == "RNN_RELU"
            for off, b in steps:
                rows = slice(off, off + b)
                a = out[rows]
                np.matmul(h[:b], w_t, out=a)
                a += xpb[rows]
                if relu:
                    np.maximum(a, 0, out=a)
                else:
                    np.tanh(a, out=a)
                h[:b] = a
            ctx.save_for_backward(xp, h0, c0, w_hh, b_hh, w_hr, out)
            return out, h
        c = c0.copy()
        acts = np.empty_like(xp) if keep else None  # i, f, g, o after their nonlinearities
        cprev = np.empty_like(xp, shape=(n, hsz)) if keep else None
        tanhc = np.empty_like(cprev) if keep else None
        hprev = np.empty_like(out) if keep else None
        mall = np.empty_like(cprev) if keep and w_hr is not None else None
        hr_t = None if w_hr is None else w_hr.T
        for off, b in steps:
            rows = slice(off, off + b)
            hb = h[:b]
            a = acts[rows] if keep else np.empty_like(xp, shape=(b, g))
            np.matmul(hb, w_t, out=a)
            a += xpb[rows]
            _sigmoid_(a[:, :2 * hsz])
            _sigmoid_(a[:, 3 * hsz:])
            np.tanh(a[:, 2 * hsz:3 * hsz], out=a[:, 2 * hsz:3 * hsz])
            cb = c[:b]
            if keep:
                cprev[rows] = cb
                hprev[rows] = hb
            cn = a[:, hsz:2 * hsz] * cb
            cn += a[:, :hsz] * a[:, 2 * hsz:3 * hsz]
            c[:b] = cn
            tc = np.tanh(cn)
            if keep:
                tanhc[rows] = tc
            m = tc
            m *= a[:, 3 * hsz:]
            if hr_t is not None:
                if keep:
                    mall[rows] = m
                m = m @ hr_t
            h[:b] = m
            out[rows] = m
        ctx.save_for_backward(xp, h0, c0, w_hh, b_hh, w_hr, out, acts, cprev, tanhc, hprev, mall)
        return out, h, c

    @staticmethod
    def backward_array(ctx, g_out, g_h, g_c=None):
        saved = [None if s is None else s._data for s in ctx.saved_tensors]
        xp, h0, c0, w_hh, b_hh, w_hr, out = saved[:7]
        need = ctx.needs_input_grad
        mode = ctx.mode
        n, g = xp.shape
        hsz = g // _GATES[mode]
        steps = _steps(ctx.batch_sizes, ctx.reverse)[::-1]
        dh = g_h.copy()
        dxp = np.empty_like(xp)
        dgh = dxp
        dc = dhall = None
        if mode == "LSTM":
            acts, cprev, tanhc, hprev, mall = saved[7:]
            dc = g_c.copy()
            if w_hr is not None:
                dhall = np.empty_like(out)
            # the local derivatives of every step at once, so that each step of the loop is a few products:
            # d gates_pre = [dct * (g i (1-i)), dct * (c_prev f (1-f)), dct * (i (1-g^2)), dm * (tanh(c) o (1-o))]
            # dct = dc + dm * (o (1 - tanh(c)^2))
            k = _lstm_coefficients(acts, cprev, tanhc, hsz)
            kc = k[:, 4 * hsz:]
            f_all = acts[:, hsz:2 * hsz]
            for off, b in steps:
                rows = slice(off, off + b)
                dhb = dh[:b]
                dhb += g_out[rows]
                if dhall is not None:
                    dhall[rows] = dhb
                    dm = dhb @ w_hr
                else:
                    dm = dhb
                dct = dc[:b]
                dct += dm * kc[rows]
                d = dxp[rows]
                kb = k[rows]
                np.multiply(dct.reshape(b, 1, hsz), kb[:, :3 * hsz].reshape(b, 3, hsz),
                            out=d[:, :3 * hsz].reshape(b, 3, hsz))
                np.multiply(dm, kb[:, 3 * hsz:4 * hsz], out=d[:, 3 * hsz:])
                dct *= f_all[rows]
                dh[:b] = d @ w_hh
            hprev_all = hprev
        elif mode == "GRU":
            acts, ghn, hprev = saved[7:10]
            dgh = np.empty_like(xp)
            # per row: [ghn r (1-r), (h_prev - n) z (1-z), (1-z) (1-n^2)]; dn_pre = dh k_n, dz_pre = dh k_z,
            # dr_pre = dn_pre k_r
            k = _gru_coefficients(acts, ghn, hprev, hsz)
            r_all, z_all = acts[:, :hsz], acts[:, hsz:2 * hsz]
            for off, b in steps:
                rows = slice(off, off + b)
                dhb = dh[:b]
                dhb += g_out[rows]
                d = dxp[rows]
                np.multiply(dhb.reshape(b, 1, hsz), k[rows, hsz:].reshape(b, 2, hsz),
                            out=d[:, hsz:].reshape(b, 2, hsz))
                dn = d[:, 2 * hsz:]
                np.multiply(dn, k[rows, :hsz], out=d[:, :hsz])
                e = dgh[rows]
                e[:, :2 * hsz] = d[:, :2 * hsz]
                np.multiply(dn, r_all[rows], out=e[:, 2 * hsz:])
                dhn = e @ w_hh
                dhb *= z_all[rows]
                dhn += dhb
                dh[:b] = dhn
            hprev_all = hprev
        else:
            relu = mode == "RNN_RELU"
            for off, b in steps:
                rows = slice(off, off + b)
                dhb = dh[:b]
                dhb += g_out[rows]
                d = dxp[rows]
                y = out[rows]
                if relu:
                    np.multiply(dhb, y > 0, out=d)
                else:
                    np.multiply(y, y, out=d)
                    np.subtract(1, d, out=d)
                    d *= dhb
                dh[:b] = d @ w_hh
            hprev_all = None
        gw_hh = gb_hh = gw_hr = None
        if need[3]:
            if hprev_all is None:
                hprev_all = _previous_states(out, h0, ctx.batch_sizes, ctx.reverse)
            gw_hh = dgh.T @ hprev_all
        if need[4]:
            gb_hh = dgh.sum(0)
        if len(need) > 5 and need[5]:
            gw_hr = dhall.T @ mall
        return (dxp if need[0] else None, dh if need[1] else None, dc if need[2] else None, gw_hh, gb_hh,
                gw_hr)

    @staticmethod
    def backward(ctx, g_out, g_h, g_c=None):
        xp, h0, c0, w_hh, b_hh, w_hr = ctx.saved_tensors[:6]
        inputs = (xp, h0, c0, w_hh, b_hh, w_hr)
        need = ctx.needs_input_grad
        # differentiate through aliases, so that the re-run's graph ends at this node's inputs
        aliases = [t.view_as(t) if need[i] else (None if t is None else t.detach())
                   for i, t in enumerate(inputs)]
        with grad_mode.enable_grad():
            outs = recurrence_graph(*aliases, mode=ctx.mode, batch_sizes=ctx.batch_sizes, reverse=ctx.reverse)
        wanted = [a for i, a in enumerate(aliases) if need[i]]
        pairs = [(o, g) for o, g in zip(outs, (g_out, g_h, g_c)) if g is not None and o.requires_grad]
        res = iter(_autograd_grad([o for o, _ in pairs], wanted, [g for _, g in pairs], create_graph=True,
                                  allow_unused=True))
        return tuple(next(res) if need[i] else None for i in range(len(inputs)))


def _lstm_coefficients(acts, cprev, tanhc, hsz: int):
    """(N, 5H): the factors that turn dct (i, f, g gates), dm (o gate) and dm (into dct) into gradients."""
    i, f, g, o = acts[:, :hsz], acts[:, hsz:2 * hsz], acts[:, 2 * hsz:3 * hsz], acts[:, 3 * hsz:]
    k = np.empty_like(acts, shape=(acts.shape[0], 5 * hsz))
    ki, kf, kg, ko, kc = (k[:, j * hsz:(j + 1) * hsz] for j in range(5))
    np.subtract(1, i, out=ki)
    ki *= i
    ki *= g
    np.subtract(1, f, out=kf)
    kf *= f
    kf *= cprev
    np.multiply(g, g, out=kg)
    np.subtract(1, kg, out=kg)
    kg *= i
    np.subtract(1, o, out=ko)
    ko *= o
    ko *= tanhc
    np.multiply(tanhc, tanhc, out=kc)
    np.subtract(1, kc, out=kc)
    kc *= o
    return k


def _gru_coefficients(acts, ghn, hprev, hsz: int):
    """(N, 3H): [ghn r (1-r), (h_prev - n) z (1-z), (1-z) (1-n^2)]."""
    r, z, n = acts[:, :hsz], acts[:, hsz:2 * hsz], acts[:, 2 * hsz:]
    k = np.empty_like(acts)
    kr, kz, kn = k[:, :hsz], k[:, hsz:2 * hsz], k[:, 2 * hsz:]
    np.subtract(1, r, out=kr)
    kr *= r
    kr *= ghn
    np.subtract(1, z, out=kz)
    kz *= z
    np.subtract(1, n * n, out=kn)
    kn *= 1 - z
    kz *= hprev - n
    return k


def _previous_states(out, h0, batch_sizes: tuple, reverse: bool):
    """The state each row started its step from (for the RNN modes, whose outputs are their states)."""
    prev = np.empty_like(out)
    h = h0.copy()
    for off, b in _steps(batch_sizes, reverse):
        prev[off:off + b] = h[:b]
        h[:b] = out[off:off + b]
    return prev


def recurrence_graph(xp, h0, c0, w_hh, b_hh, w_hr, *, mode, batch_sizes, reverse):
    """The recurrence as differentiable Tensor ops (same arguments and results as Recurrence)."""
    from .shape import cat
    g = xp.shape[1]
    hsz = g // _GATES[mode]
    bsz = h0.shape[0]
    h, c = h0, c0
    w_t = w_hh.t()
    outs = {}
    for off, b in _steps(batch_sizes, reverse):
        hb = h if b == bsz else h[:b]
        gh = hb.matmul(w_t)
        if b_hh is not None:
            gh = gh + b_hh
        x = xp[off:off + b]
        if mode == "GRU":
            r = (x[:, :hsz] + gh[:, :hsz]).sigmoid()
            z = (x[:, hsz:2 * hsz] + gh[:, hsz:2 * hsz]).sigmoid()
            nn = (x[:, 2 * hsz:] + r * gh[:, 2 * hsz:]).tanh()
            hn = nn + z * (hb - nn)
        elif mode == "LSTM":
            a = x + gh
            i, f = a[:, :hsz].sigmoid(), a[:, hsz:2 * hsz].sigmoid()
            gg, o = a[:, 2 * hsz:3 * hsz].tanh(), a[:, 3 * hsz:].sigmoid()
            cb = c if b == bsz else c[:b]
            cn = f * cb + i * gg
            hn = o * cn.tanh()
            if w_hr is not None:
                hn = hn.matmul(w_hr.t())
            c = cn if b == bsz else cat([cn, c[b:]])
        else:
            a = x + gh
            hn = a.relu() if mode == "RNN_RELU" else a.tanh()
        h = hn if b == bsz else cat([hn, h[b:]])
        outs[off] = hn
    out = cat([outs[k] for k in sorted(outs)]) if outs else xp[:, :0]
    return (out, h, c) if mode == "LSTM" else (out, h)
