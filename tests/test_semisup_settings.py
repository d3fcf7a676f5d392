"""Per-benchmark inference settings of STCN and IMSFR (the authors' scripts), applied by ``vostok infer``
unless the user sets the option with ``-o``."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vostok.cli import main
from vostok.inference.results import FrameResult
from vostok.models.imsfr.predictor import IMSFRPredictor
from vostok.models.stcn.predictor import STCNPredictor


@pytest.mark.parametrize(
    ("benchmark", "split", "top_k", "mem_every"),
    [
        ("davis2016", "val", 20, 5),
        ("davis2017", "val", 20, 5),
        ("davis2017", "test-dev", 20, 3),  # the README: memory every 3rd frame on test-dev
        ("youtube", "valid", 20, 5),
    ],
)
def test_stcn_settings_per_benchmark(benchmark, split, top_k, mem_every):
    predictor = STCNPredictor(torch.nn.Identity(), device="cpu", top_k=7, mem_every=9)
    predictor.configure_for(benchmark, split=split)
    assert (predictor.top_k, predictor.mem_every) == (top_k, mem_every)
    assert predictor.schedule("paper").mem_every == mem_every


@pytest.mark.parametrize(
    ("benchmark", "split", "top_k", "mem_every", "sampling"),
    [
        ("davis2016", "val", 12, 6, "davis2016"),
        ("davis2017", "val", 4, 6, "davis2017"),
        ("davis2017", "test-dev", 4, 6, "davis2017"),
        ("youtube", "valid", 20, 3, "youtube"),
    ],
)
def test_imsfr_settings_per_benchmark(benchmark, split, top_k, mem_every, sampling):
    predictor = IMSFRPredictor(torch.nn.Identity(), device="cpu")
    predictor.configure_for(benchmark, split=split)
    assert (predictor.top_k, predictor.mem_every, predictor.sampling) == (top_k, mem_every, sampling)
    keep = {"davis2016": (0,), "davis2017": (1,), "youtube": (0, 1)}[sampling]
    assert predictor.sampler.keep == keep  # the sampler was rebuilt with the benchmark's rule


def test_options_the_user_set_are_kept():
    predictor = STCNPredictor(torch.nn.Identity(), device="cpu", top_k=7, mem_every=9)
    applied = predictor.configure_for("davis2017", keep={"mem_every"}, split="test-dev")
    assert applied == {"top_k": 20}
    assert (predictor.top_k, predictor.mem_every) == (20, 9)


def test_unknown_benchmark_changes_nothing():
    predictor = STCNPredictor(torch.nn.Identity(), device="cpu", top_k=7, mem_every=9)
    assert predictor.configure_for("lvos", split="val") == {}
    assert (predictor.top_k, predictor.mem_every) == (7, 9)


class _RecordingSTCN(STCNPredictor):
    """STCN's settings and schedule, no network: records what each video ran with, answers background."""

    runs: list[tuple[int, int, bool]] = []

    def _run(self, frames, prompts, schedule, max_size, names):
        self.runs.append((self.top_k, schedule.mem_every, schedule.single_object))
        for t, frame in enumerate(frames):
            yield FrameResult(t, names[t], labels=np.zeros(frame.shape[:2], np.uint8))


@pytest.fixture
def davis_test_dev(tmp_path, monkeypatch):
    from vostok.data.synthetic.generate import generate_dataset

    root = generate_dataset("davis2017", tmp_path / "davis", videos=2, frames=3, size=(32, 48), workers=1)
    sets = root / "ImageSets" / "2017"
    (sets / "test-dev.txt").write_text((sets / "val.txt").read_text())

    def load_model(name, checkpoint=None, device=None, **options):
        return _RecordingSTCN(torch.nn.Identity(), device="cpu", **options)

    monkeypatch.setattr("vostok.api.load_model", load_model)
    _RecordingSTCN.runs = []
    return root


@pytest.mark.parametrize(
    ("split", "options", "expected"),
    [
        ("val", [], (20, 5)),
        ("test-dev", [], (20, 3)),
        ("test-dev", ["-o", "mem_every=4"], (20, 4)),
        ("test-dev", ["-o", "top_k=8"], (8, 3)),
    ],
)
def test_vostok_infer_applies_the_settings_of_the_split(
    davis_test_dev, tmp_path, capsys, split, options, expected
):
    args = ["infer", "--model", "stcn", "--dataset", "davis2017", "--root", str(davis_test_dev)]
    assert main([*args, "--split", split, "--out", str(tmp_path / "out"), *options]) == 0
    assert _RecordingSTCN.runs and all(run == (*expected, False) for run in _RecordingSTCN.runs)
    assert f"stcn settings for davis2017 {split}: " in capsys.readouterr().out
