"""`ember.nn.modules.batchnorm`, the import path of PyTorch's batch-norm classes (defined in normalization)."""

from .normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d, _BatchNorm, _NormBase

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "_BatchNorm", "_NormBase"]
