"""ember.vision.transforms against hand-computed values and Pillow/NumPy references (torchvision cannot be
installed beside torch 2.13, so its behaviour is checked through the rules it documents)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import ember
from ember.vision import transforms as T
from ember.vision.transforms import functional as F

Image = pytest.importorskip("PIL.Image")

IM = T.InterpolationMode


def rng_image(h: int, w: int, c: int | None = None, seed: int = 0) -> np.ndarray:
    shape = (h, w) if c is None else (h, w, c)
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def arr(t: ember.Tensor) -> np.ndarray:
    return np.array(t.detach().numpy())


# ------------------------------------------------------------------------------------------------ conversions

def test_to_tensor_pil_and_ndarray():
    a = rng_image(5, 7, 3)
    t = F.to_tensor(Image.fromarray(a))
    assert t.shape == (3, 5, 7) and t.dtype is ember.float32
    np.testing.assert_allclose(arr(t), a.transpose(2, 0, 1) / 255.0, rtol=1e-6)
    np.testing.assert_allclose(arr(F.to_tensor(a)), arr(t))
    g = rng_image(4, 6)
    np.testing.assert_allclose(arr(T.ToTensor()(g)), g[None] / 255.0, rtol=1e-6)
    np.testing.assert_allclose(arr(F.to_tensor(Image.fromarray(g))), g[None] / 255.0, rtol=1e-6)


def test_to_tensor_keeps_non_byte_data():
    f = np.linspace(0, 3, 12).reshape(2, 3, 2)             # float64 HWC: no scaling, dtype kept
    t = F.to_tensor(f)
    assert t.dtype is ember.float64 and t.shape == (2, 2, 3)
    np.testing.assert_array_equal(arr(t), f.transpose(2, 0, 1))
    i = Image.fromarray(np.array([[1, 70000]], dtype=np.int32))
    assert F.to_tensor(i).dtype is ember.int32 and arr(F.to_tensor(i)).tolist() == [[[1, 70000]]]
    fl = Image.fromarray(np.array([[0.25, 2.0]], dtype=np.float32))
    assert arr(F.to_tensor(fl)).tolist() == [[[0.25, 2.0]]]
    bits = Image.fromarray(np.array([[True, False]]))
    assert arr(F.to_tensor(bits)).tolist() == [[[1.0, 0.0]]]


def test_to_tensor_accepts_tensor_images():
    u = ember.tensor([[[0, 51, 255]]], dtype=ember.uint8)
    np.testing.assert_allclose(arr(F.to_tensor(u)), [[[0.0, 0.2, 1.0]]], rtol=1e-6)
    f = ember.rand(1, 2, 2)
    assert F.to_tensor(f) is f


def test_to_tensor_errors():
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray. Got <class 'list'>"):
        F.to_tensor([1, 2])
    with pytest.raises(ValueError, match="pic should be 2/3 dimensional. Got 4 dimensions."):
        F.to_tensor(np.zeros((1, 2, 3, 4), np.uint8))


def test_pil_to_tensor():
    a = rng_image(3, 4, 3)
    t = T.PILToTensor()(Image.fromarray(a))
    assert t.dtype is ember.uint8 and t.shape == (3, 3, 4)
    np.testing.assert_array_equal(arr(t), a.transpose(2, 0, 1))
    with pytest.raises(TypeError, match="pic should be PIL Image. Got <class 'numpy.ndarray'>"):
        F.pil_to_tensor(a)


def test_to_pil_image():
    f = ember.tensor([[[0.0, 0.5, 1.0]]])
    img = T.ToPILImage()(f)
    assert img.mode == "L" and np.asarray(img).tolist() == [[0, 127, 255]]   # mul(255) then truncation
    rgb = rng_image(3, 4, 3)
    img = F.to_pil_image(ember.from_numpy(rgb.transpose(2, 0, 1).copy()))
    assert img.mode == "RGB" and np.array_equal(np.asarray(img), rgb)
    assert np.array_equal(np.asarray(F.to_pil_image(rgb)), rgb)
    assert F.to_pil_image(rng_image(2, 2, 4)).mode == "RGBA"
    assert F.to_pil_image(rng_image(2, 2, 2)).mode == "LA"
    assert F.to_pil_image(rng_image(2, 2, 3), mode="HSV").mode == "HSV"
    assert F.to_pil_image(ember.ones(2, 3)).size == (3, 2)
    i32 = F.to_pil_image(np.array([[5, -3]], dtype=np.int32))
    assert i32.mode == "I" and np.asarray(i32).tolist() == [[5, -3]]
    fl = F.to_pil_image(np.array([[0.5, 7.0]], dtype=np.float32), mode="F")
    assert fl.mode == "F" and np.asarray(fl).tolist() == [[0.5, 7.0]]


def test_to_pil_image_errors():
    with pytest.raises(ValueError, match=r"Incorrect mode \(RGB\) supplied for input type uint8. Should be L"):
        F.to_pil_image(rng_image(2, 2), mode="RGB")
    with pytest.raises(ValueError, match="pic should not have > 4 channels. Got 5 channels."):
        F.to_pil_image(ember.zeros(5, 2, 2))
    with pytest.raises(ValueError, match="pic should be 2/3 dimensional. Got 1 dimensions."):
        F.to_pil_image(ember.zeros(3))
    with pytest.raises(TypeError, match="pic should be Tensor or ndarray. Got <class 'list'>."):
        F.to_pil_image([1])
    with pytest.raises(ValueError, match=r"Only modes \['RGB', 'YCbCr', 'HSV'\] are supported for 3D inputs"):
        F.to_pil_image(rng_image(2, 2, 3), mode="RGBA")


def test_round_trip():
    a = rng_image(6, 5, 3)
    img = Image.fromarray(a)
    back = F.to_pil_image(F.to_tensor(img))
    # float -> byte truncates: x / 255 * 255 may land just under x
    assert np.abs(np.asarray(back).astype(int) - a).max() <= 1
    assert np.array_equal(np.asarray(F.to_pil_image(F.pil_to_tensor(img))), a)


def test_convert_image_dtype():
    u = ember.tensor([[[0, 128, 255]]], dtype=ember.uint8)
    np.testing.assert_allclose(arr(T.ConvertImageDtype(ember.float32)(u)), [[[0, 128 / 255, 1]]], rtol=1e-6)
    f = ember.tensor([0.0, 0.5, 1.0])
    assert arr(F.convert_image_dtype(f, ember.uint8)).tolist() == [0, 127, 255]
    assert F.convert_image_dtype(f, ember.float64).dtype is ember.float64
    i16 = ember.tensor([0, 32767, 256], dtype=ember.int16)
    assert arr(F.convert_image_dtype(i16, ember.uint8)).tolist() == [0, 255, 2]   # floor-divided by 128
    assert arr(F.convert_image_dtype(u.flatten(), ember.int32)).tolist() == [0, 128 << 23, 255 << 23]
    with pytest.raises(RuntimeError, match="The cast from torch.float32 to torch.int32 cannot be performed safely."):
        F.convert_image_dtype(f, ember.int32)
    assert F.convert_image_dtype(f, ember.float32) is f


# ------------------------------------------------------------------------------------------------ normalize

def test_normalize_values():
    x = ember.rand(2, 3, 4, 5)
    mean, std = (0.1, 0.2, 0.3), (0.5, 0.25, 2.0)
    out = T.Normalize(mean, std)(x)
    ref = (arr(x) - np.reshape(mean, (3, 1, 1))) / np.reshape(std, (3, 1, 1))
    np.testing.assert_allclose(arr(out), ref, rtol=1e-6, atol=1e-6)
    assert out is not x and out.dtype is ember.float32


def test_normalize_inplace():
    x = ember.ones(1, 2, 2)
    before = arr(x)
    F.normalize(x, [0.5], [0.5])
    assert np.array_equal(arr(x), before)
    y = F.normalize(x, [0.5], [0.5], inplace=True)
    assert y is x and arr(x).tolist() == [[[1.0, 1.0], [1.0, 1.0]]]


def test_normalize_is_differentiable():
    x = ember.rand(3, 2, 2, requires_grad=True)
    F.normalize(x, (0.0, 0.0, 0.0), (2.0, 4.0, 8.0)).sum().backward()
    np.testing.assert_allclose(arr(x.grad)[:, 0, 0], [0.5, 0.25, 0.125])


def test_normalize_errors():
    with pytest.raises(TypeError, match="Input tensor should be a float tensor. Got torch.uint8."):
        F.normalize(ember.zeros(1, 2, 2, dtype=ember.uint8), [0], [1])
    with pytest.raises(ValueError, match=r"Expected tensor to be a tensor image of size \(..., C, H, W\)"):
        F.normalize(ember.zeros(2, 2), [0], [1])
    with pytest.raises(ValueError, match="std evaluated to zero after conversion to torch.float32"):
        F.normalize(ember.zeros(2, 2, 2), [0, 0], [1, 0])
    with pytest.raises(TypeError, match="img should be Tensor Image"):
        F.normalize(np.zeros((1, 2, 2)), [0], [1])


# ------------------------------------------------------------------------------------------------ resize

@pytest.mark.parametrize("size,expected", [(4, (4, 6)), ([4], (4, 6)), ((3, 5), (3, 5)), (8, (8, 12))])
def test_resize_output_size(size, expected):
    t = ember.rand(1, 6, 9)                                   # smaller edge = height
    assert tuple(F.resize(t, size).shape[-2:]) == expected
    assert Image.fromarray(rng_image(6, 9)).resize((9, 6)).size == (9, 6)
    assert F.resize(Image.fromarray(rng_image(6, 9)), size).size == expected[::-1]
    assert tuple(F.resize(ember.rand(1, 9, 6), size).shape[-2:]) == (expected if size == (3, 5) else expected[::-1])


def test_resize_max_size():
    t = ember.rand(1, 10, 40)
    assert tuple(T.Resize(5, max_size=12)(t).shape[-2:]) == (3, 12)   # 5 x 20 would exceed 12
    assert tuple(T.Resize(None, max_size=20)(t).shape[-2:]) == (5, 20)
    with pytest.raises(ValueError, match="max_size = 4 must be strictly greater than the requested size"):
        F.resize(t, 5, max_size=4)
    with pytest.raises(ValueError, match="max_size should only be passed if size specifies the length of the"):
        F.resize(t, (5, 5), max_size=10)


def test_resize_same_size_returns_input():
    t = ember.rand(1, 4, 4)
    assert F.resize(t, 4) is t


def test_resize_bilinear_hand_computed():
    t = ember.tensor([[[0.0, 1.0]]])
    # output pixel centres at 0.25, 0.75, 1.25, 1.75 in input pixels: -0.25 clamps to the edge
    np.testing.assert_allclose(arr(F.resize(t, (1, 4))), [[[0.0, 0.25, 0.75, 1.0]]])
    # halving with antialiasing: the triangle filter widens to 4 taps, weights 1/8, 3/8, 3/8, 1/8 renormalised
    row = ember.tensor([[[0.0, 8.0, 16.0, 24.0]]])
    np.testing.assert_allclose(arr(F.resize(row, (1, 2))), [[[(0 * 3 + 8 * 3 + 16) / 7, (8 + 16 * 3 + 24 * 3) / 7]]],
                               rtol=1e-6)
    np.testing.assert_allclose(arr(F.resize(row, (1, 2), antialias=False)), [[[4.0, 20.0]]])


@pytest.mark.parametrize("mode", [IM.BILINEAR, IM.BICUBIC])
@pytest.mark.parametrize("hw,size", [((13, 17), (5, 7)), ((13, 17), (26, 30)), ((8, 20), (9, 20)), ((7, 7), (3, 11))])
def test_resize_float_matches_pillow(mode, hw, size):
    a = rng_image(*hw).astype(np.float32)
    ref = np.asarray(Image.fromarray(a).resize(size[::-1], F._PIL_FILTERS[mode]))
    got = arr(F.resize(ember.from_numpy(a[None].copy()), size, mode))[0]
    np.testing.assert_allclose(got, ref, atol=2e-3)


@pytest.mark.parametrize("hw,size", [((13, 17), (5, 7)), ((13, 17), (26, 30)), ((20, 9), (7, 30))])
def test_resize_uint8_close_to_pillow(hw, size):
    a = rng_image(*hw, c=3)
    ref = np.asarray(Image.fromarray(a).resize(size[::-1], Image.Resampling.BILINEAR)).transpose(2, 0, 1)
    got = T.Resize(size)(ember.from_numpy(a.transpose(2, 0, 1).copy()))
    assert got.dtype is ember.uint8
    diff = np.abs(arr(got).astype(int) - ref)
    # Pillow rounds its fixed-point coefficients: at most a level or two apart
    assert diff.max() <= 2 and diff.mean() < 0.2


def test_resize_nearest():
    t = ember.arange(4.0).view(1, 1, 4)
    # PyTorch's 'nearest': source index floor(i * in / out)
    assert arr(F.resize(t, (1, 6), IM.NEAREST)).tolist() == [[[0, 0, 1, 2, 2, 3]]]
    assert arr(F.resize(t, (1, 3), IM.NEAREST)).tolist() == [[[0, 1, 2]]]
    a = rng_image(9, 11)
    for size in ((4, 5), (18, 25), (9, 3)):
        ref = np.asarray(Image.fromarray(a).resize(size[::-1], Image.Resampling.NEAREST))
        got = arr(F.resize(ember.from_numpy(a[None].copy()), size, IM.NEAREST_EXACT))[0]
        assert np.array_equal(got, ref)


def test_resize_batched_and_differentiable():
    x = ember.rand(2, 3, 4, 4, requires_grad=True)
    y = F.resize(x, (2, 2))
    assert y.shape == (2, 3, 2, 2)
    y.sum().backward()
    # every input pixel's weights sum, over the outputs, to (out/in)^2 of one
    np.testing.assert_allclose(arr(x.grad).sum(), 2 * 3 * 4, rtol=1e-5)


def test_resize_errors_and_interpolation_ints():
    with pytest.raises(TypeError, match="Size should be int or sequence. Got <class 'float'>"):
        T.Resize(2.5)
    with pytest.raises(ValueError, match="If size is a sequence, it should have 1 or 2 values"):
        T.Resize((1, 2, 3))
    with pytest.raises(ValueError, match="only supported for PIL images"):
        F.resize(ember.rand(1, 4, 4), 2, IM.LANCZOS)
    assert T.Resize(3, interpolation=0).interpolation is IM.NEAREST
    assert T.Resize(3, interpolation=3).interpolation is IM.BICUBIC


# ------------------------------------------------------------------------------------------------ geometry

def test_center_crop():
    t = ember.arange(30).view(1, 5, 6)
    # top = round((5 - 2) / 2) = 2, left = round((6 - 3) / 2) = 2 (round half to even)
    assert arr(T.CenterCrop((2, 3))(t)).tolist() == [[[14, 15, 16], [20, 21, 22]]]
    assert arr(F.center_crop(t, 1)).tolist() == [[[14]]]
    img = Image.fromarray(arr(t)[0].astype(np.uint8))
    assert np.array_equal(np.asarray(F.center_crop(img, (2, 3))), arr(T.CenterCrop((2, 3))(t))[0])


def test_center_crop_pads_small_images():
    t = ember.ones(1, 2, 2)
    out = arr(F.center_crop(t, (4, 5)))[0]
    ref = np.pad(np.ones((2, 2)), ((1, 1), (1, 2)))
    assert np.array_equal(out, ref)
    img = Image.fromarray(np.full((2, 2), 9, np.uint8))
    assert np.array_equal(np.asarray(F.center_crop(img, (4, 5))), (ref * 9).astype(np.uint8))


def test_crop_outside_reads_zero():
    t = ember.arange(1, 5).view(1, 2, 2)
    assert arr(F.crop(t, -1, 1, 3, 2)).tolist() == [[[0, 0], [2, 0], [4, 0]]]
    assert arr(F.crop(t, 5, 5, 1, 2)).tolist() == [[[0, 0]]]
    img = Image.fromarray(np.array([[1, 2], [3, 4]], np.uint8))
    assert np.asarray(F.crop(img, -1, 1, 3, 2)).tolist() == [[0, 0], [2, 0], [4, 0]]


@pytest.mark.parametrize("mode,np_mode", [("constant", "constant"), ("edge", "edge"), ("reflect", "reflect"),
                                          ("symmetric", "symmetric")])
def test_pad_modes(mode, np_mode):
    a = rng_image(4, 5, 3)
    t = ember.from_numpy(a.transpose(2, 0, 1).copy())
    out = F.pad(t, [1, 2, 3, 1], padding_mode=mode)            # left, top, right, bottom
    ref = np.pad(a, ((2, 1), (1, 3), (0, 0)), mode=np_mode).transpose(2, 0, 1)
    assert np.array_equal(arr(out), ref)
    pil = F.pad(Image.fromarray(a), [1, 2, 3, 1], padding_mode=mode)
    assert np.array_equal(np.asarray(pil), ref.transpose(1, 2, 0))


def test_pad_fill_and_forms():
    t = ember.zeros(3, 1, 1)
    out = arr(F.pad(t, 1, fill=(1, 2, 3)))
    assert out.shape == (3, 3, 3) and out[:, 0, 0].tolist() == [1, 2, 3] and out[:, 1, 1].tolist() == [0, 0, 0]
    assert F.pad(t, [1, 2]).shape == (3, 5, 3)
    assert np.asarray(F.pad(Image.new("RGB", (1, 1)), 1, fill=(1, 2, 3)))[0, 0].tolist() == [1, 2, 3]
    p = F.pad(Image.new("P", (2, 2)), 1)
    assert p.mode == "P" and p.size == (4, 4)
    # negative amounts crop
    assert arr(F.pad(ember.arange(9).view(1, 3, 3), [-1, 0, 0, -1])).tolist() == [[[1, 2], [4, 5]]]


def test_pad_errors():
    t = ember.zeros(1, 2, 2)
    with pytest.raises(ValueError, match="Padding must be an int or a 1, 2, or 4 element tuple, not a 3 element"):
        F.pad(t, [1, 2, 3])
    with pytest.raises(ValueError, match="Padding mode should be either constant, edge, reflect or symmetric"):
        F.pad(t, 1, padding_mode="wrap")
    with pytest.raises(TypeError, match="Got inappropriate padding arg"):
        F.pad(t, "1")


def test_flips():
    a = rng_image(3, 4, 3)
    t = ember.from_numpy(a.transpose(2, 0, 1).copy())
    assert np.array_equal(arr(F.hflip(t)), a[:, ::-1].transpose(2, 0, 1))
    assert np.array_equal(arr(F.vflip(t)), a[::-1].transpose(2, 0, 1))
    assert np.array_equal(np.asarray(F.hflip(Image.fromarray(a))), a[:, ::-1])
    assert np.array_equal(np.asarray(F.vflip(Image.fromarray(a))), a[::-1])


def test_rotate_right_angles():
    a = rng_image(4, 4)
    t = ember.from_numpy(a[None].copy())
    assert np.array_equal(arr(F.rotate(t, 90))[0], np.rot90(a))          # counter-clockwise
    assert np.array_equal(arr(F.rotate(t, -90))[0], np.rot90(a, -1))
    assert np.array_equal(arr(F.rotate(t, 180))[0], a[::-1, ::-1])
    b = rng_image(3, 5)
    out = arr(F.rotate(ember.from_numpy(b[None].copy()), 90, expand=True))[0]
    assert np.array_equal(out, np.rot90(b))


@pytest.mark.parametrize("angle", [30, -45, 17.3, 123])
@pytest.mark.parametrize("expand", [False, True])
def test_rotate_nearest_matches_pillow(angle, expand):
    a = rng_image(13, 17)
    ref = np.asarray(Image.fromarray(a).rotate(angle, resample=Image.Resampling.NEAREST, expand=expand))
    got = arr(F.rotate(ember.from_numpy(a[None].copy()), angle, expand=expand))[0]
    assert got.shape == ref.shape and np.array_equal(got, ref)


def test_rotate_center_and_fill_match_pillow():
    a = rng_image(9, 12)
    ref = np.asarray(Image.fromarray(a).rotate(25, center=(2, 3), fillcolor=200))
    got = arr(F.rotate(ember.from_numpy(a[None].copy()), 25, center=[2, 3], fill=[200]))[0]
    assert np.array_equal(got, ref)
    assert np.array_equal(np.asarray(F.rotate(Image.fromarray(a), 25, center=[2, 3], fill=200)), ref)


def test_rotate_bilinear_interior_matches_pillow():
    a = rng_image(15, 15)
    t = ember.from_numpy(a[None].copy())
    ref = np.asarray(Image.fromarray(a).rotate(33, resample=Image.Resampling.BILINEAR)).astype(int)
    got = arr(F.rotate(t, 33, IM.BILINEAR))[0].astype(int)
    # away from the border both interpolate the same four pixels (Pillow in fixed point)
    inner = arr(F.rotate(t, 33, IM.BILINEAR, fill=[255]))[0].astype(int) == got
    assert inner.sum() > 100 and np.abs(ref - got)[inner].max() <= 1


def test_rotate_float_image_and_errors():
    x = ember.rand(2, 3, 6, 6)
    assert F.rotate(x, 10, IM.BILINEAR).shape == (2, 3, 6, 6)
    with pytest.raises(ValueError, match="not supported for tensor images"):
        F.rotate(x, 10, IM.BICUBIC)
    with pytest.raises(TypeError, match="img should be PIL Image or Tensor"):
        F.rotate(np.zeros((3, 3)), 10)


# ------------------------------------------------------------------------------------------------ random

def test_random_crop_is_a_window_of_the_padded_image():
    a = rng_image(6, 7)
    t = ember.from_numpy(a[None].copy())
    padded = np.pad(a, 2)
    crop = T.RandomCrop((5, 4), padding=2)
    for _ in range(10):
        out = arr(crop(t))[0]
        windows = np.lib.stride_tricks.sliding_window_view(padded, (5, 4))
        assert (windows == out).all(axis=(2, 3)).any()


def test_random_crop_reproducible_with_manual_seed():
    t = ember.rand(1, 10, 10)
    crop = T.RandomCrop(4)
    ember.manual_seed(3)
    first = [arr(crop(t)) for _ in range(5)]
    ember.manual_seed(3)
    second = [arr(crop(t)) for _ in range(5)]
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    assert len({a.tobytes() for a in first}) > 1


def test_random_crop_pad_if_needed_and_errors():
    t = ember.ones(1, 2, 3)
    out = T.RandomCrop((4, 5), pad_if_needed=True, fill=7)(t)
    assert out.shape == (1, 4, 5) and arr(out).sum() == 6 + 7 * 14
    with pytest.raises(ValueError, match=r"Required crop size \(4, 4\) is larger than input image size \(2, 3\)"):
        T.RandomCrop(4)(t)
    assert T.RandomCrop.get_params(t, (2, 3)) == (0, 0, 2, 3)
    img = T.RandomCrop(2, padding=1)(Image.fromarray(rng_image(3, 3)))
    assert img.size == (2, 2)


def test_random_flips():
    t = ember.arange(6).view(1, 2, 3)
    assert arr(T.RandomHorizontalFlip(p=1.0)(t)).tolist() == [[[2, 1, 0], [5, 4, 3]]]
    assert arr(T.RandomVerticalFlip(p=1.0)(t)).tolist() == [[[3, 4, 5], [0, 1, 2]]]
    assert T.RandomHorizontalFlip(p=0.0)(t) is t
    flip = T.RandomHorizontalFlip()
    ember.manual_seed(0)
    first = [flip(t) is t for _ in range(20)]
    ember.manual_seed(0)
    assert [flip(t) is t for _ in range(20)] == first
    assert 0 < sum(first) < 20


def test_random_rotation():
    t = ember.from_numpy(rng_image(7, 7)[None].copy())
    fixed = T.RandomRotation((30, 30))
    assert np.array_equal(arr(fixed(t)), arr(F.rotate(t, 30, fill=[0])))
    ember.manual_seed(1)
    angles = [T.RandomRotation.get_params([-10.0, 20.0]) for _ in range(50)]
    assert all(-10 <= a <= 20 for a in angles)
    ember.manual_seed(1)
    assert [T.RandomRotation.get_params([-10.0, 20.0]) for _ in range(50)] == angles
    with pytest.raises(ValueError, match="If degrees is a single number, it must be positive."):
        T.RandomRotation(-5)
    with pytest.raises(ValueError, match="If degrees is a sequence, it must be of len 2."):
        T.RandomRotation([1, 2, 3])
    with pytest.raises(TypeError, match="Fill should be either a sequence or a number."):
        T.RandomRotation(5, fill=object())
    img = T.RandomRotation(45, expand=True)(Image.fromarray(rng_image(5, 5)))
    assert img.size[0] >= 5


# ------------------------------------------------------------------------------------------------ plumbing

def test_compose_and_lambda():
    pipeline = T.Compose([T.ToTensor(), T.Lambda(lambda x: x * 2), T.Normalize([1.0], [0.5])])
    out = pipeline(np.full((2, 2), 255, np.uint8))
    assert arr(out).tolist() == [[[2.0, 2.0], [2.0, 2.0]]]
    with pytest.raises(TypeError, match="Argument lambd should be callable, got 'int'"):
        T.Lambda(3)


def test_reprs():
    assert repr(T.ToTensor()) == "ToTensor()"
    assert repr(T.PILToTensor()) == "PILToTensor()"
    assert repr(T.ToPILImage()) == "ToPILImage()"
    assert repr(T.ToPILImage("RGB")) == "ToPILImage(mode=RGB)"
    assert repr(T.Normalize((0.5,), (0.25,))) == "Normalize(mean=(0.5,), std=(0.25,))"
    assert repr(T.Resize(4)) == "Resize(size=4, interpolation=bilinear, max_size=None, antialias=True)"
    assert repr(T.CenterCrop(3)) == "CenterCrop(size=(3, 3))"
    assert repr(T.RandomCrop(3, padding=2)) == "RandomCrop(size=(3, 3), padding=2)"
    assert repr(T.RandomHorizontalFlip()) == "RandomHorizontalFlip(p=0.5)"
    assert repr(T.RandomVerticalFlip(0.3)) == "RandomVerticalFlip(p=0.3)"
    assert repr(T.RandomRotation(10)) == \
        "RandomRotation(degrees=[-10.0, 10.0], interpolation=nearest, expand=False, fill=0)"
    assert repr(T.RandomRotation((0, 5), center=(1, 1))) == \
        "RandomRotation(degrees=[0.0, 5.0], interpolation=nearest, expand=False, center=(1, 1), fill=0)"
    assert repr(T.Lambda(abs)) == "Lambda()"
    assert repr(T.ConvertImageDtype(ember.float32)) == "ConvertImageDtype()"
    assert repr(T.Compose([T.ToTensor(), T.CenterCrop(2)])) == \
        "Compose(\n    ToTensor()\n    CenterCrop(size=(2, 2))\n)"


def test_module_transforms_compose_in_sequential():
    pipeline = ember.nn.Sequential(T.CenterCrop(2), T.Normalize([0.5], [0.5]))
    assert arr(pipeline(ember.ones(1, 4, 4))).tolist() == [[[1.0, 1.0], [1.0, 1.0]]]


def test_missing_pillow_is_reported(monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match=r"pip install 'ember\[vision\]'"):
        F.to_pil_image(ember.zeros(1, 2, 2))
    # tensor paths need no Pillow
    assert F.resize(ember.zeros(1, 4, 4), 2).shape == (1, 2, 2)


def test_importing_vision_does_not_import_pillow():
    code = ("import sys, ember, ember.vision, ember.vision.transforms, ember.vision.datasets; "
            "print('PIL' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
