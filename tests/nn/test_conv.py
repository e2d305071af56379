"""Conv1d/2d/3d, ConvTranspose1d/2d/3d and F.conv*/F.conv_transpose* against PyTorch: outputs, gradients
w.r.t. input, weight and bias, double backward, default initialisation, reprs and error messages."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from conftest import torch
from nn.layer_parity import check_fn, check_module, err, same_error, same_module, to_np

pytestmark = pytest.mark.skipif(torch is None, reason="PyTorch (the parity reference) is not installed")
TNN = torch.nn if torch is not None else None
TF = torch.nn.functional if torch is not None else None
RNG = np.random.default_rng(0)


def arr(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


CONV2D = [
    dict(args=(3, 4, 3)),
    dict(args=(3, 4, (2, 3)), kw=dict(stride=(2, 1), padding=(1, 2))),
    dict(args=(3, 6, 3), kw=dict(padding="same", dilation=2, groups=3)),
    dict(args=(4, 4, 3), kw=dict(groups=4, stride=2, padding=1, bias=False)),
    dict(args=(2, 4, (2, 3)), kw=dict(padding="same")),
    dict(args=(3, 2, 3), kw=dict(padding="valid", dilation=(1, 2))),
    dict(args=(3, 4, 3), kw=dict(padding=1, padding_mode="reflect")),
    dict(args=(3, 4, 3), kw=dict(padding=(2, 1), padding_mode="replicate", stride=2)),
    dict(args=(3, 4, (3, 2)), kw=dict(padding=(1, 2), padding_mode="circular")),
    dict(args=(3, 4, 4), kw=dict(padding="same", padding_mode="reflect")),
]


@pytest.mark.parametrize("case", CONV2D, ids=lambda c: str(c.get("kw", "")))
@pytest.mark.parametrize("batched", [True, False])
def test_conv2d_module(case, batched):
    e, t = same_module(nn.Conv2d, TNN.Conv2d, *case["args"], **case.get("kw", {}))
    shape = (2, case["args"][0], 7, 8) if batched else (case["args"][0], 7, 8)
    check_module(e, t, arr(*shape))


CONV1D = [dict(args=(2, 3, 3)), dict(args=(4, 2, 2), kw=dict(stride=2, padding=1, groups=2, bias=False)),
          dict(args=(2, 3, 4), kw=dict(padding="same", dilation=3, padding_mode="circular")),
          dict(args=(2, 2, 3), kw=dict(padding=2, padding_mode="reflect"))]


@pytest.mark.parametrize("case", CONV1D, ids=lambda c: str(c.get("kw", "")))
def test_conv1d_module(case):
    e, t = same_module(nn.Conv1d, TNN.Conv1d, *case["args"], **case.get("kw", {}))
    check_module(e, t, arr(2, case["args"][0], 11))
    check_module(e, t, arr(case["args"][0], 9))


@pytest.mark.parametrize("kw", [dict(), dict(stride=(1, 2, 1), padding=1, groups=2),
                                dict(padding="same", padding_mode="replicate", dilation=(1, 1, 2))])
def test_conv3d_module(kw):
    e, t = same_module(nn.Conv3d, TNN.Conv3d, 2, 4, (2, 3, 2), **kw)
    check_module(e, t, arr(2, 2, 4, 5, 6))
    check_module(e, t, arr(2, 3, 4, 5), second_order=False)


TRANSPOSED = [
    (nn.ConvTranspose2d, "ConvTranspose2d", (3, 2, 3), dict()),
    (nn.ConvTranspose2d, "ConvTranspose2d", (4, 6, (3, 2)), dict(stride=2, padding=1, output_padding=1,
                                                                 groups=2)),
    (nn.ConvTranspose2d, "ConvTranspose2d", (2, 3, 2), dict(stride=(2, 3), dilation=(3, 1),
                                                            output_padding=(2, 1),
                                                             bias=False)),
    (nn.ConvTranspose1d, "ConvTranspose1d", (3, 4, 3), dict(stride=3, padding=2, output_padding=1)),
    (nn.ConvTranspose3d, "ConvTranspose3d", (2, 2, 2), dict(stride=2, padding=(0, 1, 0))),
]


@pytest.mark.parametrize("cls,tname,args,kw", TRANSPOSED)
@pytest.mark.parametrize("batched", [True, False])
def test_conv_transpose_module(cls, tname, args, kw, batched):
    e, t = same_module(cls, getattr(TNN, tname), *args, **kw)
    nd = int(tname[-2])
    shape = (args[0],) + (4, 5, 3)[:nd]
    check_module(e, t, arr(*((2,) + shape if batched else shape)))


@pytest.mark.parametrize("output_size", [(9, 10), (10, 9), [1, 3, 10, 10], (1, 3, 9, 9)])
def test_conv_transpose_output_size(output_size):
    e, t = same_module(nn.ConvTranspose2d, TNN.ConvTranspose2d, 2, 3, 3, stride=2)
    x = arr(1, 2, 4, 4)
    check_module(e, t, x, output_size=output_size)
    if len(output_size) == 2:
        check_module(e, t, x[0], output_size=output_size, second_order=False)


def test_conv_transpose_output_size_errors():
    e, t = same_module(nn.ConvTranspose2d, TNN.ConvTranspose2d, 2, 3, 3, stride=2)
    x = arr(1, 2, 4, 4)
    for size in [(12, 12), (8, 9), (3, 10, 10), [1, 2, 3, 4, 5]]:
        same_error(lambda s=size: e(ember.tensor(x), output_size=s), lambda s=size: t(torch.tensor(x),
                                                                                      output_size=s))
    same_error(lambda: e(ember.tensor(x[0]), output_size=(12, 12)), lambda: t(torch.tensor(x[0]),
                                                                              output_size=(12, 12)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv2d_float32_and_float64(dtype):
    e, t = same_module(nn.Conv2d, TNN.Conv2d, 3, 5, 3, padding=1, dtype=dtype)
    if dtype == np.float32:
        e, t = nn.Conv2d(3, 5, 3, padding=1), TNN.Conv2d(3, 5, 3, padding=1)
        t.load_state_dict({k: torch.from_numpy(to_np(v).copy()) for k, v in e.state_dict().items()})
    out, _ = check_module(e, t, arr(2, 3, 6, 6, dtype=dtype))
    assert out[0].dtype == (ember.float32 if dtype == np.float32 else ember.float64)


def test_lecture_model_matches_pytorch():
    """The lecture's two-layer CNN, with PyTorch given ember's weights."""

    def build(lib):
        class Model(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = lib.nn.Conv2d(1, 20, 5)
                self.conv2 = lib.nn.Conv2d(20, 20, 5)

            def forward(self, x):
                relu = getattr(lib.nn.functional, "relu", lib.relu)
                x = relu(self.conv1(x))
                return relu(self.conv2(x))
        return Model()

    e, t = build(ember), build(torch)
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    t.load_state_dict({k: torch.from_numpy(to_np(v).copy()) for k, v in e.state_dict().items()})
    x = arr(4, 1, 28, 28, dtype=np.float32)
    ye, yt = e(ember.tensor(x)), t(torch.tensor(x))
    assert tuple(ye.shape) == (4, 20, 20, 20)
    np.testing.assert_allclose(to_np(ye), to_np(yt), rtol=1e-4, atol=1e-5)
    ye.sum().backward()
    yt.sum().backward()
    for (n, pe), (_, pt) in zip(e.named_parameters(), t.named_parameters()):
        np.testing.assert_allclose(to_np(pe.grad), to_np(pt.grad), rtol=1e-4, atol=1e-4, err_msg=n)


def test_lecture_model_trains():
    """A few SGD steps through two convs and a max pool reduce the loss (the demo's training loop)."""
    ember.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.MaxPool2d(2), nn.Conv2d(4, 2, 3))
    x = ember.tensor(arr(8, 1, 8, 8, dtype=np.float32))
    target = ember.tensor(arr(8, 2, 2, 2, dtype=np.float32))
    losses = []
    for _ in range(20):
        for p in model.parameters():
            p.grad = None
        loss = ((model(x) - target) ** 2).mean()
        loss.backward()
        with ember.no_grad():
            for p in model.parameters():
                p -= 0.1 * p.grad
        losses.append(loss.item())
    assert losses[-1] < 0.9 * losses[0]


@pytest.mark.parametrize("cls,shape", [(nn.Conv1d, (6, 3, 5)), (nn.Conv2d, (6, 3, 5, 4)),
                                       (nn.Conv3d, (6, 3, 2, 3, 4)), (nn.ConvTranspose2d, (4, 3, 5, 4))])
def test_default_init(cls, shape):
    ember.manual_seed(1)
    if cls is nn.ConvTranspose2d:
        m = cls(4, 6, (5, 4), groups=2)
        fan_in = 3 * 20
    else:
        m = cls(3, 6, shape[2:])
        fan_in = 3 * math.prod(shape[2:])
    assert tuple(m.weight.shape) == shape
    bound = 1 / math.sqrt(fan_in)
    w, b = to_np(m.weight), to_np(m.bias)
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    # kaiming_uniform_(a=sqrt(5)) is U(-bound, bound): std bound / sqrt(3)
    assert abs(w.std() - bound / math.sqrt(3)) < 0.25 * bound
    assert m.weight.requires_grad and m.bias.requires_grad
    ember.manual_seed(1)
    again = cls(4, 6, (5, 4), groups=2) if cls is nn.ConvTranspose2d else cls(3, 6, shape[2:])
    np.testing.assert_array_equal(to_np(again.weight), w)


def test_parameters_and_state_dict_match_pytorch():
    for args, kw in [((3, 6, 3), {}), ((4, 8, (2, 3)), dict(groups=2, bias=False))]:
        e, t = nn.Conv2d(*args, **kw), TNN.Conv2d(*args, **kw)
        assert {k: tuple(v.shape) for k, v in e.state_dict().items()} == \
               {k: tuple(v.shape) for k, v in t.state_dict().items()}
        et, tt = nn.ConvTranspose2d(*args, **kw), TNN.ConvTranspose2d(*args, **kw)
        assert {k: tuple(v.shape) for k, v in et.state_dict().items()} == \
               {k: tuple(v.shape) for k, v in tt.state_dict().items()}
    e = nn.Conv2d(2, 4, 3, dtype=ember.float64)
    assert e.weight.dtype == ember.float64 and e.bias.dtype == ember.float64


def test_attributes_match_pytorch():
    for args, kw in [((3, 6, 3), {}), ((4, 8, (2, 3)), dict(padding="same", padding_mode="reflect")),
                     ((4, 8, 3), dict(stride=2, padding=(1, 2), dilation=2, groups=4))]:
        e, t = nn.Conv2d(*args, **kw), TNN.Conv2d(*args, **kw)
        for a in ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "transposed",
                  "output_padding", "groups", "padding_mode", "_reversed_padding_repeated_twice"):
            assert getattr(e, a) == getattr(t, a), a


REPRS = ["Conv2d(1, 20, 5)", "Conv2d(1, 20, kernel_size=(5, 3), stride=2, padding=1, bias=False)",
         "Conv2d(4, 4, 3, padding='same', dilation=2, groups=2, padding_mode='circular')",
         "Conv2d(4, 4, 3, padding='valid')", "Conv1d(2, 3, 4, padding=(2,))",
         "Conv3d(2, 2, (1, 2, 3), stride=(1, 1, 2))", "ConvTranspose2d(2, 3, 3, stride=2, output_padding=1)",
         "ConvTranspose1d(2, 4, 3, groups=2, dilation=2)", "ConvTranspose3d(2, 3, 2, bias=False)",
         "ConvTranspose2d(4, 4, 3, padding='same')"]


@pytest.mark.parametrize("expr", REPRS)
def test_repr(expr):
    assert repr(eval("nn." + expr)) == repr(eval("TNN." + expr))


CTOR_ERRORS = ["Conv2d(3, 4, 3, groups=2)", "Conv2d(4, 3, 3, groups=2)", "Conv2d(4, 4, 3, groups=0)",
               "Conv2d(4, 4, 3, groups=-1)", "Conv2d(4, 4, 3, padding_mode='foo')",
               "Conv2d(4, 4, 3, padding='foo')", "Conv2d(4, 4, 3, padding='same', stride=2)",
               "Conv1d(4, 4, 3, padding='same', stride=(2,))",
               "ConvTranspose2d(4, 4, 3, padding_mode='reflect')",
               "ConvTranspose1d(4, 4, 3, padding_mode='circular')"]


@pytest.mark.parametrize("expr", CTOR_ERRORS)
def test_constructor_errors(expr):
    same_error(lambda: eval("nn." + expr), lambda: eval("TNN." + expr))


X = np.zeros((1, 3, 28, 28))
W = np.zeros((20, 1, 5, 5))
FN_ERRORS = [
    ("conv2d", (np.zeros((2, 3)), W), {}),
    ("conv2d", (X, W), {}),
    ("conv2d", (np.zeros((1, 1, 4, 4)), W), {}),
    ("conv2d", (np.zeros((1, 1, 2, 2)), W), dict(dilation=2, padding=1)),
    ("conv2d", (np.zeros((1, 1, 2, 2)), W), dict(padding=(1, 0))),
    ("conv2d", (np.zeros((1, 1, 8, 8)), W, np.zeros(3)), {}),
    ("conv2d", (np.zeros((1, 1, 8, 8)), W, np.zeros((20, 1))), {}),
    ("conv2d", (np.zeros((1, 1, 8, 8)), W), dict(stride=0)),
    ("conv2d", (np.zeros((1, 1, 8, 8)), W), dict(stride=(1, -1))),
    ("conv2d", (np.zeros((1, 1, 8, 8)), W), dict(padding=-1)),
    ("conv2d", (np.zeros((1, 2, 8, 8)), np.zeros((3, 1, 3, 3))), dict(groups=2)),
    ("conv2d", (np.zeros((1, 4, 8, 8)), np.zeros((1, 2, 3, 3))), dict(groups=2)),
    ("conv2d", (np.zeros((1, 2, 8, 8)), np.zeros((4, 1, 3, 3))), dict(groups=0)),
    ("conv2d", (np.zeros((1, 1, 8, 8)), W), dict(groups=2)),
    ("conv2d", (np.zeros((1, 1, 8, 8)), np.zeros((20, 1, 5)),), {}),
    ("conv2d", (np.zeros((1, 1, 8, 8)), W), dict(stride=2, padding="same")),
    ("conv2d", (np.zeros((1, 1, 8, 8)), W), dict(padding="foo")),
    ("conv2d", (np.zeros((1, 1, 8, 8)), W), dict(stride=(1, 1, 1))),
    ("conv2d", (np.zeros((1, 1, 8, 8)), W), dict(padding=(1, 1, 1))),
    ("conv2d", (np.zeros((1, 1, 8, 8)), np.zeros((0, 1, 3, 3))), {}),
    ("conv1d", (np.zeros((1, 1, 8, 8, 3)), np.zeros((2, 1, 3))), {}),
    ("conv1d", (np.zeros((1, 1, 8)), np.zeros((2, 1, 3, 3))), {}),
    ("conv1d", (np.zeros((1, 1, 2)), np.zeros((2, 1, 3))), {}),
    ("conv3d", (np.zeros((1, 8)), np.zeros((2, 1, 3, 3, 3))), {}),
    ("conv3d", (np.zeros((1, 1, 2, 3, 4)), np.zeros((2, 1, 3, 3, 3))), {}),
    ("conv_transpose2d", (np.zeros((1, 2, 4, 4)), np.zeros((2, 3, 3, 3))), dict(output_padding=1)),
    ("conv_transpose2d", (np.zeros((1, 2, 4, 4)), np.zeros((2, 3, 3, 3))), dict(stride=2, output_padding=2)),
    ("conv_transpose2d", (np.zeros((1, 2, 4, 4)), np.zeros((3, 3, 3, 3))), {}),
    ("conv_transpose2d", (np.zeros((2, 3)), np.zeros((3, 3, 3, 3))), {}),
    ("conv_transpose2d", (np.zeros((1, 2, 4, 4)), np.zeros((2, 3, 3, 3))), dict(padding=3)),
    ("conv_transpose2d", (np.zeros((1, 2, 4, 4)), np.zeros((2, 3, 3, 3))), dict(padding="same")),
    ("conv_transpose2d", (np.zeros((1, 4, 4, 4)), np.zeros((4, 3, 3, 3))), dict(groups=3)),
    ("conv_transpose2d", (np.zeros((1, 2, 4, 4)), np.zeros((2, 3, 3, 3)), np.zeros(2)), {}),
    ("conv_transpose1d", (np.zeros((1, 2, 4)), np.zeros((2, 3, 3))), dict(output_padding=1)),
    ("conv_transpose1d", (np.zeros((1, 2, 4)), np.zeros((2, 3, 3))), dict(padding=3)),
    ("conv_transpose3d", (np.zeros((1, 2, 4, 4, 4)), np.zeros((2, 3, 3, 3, 3))), dict(output_padding=1)),
]


@pytest.mark.parametrize("name,arrays,kw", FN_ERRORS, ids=[f"{e[0]}-{i}" for i, e in enumerate(FN_ERRORS)])
def test_functional_errors(name, arrays, kw):
    same_error(lambda: getattr(F, name)(*[ember.tensor(a) for a in arrays], **kw),
               lambda: getattr(TF, name)(*[torch.tensor(a) for a in arrays], **kw))


@pytest.mark.parametrize("xd,wd,bd", [("float64", "float32", None), ("float32", "float64", None),
                                      ("int64", "float32", None), ("float32", "float32", "float64"),
                                      ("int64", "int64", "float32")])
def test_dtype_errors(xd, wd, bd):
    x, w = np.ones((1, 1, 6, 6)), np.ones((2, 1, 3, 3))
    b = None if bd is None else np.ones(2)

    def call(lib):
        return lib.nn.functional.conv2d(lib.tensor(x, dtype=getattr(lib, xd)), lib.tensor(w,
                                                                                          dtype=getattr(lib,
                                                                                                        wd)),
                                        None if b is None else lib.tensor(b, dtype=getattr(lib, bd)))
    same_error(lambda: call(ember), lambda: call(torch))


@pytest.mark.parametrize("dtype", ["int64", "int32"])
def test_integer_conv(dtype):
    x = RNG.integers(-3, 4, (2, 2, 6, 5))
    w = RNG.integers(-2, 3, (3, 2, 3, 2))
    e = F.conv2d(ember.tensor(x, dtype=getattr(ember, dtype)), ember.tensor(w, dtype=getattr(ember, dtype)),
                 stride=2)
    t = TF.conv2d(torch.tensor(x, dtype=getattr(torch, dtype)), torch.tensor(w, dtype=getattr(torch, dtype)),
                  stride=2)
    assert e.dtype == getattr(ember, dtype)
    np.testing.assert_array_equal(to_np(e), to_np(t))


def test_empty_batch():
    w = arr(3, 2, 3, 3)
    e = F.conv2d(ember.tensor(np.zeros((0, 2, 5, 5))), ember.tensor(w))
    t = TF.conv2d(torch.tensor(np.zeros((0, 2, 5, 5))), torch.tensor(w))
    assert tuple(e.shape) == tuple(t.shape) == (0, 3, 3, 3)


def test_grad_fn_names():
    x = ember.tensor(arr(1, 2, 5, 5), requires_grad=True)
    w = ember.tensor(arr(3, 2, 3, 3), requires_grad=True)
    assert F.conv2d(x, w).grad_fn.name() == "ConvolutionBackward0"
    assert F.conv_transpose2d(x, w.transpose(0, 1)).grad_fn.name() == "ConvolutionBackward0"


def test_noncontiguous_input_and_weight():
    x = arr(2, 3, 7, 12)
    w = arr(4, 3, 3, 6)
    check_fn(lambda t: F.conv2d(t[..., ::2], ember.tensor(w)[..., ::2], padding=1),
             lambda t: TF.conv2d(t[..., ::2], torch.tensor(w)[..., ::2], padding=1), x)


def test_functional_weight_and_bias_gradients():
    """Gradients w.r.t. weight and bias passed as plain tensors, including second order through both."""
    x, w, b = arr(2, 4, 6, 5), arr(6, 2, 3, 2), arr(6)
    for fe, ft, kw in [(F.conv2d, TF.conv2d, dict(stride=(2, 1), padding=1, dilation=(1, 2), groups=2)),
                       (F.conv_transpose2d, TF.conv_transpose2d, dict(stride=2, padding=1,
                                                                      output_padding=1))]:
        wt = w if fe is F.conv2d else arr(4, 3, 3, 2)
        bt = b if fe is F.conv2d else arr(3 * (1 if "groups" not in kw else 2))
        ew, eb = ember.tensor(wt, requires_grad=True), ember.tensor(bt, requires_grad=True)
        tw, tb = torch.tensor(wt, requires_grad=True), torch.tensor(bt, requires_grad=True)
        check_fn(lambda t, fe=fe, kw=kw, ew=ew, eb=eb: fe(t, ew, eb, **kw),
                 lambda t, ft=ft, kw=kw, tw=tw, tb=tb: ft(t, tw, tb, **kw), x, [ew, eb], [tw, tb])


def test_err_helper_sees_no_error_for_valid_call():
    assert err(lambda: F.conv2d(ember.zeros(1, 1, 5, 5), ember.zeros(1, 1, 3, 3))) is None


@pytest.mark.parametrize("dtype", ["float64"])
@pytest.mark.parametrize("name,x,w,dil", [("conv2d", (1, 1, 8, 8), (2, 1, 3, 3), 0), ("conv2d", (1, 1, 8, 8),
                                                                                      (2, 1, 3, 3), -1),
                                          ("conv2d", (1, 1, 8, 8), (2, 1, 3, 3), (1, 0)),
                                          ("conv1d", (1, 1, 8), (2, 1, 3), 0), ("conv3d", (1, 1, 4, 4, 4),
                                                                                (2, 1, 3, 3, 3), 0),
                                          ("conv_transpose2d", (1, 1, 8, 8), (1, 2, 3, 3), 0)])
def test_dilation_errors(dtype, name, x, w, dil):
    """PyTorch words a zero dilation differently per kernel (float32 2-d convolutions may say "non-positive
    dilation is not supported"); ember uses the generic kernel's words."""
    def call(lib):
        dt = getattr(lib, dtype)
        return getattr(lib.nn.functional, name)(lib.zeros(x, dtype=dt), lib.zeros(w, dtype=dt), dilation=dil)
    same_error(lambda: call(ember), lambda: call(torch))
