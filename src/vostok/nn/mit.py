"""Mix Transformer (MiT) backbone of SegFormer; MiT-b0 as Isomer uses it.

timm has no MiT, and transformers' Segformer differs numerically (LayerNorm eps 1e-5 where SegFormer's
blocks use 1e-6, separate k/v projections) and is a heavy import, so the backbone is written here.
Parameter names follow NVlabs' release, so ``mit_b0.pth`` loads without renaming (its ``head.*`` dropped).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.ops import StochasticDepth

BLOCK_NORM_EPS = 1e-6


class OverlapPatchEmbed(nn.Module):
    """Strided conv with overlap (k=7/s=4 first, k=3/s=2 after) + LayerNorm; returns tokens and grid size."""

    def __init__(self, kernel: int, stride: int, in_chans: int, dim: int) -> None:
        super().__init__()
        self.proj = nn.Conv2d(in_chans, dim, kernel, stride=stride, padding=kernel // 2)
        self.norm = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, int, int]:
        x = self.proj(x)
        h, w = x.shape[-2:]
        return self.norm(x.flatten(2).transpose(1, 2)), h, w


class EfficientSelfAttention(nn.Module):
    """Self-attention whose keys/values come from a map shrunk ``sr`` times by a strided conv + LN."""

    def __init__(self, dim: int, heads: int, sr: int) -> None:
        super().__init__()
        self.heads = heads
        self.sr_ratio = sr
        self.q = nn.Linear(dim, dim)
        self.kv = nn.Linear(dim, dim * 2)
        self.proj = nn.Linear(dim, dim)
        if sr > 1:
            self.sr = nn.Conv2d(dim, dim, sr, stride=sr)
            self.norm = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor, h: int, w: int) -> torch.Tensor:
        b, n, c = x.shape
        hd = c // self.heads
        q = self.q(x).reshape(b, n, self.heads, hd).transpose(1, 2)
        src = x
        if self.sr_ratio > 1:
            src = self.sr(x.transpose(1, 2).reshape(b, c, h, w)).flatten(2).transpose(1, 2)
            src = self.norm(src)
        k, v = self.kv(src).reshape(b, -1, 2, self.heads, hd).permute(2, 0, 3, 1, 4).unbind(0)
        out = F.scaled_dot_product_attention(q, k, v)
        return self.proj(out.transpose(1, 2).reshape(b, n, c))


class DWConv(nn.Module):
    """3x3 depth-wise conv applied to a token sequence laid out on its (H, W) grid."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dwconv = nn.Conv2d(dim, dim, 3, padding=1, groups=dim)

    def forward(self, x: torch.Tensor, h: int, w: int) -> torch.Tensor:
        b, n, c = x.shape
        return self.dwconv(x.transpose(1, 2).reshape(b, c, h, w)).flatten(2).transpose(1, 2)


class MixFFN(nn.Module):
    """fc1 -> depth-wise 3x3 conv -> GELU -> fc2."""

    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.dwconv = DWConv(hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor, h: int, w: int) -> torch.Tensor:
        return self.fc2(self.act(self.dwconv(self.fc1(x), h, w)))


class MiTBlock(nn.Module):
    """Pre-norm efficient attention + Mix-FFN, each with a residual."""

    def __init__(self, dim: int, heads: int, sr: int, mlp_ratio: float, drop_path: float) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=BLOCK_NORM_EPS)
        self.attn = EfficientSelfAttention(dim, heads, sr)
        self.drop_path = StochasticDepth(drop_path, mode="row")
        self.norm2 = nn.LayerNorm(dim, eps=BLOCK_NORM_EPS)
        self.mlp = MixFFN(dim, int(dim * mlp_ratio))

    def forward(self, x: torch.Tensor, h: int, w: int) -> torch.Tensor:
        x = x + self.drop_path(self.attn(self.norm1(x), h, w))
        return x + self.drop_path(self.mlp(self.norm2(x), h, w))


class MixTransformer(nn.Module):
    """Four stages, each: overlapping patch embed -> blocks -> LayerNorm; NCHW outputs at strides 4..32."""

    def __init__(
        self,
        dims: tuple[int, ...] = (32, 64, 160, 256),
        heads: tuple[int, ...] = (1, 2, 5, 8),
        depths: tuple[int, ...] = (2, 2, 2, 2),
        sr_ratios: tuple[int, ...] = (8, 4, 2, 1),
        mlp_ratio: float = 4.0,
        drop_path_rate: float = 0.1,
        in_chans: int = 3,
    ) -> None:
        super().__init__()
        self.channels = list(dims)
        rates = torch.linspace(0, drop_path_rate, sum(depths)).tolist()
        start = 0
        for i in range(4):
            kernel, stride = (7, 4) if i == 0 else (3, 2)
            prev = in_chans if i == 0 else dims[i - 1]
            setattr(self, f"patch_embed{i + 1}", OverlapPatchEmbed(kernel, stride, prev, dims[i]))
            blocks = [
                MiTBlock(dims[i], heads[i], sr_ratios[i], mlp_ratio, rates[start + j])
                for j in range(depths[i])
            ]
            setattr(self, f"block{i + 1}", nn.ModuleList(blocks))
            setattr(self, f"norm{i + 1}", nn.LayerNorm(dims[i], eps=BLOCK_NORM_EPS))
            start += depths[i]

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        outs = []
        for i in range(1, 5):
            tokens, h, w = getattr(self, f"patch_embed{i}")(x)
            for block in getattr(self, f"block{i}"):
                tokens = block(tokens, h, w)
            tokens = getattr(self, f"norm{i}")(tokens)
            x = tokens.transpose(1, 2).reshape(tokens.shape[0], -1, h, w)
            outs.append(x)
        return outs


def mit_b0(drop_path_rate: float = 0.1) -> MixTransformer:
    """MiT-b0: dims 32-64-160-256, heads 1-2-5-8, depths 2-2-2-2, sr 8-4-2-1."""
    return MixTransformer(drop_path_rate=drop_path_rate)


def imagenet_mit_state(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Keys of NVlabs' ImageNet MiT file (flat, or under ``state_dict``) that this backbone uses."""
    if "state_dict" in state and isinstance(state["state_dict"], Mapping):
        state = state["state_dict"]
    return {k: v for k, v in state.items() if not k.startswith("head.")}


def load_imagenet_weights(model: nn.Module, path: str | os.PathLike) -> None:
    """Load the authors' ImageNet file into ``model``; every backbone key must be present and fit.

    Upstream loads these files with ``strict=False``, so a wrong file loads silently; here it is an error.
    """
    from vostok.checkpoint import load_checkpoint_file, load_state_dict_strict

    state = imagenet_mit_state(load_checkpoint_file(path))
    load_state_dict_strict(model, state, "MiT-b0 (mit_b0.pth)", source=str(path))
