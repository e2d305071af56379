"""Datasets, as `torchvision.datasets`: MNIST and relatives (downloaded), folders of images, and the 8x8
digits that ship with ember."""

from .digits import Digits
from .folder import DatasetFolder, ImageFolder
from .mnist import KMNIST, MNIST, FashionMNIST
from .vision import StandardTransform, VisionDataset

__all__ = ["Digits", "DatasetFolder", "ImageFolder", "MNIST", "FashionMNIST", "KMNIST", "VisionDataset",
           "StandardTransform"]
