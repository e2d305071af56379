"""Whole-model workloads from the nn issue: an MLP and a LeNet-style CNN training step, transformer encoder
inference, and the memory of a forward with and without grad.

The memory figures don't fit the driver's timing table: `nograd_memory` times one no-grad forward of the
LeNet, and `python -m workloads.nn_models` (run from benchmarks/) prints the peak memory of one forward
with and without grad: traced by tracemalloc for ember (NumPy's allocations are traced), and as the growth
of the peak RSS in a fresh process for both libraries (PyTorch's CPU allocator is invisible to tracemalloc).
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from . import Workload


def mlp(lib: Any) -> Any:
    """MLP 784-512-512-10."""
    nn = lib.nn
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))


def lenet(lib: Any) -> Any:
    """LeNet-style CNN for 1x28x28 inputs (the classic PyTorch MNIST example's layout)."""
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
        nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Linear(128, 10))


def _train_setup(make_model, make_opt, x_shape: tuple[int, ...]):
    def setup(lib: Any) -> Any:
        model = make_model(lib)
        opt = make_opt(lib, model.parameters())
        x = lib.randn(*x_shape)
        y = lib.randint(0, 10, (x_shape[0],))
        return model, opt, lib.nn.CrossEntropyLoss(), x, y
    return setup


def _train_step(lib: Any, state: Any) -> None:
    model, opt, loss_fn, x, y = state
    opt.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()


def _transformer_setup(lib: Any) -> Any:
    nn = lib.nn
    layer = nn.TransformerEncoderLayer(384, 12, 1536, activation="gelu", batch_first=True)
    model = nn.TransformerEncoder(layer, 6, enable_nested_tensor=False).eval()
    return model, lib.randn(32, 128, 384)


def _transformer_step(lib: Any, state: Any) -> None:
    model, x = state
    with lib.no_grad():
        model(x)


def _nograd_setup(lib: Any) -> Any:
    return lenet(lib).eval(), lib.randn(64, 1, 28, 28)


WORKLOADS = [
    Workload(
        name="mlp_train",
        description="MLP 784-512-512-10, batch 128, CrossEntropyLoss, SGD(momentum=0.9): one training step",
        setup=_train_setup(mlp, lambda lib, ps: lib.optim.SGD(ps, lr=0.01, momentum=0.9), (128, 784)),
        step=_train_step, warmup=5, inner=30),
    Workload(
        name="lenet_train",
        description="LeNet-style CNN, 1x28x28, batch 64, CrossEntropyLoss, Adam: one training step",
        setup=_train_setup(lenet, lambda lib, ps: lib.optim.Adam(ps, lr=1e-3), (64, 1, 28, 28)),
        step=_train_step, warmup=2, inner=8),
    Workload(
        name="transformer_infer",
        description="6-layer TransformerEncoder(384, 12 heads, FFN 1536, GELU), eval, no_grad, 32x128 tokens",
        setup=_transformer_setup, step=_transformer_step, warmup=1, inner=3),
    Workload(
        name="nograd_memory",
        description="LeNet forward under no_grad, batch 64 (memory: python -m workloads.nn_models)",
        setup=_nograd_setup, step=lambda lib, s: _transformer_step(lib, s), warmup=2, inner=10),
]


# -- memory report ------------------------------------------------------------------------------------

def _rss_child(lib_name: str, model_name: str, grad: bool, batch: int) -> dict[str, float]:
    """In this fresh process: growth of the peak RSS (MiB) over one forward, plus ember's traced peak."""
    import gc
    import importlib
    import resource
    import tracemalloc

    lib = importlib.import_module(lib_name)
    if lib_name == "torch":
        lib.set_num_threads(1)
    lib.manual_seed(0)
    model = (mlp if model_name == "mlp" else lenet)(lib).eval()
    x = lib.randn(batch, 784) if model_name == "mlp" else lib.randn(batch, 1, 28, 28)
    with lib.no_grad():
        model(x[:1])  # lazy initialisation out of the measurement
    gc.collect()
    tracemalloc.start()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with lib.set_grad_enabled(grad):
        out = model(x)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kept, traced = tracemalloc.get_traced_memory()
    del out
    return {"rss_mib": (after - before) / 1024, "traced_mib": traced / 2**20, "kept_mib": kept / 2**20}


def memory_report() -> str:
    """Markdown table of one forward's peak memory with and without grad, each in a fresh process."""
    lines = ["| model | lib | grad | peak RSS growth MiB | traced peak MiB | traced, held with the output MiB |",
             "|---|---|---|---|---|---|"]
    for model_name, batch in (("mlp", 4096), ("lenet", 256)):
        for lib_name in ("ember", "torch"):
            for grad in (True, False):
                code = ("import json, sys; from workloads.nn_models import _rss_child; "
                        f"print(json.dumps(_rss_child({lib_name!r}, {model_name!r}, {grad}, {batch})))")
                out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
                r = json.loads(out.stdout.strip().splitlines()[-1])
                traced = (f"{r['traced_mib']:.1f} | {r['kept_mib']:.1f}" if lib_name == "ember"
                          else "n/a (not traced) | n/a")
                lines.append(f"| {model_name} b{batch} | {lib_name} | {grad} | {r['rss_mib']:.1f} | {traced} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(memory_report())
