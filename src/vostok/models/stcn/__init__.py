"""STCN (Cheng et al., NeurIPS 2021): space-time correspondence networks for semi-supervised VOS.

``vostok.load_model("stcn", checkpoint="stcn.pth")`` loads the authors' released checkpoints (s012, s03,
and the stage-0 single-object file) as they are.
"""

from __future__ import annotations

import warnings
from typing import Any

from vostok.models.registry import register_model


@register_model("stcn")
def load(checkpoint: str | None = None, device: str | None = None, **options: Any):
    """STCN predictor; options: ``top_k`` (20), ``mem_every`` (5), ``memory_frames`` (bounded cap, 8),
    ``precision`` ("fp32", "bf16", "fp16"; half precision only on GPU), ``allow_pickle``."""
    from vostok.models.stcn.checkpoint import load_stcn_weights
    from vostok.models.stcn.network import STCNNetwork
    from vostok.models.stcn.predictor import STCNPredictor

    allow_pickle = options.pop("allow_pickle", False)
    network = STCNNetwork()
    if checkpoint is None:
        warnings.warn("STCN has no checkpoint: its weights are random (pass checkpoint=...).", stacklevel=3)
    else:
        load_stcn_weights(network, checkpoint, allow_pickle=allow_pickle)
    return STCNPredictor(network, device=device, **options)
