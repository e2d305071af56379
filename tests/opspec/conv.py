"""Op specs: convolutions, pooling, padding, resampling (interpolate, grid_sample), shuffles, fold/unfold.

Inputs are small so the whole family runs in seconds; PyTorch is the reference for values, gradients
w.r.t. every tensor argument and double backward.
"""

from opspec import Arg, OpSpec

I64 = dict(dtype="int64", grad=False, integer=True)


def _f(lib):
    return lib.nn.functional


def _spec(name, fn, cases, **kw):
    # "F_" keeps these apart from the tensor ops of the same name (Tensor.unfold) and selects them all: -k F_
    return OpSpec("F_" + name, fn, cases, **kw)


def _conv(name, call, cases, **kw):
    return _spec(name, lambda lib, *a: call(_f(lib), *a), cases, **kw)


def _grid(lo=-1.2, hi=1.2, shape=(2, 3, 4, 2)):
    return Arg(shape, low=lo, high=hi)


SPECS = [
    # -- convolutions ---------------------------------------------------------------------------------
    _conv("conv1d", lambda F, x, w, b: F.conv1d(x, w, b, stride=2, padding=1, dilation=2),
          [((2, 3, 9), (4, 3, 3), (4,))]),
    _conv("conv1d_groups_unbatched", lambda F, x, w: F.conv1d(x, w, groups=2, padding="same"),
          [((4, 7), (6, 2, 4))]),
    _conv("conv2d", lambda F, x, w, b: F.conv2d(x, w, b), [((2, 3, 6, 5), (4, 3, 3, 2), (4,))]),
    _conv("conv2d_stride_pad_dil", lambda F, x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 2),
                                                               dilation=(1, 2)),
          [((2, 2, 7, 6), (3, 2, 3, 3), (3,))]),
    _conv("conv2d_groups", lambda F, x, w, b: F.conv2d(x, w, b, groups=2, padding="same"),
          [((2, 4, 5, 6), (6, 2, 2, 3), (6,))]),
    _conv("conv2d_depthwise", lambda F, x, w: F.conv2d(x, w, groups=3, stride=2, padding=1),
          [((2, 3, 6, 7), (6, 1, 3, 3))]),
    _conv("conv2d_unbatched", lambda F, x, w, b: F.conv2d(x, w, b, padding="valid"),
          [((3, 5, 5), (2, 3, 2, 2), (2,))]),
    _conv("conv3d", lambda F, x, w, b: F.conv3d(x, w, b, stride=(1, 2, 1), padding=1),
          [((1, 2, 4, 5, 3), (3, 2, 2, 3, 2), (3,))]),
    _conv("conv_transpose1d", lambda F, x, w, b: F.conv_transpose1d(x, w, b, stride=3, padding=1,
                                                                    output_padding=2),
          [((2, 3, 4), (3, 2, 3), (2,))]),
    _conv("conv_transpose2d", lambda F, x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1,
                                                                    output_padding=1),
          [((2, 3, 4, 3), (3, 2, 3, 3), (2,))]),
    _conv("conv_transpose2d_groups_dil",
          lambda F, x, w: F.conv_transpose2d(x, w, None, stride=(1, 2), padding=(0, 1), groups=2,
                                             dilation=(2, 1)),
          [((2, 4, 3, 4), (4, 3, 2, 3))]),
    _conv("conv_transpose2d_unbatched", lambda F, x, w: F.conv_transpose2d(x, w, stride=2, dilation=3,
                                                                           output_padding=2),
          [((2, 3, 3), (2, 1, 2, 2))]),
    _conv("conv_transpose3d", lambda F, x, w, b: F.conv_transpose3d(x, w, b, stride=2),
          [((1, 2, 2, 3, 2), (2, 2, 2, 2, 2), (2,))]),
    _conv("unfold", lambda F, x: F.unfold(x, (2, 3), dilation=(2, 1), padding=1, stride=(1, 2)), [((2, 3, 5,
                                                                                                    6),)]),
    _conv("unfold_unbatched", lambda F, x: F.unfold(x, 2), [((2, 4, 3),)]),
    _conv("fold", lambda F, x: F.fold(x, (5, 6), (2, 3), padding=1, stride=(1, 2)), [((2, 12, 18),)]),
    _conv("fold_overlap", lambda F, x: F.fold(x, (4, 4), 2, dilation=2), [((1, 8, 4),)]),
    # -- pooling ----------------------------------------------------------------------------------------
    _conv("max_pool1d", lambda F, x: F.max_pool1d(x, 3, stride=2, padding=1, return_indices=True),
          [((2, 3, 9),)]),
    _conv("max_pool2d", lambda F, x: F.max_pool2d(x, 2, return_indices=True), [((2, 3, 6, 4),), ((3, 5,
                                                                                                  4),)]),
    _conv("max_pool2d_overlap", lambda F, x: F.max_pool2d(x, 3, stride=(1, 2), padding=1,
                                                          return_indices=True),
          [((2, 2, 5, 6),)]),
    _conv("max_pool2d_ceil_dil", lambda F, x: F.max_pool2d(x, (2, 3), stride=2, dilation=(2, 1),
                                                           ceil_mode=True,
                                                            return_indices=True), [((1, 2, 8, 7),)]),
    _conv("max_pool3d", lambda F, x: F.max_pool3d(x, 2, stride=(1, 2, 2), padding=1, return_indices=True),
          [((1, 2, 3, 4, 5),)]),
    _conv("avg_pool1d", lambda F, x: (F.avg_pool1d(x, 3, 2, 1), F.avg_pool1d(x, 2, ceil_mode=True,
                                                                            count_include_pad=False)),
          [((2, 3, 9),)]),
    _conv("avg_pool2d", lambda F, x: F.avg_pool2d(x, 2), [((2, 3, 6, 4),), ((3, 5, 5),)]),
    _conv("avg_pool2d_pad", lambda F, x: (F.avg_pool2d(x, 3, stride=2, padding=1),
                                          F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False),
                                          F.avg_pool2d(x, (3, 2), stride=2, padding=1, ceil_mode=True),
                                          F.avg_pool2d(x, (3, 2), stride=2, padding=1, ceil_mode=True,
                                                       count_include_pad=False),
                                          F.avg_pool2d(x, 2, stride=1, padding=1, divisor_override=3)),
          [((1, 2, 6, 7),)]),
    _conv("avg_pool3d", lambda F, x: F.avg_pool3d(x, 2, stride=(1, 2, 2), padding=1), [((1, 2, 3, 4, 5),)]),
    _conv("adaptive_avg_pool1d", lambda F, x: (F.adaptive_avg_pool1d(x, 4), F.adaptive_avg_pool1d(x, 3)),
          [((2, 3, 9),)]),
    _conv("adaptive_avg_pool2d", lambda F, x: (F.adaptive_avg_pool2d(x, (3, 4)), F.adaptive_avg_pool2d(x, 1),
                                               F.adaptive_avg_pool2d(x, (None, 2)),
                                               F.adaptive_avg_pool2d(x, (8, 3))),
          [((2, 3, 6, 5),), ((3, 7, 4),)]),
    _conv("adaptive_avg_pool3d", lambda F, x: F.adaptive_avg_pool3d(x, (2, 3, 2)), [((1, 2, 3, 5, 4),)]),
    _conv("adaptive_max_pool1d", lambda F, x: F.adaptive_max_pool1d(x, 4, return_indices=True), [((2, 3,
                                                                                                   9),)]),
    _conv("adaptive_max_pool2d", lambda F, x: (F.adaptive_max_pool2d(x, (3, 4), return_indices=True),
                                               F.adaptive_max_pool2d(x, (None, 2), return_indices=True)),
          [((2, 3, 6, 5),), ((3, 7, 4),)]),
    _conv("adaptive_max_pool3d", lambda F, x: F.adaptive_max_pool3d(x, 2, return_indices=True),
          [((1, 2, 3, 5, 4),)]),
    _conv("max_unpool2d", lambda F, x: F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2),
          [((2, 3, 6, 4),), ((2, 5, 4),)]),
    _conv("max_unpool1d", lambda F, x: F.max_unpool1d(*F.max_pool1d(x, 2, return_indices=True), 2,
                                                      output_size=(9,)), [((2, 3, 9),)]),
    _conv("lp_pool2d", lambda F, x: F.lp_pool2d(x, 2, 2), [(Arg((2, 3, 4, 4), low=0.2, high=2.0),)]),
    # -- padding ---------------------------------------------------------------------------------------
    _conv("pad_constant", lambda F, x: (F.pad(x, (1, 2)), F.pad(x, (1, 0, -1, 2), value=1.5),
                                        F.pad(x, (0, 1, 1, 1, 1, 0, 2, 1))), [((2, 3, 4, 5),)]),
    _conv("pad_reflect", lambda F, x: (F.pad(x, (2, 3), mode="reflect"), F.pad(x[0], (1, 2), mode="reflect"),
                                       F.pad(x, (-1, 2), mode="reflect")), [((2, 3, 5),)]),
    _conv("pad_reflect2d", lambda F, x: F.pad(x, (1, 2, 3, 0), mode="reflect"), [((2, 3, 4, 5),)]),
    _conv("pad_replicate", lambda F, x: (F.pad(x, (1, 2, 3, 0), mode="replicate"),
                                         F.pad(x, (-1, 3, 2, -2), mode="replicate")), [((2, 3, 4, 5),)]),
    _conv("pad_circular", lambda F, x: (F.pad(x, (1, 2, 3, 0), mode="circular"),
                                        F.pad(x, (2, -1, 0, 1), mode="circular")), [((2, 3, 4, 5),)]),
    _conv("pad_3d", lambda F, x: (F.pad(x, (1, 1, 2, 0, 1, 2), mode="reflect"),
                                  F.pad(x, (1, 1, 2, 0, 1, 2), mode="replicate"),
                                  F.pad(x, (1, 1, 2, 0, 1, 2), mode="circular")), [((1, 2, 3, 4, 3),)]),
    # -- resampling ------------------------------------------------------------------------------------
    _conv("interpolate_nearest", lambda F, x: (F.interpolate(x, scale_factor=2), F.interpolate(x, size=(3,
                                                                                                        7)),
                                               F.interpolate(x, scale_factor=(1.5, 0.7)),
                                               F.interpolate(x, size=(5, 3), mode="nearest-exact")),
          [((2, 3, 4, 5),)]),
    _conv("interpolate_bilinear", lambda F, x: (F.interpolate(x, scale_factor=2, mode="bilinear"),
                                                F.interpolate(x, size=(3, 7), mode="bilinear",
                                                              align_corners=True),
                                                F.interpolate(x, scale_factor=(1.7, 0.6), mode="bilinear"),
                                                F.interpolate(x, scale_factor=1.5, mode="bilinear",
                                                              recompute_scale_factor=True),
                                                F.interpolate(x, size=(1, 1), mode="bilinear",
                                                              align_corners=True)),
          [((2, 3, 4, 5),)]),
    _conv("interpolate_bicubic", lambda F, x: (F.interpolate(x, scale_factor=2, mode="bicubic"),
                                               F.interpolate(x, size=(3, 7), mode="bicubic",
                                                             align_corners=True)),
          [((1, 2, 4, 5),)], rtol=1e-4, atol=1e-5),
    _conv("interpolate_linear", lambda F, x: (F.interpolate(x, scale_factor=2.5, mode="linear"),
                                              F.interpolate(x, size=3, mode="linear", align_corners=True),
                                              F.interpolate(x, size=4, mode="nearest"),
                                              F.interpolate(x, size=4, mode="area")), [((2, 3, 7),)]),
    _conv("interpolate_trilinear", lambda F, x: (F.interpolate(x, scale_factor=(2, 1, 1.5), mode="trilinear"),
                                                 F.interpolate(x, size=(2, 3, 2), mode="area")),
          [((1, 2, 3, 4, 3),)]),
    _conv("interpolate_area", lambda F, x: F.interpolate(x, size=(3, 2), mode="area"), [((2, 3, 7, 5),)]),
    _conv("pixel_shuffle", lambda F, x: F.pixel_shuffle(x, 2), [((2, 8, 3, 2),), ((4, 2, 3),)]),
    _conv("pixel_unshuffle", lambda F, x: F.pixel_unshuffle(x, 2), [((2, 3, 4, 6),), ((1, 2, 2),)]),
    _conv("channel_shuffle", lambda F, x: F.channel_shuffle(x, 3), [((2, 6, 3, 2),), ((1, 6, 4),)]),
    _conv("grid_sample", lambda F, x, g: (F.grid_sample(x, g, align_corners=False),
                                          F.grid_sample(x, g, padding_mode="border", align_corners=True),
                                          F.grid_sample(x, g, padding_mode="reflection", align_corners=False),
                                          F.grid_sample(x, g, padding_mode="reflection", align_corners=True)),
          [((2, 3, 4, 5), _grid())], gradgrad=False, rtol=1e-4, atol=1e-5),
    _conv("grid_sample_nearest", lambda F, x, g: (F.grid_sample(x, g, mode="nearest", align_corners=False),
                                                  F.grid_sample(x, g, mode="nearest", padding_mode="border",
                                                                align_corners=True)),
          [((2, 3, 4, 5), Arg((2, 3, 4, 2), low=-1.2, high=1.2, grad=False))], gradgrad=False),
    _conv("grid_sample_3d", lambda F, x, g: F.grid_sample(x, g, align_corners=False),
          [((1, 2, 3, 4, 3), _grid(shape=(1, 2, 3, 2, 3)))], gradgrad=False, rtol=1e-4, atol=1e-5),
    _conv("affine_grid", lambda F, t: (F.affine_grid(t, (2, 3, 4, 5), align_corners=False),
                                       F.affine_grid(t, (2, 1, 1, 3), align_corners=True)), [((2, 2, 3),)]),
    _conv("affine_grid_3d", lambda F, t: F.affine_grid(t, (1, 2, 3, 2, 4), align_corners=False), [((1, 3,
                                                                                                    4),)]),
]
