"""Building blocks shared by the STCN family (STCN, IMSFR, SimVOS): residual blocks, CBAM, the value
fusion block, the upsampling decoder and soft aggregation. Parameter names follow the authors' code so
their checkpoints map onto these modules almost one to one."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class ResBlock(nn.Module):
    """Pre-activation residual block: ``skip(x) + conv2(relu(conv1(relu(x))))``; 3x3 skip conv if in != out."""

    def __init__(self, in_ch: int, out_ch: int) -> None:
        super().__init__()
        self.downsample = nn.Conv2d(in_ch, out_ch, 3, padding=1) if in_ch != out_ch else None
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, padding=1)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        r = self.conv2(F.relu(self.conv1(F.relu(x))))
        skip = x if self.downsample is None else self.downsample(x)
        return skip + r


class ChannelGate(nn.Module):
    """CBAM channel attention: shared MLP over average- and max-pooled channels, sigmoid gate."""

    def __init__(self, channels: int, reduction: int = 16) -> None:
        super().__init__()
        hidden = channels // reduction
        self.mlp = nn.Sequential(
            nn.Flatten(), nn.Linear(channels, hidden), nn.ReLU(), nn.Linear(hidden, channels)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.mlp(x.mean(dim=(2, 3))) + self.mlp(x.amax(dim=(2, 3)))
        return x * torch.sigmoid(s)[:, :, None, None]


class _SpatialConv(nn.Module):
    """Holder so the conv's key reads ``spatial.conv`` like the authors' BasicConv."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2, 1, 7, padding=3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class SpatialGate(nn.Module):
    """CBAM spatial attention: 7x7 conv over [channel max, channel mean], sigmoid gate."""

    def __init__(self) -> None:
        super().__init__()
        self.spatial = _SpatialConv()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = torch.cat([x.amax(dim=1, keepdim=True), x.mean(dim=1, keepdim=True)], dim=1)
        return x * torch.sigmoid(self.spatial(pooled))


class CBAM(nn.Module):
    """Convolutional block attention module (channel gate, then spatial gate)."""

    def __init__(self, channels: int, reduction: int = 16) -> None:
        super().__init__()
        self.ChannelGate = ChannelGate(channels, reduction)
        self.SpatialGate = SpatialGate()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.SpatialGate(self.ChannelGate(x))


class FeatureFusionBlock(nn.Module):
    """Fuses the value trunk's features with the key encoder's f16: ResBlock, then ResBlock(x + CBAM(x))."""

    def __init__(self, in_ch: int = 1280, out_ch: int = 512) -> None:
        super().__init__()
        self.block1 = ResBlock(in_ch, out_ch)
        self.attention = CBAM(out_ch)
        self.block2 = ResBlock(out_ch, out_ch)

    def forward(self, value: torch.Tensor, f16: torch.Tensor) -> torch.Tensor:
        x = self.block1(torch.cat([value, f16], dim=1))
        return self.block2(x + self.attention(x))


class UpsampleBlock(nn.Module):
    """``ResBlock(conv3x3(skip) + up2(x))``: one decoder stage."""

    def __init__(self, skip_ch: int, up_ch: int, out_ch: int) -> None:
        super().__init__()
        self.skip_conv = nn.Conv2d(skip_ch, up_ch, 3, padding=1)
        self.out_conv = ResBlock(up_ch, out_ch)

    def forward(self, skip: torch.Tensor, up: torch.Tensor) -> torch.Tensor:
        x = self.skip_conv(skip) + F.interpolate(up, scale_factor=2, mode="bilinear", align_corners=False)
        return self.out_conv(x)


class MaskDecoder(nn.Module):
    """STCN decoder: stride-16 features + f8/f4 skips -> one logit per pixel at the input resolution.

    The batch axis is the objects; f8/f4 (batch 1) are broadcast to it.
    """

    def __init__(self, in_ch: int = 1024) -> None:
        super().__init__()
        self.compress = ResBlock(in_ch, 512)
        self.up_16_8 = UpsampleBlock(512, 512, 256)
        self.up_8_4 = UpsampleBlock(256, 256, 256)
        self.pred = nn.Conv2d(256, 1, 3, padding=1)

    def forward(self, x: torch.Tensor, f8: torch.Tensor, f4: torch.Tensor) -> torch.Tensor:
        n = x.shape[0]
        x = self.compress(x)
        x = self.up_16_8(f8.expand(n, -1, -1, -1), x)
        x = self.up_8_4(f4.expand(n, -1, -1, -1), x)
        x = self.pred(F.relu(x))
        return F.interpolate(x, scale_factor=4, mode="bilinear", align_corners=False)


def soft_aggregate(prob: torch.Tensor, eps: float = 1e-7) -> tuple[torch.Tensor, torch.Tensor]:
    """Soft aggregation (STM) of per-object probabilities ``(K, ...)``.

    Returns ``(logits, probabilities)``, each ``(K+1, ...)`` with background first: background is the
    product of ``1 - p_o``; both are clamped to ``[eps, 1-eps]`` before the logit and softmax.
    """
    bg = torch.prod(1 - prob, dim=0, keepdim=True)
    p = torch.cat([bg, prob], dim=0).clamp(eps, 1 - eps)
    logits = torch.log(p / (1 - p))
    return logits, torch.softmax(logits, dim=0)
