"""Image transforms, as `torchvision.transforms` (the functional forms are in `.functional`)."""

from . import functional
from .transforms import (
    CenterCrop,
    Compose,
    ConvertImageDtype,
    InterpolationMode,
    Lambda,
    Normalize,
    PILToTensor,
    RandomCrop,
    RandomHorizontalFlip,
    RandomRotation,
    RandomVerticalFlip,
    Resize,
    ToPILImage,
    ToTensor,
)

__all__ = ["functional", "CenterCrop", "Compose", "ConvertImageDtype", "InterpolationMode", "Lambda", "Normalize",
           "PILToTensor", "RandomCrop", "RandomHorizontalFlip", "RandomRotation", "RandomVerticalFlip", "Resize",
           "ToPILImage", "ToTensor"]
