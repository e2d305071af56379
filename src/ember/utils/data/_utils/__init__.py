"""The private module paths some PyTorch code imports: `torch.utils.data._utils.collate` (documented for
`collate` and `default_collate_fn_map`) and `torch.utils.data._utils.worker`."""

import sys

from .. import _worker as worker
from .. import collate

sys.modules[f"{__name__}.collate"] = collate
sys.modules[f"{__name__}.worker"] = worker

__all__ = ["collate", "worker"]
