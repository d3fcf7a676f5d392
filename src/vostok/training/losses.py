"""Losses shared by recipes."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def bootstrap_fraction(iteration: int, start: int = 20000, end: int = 70000, final: float = 0.15) -> float:
    """Fraction of hardest pixels kept: 1 before ``start``, then linear down to ``final`` at ``end``."""
    if iteration < start:
        return 1.0
    if iteration >= end:
        return final
    return final + (1.0 - final) * (end - iteration) / (end - start)


def bootstrapped_cross_entropy(
    logits: torch.Tensor, target: torch.Tensor, fraction: float, ignore_index: int = 255
) -> torch.Tensor:
    """Mean cross-entropy of the hardest ``fraction`` of pixels (STCN's bootstrapped CE).

    ``logits (N, C, H, W)``, ``target (N, H, W)`` int64. With ``fraction >= 1`` it is plain CE.
    """
    raw = F.cross_entropy(logits.float(), target, ignore_index=ignore_index, reduction="none").flatten()
    if fraction >= 1.0:
        return raw.mean()
    k = max(1, int(raw.numel() * fraction))
    return raw.topk(k, sorted=False).values.mean()
