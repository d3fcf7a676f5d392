"""``run_isomer_on_dataset`` on the zero-shot / VSOD layout (<seq>/{Frame,Flow,GT}) with sparse GT."""

from __future__ import annotations

import pytest
import torch

from vostok.data import open_dataset
from vostok.data.synthetic import generate_dataset
from vostok.errors import InputError, OverwriteError
from vostok.io.masks import read_grey_map
from vostok.models.isomer import IsomerConfig, IsomerNet, IsomerPredictor
from vostok.models.isomer.datasets import run_isomer_on_dataset


@pytest.fixture(scope="module")
def fbms(tmp_path_factory):
    root = tmp_path_factory.mktemp("isomer_fbms") / "FBMS"
    generate_dataset("fbms", root, videos=1, frames=6, size=(40, 56), seed=2, workers=1)
    return root


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return IsomerPredictor(IsomerNet(IsomerConfig(backbone="mit_b0")), batch_size=2, input_size=64)


def test_frames_with_flow_images_are_predicted_and_named_like_the_frames(fbms, model, tmp_path):
    seq = open_dataset("fbms", fbms).sequence(open_dataset("fbms", fbms).sequences[0])
    with_flow = [n for n, p in zip(seq.frame_names, seq.flow_paths, strict=True) if p is not None]
    assert 0 < len(with_flow) < len(seq)  # sparse: the authors' layout has flow only where GT is

    summary = run_isomer_on_dataset(model, "fbms", fbms, tmp_path / "out")
    written = sorted(p.stem for p in (tmp_path / "out" / seq.name).iterdir())
    assert written == with_flow
    assert summary.frames == len(with_flow) and summary.sequences == 1
    grey = read_grey_map(tmp_path / "out" / seq.name / f"{with_flow[0]}.png")
    assert grey.shape == (40, 56) and grey.min() == 0 and grey.max() >= 250


def test_raw_probabilities_are_not_stretched(fbms, model, tmp_path):
    run_isomer_on_dataset(model, "fbms", fbms, tmp_path / "raw", output="probabilities")
    seq = next((tmp_path / "raw").iterdir())
    grey = read_grey_map(next(seq.iterdir()))
    assert int(grey.max()) - int(grey.min()) < 200


def test_existing_results_are_not_overwritten_unless_asked(fbms, model, tmp_path):
    run_isomer_on_dataset(model, "fbms", fbms, tmp_path / "out")
    with pytest.raises(OverwriteError):
        run_isomer_on_dataset(model, "fbms", fbms, tmp_path / "out")
    summary = run_isomer_on_dataset(model, "fbms", fbms, tmp_path / "out", overwrite=True)
    assert summary.frames > 0


def test_unknown_sequences_and_outputs_are_refused(fbms, model, tmp_path):
    with pytest.raises(InputError, match="not in the dataset"):
        run_isomer_on_dataset(model, "fbms", fbms, tmp_path / "o", sequences=["nope"])
    with pytest.raises(InputError, match="unknown output"):
        run_isomer_on_dataset(model, "fbms", fbms, tmp_path / "o", output="logits")
