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
from vostok.io.masks import object_ids
from vostok.models.registry import register_model


class CopyFirstPredictor:
    """Propagates the given label maps unchanged; see the module docstring."""

    name = "copy-first"

    def segment(self, video: Any, masks: Mapping[int, np.ndarray], **_: Any) -> Iterator[FrameResult]:
        """Yield one :class:`FrameResult` per frame of ``video`` (a ``Video``, a path, or frames)."""
        from vostok.inference.semisup import check_prompt_masks, open_frames

        frames, n, size, names = open_frames(video)
        if n is None:  # a bare iterable: materialise it, the baseline is only for small inputs
            frames = list(frames)
            n, size, names = len(frames), frames[0].shape[:2], [f"{i:05d}" for i in range(len(frames))]
        prompts = check_prompt_masks(masks, n, size)
        current = np.zeros(size, dtype=np.uint8)
        ids: list[int] = []
        for index, _frame in enumerate(frames):
            if index in prompts:
                given = prompts[index]
                keep = ~np.isin(current, object_ids(given))
                current = np.where(given > 0, given, np.where(keep, current, 0)).astype(np.uint8)
                ids = sorted(set(ids) | set(object_ids(given)))
            probs = np.stack([current == 0] + [current == i for i in ids]).astype(np.float32)
            yield FrameResult(
                index=index,
                name=names[index],
                labels=current.copy(),
                probabilities=probs,
                object_ids=list(ids),
            )


@register_model("copy-first")
def load(checkpoint: str | None = None, device: str | None = None, **_: Any) -> CopyFirstPredictor:
    if checkpoint is not None:
        raise InputError("the copy-first baseline has no weights; do not pass a checkpoint.")
    return CopyFirstPredictor()
