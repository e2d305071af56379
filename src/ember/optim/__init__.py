"""ember.optim: optimizers (one file per algorithm) and learning-rate schedulers, as torch.optim."""

from .adam import Adam
from .adamw import AdamW
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW"]
