"""IMSFR (TIP 2023): isogenous memory sampling and frame relation mining, built on STCN.

``vostok.load_model("imsfr", checkpoint="imsfr.pth")`` loads the authors' released checkpoint as it is.
"""

from __future__ import annotations

import warnings
from typing import Any

from vostok.models.registry import register_model


@register_model("imsfr")
def load(checkpoint: str | None = None, device: str | None = None, **options: Any):
    """IMSFR predictor; options: ``top_k`` (4), ``mem_every`` (6), ``sampling`` ("davis2017", "davis2016",
    "youtube"), ``seed`` (0), ``memory_frames`` (bounded cap, 8), ``precision``, ``allow_pickle``."""
    from vostok.models.imsfr.checkpoint import load_imsfr_weights
    from vostok.models.imsfr.network import IMSFRNetwork
    from vostok.models.imsfr.predictor import IMSFRPredictor

    allow_pickle = options.pop("allow_pickle", False)
    network = IMSFRNetwork()
    if checkpoint is None:
        warnings.warn("IMSFR has no checkpoint: its weights are random (pass checkpoint=...).", stacklevel=3)
    else:
        load_imsfr_weights(network, checkpoint, allow_pickle=allow_pickle)
    return IMSFRPredictor(network, device=device, **options)
