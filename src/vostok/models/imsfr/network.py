"""IMSFR's evaluation network as pure tensors-in/tensors-out modules (built on STCN's blocks).

Differences from STCN: ResNet-101 key encoder; the key *is* the 512-d query value (no 64-d projection);
the memory value is gated by the same ResNet-18 run on the next frame; a second "positional" value adds
a NeRF-style sinusoidal encoding of the value itself; three readouts are fused by a pooled gate.
"""

from __future__ import annotations

import torch
from torch import nn

from vostok.models.stcn.network import QueryFeatures, ValueEncoder
from vostok.nn.memory_blocks import MaskDecoder
from vostok.nn.resnet import ResNetTrunk

PE_FREQUENCIES = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0)


def value_encoding(v: torch.Tensor) -> torch.Tensor:
    """``[v, sin v, cos v, sin 2v, cos 2v, ..., sin 32v, cos 32v]`` along channels (13 x C channels)."""
    parts = [v]
    for f in PE_FREQUENCIES:
        parts += [torch.sin(v * f), torch.cos(v * f)]
    return torch.cat(parts, dim=1)


class GatedValueEncoder(ValueEncoder):
    """STCN's value encoder whose output is gated by ``sigmoid(mask(trunk(next frame, same masks)))``."""

    def __init__(self) -> None:
        super().__init__(5)
        self.mask = nn.Conv2d(256, 512, 3, padding=1)

    def forward(  # type: ignore[override]
        self, image: torch.Tensor, next_image: torch.Tensor, f16: torch.Tensor, masks: torch.Tensor
    ) -> torch.Tensor:
        value = super().forward(image, f16, masks)
        gate = torch.sigmoid(self.mask(self.trunk(next_image, masks)))
        return value * gate


class IMSFRNetwork(nn.Module):
    """IMSFR's modules. ``mask2`` is kept only so the authors' checkpoints load strictly (unused at test)."""

    key_dim = 512

    def __init__(self) -> None:
        super().__init__()
        self.key_encoder = ResNetTrunk(101)
        self.value_encoder = GatedValueEncoder()
        self.conv_fusion1v = nn.Conv2d(512 * (1 + 2 * len(PE_FREQUENCIES)), 512, 1)
        self.conv_fusion = nn.Conv2d(512, 512, 1)
        self.key_comp = nn.Conv2d(1024, 512, 3, padding=1)
        self.decoder = MaskDecoder(1024)
        self.mask = nn.Conv2d(1536, 512, 3, padding=1)
        self.mask2 = nn.Conv2d(1536, 512, 3, padding=1)

    def encode_query(self, image: torch.Tensor) -> QueryFeatures:
        f16, f8, f4 = self.key_encoder(image)
        key = self.key_comp(f16)
        return QueryFeatures(key, key, f16, f8, f4)

    def encode_value(
        self, image: torch.Tensor, next_image: torch.Tensor, f16: torch.Tensor, masks: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-object ``(value, positional value)``, each ``(K,512,h,w)``; needs the next frame's image."""
        v = self.value_encoder(image, next_image, f16, masks)
        v_pe = self.conv_fusion(v + self.conv_fusion1v(value_encoding(v)))
        return v, v_pe

    def fuse_readouts(
        self, r_memory: torch.Tensor, r_first: torch.Tensor, r_local: torch.Tensor
    ) -> torch.Tensor:
        """``(1 + g) * (r_memory + r_first + r_local)`` with ``g = sigmoid(mask(F + GAP(F)))``, F their concat."""
        feats = torch.cat([r_memory, r_first, r_local], dim=1)
        gate = torch.sigmoid(self.mask(feats + feats.mean(dim=(2, 3), keepdim=True)))
        return r_memory * gate + r_memory + r_first * gate + r_first + r_local * gate + r_local

    def decode(self, fused: torch.Tensor, query: QueryFeatures) -> torch.Tensor:
        qv = query.value.expand(fused.shape[0], -1, -1, -1)
        return self.decoder(torch.cat([fused, qv], dim=1), query.f8, query.f4)
