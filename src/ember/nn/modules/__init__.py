"""The layer classes of ember.nn, one family per module (as torch.nn.modules)."""

from . import activation as _activation
from . import batchnorm, instancenorm  # PyTorch's import paths of the norm classes
from . import channelshuffle as _channelshuffle
from . import conv as _conv
from . import distance as _distance
from . import dropout as _dropout
from . import fold as _fold
from . import loss as _loss
from . import normalization as _normalization
from . import padding as _padding
from . import pixelshuffle as _pixelshuffle
from . import pooling as _pooling
from . import rnn as _rnn
from . import sparse as _sparse
from . import transformer as _transformer
from . import upsampling as _upsampling
from .activation import *
from .channelshuffle import *
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .conv import *
from .distance import *
from .dropout import *
from .flatten import Flatten, Unflatten
from .fold import *
from .lazy import LazyModuleMixin
from .linear import Bilinear, Identity, LazyLinear, Linear
from .loss import *
from .module import Module
from .normalization import *
from .padding import *
from .pixelshuffle import *
from .pooling import *
from .rnn import *
from .sparse import *
from .transformer import *
from .upsampling import *

__all__ = ["Module", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict", "Identity",
           "Linear", "Bilinear", "LazyLinear", "LazyModuleMixin", "Flatten", "Unflatten"]
for _family in (_activation, _channelshuffle, _conv, _distance, _dropout, _fold, _loss, _normalization,
                _padding, _pixelshuffle, _pooling, _rnn, _sparse, _transformer, _upsampling):
    __all__ += [n for n in _family.__all__ if not n.startswith("_")]
