"""Isomer's training recipe (the authors' protocol): per-frame samples of (RGB frame, flow image, GT) at
512x512 squashed, joint horizontal flip, mmseg-style photometric distortion on the RGB frame only, BCE on the
logits against GT/255, AdamW at a constant 6e-5. Pre-train on YouTube-VOS 1-in-30 frames, fine-tune on
DAVIS-16 + FBMS train (configs in ``configs/isomer/``); the authors pick the checkpoint on DAVIS-16 val,
which :meth:`IsomerRecipe.validate` measures during training (``trainer.validate_every`` and ``val.*``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn
from torch.utils.data import Dataset

from vostok.errors import InputError
from vostok.training.config import OptimConfig, TrainConfig, TrainerConfig
from vostok.training.recipe import BaseRecipe
from vostok.training.registry import register_recipe
from vostok.training.sampling import SampleKey

NO_DECAY = ("absolute_pos_embed", "relative_position_bias_table", "norm")


@dataclass
class IsomerDataSource:
    layout: str = "davis2016"
    root: str = "???"
    frame_stride: int = 1  # keep every n-th annotated frame (30 for the YouTube-VOS pre-training)
    subset: str | None = None  # DAVIS layouts: the ImageSets split (train keeps DAVIS-16 val out of training)


@dataclass
class IsomerDataConfig:
    sources: list[IsomerDataSource] = field(default_factory=list)
    size: int = 512
    flip: float = 0.5
    photometric: bool = True


@dataclass
class IsomerModelConfig:
    backbone: str = "swin_t"
    sgst_mode: str = "authors"
    imagenet_weights: str | None = (
        None  # swin_tiny_patch4_window7_224.pth / mit_b0.pth, loaded into both streams
    )
    no_decay_norms: bool = True  # the Swin recipe: no weight decay on norms and position-bias tables


@dataclass
class IsomerValConfig:
    """DAVIS-16 validation during training (zero-shot convention: every frame, grey maps > 128)."""

    davis_root: str = ""  # DAVIS-16 root with JPEGImages/, Annotations/, Flow/ (480p); empty: no validation
    subset: str = "val"  # ImageSets split
    max_sequences: int = 0  # the split's first N sequences, for quick checks; 0 = all
    input_size: int = 512  # network input side, as at test time
    batch_size: int = 4  # frames per forward pass
    mae: bool = True  # also the VSOD MAE of the grey maps
    workers: int = 0  # evaluation processes; 0 = one per CPU core


@dataclass
class IsomerTrainConfig(TrainConfig):
    recipe: str = "isomer"
    trainer: TrainerConfig = field(
        default_factory=lambda: TrainerConfig(iterations=100000, batch_size=8, find_unused_parameters=False)
    )
    optim: OptimConfig = field(
        default_factory=lambda: OptimConfig(name="adamw", lr=6e-5, weight_decay=0.01, schedule="constant")
    )
    data: IsomerDataConfig = field(default_factory=IsomerDataConfig)
    model: IsomerModelConfig = field(default_factory=IsomerModelConfig)
    val: IsomerValConfig = field(default_factory=IsomerValConfig)


def photometric_distortion(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """mmseg's PhotoMetricDistortion (each step with p=0.5): brightness +-32, contrast x[0.5,1.5] (first or
    last), saturation x[0.5,1.5], hue +-18 (OpenCV's 0..180 hue)."""
    img = rgb.astype(np.float32)
    if rng.random() < 0.5:
        img = img + rng.uniform(-32, 32)
    contrast_first = rng.random() < 0.5
    contrast = rng.uniform(0.5, 1.5) if rng.random() < 0.5 else None
    if contrast_first and contrast is not None:
        img = img * contrast
    img = np.clip(img, 0, 255)
    hsv = cv2.cvtColor(img.astype(np.uint8), cv2.COLOR_RGB2HSV).astype(np.float32)
    if rng.random() < 0.5:
        hsv[..., 1] = np.clip(hsv[..., 1] * rng.uniform(0.5, 1.5), 0, 255)
    if rng.random() < 0.5:
        hsv[..., 0] = (hsv[..., 0] + rng.integers(-18, 19)) % 180
    img = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB).astype(np.float32)
    if not contrast_first and contrast is not None:
        img = img * contrast
    return np.clip(img, 0, 255).astype(np.uint8)


class IsomerFrames(Dataset):
    """Every annotated frame that has a flow image, from each source dataset (read in its layout)."""

    def __init__(self, cfg: IsomerDataConfig) -> None:
        from vostok.data import open_dataset

        if not cfg.sources:
            raise InputError("data.sources is empty: give at least one {layout, root} to train on.")
        self.cfg = cfg
        self.items: list[tuple] = []
        for source in cfg.sources:
            if source.subset and not source.layout.startswith("davis"):
                raise InputError(
                    f"data.sources: subset applies to DAVIS layouts only, not {source.layout!r}."
                )
            options = {"subset": source.subset} if source.subset else {}
            dataset = open_dataset(source.layout, source.root, **options)
            for name in dataset.sequences:
                seq = dataset.sequence(name)
                flows = seq.flow_paths or [None] * len(seq)
                annotated = [
                    (seq.frame_paths[i], flows[i], seq.annotation_paths[n])
                    for i, n in enumerate(seq.frame_names)
                    if n in seq.annotation_paths and flows[i] is not None
                ]
                self.items += annotated[:: max(1, source.frame_stride)]
        if not self.items:
            raise InputError("no training frame has both a flow image and ground truth in data.sources.")

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, key: SampleKey) -> dict[str, torch.Tensor]:
        from vostok.inference.frames import normalise

        frame_path, flow_path, gt_path = self.items[key.index]
        rng = key.rng()
        size = (self.cfg.size, self.cfg.size)
        rgb = np.asarray(Image.open(frame_path).convert("RGB"))
        flow = np.asarray(Image.open(flow_path).convert("RGB"))
        gt = np.asarray(Image.open(gt_path).convert("L"))
        if rng.random() < self.cfg.flip:  # flow colours are not re-coded, as the authors do
            rgb, flow, gt = rgb[:, ::-1], flow[:, ::-1], gt[:, ::-1]
        if self.cfg.photometric:
            rgb = photometric_distortion(np.ascontiguousarray(rgb), rng)

        def tensor(a: np.ndarray, mode) -> torch.Tensor:
            a = (
                np.asarray(Image.fromarray(np.ascontiguousarray(a)).resize(size[::-1], mode), np.float32)
                / 255.0
            )
            return torch.from_numpy(a).permute(2, 0, 1) if a.ndim == 3 else torch.from_numpy(a)[None]

        return {
            "image": normalise(tensor(rgb, Image.BILINEAR)[None])[0],
            "flow": normalise(tensor(flow, Image.BILINEAR)[None])[0],
            "mask": tensor(gt, Image.BILINEAR),  # GT / 255: binary datasets must store 0/255
        }


class IsomerTraining(nn.Module):
    """``forward(batch) -> {"logits"}``; holds the network as ``network`` (see ``read_isomer_checkpoint``)."""

    def __init__(self, network: nn.Module) -> None:
        super().__init__()
        self.network = network

    def forward(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {"logits": self.network(batch["image"], batch["flow"])}


def validation_sequences(cfg: IsomerValConfig) -> list[str]:
    """The DAVIS-16 sequences validated on; a clear error when ``val.davis_root`` is unset or unreadable."""
    from vostok.data import open_dataset

    if not cfg.davis_root:
        raise InputError(
            "trainer.validate_every asks for validation but val.davis_root is empty: set it to a DAVIS-16 "
            "folder (JPEGImages/, Annotations/, Flow/), or set trainer.validate_every=0."
        )
    if not Path(cfg.davis_root).is_dir():
        raise InputError(f"val.davis_root={cfg.davis_root} is not a folder; give the DAVIS-16 root.")
    if cfg.max_sequences < 0:
        raise InputError(f"val.max_sequences must be 0 (all) or a count, not {cfg.max_sequences}.")
    names = open_dataset("davis2016", cfg.davis_root, subset=cfg.subset).sequences
    if not names:
        raise InputError(f"the {cfg.subset!r} split of {cfg.davis_root} lists no sequence.")
    return names[: cfg.max_sequences] if cfg.max_sequences else names


@register_recipe("isomer")
class IsomerRecipe(BaseRecipe):
    config_class = IsomerTrainConfig

    def __init__(self, config) -> None:
        super().__init__(config)
        # Checked now, so a missing validation set stops the run before its first iteration.
        self.val_sequences = validation_sequences(config.val) if config.trainer.validate_every else None

    def build_model(self) -> nn.Module:
        from vostok.models.isomer.network import IsomerConfig, IsomerNet, authors_init_

        m = self.config.model
        net = authors_init_(IsomerNet(IsomerConfig(backbone=m.backbone, sgst_mode=m.sgst_mode)))
        if m.imagenet_weights:
            from vostok.nn import mit, swin

            load = {"swin_t": swin.load_imagenet_weights, "mit_b0": mit.load_imagenet_weights}[m.backbone]
            load(net.image_encoder, m.imagenet_weights)
            load(net.flow_encoder, m.imagenet_weights)
        if m.sgst_mode == "authors":  # the dead SGST weights get no gradient: keep them out of DDP's graph
            for fusion in net.fusion[2:]:
                for name, p in fusion.named_parameters():
                    p.requires_grad_(name.startswith("project."))
        return IsomerTraining(net)

    def build_dataset(self) -> Dataset:
        return IsomerFrames(self.config.data)

    def compute_losses(self, outputs, batch, iteration):
        logits = outputs["logits"].float()
        if logits.shape[-2:] != batch["mask"].shape[-2:]:
            logits = F.interpolate(
                logits, size=batch["mask"].shape[-2:], mode="bilinear", align_corners=False
            )
        return {"loss": F.binary_cross_entropy_with_logits(logits, batch["mask"])}

    def param_groups(self, model: nn.Module) -> list[dict]:
        decay, no_decay = [], []
        for name, p in model.named_parameters():
            if not p.requires_grad:
                continue
            skip = self.config.model.no_decay_norms and any(k in name for k in NO_DECAY)
            (no_decay if skip else decay).append(p)
        return [{"params": decay}, {"params": no_decay, "weight_decay": 0.0}]

    def validate(self, model: nn.Module, step: int, out_dir: Path) -> dict[str, float]:
        """DAVIS-16 J&F, J, F (every frame, grey maps > 128) and MAE of the model being trained.

        Grey maps are written by the inference code path (:func:`run_isomer_on_dataset`) to ``out_dir``.
        """
        from vostok.evaluation import evaluate_davis, evaluate_vsod
        from vostok.models.isomer.datasets import run_isomer_on_dataset
        from vostok.models.isomer.predictor import IsomerPredictor

        cfg = self.config.val
        if not cfg.davis_root:
            return {}
        names = self.val_sequences if self.val_sequences is not None else validation_sequences(cfg)
        device = next(model.parameters()).device
        predictor = IsomerPredictor(
            model.network, device, batch_size=cfg.batch_size, input_size=cfg.input_size
        )
        run_isomer_on_dataset(
            predictor,
            "davis2016",
            cfg.davis_root,
            out_dir,
            sequences=names,
            overwrite=True,
            subset=cfg.subset,
        )
        workers = cfg.workers or None
        scores = evaluate_davis(
            cfg.davis_root,
            out_dir,
            split=cfg.subset,
            year="2016",
            frames="all",
            sequences=names,
            workers=workers,
            show_progress=False,
        )["global"]
        metrics = {"J&F": scores["J&F-Mean"], "J": scores["J-Mean"], "F": scores["F-Mean"]}
        if cfg.mae:
            gt_dir = Path(cfg.davis_root) / "Annotations" / "480p"
            metrics["MAE"] = evaluate_vsod(gt_dir, out_dir, videos=names, workers=workers)["global"]["MAE"]
        return metrics

    def visualise(self, batch, outputs):
        pred = torch.sigmoid(outputs["logits"][:4].float()).expand(-1, 3, -1, -1)
        return {"prediction": pred, "target": batch["mask"][:4].expand(-1, 3, -1, -1)}
