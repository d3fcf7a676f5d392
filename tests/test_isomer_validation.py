"""Validation during training: ``trainer.validate_every`` runs the recipe's ``validate`` on rank 0 and logs
its metrics; Isomer's measures DAVIS-16 val through the evaluation suite. Recipes without it are unaffected.
"""

from __future__ import annotations

import json
import math

import pytest
import torch

from vostok.data.synthetic import generate_dataset
from vostok.errors import InputError
from vostok.evaluation import evaluate_davis, evaluate_vsod
from vostok.training import checkpointing as ckpt
from vostok.training.config import build_config
from vostok.training.trainer import train


@pytest.fixture(scope="module")
def davis16(tmp_path_factory):
    root = tmp_path_factory.mktemp("isomer_val") / "ds"
    generate_dataset("davis2016", root, videos=3, frames=3, size=(48, 64), seed=7, workers=1)
    return root


def isomer_config(run_dir, data_root, val: dict | None = None, **trainer):
    return build_config(
        {
            "recipe": "isomer",
            "model": {"backbone": "mit_b0"},
            "data": {"sources": [{"layout": "davis2016", "root": str(data_root)}], "size": 64},
            "val": {"input_size": 64, "batch_size": 2, "workers": 1, **(val or {})},
            "optim": {"lr": 5e-3},
            "trainer": {
                "run_dir": str(run_dir),
                "iterations": 4,
                "batch_size": 2,
                "num_workers": 0,
                "log_every": 2,
                "image_every": 0,
                "seed": 1,
                "device": "cpu",
                "cpu_threads": 1,
                **trainer,
            },
        }
    )


def records(run_dir) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]


def weights(path) -> dict[str, torch.Tensor]:
    return torch.load(path, weights_only=True)


@pytest.fixture(scope="module")
def validated_run(davis16, tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("validated") / "run"
    final = train(isomer_config(run_dir, davis16, {"davis_root": str(davis16)}, validate_every=2))
    return run_dir, final


def test_validation_metrics_are_logged_every_n_steps_and_at_the_end(validated_run):
    run_dir, _ = validated_run
    val = [r for r in records(run_dir) if "val/J&F" in r]
    assert [r["step"] for r in val] == [2, 4]
    for r in val:
        assert all(math.isfinite(r[k]) for k in ("val/J&F", "val/J", "val/F", "val/MAE"))
        assert r["val/J&F"] == pytest.approx((r["val/J"] + r["val/F"]) / 2)
        assert 0 <= r["val/J"] <= 1 and 0 <= r["val/MAE"] <= 1
    losses = [r for r in records(run_dir) if "loss" in r]
    assert [r["step"] for r in losses] == [2, 4]  # the loss log is untouched
    assert any(p.name.startswith("events") for p in (run_dir / "tensorboard").iterdir())


def test_logged_numbers_equal_the_evaluation_suite_on_the_written_maps(validated_run, davis16):
    run_dir, _ = validated_run
    logged = {r["step"]: r for r in records(run_dir) if "val/J&F" in r}
    assert any(r["val/J"] > 0 for r in logged.values())  # a comparison of more than zeros
    for step, record in logged.items():
        maps = run_dir / "val" / f"step_{step:08d}"
        assert sorted(p.name for p in maps.iterdir()) == ["synth-002"]  # the val split only
        assert len(list((maps / "synth-002").glob("*.png"))) == 3  # every frame
        scores = evaluate_davis(davis16, maps, year="2016", frames="all", workers=1, show_progress=False)
        mae = evaluate_vsod(davis16 / "Annotations" / "480p", maps, videos=["synth-002"], workers=1)
        assert record["val/J&F"] == scores["global"]["J&F-Mean"]
        assert record["val/J"] == scores["global"]["J-Mean"]
        assert record["val/F"] == scores["global"]["F-Mean"]
        assert record["val/MAE"] == mae["global"]["MAE"]


def test_validating_does_not_change_the_trained_weights(validated_run, davis16, tmp_path):
    _, validated = validated_run
    plain = train(isomer_config(tmp_path / "plain", davis16))
    a, b = weights(validated), weights(plain)
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), name


def test_validation_without_a_davis_root_is_a_clear_error_before_training(davis16, tmp_path):
    with pytest.raises(InputError, match="val.davis_root is empty"):
        train(isomer_config(tmp_path / "a", davis16, validate_every=2))
    assert ckpt.latest_step(tmp_path / "a", 1) is None
    with pytest.raises(InputError, match="is not a folder"):
        train(
            isomer_config(tmp_path / "b", davis16, {"davis_root": str(tmp_path / "nope")}, validate_every=2)
        )


def test_max_sequences_limits_the_validated_split(davis16, tmp_path):
    from vostok.models.isomer.recipe import IsomerRecipe

    cfg = isomer_config(
        tmp_path, davis16, {"davis_root": str(davis16), "subset": "train", "max_sequences": 1}
    )
    cfg.trainer.validate_every = 1
    assert IsomerRecipe(cfg).val_sequences == ["synth-000"]


def test_a_recipe_without_validate_trains_exactly_as_before(tmp_path, capsys):
    def toy(run_dir, **trainer):
        overrides = [f"trainer.{k}={v}" for k, v in {"run_dir": run_dir, **trainer}.items()]
        base = {"recipe": "toy", "trainer": {"seed": 3, "log_every": 2, "cpu_threads": 1, "iterations": 6}}
        return build_config(base, overrides)

    plain = train(toy(tmp_path / "plain"))
    asked = train(toy(tmp_path / "asked", validate_every=2))
    assert "has no validate()" in capsys.readouterr().err
    a, b = weights(plain), weights(asked)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not (tmp_path / "asked" / "val").exists()
    assert [sorted(r) for r in records(tmp_path / "asked")] == [
        sorted(r) for r in records(tmp_path / "plain")
    ]


def test_a_davis_training_source_can_keep_the_validation_split_out(davis16):
    from vostok.models.isomer.recipe import IsomerFrames

    cfg = isomer_config("unused", davis16)
    cfg.data.sources[0].subset = "train"
    frames = IsomerFrames(cfg.data)
    assert len(frames) == 6 and not any("synth-002" in str(item[0]) for item in frames.items)
    cfg.data.sources[0].layout = "isomer"
    with pytest.raises(InputError, match="DAVIS layouts only"):
        IsomerFrames(cfg.data)
