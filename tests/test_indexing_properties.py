"""Property tests (hypothesis) against PyTorch: random basic, advanced and mask indices (values,
memory sharing, gradients), setitem round trips, broadcasting, gather/scatter round trips, and the view
rule on random strided tensors."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import ember
from conftest import assert_same, torch

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

pytestmark = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

shapes = st.lists(st.integers(0, 4), min_size=0, max_size=4).map(tuple)
nonempty_shapes = st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple)


@st.composite
def basic_index(draw, shape):
    """A basic index for shape: ints in range, positive-step slices, None and at most one Ellipsis."""
    items = []
    dim = 0
    used_ellipsis = False
    while dim < len(shape) and draw(st.booleans()):
        kind = draw(st.sampled_from(["int", "slice", "none", "ellipsis"]))
        if kind == "int" and shape[dim] > 0:
            items.append(draw(st.integers(-shape[dim], shape[dim] - 1)))
            dim += 1
        elif kind == "none":
            items.append(None)
        elif kind == "ellipsis" and not used_ellipsis:
            items.append(Ellipsis)
            used_ellipsis = True
            dim = len(shape) - sum(1 for i in items if i is not None and i is not Ellipsis)
            break
        else:
            bound = st.one_of(st.none(), st.integers(-6, 6))
            items.append(slice(draw(bound), draw(bound), draw(st.one_of(st.none(), st.integers(1, 3)))))
            dim += 1
    if len(items) == 1 and draw(st.booleans()):
        return items[0]
    return tuple(items)


def _pair(shape, dtype=np.float64, seed=0):
    data = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return ember.tensor(data), torch.tensor(data)


@SETTINGS
@given(data=st.data(), shape=shapes)
def test_basic_index_matches_and_is_a_view(data, shape):
    idx = data.draw(basic_index(shape))
    e, t = _pair(shape)
    ev, tv = e[idx], t[idx]
    assert_same(ev, tv)
    ev.add_(1)  # writes through to the base, like PyTorch's view
    tv.add_(1)
    assert_same(e, t)


@st.composite
def advanced_index(draw, shape):
    """A mix of int arrays (broadcastable, possibly negative and repeated), slices and ints."""
    items = []
    bshape = draw(st.lists(st.integers(1, 3), min_size=1, max_size=2).map(tuple))
    for n in shape:
        kind = draw(st.sampled_from(["array", "slice", "int", "stop"]))
        if kind == "stop":
            break
        if kind == "array":
            sub = bshape[draw(st.integers(0, len(bshape))):]
            arr = draw(st.lists(st.integers(-n, n - 1), min_size=math.prod(sub), max_size=math.prod(sub)))
            items.append(np.array(arr, dtype=np.int64).reshape(sub))
        elif kind == "int":
            items.append(draw(st.integers(-n, n - 1)))
        else:
            items.append(slice(draw(st.integers(0, n)), None))
    if not any(isinstance(i, np.ndarray) for i in items):
        items.append(np.array(draw(st.lists(st.integers(0, shape[len(items)] - 1), min_size=1, max_size=4)))
                     if len(items) < len(shape) else np.array([0]))
        if len(items) > len(shape):
            items = items[-1:]
    return tuple(items)


def _as_lib(idx, lib):
    return tuple(lib.from_numpy(i.copy()) if isinstance(i, np.ndarray) else i for i in idx)


@SETTINGS
@given(data=st.data(), shape=nonempty_shapes)
def test_advanced_index_values_and_gradients(data, shape):
    idx = data.draw(advanced_index(shape))
    res = []
    for lib in (ember, torch):
        x = lib.tensor(np.arange(math.prod(shape), dtype=np.float64).reshape(shape), requires_grad=True)
        y = x[_as_lib(idx, lib)]
        up = lib.tensor(np.random.default_rng(1).standard_normal(tuple(y.shape)))
        (y * up).sum().backward()  # repeated indices accumulate
        res.append((y.detach(), x.grad))
    assert_same(res[0], res[1])


@SETTINGS
@given(data=st.data(), shape=nonempty_shapes)
def test_mask_index_and_setitem(data, shape):
    k = data.draw(st.integers(1, len(shape)))
    lead = data.draw(st.integers(0, len(shape) - k))
    mshape = shape[lead:lead + k]
    n = math.prod(mshape)
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n))).reshape(mshape)
    out = []
    for lib in (ember, torch):
        x = lib.tensor(np.arange(math.prod(shape), dtype=np.float32).reshape(shape))
        k_lib = (slice(None),) * lead + (lib.from_numpy(mask.copy()),)
        picked = x[k_lib]
        x[k_lib] = -picked - 1
        out.append((picked, x))
    assert_same(out[0], out[1])


@SETTINGS
@given(data=st.data(), shape=nonempty_shapes)
def test_setitem_round_trip(data, shape):
    idx = data.draw(basic_index(shape))
    e, t = _pair(shape, seed=2)
    target = tuple(e[idx].shape)
    # a value broadcastable to the region: drop leading dims, set others to 1
    kept = target[data.draw(st.integers(0, len(target))):]
    vshape = tuple(1 if data.draw(st.booleans()) else n for n in kept)
    v = np.random.default_rng(3).standard_normal(vshape)
    e[idx] = ember.tensor(v)
    t[idx] = torch.tensor(v)
    assert_same(e, t)
    assert_same(e[idx], np.broadcast_to(v, target))


@st.composite
def broadcastable(draw):
    out = draw(st.lists(st.integers(1, 4), min_size=0, max_size=4))
    shapes_ = []
    for _ in range(draw(st.integers(1, 3))):
        s = out[draw(st.integers(0, len(out))):]
        shapes_.append(tuple(1 if draw(st.booleans()) else n for n in s))
    return shapes_


@SETTINGS
@given(shapes_=broadcastable())
def test_broadcasting_matches(shapes_):
    assert tuple(ember.broadcast_shapes(*shapes_)) == tuple(torch.broadcast_shapes(*shapes_))
    res = []
    for lib in (ember, torch):
        ts = [lib.tensor(np.random.default_rng(i).standard_normal(s), requires_grad=True)
              for i, s in enumerate(shapes_)]
        outs = lib.broadcast_tensors(*ts)
        target = tuple(outs[0].shape)
        total = sum((o * (k + 1)).sum() for k, o in enumerate(outs))
        total = total + ts[0].expand(target).sum() + ts[-1].broadcast_to((2,) + target).sum()
        total.backward()
        res.append(([o.detach() for o in outs], [x.grad for x in ts]))
    assert_same(res[0], res[1])


@SETTINGS
@given(a=st.lists(st.integers(1, 4), min_size=1, max_size=3), b=st.lists(st.integers(1, 4), min_size=1,
                                                                          max_size=3))
def test_broadcast_errors_agree(a, b):
    ok = True
    try:
        torch.broadcast_shapes(a, b)
    except RuntimeError:
        ok = False
    if ok:
        assert tuple(ember.broadcast_shapes(a, b)) == tuple(torch.broadcast_shapes(a, b))
    else:
        with pytest.raises(RuntimeError):
            ember.broadcast_shapes(a, b)
        msgs = []
        for lib in (ember, torch):
            with pytest.raises(RuntimeError) as err:
                lib.broadcast_tensors(lib.zeros(a), lib.zeros(b))
            msgs.append(str(err.value))
        assert msgs[0] == msgs[1]


@SETTINGS
@given(data=st.data(), shape=nonempty_shapes)
def test_gather_scatter_round_trip(data, shape):
    dim = data.draw(st.integers(0, len(shape) - 1))
    ishape = tuple(data.draw(st.integers(1, n)) if d != dim else data.draw(st.integers(1, 4))
                   for d, n in enumerate(shape))
    index = np.random.default_rng(4).integers(0, shape[dim], ishape)
    res = []
    for lib in (ember, torch):
        x = lib.tensor(np.random.default_rng(5).standard_normal(shape), requires_grad=True)
        i = lib.from_numpy(index.copy())
        g = x.gather(dim, i)
        back = lib.zeros(shape, dtype=x.dtype).scatter_add(dim, i, g)
        amax = x.scatter_reduce(dim, i, g * 2, "amax")
        (back.sum() + (amax * amax).sum()).backward()
        res.append((g.detach(), back.detach(), amax.detach(), x.grad))
    assert_same(res[0], res[1])


@st.composite
def strided(draw):
    shape = draw(st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple))
    perm = draw(st.permutations(range(len(shape))))
    step_dim = draw(st.integers(-1, len(shape) - 1))
    n = math.prod(shape)
    factors = []
    rest = n
    for p in (2, 3, 2, 2, 3):
        if rest % p == 0 and draw(st.booleans()):
            factors.append(p)
            rest //= p
    target = tuple(factors) + (rest,)
    if draw(st.booleans()):
        target = target[::-1]
    return shape, tuple(perm), step_dim, target


@SETTINGS
@given(case=strided())
def test_view_rule_matches_pytorch(case):
    shape, perm, step_dim, target = case
    res = []
    for lib in (ember, torch):
        x = lib.arange(float(math.prod(shape) * 2)).reshape(shape[:-1] + (shape[-1] * 2,))
        x = x[..., ::2] if step_dim >= 0 else x[..., : shape[-1]]
        x = x.permute(perm)
        n = x.numel()
        tgt = target if math.prod(target) == n else (n,)
        try:
            v = x.view(tgt)
            ok = True
        except RuntimeError as err:
            v, ok = str(err), False
        res.append((ok, v if ok else None, x.reshape(tgt), v if not ok else None))
    assert res[0][0] == res[1][0]
    assert_same(res[0][2], res[1][2])
    if res[0][0]:
        assert_same(res[0][1], res[1][1])
    else:
        assert res[0][3] == res[1][3]


@SETTINGS
@given(data=st.data(), shape=nonempty_shapes)
def test_split_cat_round_trip(data, shape):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    size = data.draw(st.integers(1, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = []
        for lib in (ember, torch):
            x = lib.tensor(np.random.default_rng(6).standard_normal(shape), requires_grad=True)
            pieces = x.split(size, dim)
            chunks = x.chunk(size, dim)
            back = lib.cat(pieces[::-1], dim)
            (back * lib.arange(float(back.numel())).reshape(back.shape)).sum().backward()
            res.append((pieces, chunks, back.detach(), x.grad, lib.stack(x.unbind(dim), dim).detach()))
    assert_same(res[0], res[1])
