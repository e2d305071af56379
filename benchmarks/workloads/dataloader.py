"""DataLoader throughput: one shuffled epoch over an MNIST-sized in-memory TensorDataset."""

from __future__ import annotations

from typing import Any

from . import Workload

N, D, BATCH = 60_000, 784, 128
N_BATCHES = -(-N // BATCH)


def _workload(num_workers: int) -> Workload:
    def setup(lib: Any) -> Any:
        import importlib

        data = importlib.import_module(f"{lib.__name__}.utils.data")
        ds = data.TensorDataset(lib.randn(N, D), lib.randint(0, 10, (N,)))
        return data.DataLoader(ds, batch_size=BATCH, shuffle=True, num_workers=num_workers)

    def step(lib: Any, loader: Any) -> None:
        for _x, _y in loader:
            pass

    return Workload(
        name=f"dataloader_w{num_workers}",
        description=f"one shuffled epoch of DataLoader(TensorDataset({N}x{D} float32, labels), batch_size="
                    f"{BATCH}, num_workers={num_workers}); time per batch (batches/s = 1000 / value)",
        setup=setup,
        step=step,
        warmup=1,
        inner=3,
        unit="ms/batch",
        per_step=N_BATCHES,
    )


WORKLOADS = [_workload(0), _workload(2)]
