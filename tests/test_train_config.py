"""Configs: YAML -> typed dataclasses; every mistake is an InputError naming the key."""

from __future__ import annotations

import pytest

from vostok.errors import InputError
from vostok.training.config import Precision, build_config, load_config
from vostok.training.optim import lr_factor
from vostok.training.sampling import ResumableSampler
from vostok.training.toy import ToyConfig


def test_yaml_and_overrides_become_a_typed_config(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("recipe: toy\ntrainer:\n  iterations: 7\n")
    cfg = load_config(path, ["trainer.precision=bf16", "optim.lr=0.5", "data.size=16"])
    assert isinstance(cfg, ToyConfig)
    assert cfg.trainer.iterations == 7 and cfg.trainer.precision is Precision.bf16
    assert cfg.optim.lr == 0.5 and cfg.data.size == 16
    assert cfg.trainer.batch_size == 4  # the recipe's default


@pytest.mark.parametrize(
    ("data", "overrides", "message"),
    [
        ({"recipe": "toy", "trainer": {"iterashuns": 5}}, [], "iterashuns"),
        ({"recipe": "toy"}, ["optim.lrr=1"], "lrr"),
        ({"recipe": "toy", "trainer": {"iterations": "many"}}, [], "iterations"),
        ({"recipe": "toy", "trainer": {"precision": "fp8"}}, [], "precision"),
        ({"recipe": "nope"}, [], "unknown recipe 'nope'"),
        ({"trainer": {}}, [], "does not name a recipe"),
        ({"recipe": "toy"}, ["trainer.iterations"], "key=value"),
    ],
)
def test_bad_configs_are_clear_errors(data, overrides, message):
    with pytest.raises(InputError, match=message):
        build_config(data, overrides)


def test_missing_or_malformed_config_files_are_clear_errors(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_config(tmp_path / "none.yaml")
    (tmp_path / "list.yaml").write_text("- a\n- b\n")
    with pytest.raises(InputError, match="mapping"):
        load_config(tmp_path / "list.yaml")


def test_multistep_schedule_drops_by_gamma_at_each_milestone():
    cfg = build_config({"recipe": "toy", "optim": {"schedule": "multistep", "milestones": [3, 5]}}).optim
    f = lr_factor(cfg, 10)
    assert [f(i) for i in (0, 2, 3, 4, 5)] == pytest.approx([1, 1, 0.1, 0.1, 0.01])


def test_warmup_ramps_linearly_then_hands_over_to_the_schedule():
    cfg = build_config({"recipe": "toy", "optim": {"schedule": "poly", "warmup_iterations": 4}}).optim
    f = lr_factor(cfg, 100)
    assert f(0) == pytest.approx(0.25 * (1.0) ** 0.9)
    assert f(50) == pytest.approx(0.5**0.9)


def test_ranks_split_each_step_and_together_equal_one_big_batch():
    single = ResumableSampler(10, batch_size=4, seed=1)
    ranks = [ResumableSampler(10, batch_size=2, seed=1, rank=r, world_size=2) for r in range(2)]
    for step in range(4):
        assert ranks[0].keys_for(step) + ranks[1].keys_for(step) == single.keys_for(step)
        assert not set(ranks[0].keys_for(step)) & set(ranks[1].keys_for(step))


def test_each_epoch_visits_every_sample_once_in_a_new_order():
    s = ResumableSampler(6, batch_size=3, seed=0)
    epoch0 = [k.index for k in s.keys_for(0) + s.keys_for(1)]
    epoch1 = [k.index for k in s.keys_for(2) + s.keys_for(3)]
    assert sorted(epoch0) == sorted(epoch1) == list(range(6))
    assert epoch0 != epoch1


def test_a_sampler_started_at_step_k_continues_the_stream_exactly():
    it_full = iter(ResumableSampler(7, batch_size=2, seed=5))
    full = [next(it_full) for _ in range(12)]
    it_late = iter(ResumableSampler(7, batch_size=2, seed=5, start_iteration=3))
    assert [next(it_late) for _ in range(6)] == full[6:]
    assert full[6].iteration == 3
