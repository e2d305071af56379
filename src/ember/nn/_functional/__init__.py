"""The families of nn.functional, one module each; `ember.nn.functional` re-exports all of them."""

import importlib
import pkgutil

__all__: list = []
for _info in pkgutil.iter_modules(__path__):
    _mod = importlib.import_module(f"{__name__}.{_info.name}")
    for _name in _mod.__all__:
        globals()[_name] = getattr(_mod, _name)
    __all__ += list(_mod.__all__)
