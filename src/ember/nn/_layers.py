"""Layer families in nn/modules/ beyond the module system; `ember.nn` re-exports each one's __all__."""

import importlib

__all__: list = []
FAMILIES = ("activation", "loss", "conv", "pooling", "padding", "normalization", "dropout", "sparse", "rnn",
            "transformer", "upsampling", "distance", "pixelshuffle", "channelshuffle", "fold")
for _family in FAMILIES:
    try:
        _mod = importlib.import_module(f"{__package__}.modules.{_family}")
    except ModuleNotFoundError as e:
        if e.name != f"{__package__}.modules.{_family}":
            raise
        continue
    for _name in _mod.__all__:
        globals()[_name] = getattr(_mod, _name)
    __all__ += list(_mod.__all__)
