"""Op specs: indexing (getitem/setitem), gather/scatter, index_*, masked_*, take, nonzero."""

from opspec import Arg, OpSpec


def idx(shape, low=0, high=3):
    """A random int64 index tensor (no gradient)."""
    return Arg(shape, dtype="int64", integer=True, low=low, high=high, grad=False)


def vals(values):
    """An explicit int64 index tensor."""
    import numpy as np

    return Arg(np.shape(values), dtype="int64", values=values, grad=False)


MASK = Arg((3, 4), dtype="bool", grad=False)


def _set(key):
    def fn(lib, a, v):
        y = a.clone()
        y[key] = v
        return y
    return fn


def _set_t(lib, a, i, v):
    y = a * 1
    y[1:, i] = v
    return y


def _set_mask(lib, a, m, v):
    y = a * 1
    y[m] = v
    return y


SPECS = [
    OpSpec("getitem_basic", lambda lib, a: (a[1], a[-1, 1:], a[:, ::2], a[None, ..., 1], a[...], a[1, 2]),
           [((3, 4),)]),
    OpSpec("getitem_basic_3d", lambda lib, a: (a[0, :, 1:3], a[..., 0], a[:, None, 1:], a[1:2, 0:0]),
           [((2, 3, 4),)]),
    OpSpec("getitem_adv", lambda lib, a, i: (a[i], a[:, i], a[i, 1:], a[i, i], a[[0, 2, 0]]),
           [((3, 4), idx((5,))), ((3, 4), idx((2, 2), -3, 3))]),
    OpSpec("getitem_adv_split", lambda lib, a, i, j: (a[i, :, j], a[:, 0, j], a[i, 1, j], a[j, ..., i]),
           [((3, 4, 3), idx((2,)), idx((2, 2)))]),
    OpSpec("getitem_mask", lambda lib, a, m: (a[m], a[m[:, 0]], a[:, m[0]], a[a > 0]), [((3, 4), MASK)]),
    OpSpec("getitem_mask_3d", lambda lib, a, m: (a[m[:, :3]], a[:, m], a[1, :, m[0]]),
           [((3, 3, 4), Arg((3, 4), dtype="bool", grad=False))]),
    OpSpec("getitem_bool_scalar", lambda lib, a: (a[True], a[False], a[0, True], a[None, True]), [((3, 4),)]),
    OpSpec("getitem_0d_tensor", lambda lib, a, i: (a[i], a[1, i]), [((3, 4), Arg((), dtype="int64", values=2,
                                                                                  grad=False))]),
    OpSpec("getitem_repeated", lambda lib, a: a[[0, 0, 1, 0]] * 2, [((3, 4),)]),
    OpSpec("setitem_basic", _set(1), [((3, 4), (4,)), ((3, 4), (1, 1, 4)), ((3, 4), ())]),
    OpSpec("setitem_slice", _set((slice(None), slice(1, 3))), [((3, 4), (3, 1)), ((3, 4), (2,))]),
    OpSpec("setitem_scalar", lambda lib, a: _set((0, slice(None, None, 2)))(lib, a, 2.5), [((3, 4),)]),
    OpSpec("setitem_adv", _set_t, [((3, 4), vals([0, 3]), (2,)), ((3, 4), vals([[1], [2]]), ())]),
    OpSpec("setitem_mask", _set_mask, [((3, 4), MASK, ()), ((3, 4), MASK, Arg((), dtype="float64"))]),
    OpSpec("setitem_mask_values", lambda lib, a, v: _set_mask(lib, a, a > 0, v[: int((a > 0).sum())]),
           [((3, 4), (12,))], noncontig=False),
    OpSpec("setitem_int", _set((slice(None), 1)), [((3, 4), (3,))], dtypes=("int64", "bool")),
    OpSpec("index_select", lambda lib, a, i: (lib.index_select(a, 0, i), a.index_select(1, i)),
           [((3, 4), idx((5,))), ((3, 4), idx(()))]),
    OpSpec("gather", lambda lib, a, i: (lib.gather(a, 1, i), a.gather(0, i[:2, :3])),
           [((3, 4), idx((3, 5))), ((3, 4), idx((2, 3)))]),
    OpSpec("gather_0d", lambda lib, a, i: a.gather(0, i), [((), vals(0))]),
    # PyTorch's own backward fails when src is larger than index, so src has index's shape here
    OpSpec("scatter", lambda lib, a, i, s: (a.scatter(0, i, s), lib.scatter(a, 1, i.t(), s.t())),
           [((3, 4), vals([[2, 0, 1], [0, 1, 2]]), (2, 3))]),
    OpSpec("scatter_value", lambda lib, a, i: (a.scatter(0, i, 1.5), lib.scatter(a, 1, i.t(), value=-2.0)),
           [((3, 4), vals([[2, 0, 1], [0, 1, 2]]))]),
    OpSpec("scatter_add", lambda lib, a, i, s: (a.scatter_add(0, i, s), lib.scatter_add(a, 1, i[:3], s[:3])),
           [((3, 4), idx((4, 3)), (4, 3))]),
    OpSpec("scatter_reduce_sum_mean", lambda lib, a, i, s: tuple(
        a.scatter_reduce(1, i, s, r, include_self=inc) for r in ("sum", "mean") for inc in (True, False)),
        [((3, 4), idx((3, 5), 0, 4), (3, 5))]),
    OpSpec("scatter_reduce_minmax", lambda lib, a, i, s: tuple(
        lib.scatter_reduce(a, 0, i, s, r, include_self=inc)
        for r in ("amax", "amin") for inc in (True, False)),
        [((3, 4), idx((5, 4)), (5, 4))]),
    OpSpec("scatter_reduce_prod", lambda lib, a, i, s: (
        a.scatter_reduce(0, i, s, "prod"), a.scatter_reduce(0, i, s, "prod", include_self=False)),
           [((3, 4), idx((5, 4)), (5, 4)),
            (Arg((2, 2), values=[[0.0, 2.0], [1.5, 0.0]]), vals([[0, 0], [0, 1], [1, 1]]),
             Arg((3, 2), values=[[0.0, 0.5], [2.0, 3.0], [-1.0, 0.0]]))], gradgrad=False),
    OpSpec("scatter_reduce_int", lambda lib, a, i, s: tuple(
        a.scatter_reduce(0, i, s, r, include_self=inc) for r in ("sum", "prod", "mean", "amax", "amin")
        for inc in (True, False)), [(Arg((3, 4), low=-9, high=9), idx((5, 4)), Arg((5, 4), low=-9, high=9))],
        dtypes=("int64",)),
    OpSpec("index_add", lambda lib, a, i, s: (a.index_add(0, i, s), lib.index_add(a, 0, i, s, alpha=-2)),
           [((3, 4), idx((5,)), (5, 4))]),
    OpSpec("index_add_dim1", lambda lib, a, i, s: a.index_add(1, i, s), [((3, 4), idx((2,), 0, 4), (3, 2))]),
    OpSpec("index_copy", lambda lib, a, i, s: (a.index_copy(1, i, s), lib.index_copy(a, 1, i, s)),
           [((3, 4), vals([3, 0]), (3, 2))]),
    OpSpec("index_fill", lambda lib, a, i: (a.index_fill(1, i, -1.0), lib.index_fill(a, 0, i[1:2], 2)),
           [((3, 4), vals([3, 0, -1]))]),
    OpSpec("index_fill_tensor", lambda lib, a, i, v: a.index_fill(1, i, v),
           [((3, 4), vals([3, 0, 3]), ())]),
    OpSpec("index_put", lambda lib, a, i, v: (
        a.index_put((i,), v), lib.index_put(a, (i, i), v.reshape(-1)[:1], True),
        a.index_put([i], v, accumulate=True)),
           [((3, 4), vals([0, 2, 0]), (1, 4)), ((3, 3), vals([1, 1]), (1,))],
           gradcheck=False),  # duplicate indices without accumulate: finite differences can't see the winner
    OpSpec("index_put_mask", lambda lib, a, m, v: a.index_put((m,), v), [((3, 4), MASK, ())]),
    OpSpec("masked_fill", lambda lib, a, m: (a.masked_fill(m, -1.0), lib.masked_fill(a, m[0], 3)),
           [((3, 4), MASK)]),
    OpSpec("masked_fill_tensor", lambda lib, a, m, v: a.masked_fill(m, v),
           [((3, 4), MASK, ()), ((4,), MASK, ())]),
    OpSpec("masked_fill_int", lambda lib, a, m: a.masked_fill(m, 7), [((3, 4), MASK)],
           dtypes=("int64", "bool")),
    OpSpec("masked_select", lambda lib, a, m: (a.masked_select(m), lib.masked_select(a, m[:, :1])),
           [((3, 4), MASK), ((4,), MASK)]),
    OpSpec("masked_scatter", lambda lib, a, m, s: (a.masked_scatter(m, s), lib.masked_scatter(a[0], m, s)),
           [((3, 4), MASK, (3, 5))]),
    OpSpec("take", lambda lib, a, i: (a.take(i), lib.take(a, i[0])), [((3, 4), idx((2, 3), -12, 12))]),
    OpSpec("take_along_dim", lambda lib, a, i: (
        lib.take_along_dim(a, i, 1), a.take_along_dim(i[:1, :1], 0), lib.take_along_dim(a, i * i)),
        [((3, 4), idx((3, 2), -3, 3))]),
    OpSpec("put", lambda lib, a, i, s: (a.put(i, s), lib.put(a, i, s, accumulate=True)),
           [((3, 4), vals([0, -1, 5, 0]), (2, 2))], gradcheck=False),  # duplicate indices, as index_put
    OpSpec("nonzero", lambda lib, a: (
        lib.nonzero(a), a.nonzero(as_tuple=True), lib.argwhere(a), lib.where(a)),
           [(Arg((3, 4), low=0, high=2, integer=True),), (Arg((), values=1.0),), (Arg((0, 3)),)], grad=False),
    OpSpec("inplace_index_ops", lambda lib, a, i, s, m: (
        a.clone().scatter_(0, i[:1], s[:1]), a.clone().scatter_add_(0, i, s),
        a.clone().index_add_(0, i[:, 0], s), a.clone().index_fill_(1, i[0], -1.0),
        a.clone().masked_fill_(m, 2.0), a.clone().index_put_((i[0],), s[0]),
        a.clone().masked_scatter_(m, s), a.clone().scatter_reduce_(0, i, s, "amax"),
        a.clone().index_copy_(0, i[:1, 0], s[:1]), a.clone().put_(i[0], s[0, :4])),
        [((3, 4), idx((4, 4)), (4, 4), MASK)], gradgrad=False, gradcheck=False),  # duplicate indices
]
