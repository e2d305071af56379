#!/usr/bin/env python
"""Train a small convolutional network on the 8x8 handwritten digits that ship with ember, offline.

    python examples/train_digits_cnn.py                   # 20 epochs, well under a minute on 2 cores
    python examples/train_digits_cnn.py --quick           # 3 epochs, for CI
    python examples/train_digits_cnn.py --epochs 20 --seed 1 --out runs/digits

Written against the PyTorch API: only the imports say ember. The 1797 digits (UCI optdigits, shipped in
ember.vision.datasets.Digits) are split into 1438 training and 359 test images. Shows a progress bar when
tqdm is installed (`pip install -e '.[demo]'`) and prints one line per epoch either way; saves the trained
weights (ember.save, PyTorch's file format) and a PNG of the learning curves into --out (default:
runs/digits_cnn). The same --seed gives the same run.
"""

from __future__ import annotations

import argparse
import os
import struct
import time
import zlib

# The model's matrices are tiny: one BLAS thread is fastest, and idle threads only spin on a busy machine.
# Set before NumPy loads its BLAS; a value already in the environment wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np

import ember as torch
from ember import nn
from ember.utils.data import DataLoader
from ember.vision import datasets, transforms

try:
    from tqdm import tqdm
except ImportError:
    tqdm = None


def make_model() -> nn.Module:
    """Two 3x3 convolutions, a 2x2 max pool, and two linear layers: 8x8x1 -> 10 class scores."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 4 * 4, 64), nn.ReLU(),
        nn.Linear(64, 10),
    )


def make_loaders(batch_size: int, seed: int) -> tuple[DataLoader, DataLoader]:
    # pixel mean and spread of the training images (values in [0, 1])
    normalize = transforms.Normalize((0.30,), (0.38,))
    train = datasets.Digits(train=True, transform=normalize)
    test = datasets.Digits(train=False, transform=normalize)
    shuffle_gen = torch.Generator().manual_seed(seed)
    return (DataLoader(train, batch_size=batch_size, shuffle=True, generator=shuffle_gen),
            DataLoader(test, batch_size=256))


def run_epoch(model: nn.Module, loader: DataLoader, loss_fn: nn.Module, optimizer=None,
              desc: str = "") -> tuple[float, float]:
    """One pass over loader (training when an optimizer is given); returns (mean loss, accuracy)."""
    model.train(optimizer is not None)
    total_loss, correct, seen = 0.0, 0, 0
    batches = tqdm(loader, desc=desc, leave=False, unit="batch") if tqdm and optimizer else loader
    with torch.set_grad_enabled(optimizer is not None):
        for images, labels in batches:
            logits = model(images)
            loss = loss_fn(logits, labels)
            if optimizer is not None:
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            total_loss += loss.item() * len(labels)
            correct += (logits.argmax(1) == labels).sum().item()
            seen += len(labels)
            if batches is not loader:
                batches.set_postfix(loss=f"{total_loss / seen:.4f}", acc=f"{correct / seen:.4f}")
    return total_loss / seen, correct / seen


def plot_curves(history: dict[str, list[float]], path: str) -> None:
    """Loss and accuracy per epoch, train and test: with matplotlib if installed, else a plain PNG."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        write_png(path, draw_curves(history))
        return
    epochs = range(1, len(history["train_loss"]) + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.5))
    for split in ("train", "test"):
        ax_loss.plot(epochs, history[f"{split}_loss"], marker="o", label=split)
        ax_acc.plot(epochs, history[f"{split}_acc"], marker="o", label=split)
    ax_loss.set(title="cross-entropy loss", xlabel="epoch")
    ax_acc.set(title="accuracy", xlabel="epoch")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend()
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def draw_curves(history: dict[str, list[float]], size: int = 240) -> np.ndarray:
    """An RGB image of two panels (loss, accuracy), train in blue and test in orange; no text."""
    canvas = np.full((size, 2 * size, 3), 255, np.uint8)
    colours = {"train": (31, 119, 180), "test": (255, 127, 14)}
    for panel, metric in enumerate(("loss", "acc")):
        x0, y0, side = panel * size + 20, 20, size - 40
        canvas[y0:y0 + side, [x0, x0 + side]] = canvas[[y0, y0 + side], x0:x0 + side + 1] = 160
        values = [v for split in colours for v in history[f"{split}_{metric}"]]
        lo, hi = min(values), max(values) if max(values) > min(values) else min(values) + 1
        for split, colour in colours.items():
            ys = np.asarray(history[f"{split}_{metric}"])
            px = x0 + np.linspace(0, side, len(ys)) if len(ys) > 1 else np.array([x0 + side / 2])
            py = y0 + side - (ys - lo) / (hi - lo) * side
            # dense samples along each segment, each painted as a 3x3 dot
            t = np.linspace(0, 1, 4 * side)[:, None]
            pts = [np.column_stack([px[i] + t[:, 0] * (px[i + 1] - px[i]), py[i] + t[:, 0] * (py[i + 1] - py[i])])
                   for i in range(len(ys) - 1)] or [np.column_stack([px, py])]
            for cx, cy in np.rint(np.concatenate(pts)).astype(int):
                canvas[cy - 1:cy + 2, cx - 1:cx + 2] = colour
    return canvas


def write_png(path: str, rgb: np.ndarray) -> None:
    """Encode an (H, W, 3) uint8 image as PNG: signature, IHDR, one zlib IDAT of filter-0 rows, IEND."""
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    h, w, _ = rgb.shape
    rows = np.concatenate([np.zeros((h, 1), np.uint8), rgb.reshape(h, -1)], axis=1)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(rows.tobytes(), 9)) + chunk(b"IEND", b""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--out", default=os.path.join("runs", "digits_cnn"), help="folder for weights and plot")
    parser.add_argument("--quick", action="store_true", help="a 3-epoch run (for CI)")
    args = parser.parse_args()
    epochs = 3 if args.quick else args.epochs

    torch.manual_seed(args.seed)
    train_loader, test_loader = make_loaders(args.batch_size, args.seed)
    model = make_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    # the learning rate decays to zero along a half cosine, so the last epochs settle instead of jumping
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    loss_fn = nn.CrossEntropyLoss()
    say = tqdm.write if tqdm else print

    history: dict[str, list[float]] = {"train_loss": [], "train_acc": [], "test_loss": [], "test_acc": []}
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        train_loss, train_acc = run_epoch(model, train_loader, loss_fn, optimizer, desc=f"epoch {epoch}/{epochs}")
        scheduler.step()
        test_loss, test_acc = run_epoch(model, test_loader, loss_fn)
        for key, value in zip(history, (train_loss, train_acc, test_loss, test_acc)):
            history[key].append(value)
        say(f"epoch {epoch:2d}/{epochs}  train loss {train_loss:.4f}  acc {train_acc:.4f}  |  "
            f"test loss {test_loss:.4f}  acc {test_acc:.4f}  ({time.perf_counter() - start:.1f}s)")

    os.makedirs(args.out, exist_ok=True)
    weights = os.path.join(args.out, "digits_cnn.pt")
    torch.save(model.state_dict(), weights)
    curves = os.path.join(args.out, "learning_curves.png")
    plot_curves(history, curves)
    print(f"saved weights to {weights} and learning curves to {curves}")
    print(f"test accuracy {history['test_acc'][-1]:.4f} after {epochs} epochs in {time.perf_counter() - start:.1f}s")


if __name__ == "__main__":
    main()
