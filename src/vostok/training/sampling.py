"""Deterministic, resumable sample order that works alone and under DDP.

Every training sample is addressed by a :class:`SampleKey`: the dataset index, a per-sample seed and the
iteration it is drawn for. Datasets draw all their randomness (frame choice, augmentation) from
``key.seed``, never from a global or per-worker RNG, so a sample's content depends only on the run seed and
its position in the stream. That makes the stream identical whatever the number of DataLoader workers, and
lets ``--resume`` restart it exactly at step ``s`` by arithmetic instead of replaying it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import numpy as np
import torch
from torch.utils.data import Sampler


class SampleKey(NamedTuple):
    """Address of one training sample."""

    index: int  # into the dataset
    seed: int  # all of the sample's randomness derives from this
    iteration: int  # the optimiser step it is for (datasets use it for curricula)

    def rng(self) -> np.random.Generator:
        """A numpy generator seeded by this key."""
        return np.random.default_rng(self.seed)

    def torch_generator(self) -> torch.Generator:
        """A torch generator seeded by this key (for torch-side augmentations)."""
        return torch.Generator().manual_seed(self.seed)


def sample_seed(run_seed: int, position: int) -> int:
    """A 63-bit seed for the sample at global stream ``position`` (independent streams per position)."""
    return int(np.random.SeedSequence([run_seed, position]).generate_state(2, dtype=np.uint64)[0] >> 1)


class ResumableSampler(Sampler[SampleKey]):
    """Infinite stream of keys for one rank, starting at an arbitrary optimiser step.

    The global stream walks a fresh permutation of the dataset each epoch (shared by all ranks). Step ``g``
    uses global positions ``[g*W*B, (g+1)*W*B)``; rank ``r`` takes the ``B`` positions at offset ``r*B``.
    So ranks never see the same sample in a step, and the union over ranks is what one process with batch
    ``W*B`` would see.
    """

    def __init__(
        self,
        dataset_size: int,
        batch_size: int,
        seed: int,
        rank: int = 0,
        world_size: int = 1,
        start_iteration: int = 0,
        shuffle: bool = True,
    ) -> None:
        if dataset_size <= 0:
            raise ValueError("cannot sample from an empty dataset")
        self.dataset_size = dataset_size
        self.batch_size = batch_size
        self.seed = seed
        self.rank = rank
        self.world_size = world_size
        self.start_iteration = start_iteration
        self.shuffle = shuffle
        self._epoch = -1
        self._order = np.arange(dataset_size)

    def _index_at(self, position: int) -> int:
        epoch, offset = divmod(position, self.dataset_size)
        if self.shuffle and epoch != self._epoch:
            self._order = np.random.default_rng([self.seed, epoch]).permutation(self.dataset_size)
            self._epoch = epoch
        return int(self._order[offset])

    def keys_for(self, iteration: int) -> list[SampleKey]:
        """The keys this rank draws for optimiser step ``iteration``."""
        first = (iteration * self.world_size + self.rank) * self.batch_size
        return [
            SampleKey(self._index_at(p), sample_seed(self.seed, p), iteration)
            for p in range(first, first + self.batch_size)
        ]

    def __iter__(self) -> Iterator[SampleKey]:
        iteration = self.start_iteration
        while True:
            yield from self.keys_for(iteration)
            iteration += 1

    def __len__(self) -> int:  # an infinite stream; DataLoader only needs this for its own bookkeeping
        return 2**62
