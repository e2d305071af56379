"""ember.utils: utilities named as in torch.utils (`ember.utils.data`)."""

from . import data

__all__ = ["data"]
