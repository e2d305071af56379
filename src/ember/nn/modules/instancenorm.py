"""`ember.nn.modules.instancenorm`, the import path of PyTorch's instance-norm classes (defined in
normalization)."""

from .normalization import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, _InstanceNorm

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "_InstanceNorm"]
