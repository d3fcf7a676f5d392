"""STCN and IMSFR recipes run end to end through the trainer on generated data in every layout they read."""

from __future__ import annotations

import json
import math

import pytest
import torch

from vostok.errors import InputError
from vostok.models.stcn.recipe import build_memory_dataset
from vostok.training.config import build_config
from vostok.training.trainer import train


@pytest.fixture(scope="module")
def synth_root(tmp_path_factory):
    from vostok.data.synthetic import generate_dataset

    root = tmp_path_factory.mktemp("synth")
    for layout in ("davis2017", "youtube-vos-2019", "static-images", "bl30k"):
        generate_dataset(
            layout, root / layout, videos=2, frames=6, size=(48, 64), seed=3, workers=1, show_progress=False
        )
    return root


def overrides(run_dir, **data) -> list[str]:
    return [
        f"trainer.run_dir={run_dir}",
        "trainer.iterations=2",
        "trainer.batch_size=2",
        "trainer.num_workers=0",
        "trainer.log_every=1",
        "trainer.image_every=2",
        "data.size=32",
    ] + [f"data.{k}={v}" for k, v in data.items()]


def optimiser_steps(recipe_name: str, stage: int, steps: int = 1, **data) -> list[float]:
    """Optimiser steps of a recipe outside the trainer (no checkpoint I/O): the losses per step."""
    from vostok.training.optim import build_optimizer
    from vostok.training.registry import get_recipe_class
    from vostok.training.sampling import ResumableSampler

    cfg = build_config({"recipe": recipe_name, "stage": stage}, overrides("unused", **data))
    recipe = get_recipe_class(recipe_name)(cfg)
    torch.manual_seed(0)
    model = recipe.build_model()
    dataset = recipe.build_dataset()
    optimizer = build_optimizer(recipe.param_groups(model), cfg.optim)
    sampler = ResumableSampler(len(dataset), 1, seed=0)
    losses = []
    for step in range(steps):
        batch = torch.utils.data.default_collate([dataset[k] for k in sampler.keys_for(step)])
        recipe.set_train_mode(model)
        out = model(batch)
        loss = recipe.compute_losses(out, batch, step)
        optimizer.zero_grad()
        loss["loss"].backward()
        optimizer.step()
        assert loss["loss"].item() == pytest.approx(loss["ce_frame1"].item() + loss["ce_frame2"].item())
        assert out["probabilities"].sum(2).allclose(torch.ones(()), atol=1e-4)  # softmax over bg + objects
        losses.append(loss["loss"].item())
    assert all(math.isfinite(v) and v > 0 for v in losses)
    return losses


def test_stcn_stage0_trains_on_static_image_pseudo_videos(synth_root):
    optimiser_steps("stcn", 0, static_root=synth_root / "static-images")


def test_stcn_stage1_trains_on_bl30k(synth_root):
    optimiser_steps("stcn", 1, bl30k_root=synth_root / "bl30k")


def test_imsfr_trains_on_davis_and_youtube_vos(synth_root):
    optimiser_steps(
        "imsfr", 2, davis_root=synth_root / "davis2017", youtube_root=synth_root / "youtube-vos-2019",
        youtube_split="train",
    )  # fmt: skip


def test_stcn_stage3_runs_through_the_trainer_on_davis_and_youtube_vos(synth_root, tmp_path):
    cfg = build_config(
        {"recipe": "stcn", "stage": 3},
        overrides(
            tmp_path, davis_root=synth_root / "davis2017", youtube_root=synth_root / "youtube-vos-2019",
            youtube_split="train",
        ),
    )  # fmt: skip
    train(cfg)
    records = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [1, 2]
    assert all(
        math.isfinite(r["loss"]) and r["loss"] == pytest.approx(r["ce_frame1"] + r["ce_frame2"])
        for r in records
    )
    weights = torch.load(tmp_path / "model_final.pt", weights_only=True)
    assert "network.key_proj.key_proj.weight" in weights  # the network's own key names under `network.`


def test_a_missing_dataset_path_names_the_config_key(tmp_path):
    cfg = build_config({"recipe": "stcn", "stage": 3}, [f"data.davis_root={tmp_path / 'nope'}"])
    with pytest.raises(InputError, match=r"data\.davis_root=.*nope does not exist"):
        build_memory_dataset(cfg)


def test_a_stage_without_its_dataset_says_which_key_to_set():
    with pytest.raises(InputError, match="data.bl30k_root"):
        build_memory_dataset(build_config({"recipe": "stcn", "stage": 1}))
    with pytest.raises(InputError, match="data.static_root"):
        build_memory_dataset(build_config({"recipe": "imsfr", "stage": 0}))


def test_an_unknown_stage_is_refused():
    from vostok.models.stcn.recipe import STCNRecipe

    with pytest.raises(InputError, match="stage must be"):
        STCNRecipe(build_config({"recipe": "stcn", "stage": 7}))


@pytest.mark.parametrize("path", ["stcn/stage0", "stcn/stage1", "stcn/stage2", "stcn/stage3", "imsfr/stage0",
                                  "imsfr/stage1", "imsfr/stage2", "imsfr/stage3", "toy/toy"])  # fmt: skip
def test_every_shipped_config_loads(path):
    from pathlib import Path

    from vostok.training.config import load_config

    cfg = load_config(Path(__file__).resolve().parents[1] / "configs" / f"{path}.yaml")
    assert cfg.recipe == path.split("/")[0]
    assert cfg.optim.lr > 0
