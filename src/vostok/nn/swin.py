"""Swin Transformer backbone, segmentation flavour (Swin-T as Isomer and ReferFormer use it).

The segmentation Swin differs from the classification one in three ways that change the numbers:
* inputs and every block's feature map are zero-padded (right/bottom) to a multiple of the patch and window
  size, and the padded tokens take part in window attention;
* padding happens *before* the cyclic shift, and the shifted-window mask (-100 between regions) is built for
  the padded size on every forward; there is no shrinking of the window for small maps;
* the four stage outputs are taken before patch merging and are not normalised.

timm's ``SwinTransformer`` shifts first and pads afterwards (and shrinks windows on small maps), so its
outputs differ wherever padding is needed (128 -> 133 at 512 input); hence this implementation. Parameter
names follow Microsoft's release, so ``swin_tiny_patch4_window7_224.pth`` loads without renaming.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.ops import StochasticDepth

MASK_VALUE = -100.0


def window_partition(x: torch.Tensor, window: int) -> torch.Tensor:
    """(B, H, W, C) with H, W multiples of ``window`` -> (B * nW, window * window, C)."""
    b, h, w, c = x.shape
    x = x.view(b, h // window, window, w // window, window, c)
    return x.permute(0, 1, 3, 2, 4, 5).reshape(-1, window * window, c)


def window_reverse(windows: torch.Tensor, window: int, h: int, w: int) -> torch.Tensor:
    """Inverse of :func:`window_partition`: (B * nW, window * window, C) -> (B, H, W, C)."""
    c = windows.shape[-1]
    x = windows.view(-1, h // window, w // window, window, window, c)
    return x.permute(0, 1, 3, 2, 4, 5).reshape(-1, h, w, c)


def relative_position_index(window: int) -> torch.Tensor:
    """(window^2, window^2) index into the (2*window-1)^2 bias table, Swin's layout."""
    coords = torch.stack(torch.meshgrid(torch.arange(window), torch.arange(window), indexing="ij")).flatten(1)
    rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0) + (window - 1)
    return rel[:, :, 0] * (2 * window - 1) + rel[:, :, 1]


def shifted_window_mask(hp: int, wp: int, window: int, shift: int, device: torch.device) -> torch.Tensor:
    """(nW, window^2, window^2) additive mask separating the regions a cyclic shift brings together."""
    region = torch.zeros(1, hp, wp, 1, device=device)
    bands = (slice(0, -window), slice(-window, -shift), slice(-shift, None))
    label = 0
    for hs in bands:
        for ws in bands:
            region[:, hs, ws, :] = label
            label += 1
    windows = window_partition(region, window).squeeze(-1)
    differs = windows.unsqueeze(1) != windows.unsqueeze(2)
    return torch.zeros(differs.shape, device=device).masked_fill(differs, MASK_VALUE)


class WindowAttention(nn.Module):
    """Multi-head self-attention inside windows, with a learned relative position bias."""

    def __init__(self, dim: int, heads: int, window: int) -> None:
        super().__init__()
        self.heads = heads
        self.window = window
        self.relative_position_bias_table = nn.Parameter(torch.zeros((2 * window - 1) ** 2, heads))
        self.register_buffer("relative_position_index", relative_position_index(window), persistent=True)
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)
        nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """x: (B * nW, N, C); mask: (nW, N, N) or None."""
        bw, n, c = x.shape
        qkv = self.qkv(x).reshape(bw, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        bias = self.relative_position_bias_table[self.relative_position_index.view(-1)]
        bias = bias.view(n, n, -1).permute(2, 0, 1)  # (heads, N, N)
        if mask is None:
            attn_bias = bias.unsqueeze(0)
        else:
            nw = mask.shape[0]
            attn_bias = (bias.unsqueeze(0) + mask.unsqueeze(1)).repeat(bw // nw, 1, 1, 1)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_bias.to(q.dtype))
        return self.proj(out.transpose(1, 2).reshape(bw, n, c))


class Mlp(nn.Module):
    """Linear -> GELU -> Linear."""

    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class SwinBlock(nn.Module):
    """Pre-norm (shifted) window attention + MLP on a (B, H*W, C) token map."""

    def __init__(self, dim: int, heads: int, window: int, shift: int, mlp_ratio: float, drop_path: float):
        super().__init__()
        self.window = window
        self.shift = shift
        self.norm1 = nn.LayerNorm(dim)
        self.attn = WindowAttention(dim, heads, window)
        self.drop_path = StochasticDepth(drop_path, mode="row")
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x: torch.Tensor, h: int, w: int, mask: torch.Tensor | None) -> torch.Tensor:
        b, _, c = x.shape
        ws = self.window
        y = self.norm1(x).view(b, h, w, c)
        pad_b, pad_r = (-h) % ws, (-w) % ws
        y = F.pad(y, (0, 0, 0, pad_r, 0, pad_b))
        hp, wp = h + pad_b, w + pad_r
        if self.shift:
            y = torch.roll(y, shifts=(-self.shift, -self.shift), dims=(1, 2))
        y = window_reverse(self.attn(window_partition(y, ws), mask if self.shift else None), ws, hp, wp)
        if self.shift:
            y = torch.roll(y, shifts=(self.shift, self.shift), dims=(1, 2))
        y = y[:, :h, :w, :].reshape(b, h * w, c)
        x = x + self.drop_path(y)
        return x + self.drop_path(self.mlp(self.norm2(x)))


class PatchMerging(nn.Module):
    """2x2 neighbourhood gather -> LayerNorm(4C) -> Linear(4C -> 2C); odd sizes are zero-padded."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(4 * dim)
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)

    def forward(self, x: torch.Tensor, h: int, w: int) -> torch.Tensor:
        b, _, c = x.shape
        x = F.pad(x.view(b, h, w, c), (0, 0, 0, w % 2, 0, h % 2))
        x = torch.cat([x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 1::2]], dim=-1)
        return self.reduction(self.norm(x.reshape(b, -1, 4 * c)))


class SwinStage(nn.Module):
    """A stack of blocks alternating plain and shifted windows, then (except last) patch merging."""

    def __init__(self, dim, depth, heads, window, mlp_ratio, drop_paths, downsample: bool) -> None:
        super().__init__()
        self.window = window
        self.shift = window // 2
        self.blocks = nn.ModuleList(
            SwinBlock(dim, heads, window, 0 if i % 2 == 0 else window // 2, mlp_ratio, drop_paths[i])
            for i in range(depth)
        )
        self.downsample = PatchMerging(dim) if downsample else None

    def forward(self, x: torch.Tensor, h: int, w: int) -> tuple[torch.Tensor, torch.Tensor, int, int]:
        """Returns (stage output tokens, tokens for the next stage, next H, next W)."""
        hp, wp = -(-h // self.window) * self.window, -(-w // self.window) * self.window
        mask = shifted_window_mask(hp, wp, self.window, self.shift, x.device).to(x.dtype)
        for block in self.blocks:
            x = block(x, h, w, mask)
        if self.downsample is None:
            return x, x, h, w
        return x, self.downsample(x, h, w), (h + 1) // 2, (w + 1) // 2


class PatchEmbed(nn.Module):
    """Non-overlapping patch projection (inputs zero-padded to a multiple of the patch) + LayerNorm."""

    def __init__(self, patch: int, in_chans: int, dim: int) -> None:
        super().__init__()
        self.patch = patch
        self.proj = nn.Conv2d(in_chans, dim, patch, stride=patch)
        self.norm = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        x = F.pad(x, (0, (-w) % self.patch, 0, (-h) % self.patch))
        x = self.proj(x)
        b, c, hh, ww = x.shape
        return self.norm(x.flatten(2).transpose(1, 2)).transpose(1, 2).view(b, c, hh, ww)


class SwinTransformer(nn.Module):
    """Hierarchical Swin backbone returning four unnormalised NCHW maps at strides 4, 8, 16, 32."""

    def __init__(
        self,
        embed_dim: int = 96,
        depths: tuple[int, ...] = (2, 2, 6, 2),
        heads: tuple[int, ...] = (3, 6, 12, 24),
        window: int = 7,
        patch: int = 4,
        mlp_ratio: float = 4.0,
        drop_path_rate: float = 0.2,
        in_chans: int = 3,
    ) -> None:
        super().__init__()
        self.patch_embed = PatchEmbed(patch, in_chans, embed_dim)
        rates = torch.linspace(0, drop_path_rate, sum(depths)).tolist()
        self.layers = nn.ModuleList()
        self.channels = []
        start = 0
        for i, (depth, nh) in enumerate(zip(depths, heads, strict=True)):
            dim = embed_dim * 2**i
            self.layers.append(
                SwinStage(
                    dim, depth, nh, window, mlp_ratio, rates[start : start + depth], i < len(depths) - 1
                )
            )
            self.channels.append(dim)
            start += depth

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = self.patch_embed(x)
        b, _, h, w = x.shape
        x = x.flatten(2).transpose(1, 2)
        outs = []
        for layer in self.layers:
            out, x, nh, nw = layer(x, h, w)
            outs.append(out.transpose(1, 2).reshape(b, -1, h, w))
            h, w = nh, nw
        return outs


def swin_t(drop_path_rate: float = 0.2) -> SwinTransformer:
    """Swin-T: embed 96, depths 2-2-6-2, heads 3-6-12-24, window 7, patch 4."""
    return SwinTransformer(drop_path_rate=drop_path_rate)


def imagenet_swin_state(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Keys of Microsoft's ImageNet Swin file (``{'model': ...}`` or flat) that this backbone uses.

    The classifier (``norm``, ``head``) and the stored ``attn_mask`` buffers are dropped; everything else
    must match exactly (checked by the caller's strict load).
    """
    if "model" in state and isinstance(state["model"], Mapping):
        state = state["model"]
    return {
        k: v
        for k, v in state.items()
        if not (
            k.startswith(("norm.", "head.")) or k.endswith("attn_mask") or k.endswith("num_batches_tracked")
        )
    }


def load_imagenet_weights(model: nn.Module, path: str | os.PathLike) -> None:
    """Load the authors' ImageNet file into ``model``; every backbone key must be present and fit.

    Upstream loads these files with ``strict=False``, so a wrong file loads silently; here it is an error.
    """
    from vostok.checkpoint import load_checkpoint_file, load_state_dict_strict

    state = imagenet_swin_state(load_checkpoint_file(path))
    load_state_dict_strict(model, state, "Swin-T (swin_tiny_patch4_window7_224.pth)", source=str(path))
