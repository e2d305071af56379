"""The nn test modules draw inputs from a module-level `RNG`: each test gets one seeded by its own name, so
that a subset run with -k gives a test the same inputs as the whole suite does."""

from __future__ import annotations

import zlib

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _own_inputs(request, monkeypatch):
    if isinstance(getattr(request.module, "RNG", None), np.random.Generator):
        monkeypatch.setattr(request.module, "RNG", np.random.default_rng(zlib.crc32(request.node.name.encode())))
