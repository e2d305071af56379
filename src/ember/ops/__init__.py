"""ember's differentiable ops, one family per module; each Function's forward and backward side by side."""

from .. import random as _random
from . import activation, conversion, elementwise, fused, indexing, linalg, reduce, shape

# the modules whose METHODS / INPLACE names become Tensor methods (see _tensor._bind_methods)
MODULES = (conversion, elementwise, reduce, shape, indexing, linalg, activation, fused, _random)
