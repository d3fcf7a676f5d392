"""A tiny recipe that exercises the trainer itself: segment one bright disc in a noisy image.

It needs no dataset on disk, builds in milliseconds, and overfits within a few hundred CPU steps, so the
trainer's tests (DDP, resume, logging, loss decrease) run on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import Dataset

from vostok.training.config import OptimConfig, TrainConfig, TrainerConfig
from vostok.training.recipe import BaseRecipe
from vostok.training.registry import register_recipe
from vostok.training.sampling import SampleKey


@dataclass
class ToyDataConfig:
    samples: int = 64  # dataset length (one epoch)
    size: int = 24  # image side
    noise: float = 0.2


@dataclass
class ToyModelConfig:
    channels: int = 8


@dataclass
class ToyConfig(TrainConfig):
    recipe: str = "toy"
    trainer: TrainerConfig = field(
        default_factory=lambda: TrainerConfig(iterations=50, batch_size=4, num_workers=0, log_every=10)
    )
    optim: OptimConfig = field(default_factory=lambda: OptimConfig(name="adam", lr=1e-2, schedule="constant"))
    data: ToyDataConfig = field(default_factory=ToyDataConfig)
    model: ToyModelConfig = field(default_factory=ToyModelConfig)


class DiscDataset(Dataset):
    """Noisy images with one disc; the disc's place and size come from the sample key."""

    def __init__(self, cfg: ToyDataConfig) -> None:
        self.cfg = cfg

    def __len__(self) -> int:
        return self.cfg.samples

    def __getitem__(self, key: SampleKey) -> dict[str, torch.Tensor]:
        # The sample's shape depends on its index; noise and a small jitter on the key's seed.
        s = self.cfg.size
        base = np.random.default_rng(key.index)
        rng = key.rng()
        cy, cx = base.uniform(s * 0.25, s * 0.75, 2) + rng.uniform(-1, 1, 2)
        r = base.uniform(s * 0.12, s * 0.3)
        yy, xx = np.mgrid[:s, :s]
        mask = ((yy - cy) ** 2 + (xx - cx) ** 2 <= r * r).astype(np.float32)
        image = 0.2 + 0.6 * mask[None] + rng.normal(0, self.cfg.noise, (3, s, s))
        return {"image": torch.from_numpy(image.astype(np.float32)), "mask": torch.from_numpy(mask[None])}


class ToyNet(nn.Module):
    """Three convs with a BatchNorm (so SyncBatchNorm and frozen-BN paths have something to act on)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, channels, 3, padding=1),
            nn.BatchNorm2d(channels),
            nn.ReLU(),
            nn.Conv2d(channels, channels, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(channels, 1, 1),
        )

    def forward(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {"logits": self.body(batch["image"])}


@register_recipe("toy")
class ToyRecipe(BaseRecipe):
    config_class = ToyConfig

    def build_model(self) -> nn.Module:
        return ToyNet(self.config.model.channels)

    def build_dataset(self) -> Dataset:
        return DiscDataset(self.config.data)

    def compute_losses(self, outputs, batch, iteration):
        bce = F.binary_cross_entropy_with_logits(outputs["logits"].float(), batch["mask"])
        return {"loss": bce}

    def visualise(self, batch, outputs):
        pred = torch.sigmoid(outputs["logits"][:4]).expand(-1, 3, -1, -1)
        return {"prediction": pred, "target": batch["mask"][:4].expand(-1, 3, -1, -1)}
