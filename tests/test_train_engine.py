"""The trainer, specified on the toy recipe: resume is exact, loss falls, DDP runs, checkpoints are complete."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from vostok.errors import InputError, OverwriteError
from vostok.training import checkpointing as ckpt
from vostok.training.config import build_config
from vostok.training.trainer import Trainer, train

REPO = Path(__file__).resolve().parents[1]


def toy_config(run_dir: Path, **trainer):
    overrides = [f"trainer.run_dir={run_dir}"] + [f"trainer.{k}={v}" for k, v in trainer.items()]
    return build_config(
        {"recipe": "toy", "trainer": {"seed": 3, "log_every": 2, "cpu_threads": 1}}, overrides
    )


def weights(path: Path) -> dict[str, torch.Tensor]:
    return torch.load(path, weights_only=True)


def test_resumed_run_ends_with_exactly_the_weights_of_an_uninterrupted_run(tmp_path):
    common = {"iterations": 8, "checkpoint_every": 3, "num_workers": 2, "batch_size": 3}
    full = train(toy_config(tmp_path / "full", **common))
    cut = toy_config(tmp_path / "cut", **common)
    Trainer(cut).fit(until=5)
    assert ckpt.latest_step(tmp_path / "cut", 1) == 5
    resumed = Trainer(cut, resume=True).fit()
    a, b = weights(full), weights(resumed)
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), name


def test_loss_falls_on_a_tiny_overfit_run(tmp_path):
    train(toy_config(tmp_path, iterations=40, log_every=10))
    records = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [10, 20, 30, 40]
    assert records[-1]["loss"] < 0.3 * records[0]["loss"]


def test_checkpoint_holds_everything_needed_to_resume_and_old_ones_are_pruned(tmp_path):
    train(toy_config(tmp_path, iterations=6, checkpoint_every=2, keep_checkpoints=2))
    assert ckpt.complete_steps(tmp_path, 1) == [4, 6]
    state = ckpt.load_main(tmp_path, 6)
    assert {"model", "optimizer", "scheduler", "step", "config"} <= set(state)
    assert state["step"] == 6 and state["config"]["recipe"] == "toy"
    assert state["scheduler"]["last_epoch"] == 6
    rng = ckpt.load_rng(tmp_path, 6, 0)
    assert {"python", "numpy", "torch"} <= set(rng)
    assert (tmp_path / "config.yaml").read_text().startswith("recipe: toy")
    assert any((tmp_path / "tensorboard").iterdir())


def test_a_new_run_refuses_a_folder_that_holds_a_run(tmp_path):
    train(toy_config(tmp_path, iterations=2))
    with pytest.raises(OverwriteError, match="--resume"):
        train(toy_config(tmp_path, iterations=2))


def test_resume_without_checkpoints_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="nothing to resume"):
        Trainer(toy_config(tmp_path), resume=True).fit()


def test_two_process_gloo_ddp_run_through_torchrun(tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS="1", VOSTOK_NO_PROGRESS="1")
    cmd = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
        "-m", "vostok", "train", str(REPO / "configs/toy/toy.yaml"),
        f"trainer.run_dir={tmp_path}", "trainer.iterations=4", "trainer.log_every=2", "trainer.checkpoint_every=2",
    ]  # fmt: skip
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert ckpt.complete_steps(tmp_path, 2) == [2, 4]
    assert done.stdout.count("weights:") == 1  # rank 0 reports
    records = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [2, 4]
    # each rank keeps its own RNG stream, and each is saved for the resume
    rng0, rng1 = ckpt.load_rng(tmp_path, 4, 0), ckpt.load_rng(tmp_path, 4, 1)
    assert not torch.equal(rng0["torch"], rng1["torch"])


def test_cli_reports_a_bad_config_in_one_line_and_exits_2(tmp_path, capsys):
    from vostok.cli import main

    bad = tmp_path / "bad.yaml"
    bad.write_text("recipe: toy\ntrainer:\n  iterashuns: 5\n")
    assert main(["train", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "iterashuns" in err and "Traceback" not in err


def test_cpu_threads_apply_during_training_only(tmp_path):
    before = torch.get_num_threads()
    train(toy_config(tmp_path, iterations=1, cpu_threads=1))
    assert torch.get_num_threads() == before


def test_cli_resume_continues_a_run_with_overrides(tmp_path, capsys):
    from vostok.cli import main

    config = REPO / "configs/toy/toy.yaml"
    assert main(["train", str(config), f"trainer.run_dir={tmp_path}", "trainer.iterations=2"]) == 0
    assert main(["train", "--resume", str(tmp_path), "trainer.iterations=4"]) == 0
    assert ckpt.latest_step(tmp_path, 1) == 4
    assert "model_final.pt" in capsys.readouterr().out


def init_run(run_dir: Path, init_weights: Path):
    """One step at learning rate 0 from ``init_weights``: its parameters come out unchanged."""
    return build_config(
        {"recipe": "toy", "trainer": {"seed": 5, "cpu_threads": 1}, "optim": {"lr": 0.0}},
        [f"trainer.run_dir={run_dir}", "trainer.iterations=1", f"trainer.init_weights={init_weights}"],
    )


def parameters_of(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: v for k, v in state.items() if k.endswith(("weight", "bias"))}


def test_init_weights_starts_a_new_run_from_an_earlier_runs_final_weights(tmp_path):
    earlier = weights(train(toy_config(tmp_path / "a", iterations=3)))
    later = weights(train(init_run(tmp_path / "b", tmp_path / "a" / "model_final.pt")))
    for name, value in parameters_of(earlier).items():
        assert torch.equal(later[name], value), name


def test_init_weights_reads_a_bare_network_file_in_half_precision(tmp_path):
    earlier = weights(train(toy_config(tmp_path / "a", iterations=3)))
    bare = {k.removeprefix("body."): v.half() for k, v in earlier.items()}  # as a shipped weights file
    torch.save(bare, tmp_path / "shipped.pt")
    later = weights(train(init_run(tmp_path / "b", tmp_path / "shipped.pt")))
    for name, value in parameters_of(earlier).items():
        assert later[name].dtype == torch.float32
        assert torch.equal(later[name], value.half().float()), name


def test_init_weights_from_an_unrelated_file_is_a_clear_error(tmp_path):
    torch.save({"encoder.conv.weight": torch.zeros(2, 2)}, tmp_path / "other.pt")
    with pytest.raises(InputError, match="shares no parameter"):
        train(init_run(tmp_path / "b", tmp_path / "other.pt"))
