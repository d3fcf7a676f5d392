"""Isomer (ICCV 2023): zero-shot VOS / video salient object detection from RGB frames and optical flow.

``vostok.load_model("isomer", checkpoint="isomer.pth", backbone="swin_t"|"mit_b0")`` reads the authors'
released file; ``model.segment(video, flow_dir=DIR)`` (or ``flow="raft"``) yields per-frame results.
"""

from __future__ import annotations

import os
import warnings

import torch

from vostok.checkpoint import load_state_dict_strict
from vostok.errors import CheckpointError, InputError
from vostok.models.isomer.checkpoint import dead_sgst_norms_at_init, detect_backbone, read_isomer_checkpoint
from vostok.models.isomer.network import BACKBONES, IsomerConfig, IsomerNet
from vostok.models.isomer.predictor import IsomerPredictor
from vostok.models.registry import register_model

__all__ = ["IsomerConfig", "IsomerNet", "IsomerPredictor", "build_network", "load"]


def build_network(
    checkpoint: str | os.PathLike | None = None,
    backbone: str | None = None,
    sgst_mode: str = "authors",
    allow_pickle: bool = False,
) -> IsomerNet:
    """The network, with weights from ``checkpoint`` (authors' or ours) or random when ``None``."""
    if backbone is not None and backbone not in BACKBONES:
        raise InputError(f"unknown Isomer backbone {backbone!r}; use one of {', '.join(sorted(BACKBONES))}.")
    state = None
    if checkpoint is not None:
        state = read_isomer_checkpoint(checkpoint, allow_pickle=allow_pickle)
        found = detect_backbone(state)
        if backbone is not None and backbone != found:
            raise CheckpointError(
                f"{checkpoint} is an Isomer {found} checkpoint, but backbone={backbone!r} was asked."
            )
        backbone = found
    net = IsomerNet(IsomerConfig(backbone=backbone or "swin_t", sgst_mode=sgst_mode))
    if state is None:
        warnings.warn("Isomer has no checkpoint: its weights are random.", stacklevel=3)
    else:
        load_state_dict_strict(net, state, f"Isomer ({net.config.backbone})", source=str(checkpoint))
        at_init, total = dead_sgst_norms_at_init(state)
        if sgst_mode == "paper" and total and at_init == total:
            warnings.warn(
                f"{checkpoint}: its SGST attention/FFN weights were never trained (the authors' code discards "
                "that path), so sgst_mode='paper' gives meaningless maps; use sgst_mode='authors'.",
                stacklevel=3,
            )
    return net


@register_model("isomer")
def load(
    checkpoint: str | os.PathLike | None = None,
    device: str | torch.device | None = None,
    backbone: str | None = None,
    sgst_mode: str = "authors",
    batch_size: int = 4,
    input_size: int = 512,
    allow_pickle: bool = False,
) -> IsomerPredictor:
    """Registry loader: ``backbone`` defaults to the checkpoint's (Swin-T without one); ``input_size`` is
    the square size frames and flow images are resized to (512 as trained; smaller is faster, less exact)."""
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    net = build_network(checkpoint, backbone=backbone, sgst_mode=sgst_mode, allow_pickle=allow_pickle)
    return IsomerPredictor(net, device=device, batch_size=batch_size, input_size=input_size)
