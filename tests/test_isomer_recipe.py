"""Isomer training recipe: a tiny run on synthetic DAVIS-16 (frames, true flow images, GT) lowers the
loss, and the trained weights load back through ``vostok.load_model``."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import vostok
from vostok.data.synthetic import generate_dataset
from vostok.errors import InputError
from vostok.models.isomer.recipe import IsomerFrames, IsomerRecipe, photometric_distortion
from vostok.training.config import build_config
from vostok.training.sampling import SampleKey
from vostok.training.trainer import train


@pytest.fixture(scope="module")
def davis16(tmp_path_factory):
    root = tmp_path_factory.mktemp("isomer_train") / "ds"
    generate_dataset("davis2016", root, videos=2, frames=3, size=(48, 64), seed=5, workers=1)
    return root


def _config(davis16, run_dir, **trainer):
    data = {"sources": [{"layout": "davis2016", "root": str(davis16)}], "size": 32}
    return build_config(
        {
            "recipe": "isomer",
            "model": {"backbone": "mit_b0"},
            "data": data,
            "optim": {"lr": 5e-3},
            "trainer": {
                "run_dir": str(run_dir),
                "iterations": 12,
                "batch_size": 2,
                "num_workers": 0,
                "log_every": 4,
                "image_every": 0,
                "seed": 1,
                "device": "cpu",
                **trainer,
            },
        }
    )


def test_samples_are_normalised_frames_flows_and_soft_gt(davis16):
    frames = IsomerFrames(_config(davis16, "unused").data)
    assert len(frames) == 6  # every annotated frame with a flow image
    sample = frames[SampleKey(index=0, seed=7, iteration=0)]
    assert sample["image"].shape == sample["flow"].shape == (3, 32, 32)
    assert sample["mask"].shape == (1, 32, 32)
    assert float(sample["mask"].min()) >= 0 and float(sample["mask"].max()) <= 1
    again = frames[SampleKey(index=0, seed=7, iteration=5)]
    assert torch.equal(sample["image"], again["image"])  # augmentation depends on the key's seed only


def test_dead_sgst_weights_are_frozen_in_authors_mode(davis16):
    model = IsomerRecipe(_config(davis16, "unused")).build_model()
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert "network.fusion.2.project.weight" in trainable
    assert "network.fusion.3.fg_soft_weights.weight" not in trainable
    assert "network.fusion.1.context.conv_mask.weight" in trainable


def test_photometric_distortion_keeps_grey_level_range_and_varies_with_the_seed():
    rgb = np.random.default_rng(0).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    outs = [photometric_distortion(rgb, np.random.default_rng(s)) for s in range(4)]
    assert all(o.dtype == np.uint8 and o.shape == rgb.shape for o in outs)
    assert len({o.tobytes() for o in outs}) > 1


def test_a_tiny_run_lowers_the_loss_and_its_weights_load_for_inference(davis16, tmp_path):
    weights = train(_config(davis16, tmp_path / "run"))
    records = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [4, 8, 12]
    assert records[-1]["loss"] < 0.9 * records[0]["loss"]  # 0.62 -> 0.53 observed
    model = vostok.load_model("isomer", checkpoint=str(weights), device="cpu", input_size=32)
    assert model.network.config.backbone == "mit_b0"


def test_no_sources_is_a_clear_error(tmp_path):
    cfg = build_config({"recipe": "isomer", "trainer": {"run_dir": str(tmp_path)}})
    with pytest.raises(InputError, match="data.sources"):
        IsomerRecipe(cfg).build_dataset()
