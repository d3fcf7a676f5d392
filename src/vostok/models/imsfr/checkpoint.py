"""The authors' IMSFR checkpoints -> our IMSFRNetwork (same layout as STCN's converter, no key projection)."""

from __future__ import annotations

import os
from collections.abc import Mapping

import torch

from vostok.checkpoint import load_checkpoint_file, load_state_dict_strict
from vostok.models.stcn.checkpoint import (
    convert_resnet_trunk_keys,
    expand_single_object_value_conv,
    unwrap_checkpoint,
)


def convert_imsfr_state_dict(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Authors' IMSFR key layout -> ours."""
    state = convert_resnet_trunk_keys(unwrap_checkpoint(state))
    return expand_single_object_value_conv(state)


def load_imsfr_weights(
    network: torch.nn.Module, checkpoint: str | os.PathLike | Mapping, allow_pickle: bool = False
) -> None:
    """Load an authors' IMSFR checkpoint (path or state dict) strictly into ``network``."""
    source = "state dict" if isinstance(checkpoint, Mapping) else str(checkpoint)
    raw = checkpoint if isinstance(checkpoint, Mapping) else load_checkpoint_file(checkpoint, allow_pickle)
    load_state_dict_strict(network, convert_imsfr_state_dict(raw), "IMSFR", source)
