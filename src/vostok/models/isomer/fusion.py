"""Isomer's fusion modules: the Context-Sharing Transformer (CST, stages 1-2) and the Semantic
Gathering-Scattering Transformer (SGST, stages 3-4). Each fuses one stage of the image and flow streams.
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

SgstMode = Literal["authors", "paper"]
SGST_MODES = ("authors", "paper")


class TokenFFN(nn.Module):
    """Post-norm FFN on (N, B, C) tokens laid out on an (H, W) grid: Linear -> DWConv3x3 -> ReLU -> Linear."""

    def __init__(self, dim: int, hidden: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.linear1 = nn.Linear(dim, hidden)
        self.dwconv = _GridDWConv(hidden)
        self.dropout = nn.Dropout(dropout)
        self.linear2 = nn.Linear(hidden, dim)
        self.norm = nn.LayerNorm(dim)

    def forward(self, tokens: torch.Tensor, h: int, w: int) -> torch.Tensor:
        hidden = self.dropout(F.relu(self.dwconv(self.linear1(tokens), h, w)))
        return self.norm(tokens + self.dropout(self.linear2(hidden)))


class _GridDWConv(nn.Module):
    """3x3 depth-wise conv over (N=H*W, B, C) tokens in row-major grid order."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dwconv = nn.Conv2d(dim, dim, 3, padding=1, groups=dim)

    def forward(self, tokens: torch.Tensor, h: int, w: int) -> torch.Tensor:
        n, b, c = tokens.shape
        grid = tokens.permute(1, 2, 0).reshape(b, c, h, w)
        return self.dwconv(grid).flatten(2).permute(2, 0, 1)


class GlobalContext(nn.Module):
    """GCNet block (attention pooling, channel-add fusion) with the authors' 16x *expanding* context MLP."""

    def __init__(self, dim: int, expansion: int = 16) -> None:
        super().__init__()
        planes = dim * expansion
        self.conv_mask = nn.Conv2d(dim, 1, 1)
        self.channel_add_conv = nn.Sequential(
            nn.Conv2d(dim, planes, 1),
            nn.LayerNorm([planes, 1, 1]),
            nn.ReLU(inplace=True),
            nn.Conv2d(planes, dim, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c = x.shape[:2]
        weights = self.conv_mask(x).view(b, 1, -1).softmax(dim=-1)  # (B, 1, HW), shared by all positions
        context = torch.bmm(x.view(b, c, -1), weights.transpose(1, 2)).view(b, c, 1, 1)
        return x + self.channel_add_conv(context)


class ContextSharingTransformer(nn.Module):
    """CST: project concat(image, flow) 2C->C, add one global context shared by all positions, then FFN."""

    def __init__(self, dim: int, ffn_ratio: int = 8, dropout: float = 0.1) -> None:
        super().__init__()
        self.project = nn.Conv2d(2 * dim, dim, 1)
        self.context = GlobalContext(dim)
        self.ffn = TokenFFN(dim, dim * ffn_ratio, dropout)

    def forward(self, image: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
        z = self.context(self.project(torch.cat([image, flow], dim=1)))
        b, c, h, w = z.shape
        tokens = self.ffn(z.flatten(2).permute(2, 0, 1), h, w)
        return tokens.permute(1, 2, 0).reshape(b, c, h, w)


class QueryAttention(nn.Module):
    """Post-norm cross-attention of gathered queries on merged tokens (no positional encoding)."""

    def __init__(self, dim: int, heads: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.self_attn = nn.MultiheadAttention(dim, heads, dropout=dropout)
        self.dropout = nn.Dropout(dropout)
        self.norm = nn.LayerNorm(dim)

    def forward(self, queries: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        attended = self.self_attn(queries, memory, memory, need_weights=False)[0]
        return self.norm(queries + self.dropout(attended))


class SemanticGatheringScatteringTransformer(nn.Module):
    """SGST: project concat(image, flow) 2C->C, then refine foreground / background tokens separately.

    ``mode="authors"`` (default) returns the projection only, which is what the authors' code computes (its
    scattered result is discarded) and what the released checkpoint was trained with; the other weights are
    kept so that checkpoint loads strictly, but they are never run. ``mode="paper"`` runs the paper's design:
    heat map -> gather fg/bg tokens -> attend to soft-merged tokens -> FFN -> scatter back in place. Use it
    only for new training: with the released weights (never trained on this path) it gives garbage.
    """

    def __init__(
        self,
        dim: int,
        merged_tokens: int,
        heads: int = 8,
        ffn_ratio: int = 8,
        dropout: float = 0.1,
        threshold: float = 0.5,
        mode: SgstMode = "authors",
    ) -> None:
        super().__init__()
        if mode not in SGST_MODES:
            raise ValueError(f"sgst mode must be one of {SGST_MODES}, got {mode!r}")
        self.mode = mode
        self.threshold = threshold
        self.project = nn.Conv2d(2 * dim, dim, 1)
        self.heat_map = nn.Conv2d(dim, 1, 1)
        self.fg_soft_weights = nn.Conv2d(dim, merged_tokens, 1)
        self.bg_soft_weights = nn.Conv2d(dim, merged_tokens, 1)
        self.fg_attn = QueryAttention(dim, heads, dropout)
        self.bg_attn = QueryAttention(dim, heads, dropout)
        self.fg_ffn = TokenFFN(dim, dim * ffn_ratio, dropout)
        self.bg_ffn = TokenFFN(dim, dim * ffn_ratio, dropout)

    def forward(self, image: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
        x = self.project(torch.cat([image, flow], dim=1))
        if self.mode == "authors":
            return x
        return torch.stack([self._refine(sample) for sample in x])

    def _refine(self, x: torch.Tensor) -> torch.Tensor:
        """Paper mode for one (C, H, W) sample."""
        heat = torch.sigmoid(self.heat_map(x[None]))[0, 0]  # (H, W)
        fg, bg = heat >= self.threshold, heat < 1 - self.threshold
        if not fg.any() or not bg.any():
            return x
        out = x.clone()
        for region, weight, soft, attn, ffn in (
            (fg, heat, self.fg_soft_weights, self.fg_attn, self.fg_ffn),
            (bg, 1 - heat, self.bg_soft_weights, self.bg_attn, self.bg_ffn),
        ):
            weighted = x * weight  # (C, H, W)
            merge = soft(weighted[None])[0].flatten(1)  # (K, HW); raw weights, as the authors define them
            memory = (merge @ weighted.flatten(1).T)[:, None]  # (K, 1, C)
            queries = x[:, region].T[:, None]  # (N, 1, C), token-major
            refined = ffn(attn(queries, memory), queries.shape[0], 1)
            out[:, region] = refined[
                :, 0
            ].T  # back to channel-major: the transpose the authors' scatter misses
        return out
