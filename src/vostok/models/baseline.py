"""The "copy the given mask forward" baseline.

Every frame gets the most recent mask given for it or an earlier frame (objects given on later frames join
then). It needs no network, so ``vostok demo`` and the tests can exercise the whole pipeline (video in,
result folder, overlay, evaluation) with no weights; it is also the floor any real method must beat.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from vostok.errors import InputError
from vostok.inference.results import FrameResult
from vostok.io.masks import MAX_OBJECT_ID, object_ids
from vostok.models.registry import register_model


class CopyFirstPredictor:
    """Propagates the given label maps unchanged; see the module docstring."""

    name = "copy-first"

    def segment(self, video: Any, masks: Mapping[int, np.ndarray], **_: Any) -> Iterator[FrameResult]:
        """Yield one :class:`FrameResult` per frame of ``video`` (a ``Video``, a path, or frames)."""
        from vostok.video import Video

        video = video if isinstance(video, Video) else Video.open(video)
        n = len(video)
        prompts = _check_prompts(masks, n, video.size)
        current = np.zeros(video.size, dtype=np.uint8)
        ids: list[int] = []
        for index in range(n):
            if index in prompts:
                given = prompts[index]
                keep = ~np.isin(current, object_ids(given))
                current = np.where(given > 0, given, np.where(keep, current, 0)).astype(np.uint8)
                ids = sorted(set(ids) | set(object_ids(given)))
            probs = np.stack([current == 0] + [current == i for i in ids]).astype(np.float32)
            yield FrameResult(
                index=index,
                name=video.names[index],
                labels=current.copy(),
                probabilities=probs,
                object_ids=list(ids),
            )


def _check_prompts(masks: Mapping[int, np.ndarray], n: int, size: tuple[int, int]) -> dict[int, np.ndarray]:
    if not masks:
        raise InputError("give at least one mask: masks={frame_index: label_map}.")
    checked = {}
    for index, labels in masks.items():
        if not 0 <= int(index) < n:
            raise InputError(f"mask given for frame {index}, but the video has frames 0..{n - 1}.")
        labels = np.asarray(labels)
        if labels.ndim != 2:
            raise InputError(f"the mask for frame {index} has shape {labels.shape}; a label map is (H, W).")
        if tuple(labels.shape) != tuple(size):
            raise InputError(
                f"the mask for frame {index} is {labels.shape[1]}x{labels.shape[0]} but the video "
                f"frames are {size[1]}x{size[0]}; resize the mask (nearest neighbour)."
            )
        if labels.size and labels.max() > MAX_OBJECT_ID:
            raise InputError(f"the mask for frame {index} has id {labels.max()}; object ids must be 1..254.")
        if not object_ids(labels):
            raise InputError(f"the mask for frame {index} contains no object (all pixels are 0).")
        checked[int(index)] = labels.astype(np.uint8)
    return checked


@register_model("copy-first")
def load(checkpoint: str | None = None, device: str | None = None, **_: Any) -> CopyFirstPredictor:
    if checkpoint is not None:
        raise InputError("the copy-first baseline has no weights; do not pass a checkpoint.")
    return CopyFirstPredictor()
