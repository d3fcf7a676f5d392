"""STCN's evaluation network (Cheng et al., NeurIPS 2021) as pure tensors-in/tensors-out modules.

Key encoder ResNet-50 (to layer3) -> 64-d key and 512-d query value; value encoder ResNet-18 on
[image, object mask, sum of other objects' masks] fused with the frame's f16; the STCN decoder.
The memory readout and the inference schedule live in ``vostok.inference``, not here.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from vostok.nn.memory_blocks import FeatureFusionBlock, MaskDecoder
from vostok.nn.resnet import BiasedResNet18Trunk, ResNetTrunk


@dataclass
class QueryFeatures:
    """What the key encoder gives for one frame (batch 1): matching key, query value and skips."""

    key: torch.Tensor  # (1, Ck, h, w)
    value: torch.Tensor  # (1, 512, h, w)
    f16: torch.Tensor
    f8: torch.Tensor
    f4: torch.Tensor


class ValueEncoder(BiasedResNet18Trunk):
    """ResNet-18 (biased convs, RGB + mask + others) fused with the key encoder's f16 -> 512-d value."""

    def __init__(self, in_channels: int = 5) -> None:
        super().__init__(in_channels)
        self.fuser = FeatureFusionBlock(1024 + 256, 512)

    def trunk(self, image: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        """ResNet-18 features of ``image (1,3,H,W)`` for each object of ``masks (K,H,W)`` -> (K,256,h,w)."""
        k = masks.shape[0]
        others = masks.sum(0, keepdim=True) - masks if k > 1 else torch.zeros_like(masks)
        x = torch.cat([image.expand(k, -1, -1, -1), masks[:, None], others[:, None]], dim=1)
        return super().forward(x)

    def forward(self, image: torch.Tensor, f16: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        feats = self.trunk(image, masks)
        return self.fuser(feats, f16.expand(feats.shape[0], -1, -1, -1))


class KeyProjection(nn.Module):
    """3x3 conv 1024 -> key dim, orthogonally initialised with zero bias as the authors do."""

    def __init__(self, in_ch: int = 1024, key_dim: int = 64) -> None:
        super().__init__()
        self.key_proj = nn.Conv2d(in_ch, key_dim, 3, padding=1)
        nn.init.orthogonal_(self.key_proj.weight.data)
        nn.init.zeros_(self.key_proj.bias.data)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.key_proj(x)


class STCNNetwork(nn.Module):
    """STCN's modules; see :class:`QueryFeatures` for the query outputs."""

    key_dim = 64

    def __init__(self) -> None:
        super().__init__()
        self.key_encoder = ResNetTrunk(50)
        self.value_encoder = ValueEncoder(5)
        self.key_proj = KeyProjection(1024, self.key_dim)
        self.key_comp = nn.Conv2d(1024, 512, 3, padding=1)
        self.decoder = MaskDecoder(1024)

    def encode_query(self, image: torch.Tensor) -> QueryFeatures:
        """``image (1,3,H,W)`` normalised and padded to a multiple of 16."""
        f16, f8, f4 = self.key_encoder(image)
        return QueryFeatures(self.key_proj(f16), self.key_comp(f16), f16, f8, f4)

    def encode_value(self, image: torch.Tensor, f16: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        """Per-object memory values ``(K,512,h,w)`` from the frame, its f16 and soft masks ``(K,H,W)``."""
        return self.value_encoder(image, f16, masks)

    def decode(self, readout: torch.Tensor, query: QueryFeatures) -> torch.Tensor:
        """Per-object logits ``(K,1,H,W)`` from the readout ``(K,512,h,w)`` and the query features."""
        qv = query.value.expand(readout.shape[0], -1, -1, -1)
        return self.decoder(torch.cat([readout, qv], dim=1), query.f8, query.f4)
