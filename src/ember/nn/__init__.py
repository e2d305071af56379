"""ember.nn: modules, parameters, initialization and layer utilities (PyTorch's torch.nn)."""

from . import functional, init, parameter, utils
from .module import (
    Module,
    register_module_forward_hook,
    register_module_forward_pre_hook,
    register_module_full_backward_hook,
    register_module_full_backward_pre_hook,
)
from .modules import (
    Bilinear,
    Flatten,
    Identity,
    LazyLinear,
    Linear,
    ModuleDict,
    ModuleList,
    ParameterDict,
    ParameterList,
    Sequential,
    Unflatten,
)
from .parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter

__all__ = ["Module", "Parameter", "Buffer", "UninitializedParameter", "UninitializedBuffer", "Sequential",
           "ModuleList", "ModuleDict", "ParameterList", "ParameterDict", "Identity", "Linear", "Bilinear",
           "LazyLinear", "Flatten", "Unflatten", "functional", "init", "parameter", "utils",
           "register_module_forward_hook", "register_module_forward_pre_hook",
           "register_module_full_backward_hook", "register_module_full_backward_pre_hook"]
from ._layers import *  # noqa: E402,F401,F403 - the layer families in nn/modules/
