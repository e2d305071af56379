"""Build the same module in ember and PyTorch and compare them."""

from __future__ import annotations

import re

import numpy as np

import ember
from conftest import torch


def to_torch_state(module) -> dict:
    """An ember module's state_dict as PyTorch tensors (copies)."""
    return {k: torch.from_numpy(np.array(v.detach().numpy(), copy=True))
            for k, v in module.state_dict().items()}


def copy_weights(e_mod, t_mod) -> None:
    """Give the PyTorch module the ember module's parameters and buffers."""
    t_mod.load_state_dict(to_torch_state(e_mod))


def pair(x: np.ndarray, requires_grad: bool = False):
    """The same array as an ember and a PyTorch tensor."""
    e = ember.tensor(x, requires_grad=requires_grad)
    t = torch.tensor(x, requires_grad=requires_grad)
    return e, t


def err(fn):
    """(exception type, message) raised by fn, or None. Class paths are named as PyTorch's
    ('ember.nn.modules.linear.Linear' reads 'torch.nn.modules.linear.Linear')."""
    try:
        fn()
    except Exception as e:  # the point is to compare whatever each library raises
        msg = str(e).replace("ember.nn.module.", "torch.nn.modules.module.")
        # a printed set of names ({'zeros', 'reflect', ...}) comes out in hash order: compare it sorted
        msg = re.sub(r"\{('[^{}]*')\}", lambda m: "{" + ", ".join(sorted(m.group(1).split(", "))) + "}", msg)
        return type(e).__name__, msg.replace("ember.nn.", "torch.nn.")
    return None
