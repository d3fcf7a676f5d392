"""The authors' STCN checkpoints (s012, s03 and the stage-0 single-object file) -> our STCNNetwork."""

from __future__ import annotations

import os
from collections.abc import Mapping

import torch

from vostok.checkpoint import load_checkpoint_file, load_state_dict_strict, strip_prefix
from vostok.errors import CheckpointError


def convert_resnet_trunk_keys(state: Mapping[str, torch.Tensor], prefix: str = "key_encoder.") -> dict:
    """The authors call torchvision's ``layer1`` ``res2``; rename it under ``prefix``."""
    old = prefix + "res2."
    return {(prefix + "layer1." + k[len(old) :] if k.startswith(old) else k): v for k, v in state.items()}


def expand_single_object_value_conv(
    state: dict[str, torch.Tensor], key: str = "value_encoder.conv1.weight"
) -> dict:
    """Stage-0 checkpoints have a 4-channel value stem (no "others" mask); append a zero channel as the
    authors' evaluation loader does, so the 5-channel network behaves as the single-object one."""
    w = state.get(key)
    if w is not None and w.ndim == 4 and w.shape[1] == 4:
        state = dict(state)
        state[key] = torch.cat([w, torch.zeros_like(w[:, :1])], dim=1)
    return state


def unwrap_checkpoint(obj: Mapping) -> dict[str, torch.Tensor]:
    """Accept a bare state dict, or one nested under ``network``/``state_dict``/``model``; drop ``module.``."""
    for name in ("network", "state_dict", "model"):
        inner = obj.get(name)
        if isinstance(inner, Mapping) and inner and all(isinstance(v, torch.Tensor) for v in inner.values()):
            obj = inner
            break
    tensors = {k: v for k, v in obj.items() if isinstance(v, torch.Tensor)}
    if not tensors:
        raise CheckpointError("the checkpoint holds no tensors; is it a model checkpoint?")
    return strip_prefix(tensors, "module.")


def convert_stcn_state_dict(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Authors' STCN key layout -> ours."""
    state = unwrap_checkpoint(state)
    state = convert_resnet_trunk_keys(state)
    return expand_single_object_value_conv(state)


def load_memory_network_weights(
    network: torch.nn.Module,
    checkpoint: str | os.PathLike | Mapping,
    model_name: str = "STCN",
    allow_pickle: bool = False,
) -> None:
    """Load an authors' STCN-family checkpoint (path or state dict) strictly into ``network``.

    STCN and IMSFR share the key layout, so one converter serves both; ``model_name`` names the model in
    errors about keys that do not fit.
    """
    source = "state dict" if isinstance(checkpoint, Mapping) else str(checkpoint)
    raw = checkpoint if isinstance(checkpoint, Mapping) else load_checkpoint_file(checkpoint, allow_pickle)
    load_state_dict_strict(network, convert_stcn_state_dict(raw), model_name, source)


def load_stcn_weights(
    network: torch.nn.Module, checkpoint: str | os.PathLike | Mapping, allow_pickle: bool = False
) -> None:
    """Load an authors' STCN checkpoint (path or state dict) strictly into ``network``."""
    load_memory_network_weights(network, checkpoint, "STCN", allow_pickle)
