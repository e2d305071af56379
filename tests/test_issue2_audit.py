"""Audit of issue 2 (Tensor, autograd, PyTorch's tensor API): the gaps the rest of the suite leaves open.

Method forms never called elsewhere, empty-tensor inputs across op families, keyword-argument and size
forms, version counters, float16 arithmetic, and the known missing pieces (marked xfail, strict, each
with the reason): everything compared with PyTorch.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import ember
from compare_helpers import check
from conftest import assert_same, torch

pytestmark = pytest.mark.skipif(torch is None, reason="PyTorch (the parity reference) is not installed")

F = [[0.3, -0.6, 0.45], [0.7, 0.25, -0.55]]
I = [[6, -7, 3], [0, 2, -1]]


def _pair(values, dtype="float32", requires_grad=False):
    arr = np.array(values, dtype=dtype)
    return [lib.tensor(arr, requires_grad=requires_grad) for lib in (ember, torch)]


def _same_error(code: str) -> None:
    """`code` (with `lib`) raises the same exception type and message in ember and in PyTorch."""
    errs = []
    for lib in (ember, torch):
        try:
            exec(code, {"lib": lib, "np": np})
        except Exception as e:  # noqa: BLE001 - compared below
            errs.append(e)
        else:
            errs.append(None)
    e, t = errs
    assert t is not None and e is not None, f"ember raised {e!r}, PyTorch raised {t!r}"
    assert (type(e).__name__, str(e)) == (type(t).__name__, str(t))


# -- method forms that no other test calls as methods ----------------------------------------------------

METHOD_FORMS = [
    "x.mul(y)", "x.mul(2.5)", "x.neg()", "x.eq(y)", "x.ne(y)", "x.lt(y)", "x.le(y)", "x.gt(y)", "x.ge(y)",
    "x.eq(0.3)", "x.lt(0.0)", "x.logical_and(y)", "x.logical_or(y)", "x.isinf()", "x.isfinite()",
    "x.le_(y)", "x.ne_(y)", "x.logical_xor_(y)", "x.square_()",
    "i.bitwise_and(j)", "i.bitwise_xor(j)", "i.bitwise_and(5)", "i.bitwise_xor_(j)", "i.bitwise_or_(3)",
    "i.bitwise_not_()", "i.remainder_(4)", "i.floor_divide_(4)",
]


@pytest.mark.parametrize("expr", METHOD_FORMS)
def test_method_forms(expr):
    """x, y: float tensors; i, j: int64 tensors (fresh for each library)."""
    env = {"x": lambda lib: lib.tensor(F), "y": lambda lib: lib.tensor(F).flip(1),
           "i": lambda lib: lib.tensor(I), "j": lambda lib: lib.tensor(I).flip(0)}
    name, rest = expr.split(".", 1)
    rest = rest.replace("(y)", "(y(lib))").replace("(j)", "(j(lib))")
    check(f"{name}(lib).{rest}", **env)


def test_method_forms_with_grad():
    """neg/mul as methods record the same graph as the functions."""
    (e, t) = _pair(F, requires_grad=True)
    for x in (e, t):
        y = x.mul(x.neg()).mul(3)
        y.backward(y.detach() * 0 + 1)
    assert_same(e.grad, t.grad)


# -- empty tensors across the families (the op table covers them for a few ops only) -----------------------

UNARY = ("neg abs reciprocal exp exp2 log log2 log10 log1p expm1 sqrt rsqrt square sin cos tan asin acos atan "
         "sinh cosh tanh sigmoid relu erf erfinv sign floor ceil round trunc frac nan_to_num").split()
BINARY = "add mul sub div pow maximum minimum atan2 remainder floor_divide".split()
REDUCE = "sum mean prod var std norm logsumexp amax amin max min cumsum cumprod softmax".split()
SHAPE = {
    "view": lambda lib, x: x.view(3, 0), "reshape": lambda lib, x: x.reshape(-1, 3), "t": lambda lib, x: x.t(),
    "flatten": lambda lib, x: x.flatten(), "unsqueeze": lambda lib, x: x.unsqueeze(1),
    "squeeze": lambda lib, x: x.squeeze(), "expand": lambda lib, x: x.expand(2, 0, 3),
    "repeat": lambda lib, x: x.repeat(2, 2), "flip": lambda lib, x: x.flip(0), "roll": lambda lib, x: x.roll(1, 1),
    "cat": lambda lib, x: lib.cat([x, x]), "stack": lambda lib, x: lib.stack([x, x], 1),
    "split": lambda lib, x: x.split(1, 1), "chunk": lambda lib, x: x.chunk(2, 1),
    "unbind": lambda lib, x: x.unbind(1), "tril": lambda lib, x: x.tril(), "diag": lambda lib, x: x.diag(),
    "diagonal": lambda lib, x: x.diagonal(), "index_select": lambda lib, x: x.index_select(1, lib.tensor([0, 2])),
    "gather": lambda lib, x: x.gather(1, lib.zeros(0, 2, dtype=lib.int64)),
    "masked_fill": lambda lib, x: x.masked_fill(lib.zeros(0, 3, dtype=lib.bool), 1.0),
    "masked_select": lambda lib, x: x.masked_select(lib.zeros(0, 3, dtype=lib.bool)),
    "getitem_mask": lambda lib, x: x[x > 0], "getitem_adv": lambda lib, x: x[:, [0, 1]],
    "mm": lambda lib, x: x.mm(lib.ones(3, 2)), "mm_inner": lambda lib, x: x.t().mm(x),
    "matmul": lambda lib, x: x @ lib.ones(3), "einsum": lambda lib, x: lib.einsum("ij,jk->ik", x, lib.ones(3, 2)),
    "where": lambda lib, x: lib.where(x > 0, x, 0.0), "clamp": lambda lib, x: x.clamp(0, 1),
    "lerp": lambda lib, x: x.lerp(lib.ones(3), 0.5),
    "take_along_dim": lambda lib, x: x.take_along_dim(lib.zeros(0, 1, dtype=lib.int64), 1),
    "repeat_interleave": lambda lib, x: x.repeat_interleave(2, 0), "tile": lambda lib, x: x.tile(2),
    "movedim": lambda lib, x: x.movedim(0, 1), "unflatten": lambda lib, x: x.unflatten(1, (3, 1)),
    "narrow": lambda lib, x: x.narrow(1, 0, 2),
    "scatter_add": lambda lib, x: x.scatter_add(0, lib.zeros(0, 3, dtype=lib.int64), x),
    "index_add": lambda lib, x: x.index_add(1, lib.tensor([0]), lib.ones(0, 1)),
    "tensordot": lambda lib, x: lib.tensordot(x, lib.ones(3, 2), 1),
    "dot": lambda lib, x: x.flatten().dot(x.flatten()), "bmm": lambda lib, x: x.unsqueeze(0).bmm(lib.ones(1, 3, 2)),
    "linalg_norm": lambda lib, x: lib.linalg.norm(x), "sort": lambda lib, x: x.sort(1),
    "topk": lambda lib, x: x.topk(0), "median": lambda lib, x: x.median(1),
    "unique": lambda lib, x: x.detach().unique(),
    "nonzero": lambda lib, x: x.nonzero(), "argmax": lambda lib, x: x.argmax(1),
}


def _run_empty(fn, shape=(0, 3)):
    out = []
    for lib in (ember, torch):
        x = lib.zeros(shape, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                y = fn(lib, x)
                first = y if isinstance(y, lib.Tensor) else y[0]
                if first.requires_grad:
                    first.backward(lib.ones_like(first))
            except Exception as e:  # noqa: BLE001 - compared below
                out.append((e, None))
                continue
        out.append((y, x.grad))
    (e, eg), (t, tg) = out
    if isinstance(t, Exception):
        assert type(e).__name__ == type(t).__name__ and str(e) == str(t), (e, t)
        return
    assert not isinstance(e, Exception), f"ember raised {e!r}"
    assert_same(tuple(e) if isinstance(t, tuple) else e, tuple(t) if isinstance(t, tuple) else t)
    assert_same(eg, tg)


@pytest.mark.parametrize("name", UNARY)
def test_empty_unary(name):
    _run_empty(lambda lib, x: getattr(x, name)())


@pytest.mark.parametrize("name", BINARY)
def test_empty_binary(name):
    _run_empty(lambda lib, x: getattr(x, name)(lib.ones(3)))
    _run_empty(lambda lib, x: getattr(lib.ones(1, 3), name)(x))


@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (0,)])
@pytest.mark.parametrize("name", REDUCE)
def test_empty_reductions(name, shape):
    if name in ("cumsum", "cumprod", "softmax", "logsumexp"):
        dims = [0, -1]
    else:
        dims = [None, 0]
    for d in dims:
        if d is None:
            _run_empty(lambda lib, x: getattr(x, name)(), shape)
        elif name == "norm":
            _run_empty(lambda lib, x, d=d: x.norm(dim=d), shape)
        else:
            _run_empty(lambda lib, x, d=d: getattr(x, name)(d), shape)


@pytest.mark.parametrize("name", list(SHAPE))
def test_empty_shape_index_linalg(name):
    _run_empty(SHAPE[name])


# -- keyword arguments and size forms -------------------------------------------------------------------

KEYWORD_FORMS = [
    "lib.zeros(size=(2, 3))", "lib.ones(size=[2])", "lib.randn(size=(2,)).shape", "lib.empty(size=(2, 3)).shape",
    "lib.full(size=(2,), fill_value=1.5)", "lib.randint(low=0, high=3, size=(2,)).shape",
    "lib.zeros(lib.Size([2, 3]))", "lib.zeros(np.int64(3))", "lib.ones(2, 3).view(lib.Size([3, 2]))",
    "lib.ones(2, 3).sum(dim=[0, 1])", "lib.ones(2, 3).squeeze(dim=0)", "lib.ones(2, 3).transpose(dim0=0, dim1=1)",
    "lib.ones(2, 3).movedim(source=0, destination=1)", "lib.ones(2, 3).narrow(dim=0, start=0, length=1)",
    "lib.ones(2, 3).flatten(start_dim=0, end_dim=1)", "lib.ones(2, 3).unflatten(dim=1, sizes=(3, 1))",
    "lib.ones(2, 3).chunk(chunks=2, dim=1)", "lib.cat(tensors=[lib.ones(2)], dim=0)",
    "lib.ones(2, 3).index_select(dim=0, index=lib.tensor([0]))",
    "lib.ones(2, 3).gather(dim=0, index=lib.tensor([[0]]))",
    "lib.ones(2, 3).diagonal(offset=0, dim1=0, dim2=1)", "lib.pow(input=lib.ones(2), exponent=2)",
    "lib.ones(2, 3).add(other=lib.ones(3), alpha=2)", "lib.ones(2, 3).mm(mat2=lib.ones(3, 1))",
    "lib.ones(2, 3).type_as(other=lib.ones(1, dtype=lib.int64))", "lib.ones(2, 3).topk(k=1, dim=0)",
    "lib.ones(2, 3).repeat_interleave(repeats=2, dim=0)", "lib.ones(2, 3).std(dim=0, correction=1, keepdim=True)",
    "lib.where(condition=lib.ones(2, 3).bool(), input=lib.ones(2, 3), other=lib.zeros(2, 3))",
    "lib.ones(2, 3).lerp(end=lib.zeros(2, 3), weight=0.5)",
    "lib.ones(2, 3).scatter(dim=0, index=lib.tensor([[0]]), value=2.0)",
    "lib.ones(2, 3).index_add(dim=0, index=lib.tensor([0]), source=lib.zeros(1, 3), alpha=2)",
    "lib.ones(2, 3).take_along_dim(indices=lib.tensor([[0]]), dim=0)",
    "lib.ones(2, 3).nan_to_num(nan=0.0, posinf=1.0, neginf=-1.0)", "lib.ones(2, 3).var(dim=0, unbiased=False)",
    "lib.ones(2, 3).roll(shifts=1, dims=0)", "lib.ones(2, 3).masked_fill(mask=lib.ones(2, 3).bool(), value=0)",
]


@pytest.mark.parametrize("expr", KEYWORD_FORMS)
def test_keyword_and_size_forms(expr):
    if expr.endswith(".shape"):
        e, t = (eval(expr, {"lib": lib, "np": np}) for lib in (ember, torch))
        assert tuple(e) == tuple(t)
    else:
        check(expr)


KEYWORD_GAPS = [
    "lib.arange(6.).view(size=(2, 3))", "lib.arange(6.).reshape(shape=(2, 3))",
    "lib.reshape(lib.arange(6.), shape=(2, 3))", "lib.ones(2, 3).permute(dims=(1, 0))",
    "lib.permute(lib.ones(2, 3), dims=(1, 0))", "lib.ones(3).repeat(repeats=(2,))",
    "lib.ones(3, 1).expand(size=(3, 2))", "lib.ones(2, 3).flip(dims=(0,))", "lib.flip(lib.ones(2, 3), dims=[0])",
    "lib.ones(2, 3).tile(dims=(2,))", "lib.tile(lib.ones(2, 3), dims=(2,))",
    "lib.ones(2, 3).split(split_size=1, dim=0)",
]


@pytest.mark.parametrize("expr", KEYWORD_GAPS)
def test_keyword_size_gaps(expr):
    check(expr)


# -- autograd details -------------------------------------------------------------------------------------

def test_version_counter_is_an_int_bumped_by_each_inplace_op():
    counts = []
    for lib in (ember, torch):
        x = lib.ones(2, 3)
        v = x[0]
        seen = [x._version]
        x.add_(1)
        seen.append(x._version)
        v.mul_(2)        # through a view: the base's counter moves too
        seen.append(x._version)
        x[1] = 3.0
        seen.append(x._version)
        seen.append(v._version)
        counts.append(seen)
    assert all(isinstance(c, int) for c in counts[0])
    assert counts[0] == counts[1]


def test_abs_double_backward():
    """The op table skips abs's double backward (a stale note on ZeroTensors): it matches."""
    res = []
    for lib in (ember, torch):
        x = lib.tensor([-1.5, 0.5, 2.0, 0.0], dtype=lib.float64, requires_grad=True)
        (g,) = lib.autograd.grad(x.abs(), x, lib.tensor([0.5, 1.0, 1.5, 2.0], dtype=lib.float64),
                                 create_graph=True)
        (gg,) = lib.autograd.grad((g * g.detach()).sum() + (g * x).sum(), x)
        res.append((g, gg))
    assert_same(res[0], res[1])


def test_lecture_manual_update_of_leaves_then_fresh_graph():
    """The lecture's `w1 = w1 - lr * w1.grad` rebinding makes a non-leaf; detach().requires_grad_() restores
    a leaf whose next backward fills .grad again."""
    out = []
    for lib in (ember, torch):
        w = lib.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
        a = lib.tensor([[0.2, 0.1], [-0.3, 0.4]])
        loss = (10 - (w * a)).sum()
        loss.backward(lib.ones(loss.shape))
        w2 = w - 0.1 * w.grad
        state = (w2.is_leaf, w2.requires_grad, w2.grad_fn.name())
        w3 = w2.detach().requires_grad_()
        (w3 * a).pow(2).sum().backward()
        out.append((state, w3.grad))
    assert out[0][0] == out[1][0]
    assert_same(out[0][1], out[1][1])


# -- float16 ------------------------------------------------------------------------------------------

H = np.linspace(-3, 3, 401).astype(np.float16)


@pytest.mark.parametrize("name", ["add", "sub", "exp", "tanh", "sqrt", "sum", "mean", "pow2", "fp16_tensor_mul"])
def test_float16_bitwise_equal(name):
    fns = {"add": lambda x: x + 0.1, "sub": lambda x: x - 1 / 3, "exp": lambda x: x.exp(),
           "tanh": lambda x: x.tanh(), "sqrt": lambda x: x.abs().sqrt(), "sum": lambda x: x.sum(),
           "mean": lambda x: x.mean(), "pow2": lambda x: x ** 2, "fp16_tensor_mul": lambda x: x * x.flip(0)}
    e = fns[name](ember.tensor(H))
    t = fns[name](torch.tensor(H))
    assert str(e.dtype) == str(t.dtype)
    np.testing.assert_array_equal(e.numpy(), t.numpy())


_OPMATH_GAP = pytest.mark.xfail(strict=True, raises=AssertionError,
                               reason="ops/elementwise.py: PyTorch computes the last n % 32 elements of a float16 "
                                      "add/sub with alpha (its vector loop's remainder) in half, op by op; ember "
                                      "computes every element as the vector body does (see test_float16_alpha)")


@pytest.mark.parametrize("name", ["mul", "div", "rdiv", pytest.param("add_alpha", marks=_OPMATH_GAP), "lerp",
                                  "addcmul", "sigmoid"])
def test_float16_opmath_gaps(name):
    fns = {"mul": lambda x: x * 3.3, "div": lambda x: x / 3.3, "rdiv": lambda x: 3.3 / x,
           "add_alpha": lambda x: x.add(x, alpha=0.3), "lerp": lambda x: x.lerp(x * 0, 0.3),
           "addcmul": lambda x: x.addcmul(x, x, value=0.3), "sigmoid": lambda x: x.sigmoid()}
    e = fns[name](ember.tensor(H))
    t = fns[name](torch.tensor(H))
    np.testing.assert_array_equal(e.numpy(), t.numpy())


@pytest.mark.parametrize("op", ["add", "sub"])
@pytest.mark.parametrize("alpha", [0.3, -1.7, 1e-3, 3])
def test_float16_alpha(op, alpha):
    """float16 add/sub with alpha, bit for bit PyTorch's vectorised kernel: 4096 elements leave no remainder
    for its vector loop (AVX2 or AVX-512) and stay under its per-thread grain."""
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(4096) * rng.choice([1e-3, 1, 100], 4096)).astype(np.float16)
    y = rng.standard_normal(4096).astype(np.float16)
    e = getattr(ember.tensor(x), op)(ember.tensor(y), alpha=alpha)
    t = getattr(torch.tensor(x), op)(torch.tensor(y), alpha=alpha)
    np.testing.assert_array_equal(e.numpy(), t.numpy())


# -- known gaps (strict xfails: each turns into a failure once fixed, so the mark can be dropped) --------------

@pytest.mark.parametrize("expr", ["x.squeeze_()", "x.squeeze_(0)", "x.unsqueeze_(1)", "x.t_()",
                                  "x.transpose_(0, 2)", "x.swapaxes_(0, 1)", "x.swapdims_(1, 2)"])
def test_inplace_view_ops(expr):
    res = []
    for lib in (ember, torch):
        a = lib.arange(6.0).reshape(1, 2, 3).requires_grad_()
        x = a * 1 if expr != "x.t_()" else (a * 1)[0]
        v = x._version
        r = eval(expr, {"x": x})
        assert r is x
        x.backward(lib.ones_like(x))
        res.append((x, x._version - v, x.grad_fn.name(), a.grad))
    assert_same(res[0][0], res[1][0])
    assert res[0][1:3] == res[1][1:3]
    assert_same(res[0][3], res[1][3])


@pytest.mark.parametrize("expr", ["lib.tensor(I) << 1", "lib.tensor(I) >> 1", "1 << lib.tensor([1, 2])",
                                  "lib.tensor(I).bitwise_left_shift(lib.tensor([1, 2, 0]))",
                                  "lib.bitwise_right_shift(lib.tensor(I, dtype=lib.uint8), 1)"])
def test_shift_ops(expr):
    check(expr, I=[[6, 7, 3], [0, 2, 1]])


def test_unknown_operand_type_error_for_functions():
    check("lib.add(lib.tensor([1.0]), 'a')")


def test_operator_returns_notimplemented_for_unknown_operands():
    class Other:
        def __radd__(self, o):
            return "radd"

        def __rmul__(self, o):
            return "rmul"

    for lib in (ember, torch):
        x = lib.ones(1)
        try:
            got = (x + Other(), x * Other())
        except TypeError:
            got = None
        assert got == ("radd", "rmul"), lib.__name__


@pytest.mark.parametrize("value", ["2.0", "lib.ones(3)"])
@pytest.mark.parametrize("make", ["lib.zeros(0, 3)", "lib.zeros(0, 3, requires_grad=True) * 1"])
def test_setitem_on_empty_tensor(make, value):
    check(f"(lambda y: (y.__setitem__(slice(None), {value}), y)[1])({make})")


def test_nuclear_norm_double_backward():
    res = []
    for lib in (ember, torch):
        x = lib.tensor([[1.0, 2.0], [3.0, 5.0]], dtype=lib.float64, requires_grad=True)
        (g,) = lib.autograd.grad(x.norm(p="nuc"), x, create_graph=True)
        assert g.requires_grad, lib.__name__
        (gg,) = lib.autograd.grad((g * lib.tensor([[1.0, -1.0], [0.5, 2.0]], dtype=lib.float64)).sum(), x)
        res.append(gg)
    assert_same(res[0], res[1])


@pytest.mark.parametrize("code", [
    "a = lib.ones(2, requires_grad=True)\nwith lib.inference_mode(): b = a * 2\n(b * a).sum()",
    "with lib.inference_mode(): b = lib.ones(2)\nb.add_(1)",
])
def test_inference_tensor_errors(code):
    _same_error(code)


def test_copyslices_name():
    names = []
    for lib in (ember, torch):
        x = lib.ones(3, 4, requires_grad=True) * 2
        x[1] = lib.ones(4)
        names.append(x.grad_fn.name())
    assert names[0] == names[1]


def test_mean_integer_dtype_error():
    _same_error("lib.tensor([1.0, 2.0]).mean(dtype=lib.int64)")


@pytest.mark.parametrize("expr", ["lib.zeros(3, 0).amax(-1)", "lib.zeros(3, 0).amin((0, -1))",
                                  "lib.zeros(3, 0).amax([1])", "lib.zeros(3, 0).max(-1)"])
def test_empty_dim_messages(expr):
    """amax/amin name the dim as given, max(dim) the wrapped one, as PyTorch does."""
    _same_error(expr)


def test_top_level_inplace_functions():
    names = ["relu_", "exp_", "sigmoid_", "tanh_", "clamp_", "sqrt_", "neg_", "abs_", "log_", "round_"]
    assert [n for n in names if not hasattr(ember, n)] == []


def test_unique_backward_error_type():
    _same_error("lib.tensor([2.0, 1.0, 2.0], requires_grad=True).unique().sum().backward()")
