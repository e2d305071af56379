"""`ember.nn.modules.module`, where PyTorch code imports Module and the global hook functions from."""

from ..module import (
    Module,
    RemovableHandle,
    _addindent,
    _IncompatibleKeys,
    register_module_forward_hook,
    register_module_forward_pre_hook,
    register_module_full_backward_hook,
    register_module_full_backward_pre_hook,
)

__all__ = ["Module", "RemovableHandle", "_addindent", "_IncompatibleKeys", "register_module_forward_hook",
           "register_module_forward_pre_hook", "register_module_full_backward_hook",
           "register_module_full_backward_pre_hook"]
