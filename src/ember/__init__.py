"""ember: a PyTorch-compatible deep-learning framework in pure Python on NumPy (and CuPy)."""
# ruff: noqa: I001 - the import order is semantic: Tensor first, methods bound after the ops

from .backend.memory import tune_malloc as _tune_malloc

_tune_malloc()  # freed arrays' memory is reused by the next step (see backend/memory.py)

from . import _tensor
from ._tensor import (
    BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor, HalfTensor, IntTensor, LongTensor,
    ShortTensor, Size, Tensor, is_tensor, layout, strided,
)
from .backend.device import device
from .backend.dtypes import *
from .backend.dtypes import dtype, finfo, get_default_dtype, iinfo, promote_types, set_default_dtype
from ._creation import *
from .random import *
from ._printing import *
from .autograd.anomaly_mode import is_anomaly_check_nan_enabled, is_anomaly_enabled
from .autograd.grad_mode import (
    enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad, set_grad_enabled,
)
from . import ops
from .ops.conversion import *
from .ops.elementwise import *
from .ops.indexing import *
from .ops.linalg import *
from .ops.reduce import *
from .ops.shape import *
from .ops.activation import *
from .ops.fused import *

_tensor._bind_methods()

from . import autograd, cuda, linalg, random
from ._dlpack import from_dlpack
from ._parallel import get_num_threads, set_num_threads
from .sparse import sparse_coo, sparse_coo_tensor

# nn, optim, utils (and the nn.functional ops PyTorch also offers at the top level) load on first use,
# so that `import ember` stays fast
_SUBMODULES = {"nn", "optim", "utils", "vision", "text", "serialization"}
_FROM_NN_FUNCTIONAL = {
    "adaptive_avg_pool1d", "adaptive_max_pool1d", "avg_pool1d", "channel_shuffle", "conv1d", "conv2d", "conv3d",
    "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "max_pool1d", "max_pool2d", "max_pool3d",
    "native_channel_shuffle", "pixel_shuffle", "pixel_unshuffle", "layer_norm", "group_norm", "rms_norm",
    "cosine_similarity", "pairwise_distance", "pdist", "dropout", "alpha_dropout", "feature_alpha_dropout",
}


def __getattr__(name: str):
    import importlib

    if name in _SUBMODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    elif name in ("save", "load"):
        value = getattr(importlib.import_module(f"{__name__}.serialization"), name)
    elif name in _FROM_NN_FUNCTIONAL:
        value = getattr(importlib.import_module(f"{__name__}.nn.functional"), name)
    else:
        raise AttributeError(f"module 'ember' has no attribute '{name}'")
    globals()[name] = value
    return value


def __dir__() -> list:
    return sorted(set(globals()) | _SUBMODULES | _FROM_NN_FUNCTIONAL | {"save", "load"})


__version__ = "0.1.0"
