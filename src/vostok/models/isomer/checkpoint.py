"""The authors' Isomer checkpoint -> our :class:`IsomerNet` state dict.

The released ``isomer.pth`` is ``{'epoch', 'network': <DDP state dict, 'module.' prefix>, 'optimizer'}``.
Its dead SGST weights (see ``fusion.py``) are kept so the file loads strictly.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

import torch

from vostok.checkpoint import load_checkpoint_file, strip_prefix
from vostok.errors import CheckpointError

# (authors' pattern, ours), applied in order to each key
_RENAMES: list[tuple[str, str]] = [
    (r"^backbone_x\.", "image_encoder."),
    (r"^backbone_y\.", "flow_encoder."),
    (r"^fusion_module(\d)\.", r"fusion.\1."),
    (r"^decode_head\.", "head."),
    (r"\.transformer_self_attention_layers\.0\.", ".context."),
    (r"\.transformer_ffn_layers\.0\.", ".ffn."),
    (r"\.generate_heat_map\.sal_conv\.", ".heat_map."),
    (r"\.(fg|bg)_self_attention_layers\.0\.", r".\1_attn."),
    (r"\.(fg|bg)_ffn_layers\.0\.", r".\1_ffn."),
]


def is_authors_layout(state: Mapping[str, torch.Tensor]) -> bool:
    return any(k.startswith(("backbone_x.", "module.backbone_x.")) for k in state)


def convert_authors_state(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Rename the authors' keys (with or without ``module.``) to ours; values are shared, not copied."""
    out = {}
    for key, value in strip_prefix(state, "module.").items():
        for pattern, repl in _RENAMES:
            key = re.sub(pattern, repl, key)
        out[key] = value
    return out


def detect_backbone(state: Mapping[str, torch.Tensor]) -> str:
    """``"mit_b0"`` or ``"swin_t"`` from the image-encoder keys of a converted state dict."""
    if "image_encoder.patch_embed1.proj.weight" in state:
        return "mit_b0"
    if "image_encoder.patch_embed.proj.weight" in state:
        return "swin_t"
    raise CheckpointError("the checkpoint has no Isomer image encoder (no Swin-T or MiT-b0 patch embedding).")


def read_isomer_checkpoint(path: str | os.PathLike, allow_pickle: bool = False) -> dict[str, torch.Tensor]:
    """Our state dict from the authors' file (``network`` entry, DDP prefix) or from one of ours."""
    obj = load_checkpoint_file(path, allow_pickle=allow_pickle)
    for entry in ("network", "state_dict", "model"):
        if entry in obj and isinstance(obj[entry], Mapping):
            obj = dict(obj[entry])
            break
    state = {k: v for k, v in obj.items() if isinstance(v, torch.Tensor)}
    if not state:
        raise CheckpointError(f"{path} holds no tensors; it is not an Isomer checkpoint.")
    if is_authors_layout(state):
        return convert_authors_state(state)
    state = strip_prefix(state, "module.")
    if any(k.startswith("network.image_encoder.") for k in state):  # saved by our trainer (IsomerTraining)
        state = strip_prefix(state, "network.")
    return state


def rule_authors_state(manifest: str | os.PathLike | dict, salt: str = "") -> dict[str, torch.Tensor]:
    """The authors'-layout state dict filled by the reference weight rule (``shared/ref``), with Swin's
    constructed ``relative_position_index`` buffers; for checking a port against reference vectors."""
    from vostok.nn.swin import relative_position_index
    from vostok.reference_weights import rule_state_dict

    state = rule_state_dict(manifest, salt=salt)
    for key in state:
        if key.endswith("relative_position_index"):
            state[key] = relative_position_index(7)
    return state


def dead_sgst_norms_at_init(state: Mapping[str, torch.Tensor]) -> tuple[int, int]:
    """(at init, total) over the LayerNorm tensors of the SGST path the authors' code never uses.

    In a checkpoint trained with the authors' code these get no gradient and no weight decay, so they
    should all still be exactly 1 (weights) and 0 (biases): a quick check that a file came from that code,
    and a warning sign before using it with ``sgst_mode="paper"``. ``state`` is in our layout.
    """
    names = [k for k in state if re.match(r"^fusion\.[23]\.(fg|bg)_(attn|ffn)\.norm\.(weight|bias)$", k)]
    at_init = sum(bool(torch.all(state[k] == (1.0 if k.endswith("weight") else 0.0))) for k in names)
    return at_init, len(names)
