"""IMSFR's training recipe (semisup spec section 4.3): STCN's data, curriculum, augmentation and loss, with
IMSFR's forward pass: gated values with a one-frame look-ahead, positional values, and three readouts.

Per triplet: ``v0, v0_pe`` from frame 0 (ground truth) gated by frame 1; frame 1 reads memory {0} in all
three branches (the "previous" branch with ``v0_pe``); ``v1, v1_pe`` from frame 1's soft prediction gated by
frame 2; frame 2 reads long-term memory {0, 1}, the first frame {0} and the previous frame {1} (``v1_pe``).
All readouts are full softmax (no top-k, no memory sampling: T <= 2 in training). Object 1's fusion gate
is ``mask`` and object 2's is ``mask2`` as in the authors' code (``model.second_object_gate=mask`` trains
the single shared gate that inference uses).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from vostok.errors import InputError
from vostok.inference.readout import softmax_readout
from vostok.models.imsfr.network import IMSFRNetwork
from vostok.models.stcn.recipe import (
    BootstrapLossConfig,
    MemoryDataConfig,
    STCNRecipe,
    flat,
    load_imagenet_trunks,
    query_at,
)
from vostok.nn.memory_blocks import soft_aggregate
from vostok.training.config import OptimConfig, TrainConfig, TrainerConfig
from vostok.training.registry import register_recipe


@dataclass
class ImsfrModelConfig:
    key_encoder_imagenet: str | None = None  # torchvision resnet101 state dict
    value_encoder_imagenet: str | None = None  # torchvision resnet18 state dict
    freeze_batchnorm: bool = True
    second_object_gate: str = "mask2"  # mask2 (authors' training) | mask (the gate inference uses)


@dataclass
class ImsfrConfig(TrainConfig):
    recipe: str = "imsfr"
    stage: int = 3
    trainer: TrainerConfig = field(
        default_factory=lambda: TrainerConfig(
            run_dir="runs/imsfr",
            iterations=150000,
            batch_size=4,
            num_workers=8,
            checkpoint_every=10000,
            find_unused_parameters=True,
        )
    )
    optim: OptimConfig = field(
        default_factory=lambda: OptimConfig(name="adam", lr=1e-5, weight_decay=1e-7, milestones=[125000])
    )
    data: MemoryDataConfig = field(default_factory=MemoryDataConfig)
    loss: BootstrapLossConfig = field(default_factory=BootstrapLossConfig)
    model: ImsfrModelConfig = field(default_factory=ImsfrModelConfig)


def gated_fusion(gate: nn.Conv2d, r_memory: torch.Tensor, r_first: torch.Tensor, r_prev: torch.Tensor):
    """``(1 + g) * (sum of readouts)`` with ``g = sigmoid(gate(F + GAP(F)))`` (IMSFR's fusion, any gate conv)."""
    feats = torch.cat([r_memory, r_first, r_prev], dim=1)
    g = torch.sigmoid(gate(feats + feats.mean(dim=(2, 3), keepdim=True)))
    return (1 + g) * (r_memory + r_first + r_prev)


class IMSFRTrainingModule(nn.Module):
    """IMSFR's triplet forward pass; outputs as :class:`~vostok.models.stcn.recipe.STCNTrainingModule`."""

    def __init__(self, network: IMSFRNetwork, single_object: bool, second_object_gate: str = "mask2") -> None:
        super().__init__()
        if second_object_gate not in ("mask", "mask2"):
            raise InputError(f"model.second_object_gate must be mask or mask2, not {second_object_gate!r}.")
        self.network = network
        self.single_object = single_object
        self.second_object_gate = second_object_gate

    def _masks(self, batch: dict, b: int, t: int) -> torch.Tensor:
        if self.single_object:
            return batch["gt"][b, t]
        return torch.cat([batch["gt"][b, t], batch["sec_gt"][b, t]], dim=0)

    def _fuse(self, r_memory, r_first, r_prev) -> torch.Tensor:
        net = self.network
        first = gated_fusion(net.mask, r_memory[:1], r_first[:1], r_prev[:1])
        if r_memory.shape[0] == 1:
            return first
        gate = net.mask2 if self.second_object_gate == "mask2" else net.mask
        return torch.cat([first, gated_fusion(gate, r_memory[1:], r_first[1:], r_prev[1:])], dim=0)

    def forward(self, batch: dict) -> dict[str, torch.Tensor]:
        net = self.network
        rgb = batch["rgb"]
        n, t_len = rgb.shape[:2]
        k = 1 if self.single_object else 2
        queries = net.encode_query(rgb.flatten(0, 1))
        all_logits, all_probs = [], []
        for b in range(n):
            selector = batch["selector"][b, :k].view(k, 1, 1)
            q = [query_at(queries, b * t_len + t) for t in range(t_len)]
            v, v_pe = net.encode_value(rgb[b, 0:1], rgb[b, 1:2], q[0].f16, self._masks(batch, b, 0))
            keys, values = [flat(q[0].key[0])], [flat(v)]
            first_key, first_value = keys[0], values[0]
            prev_key, prev_value = keys[0], flat(v_pe)
            logits_b, probs_b = [], []
            for t in range(1, t_len):
                qk = flat(q[t].key[0])
                shape = (k, -1, *q[t].key.shape[-2:])
                r_memory = softmax_readout(torch.cat(keys, -1), torch.cat(values, -1), qk).view(shape)
                r_first = softmax_readout(first_key, first_value, qk).view(shape)
                r_prev = softmax_readout(prev_key, prev_value, qk).view(shape)
                fused = self._fuse(r_memory, r_first, r_prev).to(q[t].value.dtype)
                prob = torch.sigmoid(net.decode(fused, q[t])[:, 0].float()) * selector  # fp32 for aggregation
                logits, agg = soft_aggregate(prob)
                logits_b.append(logits)
                probs_b.append(agg)
                if t < t_len - 1:
                    v, v_pe = net.encode_value(rgb[b, t : t + 1], rgb[b, t + 1 : t + 2], q[t].f16, agg[1:])
                    keys.append(qk)
                    values.append(flat(v))
                    prev_key, prev_value = qk, flat(v_pe)
            all_logits.append(torch.stack(logits_b))
            all_probs.append(torch.stack(probs_b))
        return {"logits": torch.stack(all_logits), "probabilities": torch.stack(all_probs)}


@register_recipe("imsfr")
class IMSFRRecipe(STCNRecipe):
    """STCN's recipe (data, losses, schedule, visuals) with IMSFR's network and training module."""

    config_class = ImsfrConfig

    def build_model(self) -> nn.Module:
        network = IMSFRNetwork()
        m = self.config.model
        load_imagenet_trunks(network, m.key_encoder_imagenet, m.value_encoder_imagenet)
        return IMSFRTrainingModule(network, self.config.stage == 0, m.second_object_gate)
