"""The recipe protocol: what a system supplies so that the one :class:`~vostok.training.Trainer` can train it.

A recipe builds the training module (its ``forward(batch)`` runs the whole per-sample forward pass, so DDP
sees one call per step), the dataset (items addressed by :class:`~vostok.training.sampling.SampleKey`, so that
data order and augmentation are a pure function of seed and position), the losses, the optimiser parameter
groups, and optionally TensorBoard images. The trainer does everything else.

Optional validation: a recipe may define ``validate(model, step, out_dir) -> dict[str, float]``. With
``trainer.validate_every = N > 0`` the trainer calls it on rank 0 every N iterations and after the last one,
with the bare module (never the DDP wrapper) in eval mode under ``torch.no_grad()``, and ``out_dir =
<run_dir>/val/step_<step:08d>`` for whatever it writes (predictions, reports). The returned metrics (e.g.
``{"J&F": ..., "J": ..., "F": ...}``; an empty dict means "nothing to report") go to TensorBoard as
``val/<name>`` and to ``metrics.jsonl``. Every RNG state is restored afterwards, so validating changes
neither the trained weights nor exact resume; other ranks wait at a barrier. Recipes without ``validate``
train as before (the trainer says once that it skips validation). A recipe should reject a missing
validation set when it is constructed, so the error comes before the first iteration, not after N.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol, runtime_checkable

import torch
from torch import nn
from torch.utils.data import Dataset

from vostok.training.config import TrainConfig


@runtime_checkable
class Recipe(Protocol):
    """What a system's training recipe provides."""

    config_class: ClassVar[type]
    config: Any

    def build_model(self) -> nn.Module:
        """The training module: ``forward(batch) -> outputs`` (a dict of tensors)."""

    def build_dataset(self) -> Dataset:
        """Training samples; ``dataset[SampleKey]`` -> dict of tensors. Raise InputError for bad paths."""

    def compute_losses(self, outputs: Any, batch: dict, iteration: int) -> dict[str, torch.Tensor]:
        """Losses of one step; ``"loss"`` is the total that is back-propagated."""

    def param_groups(self, model: nn.Module) -> list[dict]:
        """Optimiser parameter groups (each may set its own ``lr``)."""

    def set_train_mode(self, model: nn.Module) -> None:
        """Put the module in its training mode (e.g. STCN keeps BatchNorm frozen in eval mode)."""

    def visualise(self, batch: dict, outputs: Any) -> dict[str, torch.Tensor]:
        """A few images for TensorBoard: name -> (N, 3, H, W) float in [0, 1]."""


class BaseRecipe:
    """Defaults for the optional parts of :class:`Recipe`; subclasses set ``config_class`` and the rest."""

    config_class: ClassVar[type] = TrainConfig

    def __init__(self, config: Any) -> None:
        self.config = config

    def param_groups(self, model: nn.Module) -> list[dict]:
        return [{"params": [p for p in model.parameters() if p.requires_grad]}]

    def set_train_mode(self, model: nn.Module) -> None:
        model.train()

    def visualise(self, batch: dict, outputs: Any) -> dict[str, torch.Tensor]:
        return {}


def param_groups_by_name(model: nn.Module, base_lr: float, lr_by_substring: dict[str, float]) -> list[dict]:
    """Split trainable parameters into groups by the first substring of their name that matches.

    ``lr_by_substring`` maps a name fragment (e.g. ``"backbone"``) to that group's learning rate; the rest
    use ``base_lr``. The ReferFormer-style recipes need this; STCN uses one group.
    """
    groups: dict[str, list[nn.Parameter]] = {key: [] for key in lr_by_substring}
    rest: list[nn.Parameter] = []
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        key = next((k for k in lr_by_substring if k in name), None)
        (groups[key] if key is not None else rest).append(param)
    out = [{"params": rest, "lr": base_lr, "name": "default"}]
    out += [{"params": ps, "lr": lr_by_substring[k], "name": k} for k, ps in groups.items() if ps]
    return out
