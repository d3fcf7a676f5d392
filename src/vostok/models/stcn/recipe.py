"""STCN's training recipe (semisup spec section 4.2): stages 0 (static pseudo-videos, single object),
1 (BL30K) and 2/3 (DAVIS 2017 x5 + YouTube-VOS 2019), frame triplets, max-skip curriculum, bootstrapped CE.

The training module wraps :class:`~vostok.models.stcn.network.STCNNetwork` and runs the whole triplet in
``forward``: keys of all frames, the value of frame 0 from the ground truth, frame 1 read from memory {0},
the value of frame 1 from its *soft predicted* masks, frame 2 read from memory {0, 1}. Training reads
memory with a full softmax (no top-k), as the authors do. Stage 0 uses the 5-channel value encoder with the
"other objects" channel all zero, which is the same function as the authors' 4-channel one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.utils.data import Dataset

from vostok.errors import InputError
from vostok.inference.readout import softmax_readout
from vostok.models.stcn.network import QueryFeatures, STCNNetwork
from vostok.nn.memory_blocks import soft_aggregate
from vostok.training.config import OptimConfig, TrainConfig, TrainerConfig
from vostok.training.losses import bootstrap_fraction, bootstrapped_cross_entropy
from vostok.training.recipe import BaseRecipe
from vostok.training.registry import register_recipe


@dataclass
class MemoryDataConfig:
    """Dataset roots and clip sampling for the memory networks (STCN, IMSFR)."""

    static_root: str | None = None  # stage 0: static image sets (DUTS, ECSSD, FSS-1000, ...)
    bl30k_root: str | None = None  # stage 1
    davis_root: str | None = None  # stages 2/3: DAVIS/2017/trainval
    davis_subset: str = "train"
    davis_repeat: int = 5
    youtube_root: str | None = None  # stages 2/3: YouTube-VOS 2019 (the folder holding train_480p/)
    youtube_split: str = "train_480p"
    youtube_skip_divisor: int = 5  # YouTube-VOS train annotates every 5th frame
    size: int = 384
    crop_scale_min: float = 0.36  # BL30K: 0.25
    max_skip: list[int] = field(default_factory=lambda: [5, 10, 15, 20, 25, 5])
    max_skip_fractions: list[float] = field(default_factory=lambda: [0.1, 0.2, 0.3, 0.4, 0.9])


@dataclass
class BootstrapLossConfig:
    start: int = 20000  # plain CE before this iteration
    end: int = 70000  # kept fraction reaches ``final`` here
    final: float = 0.15


@dataclass
class StcnModelConfig:
    variant: str = "stcn"  # stcn (the paper's, ResNet-50 keys) | small (ResNet-18 keys, the demo model)
    key_encoder_imagenet: str | None = None  # torchvision resnet50 state dict (resnet50-19c8e357.pth)
    value_encoder_imagenet: str | None = None  # torchvision resnet18 state dict (resnet18-5c106cde.pth)
    freeze_batchnorm: bool = True  # the authors keep the model in eval() mode while training


@dataclass
class StcnConfig(TrainConfig):
    recipe: str = "stcn"
    stage: int = 3
    trainer: TrainerConfig = field(
        default_factory=lambda: TrainerConfig(
            run_dir="runs/stcn", iterations=150000, batch_size=4, num_workers=8, checkpoint_every=10000
        )
    )
    optim: OptimConfig = field(
        default_factory=lambda: OptimConfig(name="adam", lr=1e-5, weight_decay=1e-7, milestones=[125000])
    )
    data: MemoryDataConfig = field(default_factory=MemoryDataConfig)
    loss: BootstrapLossConfig = field(default_factory=BootstrapLossConfig)
    model: StcnModelConfig = field(default_factory=StcnModelConfig)


# ------------------------------------------------------------------------------------------- data
def _root(value: str | None, key: str, stage: int, what: str) -> Path | None:
    if value is None:
        return None
    path = Path(value).expanduser()
    if not path.is_dir():
        raise InputError(f"data.{key}={value} does not exist; stage {stage} reads {what} from there.")
    return path


def build_memory_dataset(config: Any) -> Dataset:
    """The dataset of ``config.stage`` for STCN-family recipes; clear errors for unset or missing roots."""
    from vostok.data import open_dataset
    from vostok.data.training_clips import (
        ClipAugment,
        Curriculum,
        KeyedConcat,
        VideoClipDataset,
        clip_sources,
    )
    from vostok.data.training_static import StaticAugment, StaticPseudoVideoDataset, static_pairs

    d, stage, total = config.data, config.stage, config.trainer.iterations
    curriculum = Curriculum(list(d.max_skip), list(d.max_skip_fractions))
    if stage == 0:
        root = _root(d.static_root, "static_root", 0, "static image sets")
        if root is None:
            raise InputError("stage 0 trains on static images: set data.static_root=<folder of image sets>.")
        return StaticPseudoVideoDataset(
            static_pairs(open_dataset("static-images", root)), StaticAugment(size=d.size)
        )
    if stage == 1:
        root = _root(d.bl30k_root, "bl30k_root", 1, "BL30K")
        if root is None:
            raise InputError("stage 1 trains on BL30K: set data.bl30k_root=<BL30K folder>.")
        aug = ClipAugment(size=d.size, crop_scale=(d.crop_scale_min, 1.0))
        return VideoClipDataset(
            clip_sources(open_dataset("bl30k", root)), total, curriculum, 1, aug, bl30k_filter=True
        )
    if stage not in (2, 3):
        raise InputError(f"stage must be 0, 1, 2 or 3, not {stage}.")
    davis = _root(d.davis_root, "davis_root", stage, "DAVIS 2017 (the 2017/trainval folder)")
    youtube = _root(d.youtube_root, "youtube_root", stage, "YouTube-VOS 2019")
    if davis is None and youtube is None:
        raise InputError(
            f"stage {stage} trains on DAVIS 2017 + YouTube-VOS 2019: set data.davis_root and/or data.youtube_root."
        )
    aug = ClipAugment(size=d.size, crop_scale=(d.crop_scale_min, 1.0))
    parts, repeats = [], []
    if davis is not None:
        sources = clip_sources(open_dataset("davis2017", davis, subset=d.davis_subset))
        parts.append(VideoClipDataset(sources, total, curriculum, 1, aug))
        repeats.append(d.davis_repeat)
    if youtube is not None:
        sources = clip_sources(open_dataset("youtube-vos-2019", youtube, split=d.youtube_split))
        parts.append(VideoClipDataset(sources, total, curriculum, d.youtube_skip_divisor, aug))
        repeats.append(1)
    return KeyedConcat(parts, repeats)


# ------------------------------------------------------------------------------------------- model
def load_imagenet_trunks(network: nn.Module, key_path: str | None, value_path: str | None) -> None:
    """ImageNet init as the authors do: torchvision ResNet weights by name into the key encoder and the
    biased ResNet-18 value encoder (conv biases stay zero; the extra mask input channels orthogonal)."""
    from vostok.checkpoint import load_checkpoint_file

    if key_path:
        state = load_checkpoint_file(key_path)
        own = network.key_encoder.state_dict()
        network.key_encoder.load_state_dict({k: v for k, v in state.items() if k in own}, strict=False)
    if value_path:
        state = load_checkpoint_file(value_path)
        own = network.value_encoder.state_dict()
        picked = {k: v for k, v in state.items() if k in own and v.shape == own[k].shape}
        conv1 = state.get("conv1.weight")
        if conv1 is not None:
            extra = torch.empty(
                conv1.shape[0], own["conv1.weight"].shape[1] - conv1.shape[1], *conv1.shape[2:]
            )
            nn.init.orthogonal_(extra)
            picked["conv1.weight"] = torch.cat([conv1, extra], dim=1)
        network.value_encoder.load_state_dict(picked, strict=False)


def query_at(q: QueryFeatures, i: int) -> QueryFeatures:
    """The features of item ``i`` of a batched :class:`QueryFeatures`, as a batch of one."""
    s = slice(i, i + 1)
    return QueryFeatures(q.key[s], q.value[s], q.f16[s], q.f8[s], q.f4[s])


def flat(x: torch.Tensor) -> torch.Tensor:
    """``(..., C, h, w)`` -> ``(..., C, h*w)``."""
    return x.flatten(-2)


class STCNTrainingModule(nn.Module):
    """STCN's triplet forward pass; ``forward(batch)`` -> aggregated logits/probabilities of frames 1..T-1."""

    def __init__(self, network: nn.Module, single_object: bool) -> None:
        super().__init__()
        self.network = network
        self.single_object = single_object

    def object_masks(self, batch: dict, b: int, t: int) -> torch.Tensor:
        """Ground-truth masks ``(K, H, W)`` of sample ``b`` at frame ``t`` (K = 1 or 2)."""
        if self.single_object:
            return batch["gt"][b, t]
        return torch.cat([batch["gt"][b, t], batch["sec_gt"][b, t]], dim=0)

    def forward(self, batch: dict) -> dict[str, torch.Tensor]:
        rgb = batch["rgb"]
        n, t_len = rgb.shape[:2]
        queries = self.network.encode_query(rgb.flatten(0, 1))
        all_logits, all_probs = [], []
        for b in range(n):
            k = 1 if self.single_object else 2
            selector = batch["selector"][b, :k].view(k, 1, 1)
            q = [query_at(queries, b * t_len + t) for t in range(t_len)]
            keys = [flat(q[0].key[0])]
            values = [flat(self.network.encode_value(rgb[b, 0:1], q[0].f16, self.object_masks(batch, b, 0)))]
            logits_b, probs_b = [], []
            for t in range(1, t_len):
                readout = softmax_readout(torch.cat(keys, -1), torch.cat(values, -1), flat(q[t].key[0]))
                readout = readout.view(k, -1, *q[t].key.shape[-2:]).to(q[t].value.dtype)
                # float32 from here: soft aggregation clamps at 1e-7, which fp16 cannot hold
                prob = torch.sigmoid(self.network.decode(readout, q[t])[:, 0].float()) * selector
                logits, agg = soft_aggregate(prob)
                logits_b.append(logits)
                probs_b.append(agg)
                if t < t_len - 1:
                    keys.append(flat(q[t].key[0]))
                    values.append(flat(self.network.encode_value(rgb[b, t : t + 1], q[t].f16, agg[1:])))
            all_logits.append(torch.stack(logits_b))
            all_probs.append(torch.stack(probs_b))
        return {"logits": torch.stack(all_logits), "probabilities": torch.stack(all_probs)}


def memory_losses(outputs: dict, batch: dict, iteration: int, loss_cfg: BootstrapLossConfig) -> dict:
    """Bootstrapped CE per sample (3 classes when it has a second object, else 2), summed over frames."""
    logits = outputs["logits"]  # (B, T-1, K+1, H, W)
    fraction = bootstrap_fraction(iteration, loss_cfg.start, loss_cfg.end, loss_cfg.final)
    losses = {}
    total = logits.new_zeros(())
    for t in range(logits.shape[1]):
        per_sample = []
        for b in range(logits.shape[0]):
            classes = 3 if logits.shape[2] == 3 and batch["selector"][b, 1] > 0 else 2
            target = batch["cls_gt"][b, t + 1].clamp(max=classes - 1)[None]
            per_sample.append(bootstrapped_cross_entropy(logits[b, t, :classes][None], target, fraction))
        frame_loss = torch.stack(per_sample).mean()
        losses[f"ce_frame{t + 1}"] = frame_loss.detach()
        total = total + frame_loss
    losses["loss"] = total
    return losses


def memory_visuals(batch: dict, outputs: dict, max_items: int = 2) -> dict[str, torch.Tensor]:
    """Input frames, ground truth and predicted target masks of the first samples (frames 1..T-1)."""
    from vostok.data.transforms import denormalise

    n = min(max_items, batch["rgb"].shape[0])
    frames = denormalise(batch["rgb"][:n, 1:].flatten(0, 1).float())
    gt = batch["gt"][:n, 1:].flatten(0, 1).float().expand(-1, 3, -1, -1)
    pred = outputs["probabilities"][:n, :, 1:2].flatten(0, 1).float().expand(-1, 3, -1, -1)
    return {"frames": frames, "target": gt, "prediction": pred}


@register_recipe("stcn")
class STCNRecipe(BaseRecipe):
    config_class = StcnConfig

    def __init__(self, config: StcnConfig) -> None:
        super().__init__(config)
        if config.stage not in (0, 1, 2, 3):
            raise InputError(f"stage must be 0, 1, 2 or 3, not {config.stage}.")

    def build_model(self) -> nn.Module:
        variant = self.config.model.variant
        if variant == "small":
            from vostok.models.stcn.small import SmallSTCNNetwork

            return STCNTrainingModule(SmallSTCNNetwork(), single_object=self.config.stage == 0)
        if variant != "stcn":
            raise InputError(f"model.variant must be stcn or small, not {variant!r}.")
        network = STCNNetwork()
        load_imagenet_trunks(
            network, self.config.model.key_encoder_imagenet, self.config.model.value_encoder_imagenet
        )
        return STCNTrainingModule(network, single_object=self.config.stage == 0)

    def build_dataset(self) -> Dataset:
        return build_memory_dataset(self.config)

    def set_train_mode(self, model: nn.Module) -> None:
        model.train(not self.config.model.freeze_batchnorm)

    def compute_losses(self, outputs, batch, iteration):
        return memory_losses(outputs, batch, iteration, self.config.loss)

    def visualise(self, batch, outputs):
        return memory_visuals(batch, outputs)
