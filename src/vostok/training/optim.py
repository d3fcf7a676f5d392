"""Optimisers and per-iteration LR schedules built from :class:`~vostok.training.config.OptimConfig`."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from vostok.errors import InputError
from vostok.training.config import OptimConfig


def build_optimizer(groups: list[dict], cfg: OptimConfig) -> torch.optim.Optimizer:
    """Adam / AdamW / SGD over ``groups`` (a group's own ``lr`` wins over ``cfg.lr``)."""
    name = cfg.name.lower()
    if name == "adam":
        return torch.optim.Adam(groups, lr=cfg.lr, betas=tuple(cfg.betas), weight_decay=cfg.weight_decay)
    if name == "adamw":
        return torch.optim.AdamW(groups, lr=cfg.lr, betas=tuple(cfg.betas), weight_decay=cfg.weight_decay)
    if name == "sgd":
        return torch.optim.SGD(groups, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
    raise InputError(f"optim.name must be adam, adamw or sgd, not {cfg.name!r}.")


def lr_factor(cfg: OptimConfig, total_iterations: int) -> Callable[[int], float]:
    """Multiplier of the base LR at iteration ``it`` (the scheduler is stepped once per iteration)."""
    schedule = cfg.schedule.lower()
    if schedule not in ("multistep", "poly", "cosine", "constant"):
        raise InputError(f"optim.schedule must be multistep, poly, cosine or constant, not {cfg.schedule!r}.")
    milestones = sorted(cfg.milestones)

    def factor(it: int) -> float:
        if schedule == "multistep":
            f = cfg.gamma ** sum(1 for m in milestones if it >= m)
        elif schedule == "poly":
            f = max(0.0, 1.0 - it / max(1, total_iterations)) ** cfg.poly_power
        elif schedule == "cosine":
            f = 0.5 * (1.0 + math.cos(math.pi * min(1.0, it / max(1, total_iterations))))
        else:
            f = 1.0
        if cfg.warmup_iterations > 0 and it < cfg.warmup_iterations:
            f *= (it + 1) / cfg.warmup_iterations
        return f

    return factor


def build_scheduler(
    optimizer: torch.optim.Optimizer, cfg: OptimConfig, total_iterations: int
) -> torch.optim.lr_scheduler.LambdaLR:
    # One LambdaLR for every schedule: its state dict is plain numbers, so checkpoints stay weights-only.
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor(cfg, total_iterations))
