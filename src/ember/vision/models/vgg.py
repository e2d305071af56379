"""VGG (Simonyan and Zisserman, "Very Deep Convolutional Networks for Large-Scale Image Recognition", 2014),
in torchvision's layout (`features`, `avgpool`, `classifier`), so torchvision's state dicts load unchanged."""

from __future__ import annotations

from typing import Any

from ... import nn
from ..._tensor import Tensor
from ._utils import Weights, WeightsEnum, _load_weights, _resolve, _set_num_classes

__all__ = ["VGG", "VGG11_Weights", "VGG11_BN_Weights", "VGG16_Weights", "VGG16_BN_Weights", "vgg11", "vgg11_bn",
           "vgg16", "vgg16_bn", "make_layers"]

# channel counts of the 3x3 convolutions, "M" a 2x2 max pool; "A" is VGG-11, "D" VGG-16 (the paper's names)
cfgs: dict[str, list[int | str]] = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}


def make_layers(cfg: list[int | str], batch_norm: bool = False) -> nn.Sequential:
    """The convolutional part of a VGG from its configuration list."""
    layers: list[nn.Module] = []
    in_channels = 3
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        layers.append(nn.Conv2d(in_channels, v, kernel_size=3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(v))
        layers.append(nn.ReLU(inplace=True))
        in_channels = v
    return nn.Sequential(*layers)


class VGG(nn.Module):
    """`features` (convolutions and max pools), adaptive average pooling to 7x7 (so any input of at least
    32x32 works), and three fully connected layers with dropout."""

    def __init__(self, features: nn.Module, num_classes: int = 1000, init_weights: bool = True,
                 dropout: float = 0.5) -> None:
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes),
        )
        if init_weights:
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    if m.bias is not None:
                        nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0, 0.01)
                    nn.init.constant_(m.bias, 0)

    def forward(self, x: Tensor) -> Tensor:
        x = self.avgpool(self.features(x)).flatten(1)
        return self.classifier(x)


_COMMON_META = {"min_size": (32, 32), "num_classes": 1000,
                "recipe": "https://github.com/pytorch/vision/tree/main/references/classification#alexnet-and-vgg"}


def _weights(url: str, num_params: int, acc1: float, acc5: float) -> Weights:
    return Weights(url=url, meta={**_COMMON_META, "num_params": num_params,
                                  "_metrics": {"ImageNet-1K": {"acc@1": acc1, "acc@5": acc5}}})


class VGG11_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights("https://download.pytorch.org/models/vgg11-8a719046.pth", 132863336, 69.020, 88.628)
    DEFAULT = IMAGENET1K_V1


class VGG11_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights("https://download.pytorch.org/models/vgg11_bn-6002323d.pth", 132868840, 70.370, 89.810)
    DEFAULT = IMAGENET1K_V1


class VGG16_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights("https://download.pytorch.org/models/vgg16-397923af.pth", 138357544, 71.592, 90.382)
    DEFAULT = IMAGENET1K_V1


class VGG16_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights("https://download.pytorch.org/models/vgg16_bn-6c64b313.pth", 138365992, 73.360, 91.516)
    DEFAULT = IMAGENET1K_V1


def _vgg(cfg: str, batch_norm: bool, weights_enum: type[WeightsEnum], weights: Any, progress: bool,
         kwargs: dict) -> VGG:
    weights = _resolve(weights_enum, weights, kwargs)
    _set_num_classes(weights, kwargs)
    if weights is not None:
        kwargs["init_weights"] = False  # all of it is overwritten next
    model = VGG(make_layers(cfgs[cfg], batch_norm=batch_norm), **kwargs)
    _load_weights(model, weights, progress)
    return model


def vgg11(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-11 (configuration "A"). `weights`: None, a `VGG11_Weights` member or name, a path or file
    object holding a torchvision-format state dict, or a state dict. Other keywords go to `VGG`."""
    return _vgg("A", False, VGG11_Weights, weights, progress, kwargs)


def vgg11_bn(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-11 with batch norm; `weights` as for `vgg11`, with `VGG11_BN_Weights`."""
    return _vgg("A", True, VGG11_BN_Weights, weights, progress, kwargs)


def vgg16(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-16 (configuration "D"); `weights` as for `vgg11`, with `VGG16_Weights`."""
    return _vgg("D", False, VGG16_Weights, weights, progress, kwargs)


def vgg16_bn(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-16 with batch norm; `weights` as for `vgg11`, with `VGG16_BN_Weights`."""
    return _vgg("D", True, VGG16_BN_Weights, weights, progress, kwargs)
