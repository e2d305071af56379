"""The families of nn.functional, one module each; `ember.nn.functional` re-exports all of them."""

from . import activation as _activation
from . import attention as _attention
from . import conv as _conv
from . import distance as _distance
from . import dropout as _dropout
from . import loss as _loss
from . import normalization as _normalization
from . import padding as _padding
from . import pooling as _pooling
from . import sparse as _sparse
from . import vision as _vision
from .activation import *
from .attention import *
from .conv import *
from .distance import *
from .dropout import *
from .loss import *
from .normalization import *
from .padding import *
from .pooling import *
from .sparse import *
from .vision import *

__all__: list = []
for _family in (_activation, _attention, _conv, _distance, _dropout, _loss, _normalization, _padding, _pooling,
                _sparse, _vision):
    __all__ += _family.__all__
