"""The authors' IMSFR checkpoints -> our IMSFRNetwork: the same key layout as STCN's, so STCN's converter."""

from __future__ import annotations

import os
from collections.abc import Mapping

import torch

from vostok.models.stcn.checkpoint import convert_stcn_state_dict, load_memory_network_weights


def convert_imsfr_state_dict(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Authors' IMSFR key layout -> ours (identical to STCN's conversion)."""
    return convert_stcn_state_dict(state)


def load_imsfr_weights(
    network: torch.nn.Module, checkpoint: str | os.PathLike | Mapping, allow_pickle: bool = False
) -> None:
    """Load an authors' IMSFR checkpoint (path or state dict) strictly into ``network``."""
    load_memory_network_weights(network, checkpoint, "IMSFR", allow_pickle)
