"""Memory banks for the STCN family: frames of (key, per-object values), with an optional cap that
always keeps the first frame, and IMSFR's seeded frame sampler."""

from __future__ import annotations

import random
from dataclasses import dataclass

import torch


@dataclass
class MemoryEntry:
    """One memory frame: ``key (Ck, N)`` and named per-object tensors ``(K, Cv, N)`` (e.g. value, value_pe)."""

    frame_index: int
    key: torch.Tensor
    values: dict[str, torch.Tensor]


class MemoryBank:
    """The memory frames of one group of objects (those that first appear on the same frame).

    ``capacity=None`` keeps every frame (the papers); otherwise the first frame plus the most recent
    ``capacity - 1`` frames are kept, so memory and readout cost stay flat on long videos.
    """

    def __init__(self, capacity: int | None = None) -> None:
        if capacity is not None and capacity < 2:
            raise ValueError("a bounded memory needs room for at least 2 frames (the first and one more)")
        self.capacity = capacity
        self.entries: list[MemoryEntry] = []

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def first(self) -> MemoryEntry:
        return self.entries[0]

    @property
    def latest(self) -> MemoryEntry:
        return self.entries[-1]

    def add(self, entry: MemoryEntry) -> None:
        self.entries.append(entry)
        if self.capacity is not None and len(self.entries) > self.capacity:
            del self.entries[1]

    def keys(self, frames: list[int] | None = None) -> list[torch.Tensor]:
        """Key blocks ``(Ck, N)`` of the chosen memory frames (positions into ``entries``, all by default).

        The readout reads the blocks in place (:mod:`vostok.inference.readout`): concatenating them would
        hold the whole memory twice each time it grows.
        """
        return [self.entries[i].key for i in self._positions(frames)]

    def values(self, name: str = "value", frames: list[int] | None = None) -> list[torch.Tensor]:
        """Value blocks ``(K, Cv, N)`` of the chosen memory frames."""
        return [self.entries[i].values[name] for i in self._positions(frames)]

    def _positions(self, frames: list[int] | None) -> range | list[int]:
        return range(len(self.entries)) if frames is None else frames


class MemorySampler:
    """IMSFR's isogenous memory sampling, seeded so results are reproducible.

    With more than ``threshold`` memory frames, the long-term readout matches against
    ``keep`` (positions, e.g. ``(1,)``), the frames ``T+last[0] .. T+last[1]-1`` (e.g. ``(-5, -1)`` gives
    T-5..T-2) and ``int(ratio*T)`` frames drawn without replacement from ``range(T-1)`` (sorted). As in the
    authors' code the union is a concatenation, so a frame chosen twice counts twice.
    """

    def __init__(
        self,
        threshold: int = 10,
        ratio: float = 0.6,
        keep: tuple[int, ...] = (1,),
        last: tuple[int, int] = (-5, -1),
        seed: int = 0,
    ) -> None:
        self.threshold, self.ratio, self.keep, self.last = threshold, ratio, keep, last
        self.rng = random.Random(seed)

    def __call__(self, num_frames: int) -> list[int] | None:
        """Memory positions to match against, or None for all of them."""
        t = num_frames
        if t <= self.threshold:
            return None
        drawn = sorted(self.rng.sample(range(t - 1), int(self.ratio * t)))
        recent = list(range(max(0, t + self.last[0]), t + self.last[1]))
        return [k for k in self.keep if k < t] + recent + drawn
