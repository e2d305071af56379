"""ember.vision: datasets, image transforms and models, named after torchvision so that its users find
their way.

The submodules are imported on first use, and none imports Pillow until a PIL image is met or made, so
`import ember` stays fast and works without the `vision` extra.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["datasets", "models", "transforms"]


def __getattr__(name: str) -> ModuleType:
    if name in __all__:
        try:
            return importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as e:
            if e.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from e
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
