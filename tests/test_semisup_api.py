"""``vostok.load_model("stcn"|"imsfr")``: checkpoints, clear errors on bad inputs, results at frame size."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import vostok
from vostok.errors import CheckpointError, InputError
from vostok.models.imsfr.network import IMSFRNetwork
from vostok.models.stcn.checkpoint import convert_stcn_state_dict
from vostok.models.stcn.network import STCNNetwork


@pytest.fixture(scope="module")
def stcn():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return vostok.load_model("stcn", device="cpu")


def _frames(n=3, h=40, w=56):
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for _ in range(n)]


def _labels(h=40, w=56):
    lab = np.zeros((h, w), np.uint8)
    lab[5:20, 5:20] = 4
    lab[25:35, 30:50] = 9
    return lab


def _authors_stcn_state() -> dict[str, torch.Tensor]:
    """Our state dict in the authors' layout (res2 for layer1, DDP 'module.' prefix)."""
    state = STCNNetwork().state_dict()
    return {"module." + k.replace("key_encoder.layer1.", "key_encoder.res2."): v for k, v in state.items()}


def test_no_checkpoint_means_random_weights_and_a_warning():
    with pytest.warns(UserWarning, match="random"):
        vostok.load_model("imsfr", device="cpu")


def test_results_keep_user_ids_and_frame_size(stcn):
    results = list(stcn.segment(_frames(), masks={0: _labels()}, mode="bounded"))
    assert [r.index for r in results] == [0, 1, 2]
    r = results[1]
    assert r.object_ids == [4, 9]
    assert r.labels.shape == (40, 56) and r.labels.dtype == np.uint8
    assert set(np.unique(r.labels)) <= {0, 4, 9}
    assert r.probabilities.shape == (3, 40, 56) and r.probabilities.dtype == np.float32
    np.testing.assert_allclose(r.probabilities.sum(0), 1, atol=1e-5)
    assert np.array_equal(results[0].labels, _labels())  # the given frame comes back as given


def test_max_size_runs_smaller_but_answers_at_frame_size(stcn):
    results = list(
        stcn.segment(_frames(2, 64, 96), masks={0: np.pad(_labels(), ((0, 24), (0, 40)))}, max_size=32)
    )
    assert results[1].labels.shape == (64, 96) and results[1].probabilities.shape == (3, 64, 96)


@pytest.mark.parametrize(
    ("masks", "message"),
    [
        ({0: np.zeros((20, 20), np.uint8) + 1}, "20x20"),
        ({0: np.zeros((40, 56), np.uint8)}, "no object"),
        ({0: np.zeros((40, 56, 3), np.uint8)}, "RGB"),
        ({0: np.full((40, 56), 300, np.int32)}, "0..254"),
        ({0: np.full((40, 56), 255, np.uint8)}, "0..254"),
        ({3: _labels()}, "outside the video"),
        ({-1: _labels()}, "outside the video"),
        ({}, "non-empty"),
    ],
)
def test_bad_masks_are_clear_errors(stcn, masks, message):
    with pytest.raises(InputError, match=message):
        next(iter(stcn.segment(_frames(), masks=masks)))


def test_unknown_mode_is_a_clear_error(stcn):
    with pytest.raises(InputError, match="paper"):
        stcn.segment(_frames(), masks={0: _labels()}, mode="fast")


def test_authors_layout_checkpoint_file_loads(tmp_path):
    path = tmp_path / "stcn.pth"
    state = _authors_stcn_state()
    torch.save({"network": state}, path)  # wrapped and DDP-prefixed as some releases are
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = vostok.load_model("stcn", checkpoint=str(path), device="cpu")
    assert torch.equal(
        model.network.key_encoder.layer1[0].conv1.weight,
        state["module.key_encoder.res2.0.conv1.weight"],
    )


def test_stage0_single_object_checkpoint_gets_a_zero_others_channel():
    state = {k.removeprefix("module."): v for k, v in _authors_stcn_state().items()}
    state["value_encoder.conv1.weight"] = torch.randn(64, 4, 7, 7)
    converted = convert_stcn_state_dict(state)
    w = converted["value_encoder.conv1.weight"]
    assert w.shape == (64, 5, 7, 7) and torch.equal(w[:, :4], state["value_encoder.conv1.weight"])
    assert not w[:, 4].any()


def test_another_models_checkpoint_names_the_mismatched_keys(tmp_path):
    path = tmp_path / "imsfr.pth"
    torch.save(IMSFRNetwork().state_dict(), path)
    with pytest.raises(CheckpointError, match=r"STCN.*(missing|unexpected).*key_proj|conv_fusion"):
        vostok.load_model("stcn", checkpoint=str(path), device="cpu")


def test_truncated_checkpoint_is_a_clear_error(tmp_path):
    good = tmp_path / "good.pth"
    torch.save(_authors_stcn_state(), good)
    bad = tmp_path / "bad.pth"
    bad.write_bytes(good.read_bytes()[:10_000])
    with pytest.raises(CheckpointError, match="truncated"):
        vostok.load_model("stcn", checkpoint=str(bad), device="cpu")
