"""Image classification models with torchvision's architectures and state-dict keys, so torchvision's
pretrained weight files load directly: `resnet18(weights="DEFAULT")` downloads (once, hash-checked) the same
file torchvision uses, `resnet18(weights="resnet18-f37072fd.pth")` reads a local copy."""

from ._utils import ImageClassification, Weights, WeightsEnum, get_dir, load_state_dict_from_url
from .mobilenetv2 import MobileNet_V2_Weights, MobileNetV2, mobilenet_v2
from .resnet import (
    BasicBlock,
    Bottleneck,
    ResNet,
    ResNet18_Weights,
    ResNet34_Weights,
    ResNet50_Weights,
    resnet18,
    resnet34,
    resnet50,
)
from .vgg import VGG, VGG11_BN_Weights, VGG11_Weights, VGG16_BN_Weights, VGG16_Weights, vgg11, vgg11_bn, vgg16, vgg16_bn

__all__ = ["ResNet", "BasicBlock", "Bottleneck", "VGG", "MobileNetV2", "Weights", "WeightsEnum",
           "ImageClassification", "ResNet18_Weights", "ResNet34_Weights", "ResNet50_Weights", "VGG11_Weights",
           "VGG11_BN_Weights", "VGG16_Weights", "VGG16_BN_Weights", "MobileNet_V2_Weights", "resnet18", "resnet34",
           "resnet50", "vgg11", "vgg11_bn", "vgg16", "vgg16_bn", "mobilenet_v2", "get_dir",
           "load_state_dict_from_url"]
