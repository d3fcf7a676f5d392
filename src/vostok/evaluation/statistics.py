"""Per-object statistics of a per-frame measure: Mean, Recall and Decay (``db_statistics``).

Decay follows the official definition (four bins over the frames, neighbouring bins sharing one frame,
``mean(first bin) - mean(last bin)``) but with integer bin indices. davis2017-evaluation casts them to
uint8, so every object with 256 or more evaluated frames gets a NaN (or, from ~342 frames, a wrong finite)
Decay; for shorter videos, i.e. every DAVIS video, both agree bit for bit.
"""

from __future__ import annotations

import numpy as np

from vostok.errors import InputError

DECAY_BINS = 4


def decay_bin_edges(n_frames: int) -> np.ndarray:
    """Start index of each decay bin plus the last index: ``round(linspace(1, N, 5) + 1e-10) - 1``."""
    return (np.round(np.linspace(1, n_frames, DECAY_BINS + 1) + 1e-10) - 1).astype(np.int64)


def object_statistics(values: np.ndarray) -> tuple[float, float, float]:
    """``(mean, recall, decay)`` of one object's per-frame values (J or F).

    Recall is the fraction of frames with a value strictly above 0.5.
    """
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0:
        raise InputError("an object has no evaluated frame; a sequence needs at least 3 frames here.")
    mean = float(np.nanmean(v))
    recall = float(np.mean(v > 0.5))
    ids = decay_bin_edges(v.size)
    first = v[ids[0] : ids[1] + 1]
    last = v[ids[DECAY_BINS - 1] : ids[DECAY_BINS] + 1]
    decay = float(np.nanmean(first) - np.nanmean(last))
    return mean, recall, decay
