"""The per-frame output every predictor yields."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class FrameResult:
    """What a predictor says about one frame.

    * ``labels``: ``(H, W) uint8`` label map (semi-supervised / referring), object ids as given by the user.
    * ``probabilities``: float32; ``(K+1, H, W)`` with background first for multi-object models (channel
      ``i+1`` is ``object_ids[i]``), or ``(H, W)`` foreground probability for zero-shot models.
    * ``saliency``: ``(H, W) uint8`` grey map as the zero-shot methods write it.
    """

    index: int
    name: str | None = None
    labels: np.ndarray | None = None
    probabilities: np.ndarray | None = None
    saliency: np.ndarray | None = None
    object_ids: list[int] = field(default_factory=list)
