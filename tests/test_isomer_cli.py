"""End to end: a synthetic DAVIS-16 set with true flow images -> ``vostok infer --model isomer`` -> evaluation."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch

from vostok.cli import main
from vostok.data.synthetic import generate_dataset
from vostok.io.masks import read_grey_map, read_label_map
from vostok.models.isomer import IsomerConfig, IsomerNet


@pytest.fixture(scope="module")
def davis16(tmp_path_factory):
    root = tmp_path_factory.mktemp("isomer_e2e")
    generate_dataset("davis2016", root / "ds", videos=1, frames=3, size=(64, 96), seed=3, workers=1)
    torch.manual_seed(0)
    torch.save(IsomerNet(IsomerConfig(backbone="mit_b0")).state_dict(), root / "isomer_mit_b0.pth")
    return root


def _infer(root, out, *extra):
    args = [
        "infer",
        "--model",
        "isomer",
        "--dataset",
        "davis2016",
        "--root",
        str(root / "ds"),
        "--out",
        str(out),
    ]
    args += [
        "--checkpoint",
        str(root / "isomer_mit_b0.pth"),
        "--device",
        "cpu",
        "-o",
        "input_size=64",
        *extra,
    ]
    return main(args)


@pytest.fixture(scope="module")
def grey_out(davis16):
    """Grey maps of the synthetic set written by ``vostok infer --model isomer`` (and what it printed)."""
    out = davis16 / "out"
    args = [
        "infer",
        "--model",
        "isomer",
        "--dataset",
        "davis2016",
        "--root",
        str(davis16 / "ds"),
        "--out",
        str(out),
    ]
    args += ["--checkpoint", str(davis16 / "isomer_mit_b0.pth"), "--device", "cpu", "-o", "input_size=64"]
    assert main(args) == 0
    return out


def test_vostok_infer_grey_maps_go_through_davis_and_vsod_evaluation(davis16, grey_out):
    out = grey_out
    seq = sorted(p.name for p in (davis16 / "ds" / "JPEGImages" / "480p").iterdir())[0]
    greys = [read_grey_map(out / seq / f"{i:05d}.png") for i in range(3)]
    assert all(g.shape == (64, 96) and g.min() == 0 and g.max() >= 250 for g in greys)  # min-max stretched

    report = davis16 / "davis.json"
    args = ["evaluate", "davis", "--root", str(davis16 / "ds"), "--results", str(out), "--year", "2016"]
    assert main([*args, "--frames", "all", "--json", str(report)]) == 0
    gts = [
        read_label_map(davis16 / "ds" / "Annotations" / "480p" / seq / f"{i:05d}.png") > 0 for i in range(3)
    ]
    jaccard = [((g > 128) & t).sum() / max(((g > 128) | t).sum(), 1) for g, t in zip(greys, gts, strict=True)]
    result = json.loads(report.read_text())
    assert result["global"]["J-Mean"] == pytest.approx(np.mean(jaccard), abs=1e-6)

    vsod = davis16 / "vsod.json"
    gt_dir = davis16 / "ds" / "Annotations" / "480p"
    assert main(["evaluate", "vsod", "--gt", str(gt_dir), "--pred", str(out), "--json", str(vsod)]) == 0
    stretched = [(g - g.min()) / (g.max() - g.min()) for g in greys]  # PySOD re-stretches each map
    mae = np.mean([np.abs(s - t).mean() for s, t in zip(stretched, gts, strict=True)])
    assert json.loads(vsod.read_text())["global"]["MAE"] == pytest.approx(mae, abs=1e-6)


def test_masks_are_the_grey_maps_above_128(davis16, grey_out):
    assert _infer(davis16, davis16 / "m_masks", "--binary-masks") == 0
    seq = next((davis16 / "m_masks").iterdir()).name
    grey = read_grey_map(grey_out / seq / "00001.png")
    mask = read_label_map(davis16 / "m_masks" / seq / "00001.png")
    assert 0 < mask.sum() < mask.size
    assert np.array_equal(mask, (grey > 128).astype(np.uint8))


def test_a_dataset_without_flow_images_is_a_clear_error(davis16, tmp_path, capsys):
    shutil.copytree(davis16 / "ds", tmp_path / "ds")
    shutil.rmtree(tmp_path / "ds" / "Flow")
    (tmp_path / "isomer_mit_b0.pth").symlink_to(davis16 / "isomer_mit_b0.pth")
    assert _infer(tmp_path, tmp_path / "out") == 2
    assert "no flow images" in capsys.readouterr().err


def test_vostok_segment_with_a_flow_folder_writes_raw_probabilities(davis16, tmp_path):
    frames = next((davis16 / "ds" / "JPEGImages" / "480p").iterdir())
    flows = davis16 / "ds" / "Flow" / "480p" / frames.name
    args = ["segment", str(frames), "--model", "isomer", "--out", str(tmp_path), "--flow-dir", str(flows)]
    args += ["--checkpoint", str(davis16 / "isomer_mit_b0.pth"), "-o", "input_size=64", "--raw-probabilities"]
    assert main(args) == 0
    greys = [read_grey_map(tmp_path / frames.name / f"{i:05d}.png") for i in range(3)]
    assert all(int(g.max()) - int(g.min()) < 200 for g in greys)  # sigmoid x 255, not stretched to 0..255


def test_vostok_segment_with_a_mismatched_flow_folder_exits_with_the_reason(davis16, tmp_path, capsys):
    frames = next((davis16 / "ds" / "JPEGImages" / "480p").iterdir())
    flows = tmp_path / "flow"
    shutil.copytree(davis16 / "ds" / "Flow" / "480p" / frames.name, flows)
    (flows / "00002.png").unlink()
    args = [
        "segment",
        str(frames),
        "--model",
        "isomer",
        "--out",
        str(tmp_path / "out"),
        "--flow-dir",
        str(flows),
    ]
    assert main([*args, "--checkpoint", str(davis16 / "isomer_mit_b0.pth"), "-o", "input_size=64"]) == 2
    assert "no image for 1 of 3 frames" in capsys.readouterr().err
