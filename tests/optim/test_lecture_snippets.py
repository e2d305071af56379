"""The lecture's optimizer snippets, written once against the PyTorch API and run on ember and PyTorch:
create an optimizer over model.parameters(), zero_grad / backward / step; optimise only model.fc with a
frozen backbone."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from conftest import torch
from nn.helpers import copy_weights


def make_net(lib):
    class Net(lib.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.backbone = lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.Linear(8, 8))
            self.fc = lib.nn.Linear(8, 3)

        def forward(self, x):
            return self.fc(self.backbone(x).tanh())

    return Net()


def _data(dtype=np.float32):
    rng = np.random.default_rng(0)
    return rng.standard_normal((16, 4)).astype(dtype), rng.standard_normal((16, 3)).astype(dtype)


def _pair_of_nets():
    ne, nt = make_net(ember), make_net(torch)
    copy_weights(ne, nt)
    return ne, nt


def _assert_same_parameters(ne, nt, rtol=1e-5, atol=1e-6):
    for (name, a), (_, b) in zip(ne.named_parameters(), nt.named_parameters()):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=atol, err_msg=name)


@pytest.mark.parametrize("name,kwargs", [
    ("SGD", dict(lr=0.05, momentum=0.9)), ("Adadelta", {}), ("Adagrad", {}), ("Adam", {}), ("AdamW", {}),
    ("Adamax", {}), ("ASGD", {}), ("LBFGS", dict(lr=0.1, max_iter=3)), ("NAdam", {}), ("RAdam", {}),
    ("RMSprop", {}), ("Rprop", {}),
])
def test_create_zero_grad_step(torch_mod, name, kwargs):
    """opt = optim.X(model.parameters(), ...); per batch: opt.zero_grad(); loss.backward(); opt.step()."""
    x, y = _data()
    nets = _pair_of_nets()
    for lib, model in zip((ember, torch), nets):
        _train(lib, model, getattr(lib.optim, name)(model.parameters(), **kwargs), x, y, name == "LBFGS")
    _assert_same_parameters(*nets)


def _train(lib, model, opt, x, y, needs_closure: bool) -> None:
    inputs, targets = lib.from_numpy(x), lib.from_numpy(y)
    for _ in range(5):
        if needs_closure:
            def closure():
                opt.zero_grad()
                loss = ((model(inputs) - targets) ** 2).mean()
                loss.backward()
                return loss
            opt.step(closure)
        else:
            opt.zero_grad()
            loss = ((model(inputs) - targets) ** 2).mean()
            loss.backward()
            opt.step()


def test_optimise_only_the_classifier(torch_mod):
    """Freeze every parameter, replace model.fc (new modules require grad), optimise model.fc only."""
    x, y = _data()
    ne, nt = make_net(ember), make_net(torch)
    results = []
    for lib, model in ((ember, ne), (torch, nt)):
        for param in model.parameters():
            param.requires_grad = False
        model.fc = lib.nn.Linear(8, 3)
        results.append(model)
    copy_weights(ne, nt)
    frozen = {k: v.detach().numpy().copy() for k, v in ne.named_parameters() if not k.startswith("fc.")}
    for lib, model in ((ember, ne), (torch, nt)):
        optimizer = lib.optim.SGD(model.fc.parameters(), lr=1e-2, momentum=0.9)
        inputs, targets = lib.from_numpy(x), lib.from_numpy(y)
        for _ in range(5):
            optimizer.zero_grad()
            ((model(inputs) - targets) ** 2).mean().backward()
            optimizer.step()
        assert all(p.grad is None for p in model.backbone.parameters())
        assert all(p.grad is not None for p in model.fc.parameters())
    _assert_same_parameters(ne, nt)
    for k, v in ne.named_parameters():
        if k in frozen:
            np.testing.assert_array_equal(v.detach().numpy(), frozen[k])
    assert len(ember.optim.SGD(ne.fc.parameters(), lr=0.1).param_groups[0]["params"]) == 2


def test_training_loop_with_a_scheduler(torch_mod):
    """The usual epoch loop: optimizer.step() per batch, scheduler.step() per epoch."""
    x, y = _data()
    nets = _pair_of_nets()
    lrs = []
    for lib, model in zip((ember, torch), nets):
        optimizer = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
        scheduler = lib.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
        inputs, targets = lib.from_numpy(x), lib.from_numpy(y)
        for _epoch in range(6):
            for i in range(0, 16, 4):
                optimizer.zero_grad()
                loss = ((model(inputs[i:i + 4]) - targets[i:i + 4]) ** 2).mean()
                loss.backward()
                optimizer.step()
            scheduler.step()
        lrs.append(scheduler.get_last_lr())
    assert lrs[0] == lrs[1]
    _assert_same_parameters(*nets)


def test_per_layer_learning_rates(torch_mod):
    """Parameter groups: a smaller lr for the backbone than for the classifier."""
    x, y = _data()
    nets = _pair_of_nets()
    for lib, model in zip((ember, torch), nets):
        optimizer = lib.optim.Adam([{"params": model.backbone.parameters(), "lr": 1e-4},
                                    {"params": model.fc.parameters()}], lr=1e-2)
        inputs, targets = lib.from_numpy(x), lib.from_numpy(y)
        for _ in range(5):
            optimizer.zero_grad()
            ((model(inputs) - targets) ** 2).mean().backward()
            optimizer.step()
    _assert_same_parameters(*nets)
