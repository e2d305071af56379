#!/usr/bin/env python
"""Fit a tiny two-layer MLP to a noisy cubic, with hand-written gradient descent through ember's autograd.

    python examples/fit_polynomial.py                 # 60 epochs, a few seconds
    python examples/fit_polynomial.py --epochs 10 --seed 3

Written against the PyTorch API: only the import line says ember. The data come from ember's own random
generator seeded with --seed, so a run is reproducible. Prints the mean squared error before training
(epoch 0) and after each epoch.
"""

from __future__ import annotations

import argparse
import math
import time

import ember as torch


def make_data(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """n points of y = x^3/2 - x + noise, x uniform in [-2, 2), as (n, 1) columns."""
    torch.manual_seed(seed)
    x = torch.rand(n, 1) * 4 - 2
    y = 0.5 * x**3 - x + 0.1 * torch.randn(n, 1)
    return x, y


def init_params(hidden: int) -> list[torch.Tensor]:
    """Weights and biases of 1 -> hidden (tanh) -> 1, as leaf tensors that require grad."""
    w1 = torch.randn(1, hidden).requires_grad_()
    b1 = torch.zeros(hidden, requires_grad=True)
    # scaled so the output starts at the size of the targets rather than sqrt(hidden) times larger
    w2 = (torch.randn(hidden, 1) / math.sqrt(hidden)).requires_grad_()
    b2 = torch.zeros(1, requires_grad=True)
    return [w1, b1, w2, b2]


def model(params: list[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """The MLP's prediction for a batch x of shape (batch, 1)."""
    w1, b1, w2, b2 = params
    return torch.tanh(x @ w1 + b1) @ w2 + b2


def mse(params: list[torch.Tensor], x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean squared error of the model on (x, y)."""
    return ((model(params, x) - y) ** 2).mean()


def train(epochs: int, seed: int, n: int = 512, batch: int = 32, hidden: int = 32, lr: float = 0.02,
          momentum: float = 0.9) -> list[float]:
    """SGD with momentum over fixed minibatches; returns the full-data loss before and after each epoch."""
    x, y = make_data(n, seed)
    params = init_params(hidden)
    velocity = [torch.zeros_like(p) for p in params]
    with torch.no_grad():
        losses = [mse(params, x, y).item()]
    print(f"epoch {0:3d}  loss {losses[0]:.5f}")
    for epoch in range(1, epochs + 1):
        for i in range(0, n, batch):
            loss = mse(params, x[i:i + batch], y[i:i + batch])
            for p in params:
                p.grad = None
            loss.backward()
            # the update itself must not be recorded in the graph
            with torch.no_grad():
                for p, v in zip(params, velocity):
                    v.mul_(momentum).add_(p.grad)
                    p.sub_(lr * v)
        with torch.no_grad():
            losses.append(mse(params, x, y).item())
        print(f"epoch {epoch:3d}  loss {losses[-1]:.5f}")
    return losses


def main() -> None:
    """Parse the arguments, train, and print a one-line summary."""
    p = argparse.ArgumentParser(description="Fit a tiny MLP to a noisy cubic with ember.")
    p.add_argument("--epochs", type=int, default=60, help="passes over the data (default 60)")
    p.add_argument("--seed", type=int, default=0, help="seed of the generated data and weights (default 0)")
    args = p.parse_args()
    start = time.perf_counter()
    losses = train(args.epochs, args.seed)
    print(f"loss {losses[0]:.4f} -> {losses[-1]:.4f} ({losses[0] / losses[-1]:.0f}x lower) "
          f"in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
