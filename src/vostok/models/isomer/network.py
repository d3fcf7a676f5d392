"""The Isomer network (ICCV 2023): two backbones (RGB frame, flow image), CST at stages 1-2, SGST at
stages 3-4, SegFormer-style head. Pure tensors in, logits out; no temporal state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn

from vostok.models.isomer.fusion import (
    ContextSharingTransformer,
    SemanticGatheringScatteringTransformer,
    SgstMode,
)
from vostok.models.isomer.head import IsomerHead
from vostok.nn.mit import mit_b0
from vostok.nn.swin import swin_t

Backbone = Literal["swin_t", "mit_b0"]


@dataclass(frozen=True)
class IsomerConfig:
    """What distinguishes the released variants: the backbone (one per stream) and the decoder width."""

    backbone: Backbone = "swin_t"
    sgst_mode: SgstMode = "authors"
    merged_tokens: int = 121  # K at stage 3; stage 4 uses K // 4, as the authors do

    @property
    def decoder_dim(self) -> int:
        return {"swin_t": 192, "mit_b0": 64}[self.backbone]


BACKBONES = {"swin_t": swin_t, "mit_b0": mit_b0}


class IsomerNet(nn.Module):
    """``forward(image, flow) -> (B, 1, H, W)`` logits for ImageNet-normalised (B, 3, H, W) inputs."""

    def __init__(self, config: IsomerConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or IsomerConfig()
        if config.backbone not in BACKBONES:
            raise ValueError(f"backbone must be one of {sorted(BACKBONES)}, got {config.backbone!r}")
        self.image_encoder = BACKBONES[config.backbone]()
        self.flow_encoder = BACKBONES[config.backbone]()
        c = self.image_encoder.channels
        k = config.merged_tokens
        self.fusion = nn.ModuleList(
            [
                ContextSharingTransformer(c[0]),
                ContextSharingTransformer(c[1]),
                SemanticGatheringScatteringTransformer(c[2], k, mode=config.sgst_mode),
                SemanticGatheringScatteringTransformer(c[3], k // 4, mode=config.sgst_mode),
            ]
        )
        self.head = IsomerHead(c, config.decoder_dim)

    def fuse(self, image: torch.Tensor, flow: torch.Tensor) -> list[torch.Tensor]:
        """The four fused stage maps (the head's inputs)."""
        pairs = zip(self.image_encoder(image), self.flow_encoder(flow), strict=True)
        return [fusion(x, y) for fusion, (x, y) in zip(self.fusion, pairs, strict=True)]

    def forward(self, image: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
        return self.head(self.fuse(image, flow))


def authors_init_(net: IsomerNet) -> IsomerNet:
    """The authors' initialisation for training from scratch (backbones are then overwritten by ImageNet
    weights): xavier-uniform on the fusion FFN / attention matrices, then *every* Conv2d weight N(0, 0.01)
    (biases untouched) and BatchNorm weight 1, bias 0."""
    from vostok.models.isomer.fusion import QueryAttention, TokenFFN

    for module in net.fusion.modules():
        if isinstance(module, TokenFFN | QueryAttention):
            for p in module.parameters():
                if p.dim() > 1:
                    nn.init.xavier_uniform_(p)
    for module in net.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.normal_(module.weight, 0.0, 0.01)
        elif isinstance(module, nn.BatchNorm2d):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)
    return net
