"""STCN's inference procedure: top-k (20) L2 readout over all memory frames, memory every 5th frame
(every 3rd on DAVIS-17 test-dev)."""

from __future__ import annotations

import torch

from vostok.inference.memory import MemoryBank, MemoryEntry
from vostok.inference.readout import topk_readout
from vostok.inference.semisup import MemoryPredictor
from vostok.models.stcn.network import QueryFeatures


class STCNPredictor(MemoryPredictor):
    """``segment(video, masks={0: labels})`` with STCN; see :class:`~vostok.inference.semisup.MemoryPredictor`."""

    name = "stcn"
    default_top_k = 20
    default_mem_every = 5
    # the authors' evaluation scripts and README: top-k 20, memory every 5th frame (DAVIS-16/17 val,
    # YouTube-VOS), every 3rd frame for DAVIS-17 test-dev
    benchmark_settings = {
        "davis2016": {"top_k": 20, "mem_every": 5},
        "davis2017": {"top_k": 20, "mem_every": 5},
        "davis2017/test-dev": {"mem_every": 3},
        "youtube": {"top_k": 20, "mem_every": 5},
    }

    def encode_query(self, image: torch.Tensor) -> QueryFeatures:
        return self.network.encode_query(image)

    def encode_memory(
        self,
        frame_index: int,
        image: torch.Tensor,
        next_image: torch.Tensor,
        query: QueryFeatures,
        masks: torch.Tensor,
    ) -> MemoryEntry:
        value = self.network.encode_value(image, query.f16, masks.to(image.dtype))
        return MemoryEntry(frame_index, query.key[0].flatten(1), {"value": value.flatten(2)})

    def segment_step(self, query: QueryFeatures, bank: MemoryBank) -> torch.Tensor:
        h, w = query.key.shape[-2:]
        readout = topk_readout(bank.keys(), bank.values(), query.key[0].flatten(1), self.top_k)
        readout = readout.view(readout.shape[0], -1, h, w).to(query.value.dtype)
        return self.network.decode(readout, query)
