"""Isomer's decoder: a SegFormer all-MLP head with an extra 3x3 conv stage, giving one logit map."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class TokenLinear(nn.Module):
    """Per-pixel linear projection of an NCHW map (SegFormer's ``MLP``)."""

    def __init__(self, in_dim: int, out_dim: int) -> None:
        super().__init__()
        self.proj = nn.Linear(in_dim, out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, _, h, w = x.shape
        return self.proj(x.flatten(2).transpose(1, 2)).transpose(1, 2).reshape(b, -1, h, w)


class ConvBNReLU(nn.Module):
    """Conv (no bias) -> BatchNorm -> ReLU (mmcv's ``ConvModule`` key layout: ``conv``, ``bn``)."""

    def __init__(self, in_dim: int, out_dim: int, kernel: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_dim, out_dim, kernel, padding=kernel // 2, bias=False)
        self.bn = nn.BatchNorm2d(out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.bn(self.conv(x)))


def _upsample(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


class IsomerHead(nn.Module):
    """Four fused maps (strides 4..32) -> one logit map at 4x the stride-4 grid (the input size).

    The authors upsample with a single integer size (square output); we use (2H, 2W), which is the same for
    square inputs and correct for the others.
    """

    def __init__(self, in_channels: list[int], embed_dim: int, dropout: float = 0.1) -> None:
        super().__init__()
        for i, c in enumerate(in_channels):
            setattr(self, f"linear_c{i + 1}", TokenLinear(c, embed_dim))
        self.linear_fuse = ConvBNReLU(4 * embed_dim, embed_dim, 1)
        self.linear_project = ConvBNReLU(embed_dim, embed_dim // 4, 3)
        self.dropout = nn.Dropout2d(dropout)
        self.linear_saliency_pred = nn.Conv2d(embed_dim // 4, 1, 1)

    def forward(self, features: list[torch.Tensor]) -> torch.Tensor:
        size = features[0].shape[-2:]
        projected = [getattr(self, f"linear_c{i + 1}")(f) for i, f in enumerate(features)]
        projected = [projected[0]] + [_upsample(p, size) for p in projected[1:]]
        x = self.linear_fuse(torch.cat(projected[::-1], dim=1))
        x = self.linear_project(_upsample(x, (2 * size[0], 2 * size[1])))
        x = _upsample(x, (4 * size[0], 4 * size[1]))
        return self.linear_saliency_pred(self.dropout(x))
