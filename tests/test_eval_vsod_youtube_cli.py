"""VSOD special cases, the YouTube-VOS packager and the evaluate / submit CLIs end to end."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from vostok.cli import main
from vostok.errors import InputError
from vostok.evaluation import evaluate_vsod, package_youtube_vos
from vostok.evaluation.sod_metrics import frame_scores, prediction_lut
from vostok.io.masks import write_grey_map, write_label_map


def test_prediction_is_min_max_stretched_unless_constant() -> None:
    assert prediction_lut(np.array([[51, 102]], np.uint8))[[51, 102]].tolist() == [0.0, 1.0]
    assert prediction_lut(np.full((2, 2), 51, np.uint8))[51] == 51 / 255


def test_perfect_binary_prediction_scores_one_and_mae_zero() -> None:
    gt = np.zeros((20, 30), np.uint8)
    gt[5:15, 8:20] = 255
    s = frame_scores(gt.copy(), gt)
    assert s.mae == 0.0
    assert s.s_measure == pytest.approx(1.0, abs=1e-12)
    assert s.weighted_f == pytest.approx(1.0, abs=1e-12)
    assert s.adaptive_f == pytest.approx(1.0)
    assert s.adaptive_e == pytest.approx(600 / 599, abs=1e-12)  # PySODMetrics divides by N - 1


def test_empty_ground_truth_special_cases() -> None:
    gt = np.zeros((10, 10), np.uint8)
    s = frame_scores(np.zeros((10, 10), np.uint8), gt)
    assert s.weighted_f == 0.0  # PySODMetrics: empty GT gives 0
    assert s.s_measure == 1.0  # 1 - mean(pred)
    assert s.e_curve[0] == pytest.approx(100 / (99 + np.spacing(1)))  # background pixels / (N - 1)


def _vsod_folders(tmp_path: Path, shape=(12, 16), pred_shape=None) -> tuple[Path, Path]:
    gt_dir, pred_dir = tmp_path / "GT", tmp_path / "pred"
    rng = np.random.default_rng(1)
    for v in ("v1", "v2"):
        for t in range(3):
            gt = np.zeros(shape, np.uint8)
            gt[3:9, 4 + t : 10 + t] = 255
            write_grey_map(gt_dir / v / f"{t:05d}.png", gt)
            write_grey_map(
                pred_dir / v / f"{t:05d}.png", rng.integers(0, 256, pred_shape or shape, dtype=np.uint8)
            )
    return gt_dir, pred_dir


def test_vsod_per_video_averages_video_scores(tmp_path: Path) -> None:
    gt_dir, pred_dir = _vsod_folders(tmp_path)
    out = evaluate_vsod(gt_dir, pred_dir, per_video=True, workers=1)
    assert out["global"]["MAE"] == pytest.approx(np.mean([out["videos"][v]["MAE"] for v in ("v1", "v2")]))
    assert evaluate_vsod(gt_dir, pred_dir, skip_first_last=True, workers=1)["frames"] == 2


def test_vsod_wrong_size_is_a_clear_error(tmp_path: Path) -> None:
    gt_dir, pred_dir = _vsod_folders(tmp_path, pred_shape=(6, 8))
    with pytest.raises(InputError, match="must have the ground-truth size"):
        evaluate_vsod(gt_dir, pred_dir, workers=1)


def _youtube(tmp_path: Path) -> tuple[Path, Path]:
    meta = {
        "videos": {
            "vid1": {
                "objects": {
                    "1": {"category": "cat", "frames": ["00000", "00005", "00010"]},
                    "2": {"category": "dog", "frames": ["00005", "00010"]},
                }
            },
        }
    }
    meta_path = tmp_path / "meta.json"
    meta_path.write_text(json.dumps(meta))
    res = tmp_path / "res"
    for name in ("00000", "00005", "00010", "00001"):  # 00001: an all-frames extra, left out of the zip
        lab = np.zeros((8, 12), np.uint8)
        lab[1:3, 1:3] = 1
        if name != "00000":
            lab[4:6, 4:6] = 2
        write_label_map(res / "vid1" / f"{name}.png", lab)
    return res, meta_path


def test_youtube_zip_has_the_server_layout(tmp_path: Path) -> None:
    res, meta = _youtube(tmp_path)
    counts = package_youtube_vos(res, meta, tmp_path / "sub.zip")
    assert counts == {"videos": 1, "frames": 3}
    with zipfile.ZipFile(tmp_path / "sub.zip") as zf:
        assert sorted(zf.namelist()) == [f"Annotations/vid1/{n}.png" for n in ("00000", "00005", "00010")]
        assert zf.read("Annotations/vid1/00005.png") == (res / "vid1" / "00005.png").read_bytes()


def test_youtube_missing_frame_and_unknown_id_are_reported_together(tmp_path: Path) -> None:
    res, meta = _youtube(tmp_path)
    (res / "vid1" / "00010.png").unlink()
    bad = np.zeros((8, 12), np.uint8)
    bad[0, 0] = 7
    write_label_map(res / "vid1" / "00005.png", bad)
    with pytest.raises(InputError, match=r"(?=.*00010.png is missing)(?=.*ids \[7\])"):
        package_youtube_vos(res, meta, tmp_path / "sub.zip")
    assert not (tmp_path / "sub.zip").exists()


def test_youtube_wrong_size_is_reported(tmp_path: Path) -> None:
    res, meta = _youtube(tmp_path)
    write_label_map(res / "vid1" / "00010.png", np.zeros((4, 6), np.uint8))
    with pytest.raises(InputError, match="6x4, expected 12x8"):
        package_youtube_vos(res, meta, tmp_path / "sub.zip")


def _davis_tree(tmp_path: Path) -> tuple[Path, Path]:
    root, res = tmp_path / "DAVIS", tmp_path / "res"
    for t in range(4):
        lab = np.zeros((16, 24), np.uint8)
        lab[4:10, 2 + t : 9 + t] = 1
        write_label_map(root / "Annotations/480p/s" / f"{t:05d}.png", lab)
        write_label_map(res / "s" / f"{t:05d}.png", lab)
    (root / "ImageSets/2017").mkdir(parents=True)
    (root / "ImageSets/2017/val.txt").write_text("s\n")
    return root, res


def test_cli_evaluate_davis_writes_official_csvs_and_json(tmp_path: Path, capsys) -> None:
    root, res = _davis_tree(tmp_path)
    args = ["evaluate", "davis", "--root", str(root), "--results", str(res), "--workers", "1"]
    assert main([*args, "--json", str(tmp_path / "r.json")]) == 0
    assert (res / "global_results-val.csv").read_text().splitlines() == [
        "J&F-Mean,J-Mean,J-Recall,J-Decay,F-Mean,F-Recall,F-Decay",
        "1.000,1.000,1.000,0.000,1.000,1.000,0.000",
    ]
    assert (res / "per-sequence_results-val.csv").read_text().splitlines()[1] == "s_1,1.000,1.000"
    assert json.loads((tmp_path / "r.json").read_text())["objects"]["s_1"]["J"] == [1.0, 1.0]
    assert "J&F-Mean" in capsys.readouterr().out
    # CSVs exist now: a second run refuses to replace them unless asked to.
    assert main(args) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert main([*args, "--overwrite"]) == 0


def test_cli_evaluate_bad_root_is_one_clear_message(tmp_path: Path, capsys) -> None:
    assert main(["evaluate", "davis", "--root", str(tmp_path / "nope"), "--results", str(tmp_path)]) == 2
    assert "DAVIS root" in capsys.readouterr().err


def test_cli_evaluate_vsod_and_submit(tmp_path: Path, capsys) -> None:
    gt_dir, pred_dir = _vsod_folders(tmp_path)
    assert (
        main(
            [
                "evaluate",
                "vsod",
                "--gt",
                str(gt_dir),
                "--pred",
                str(pred_dir),
                "--workers",
                "1",
                "--json",
                str(tmp_path / "v.json"),
            ]
        )
        == 0
    )
    assert set(json.loads((tmp_path / "v.json").read_text())["global"]) >= {"MAE", "Smeasure", "maxEm"}
    res, meta = _youtube(tmp_path)
    assert (
        main(
            [
                "submit",
                "youtube-vos",
                "--results",
                str(res),
                "--meta",
                str(meta),
                "--out",
                str(tmp_path / "s.zip"),
            ]
        )
        == 0
    )
    assert "1 videos, 3 frames" in capsys.readouterr().out


def _s_measure_on_arrays(pred_grey: np.ndarray, gt_grey: np.ndarray) -> float:
    """PySODMetrics' S-measure written directly on float arrays (the specification, for comparison)."""
    from vostok.evaluation.sod_metrics import _ssim_arrays

    gt = gt_grey > 128
    pred = prediction_lut(pred_grey)[pred_grey]
    y = gt.mean()
    if y == 0:
        return 1 - pred.mean()
    if y == 1:
        return pred.mean()

    def obj(x):
        std = np.std(x, ddof=1) if x.size > 1 else 0
        return 2 * x.mean() / (x.mean() ** 2 + 1 + std + np.spacing(1))

    o = obj(pred[gt]) * y + obj((1 - pred)[~gt]) * (1 - y)
    h, w = gt.shape
    cy, cx = (int(v) + 1 for v in np.argwhere(gt).mean(axis=0).round())
    a = h * w
    wl = [cx * cy / a, cy * (w - cx) / a, (h - cy) * cx / a]
    wl.append(1 - sum(wl))
    quads = [(slice(0, cy), slice(0, cx)), (slice(0, cy), slice(cx, w)), (slice(cy, h), slice(0, cx))]
    quads.append((slice(cy, h), slice(cx, w)))
    r = sum(_ssim_arrays(pred[q], gt[q].astype(float)) * wq for q, wq in zip(quads, wl, strict=True))
    return max(0, 0.5 * o + 0.5 * r)


@pytest.mark.parametrize("kind", ["noise", "constant", "zero", "binary", "corner-object"])
def test_s_measure_from_histograms_equals_the_array_computation(kind: str) -> None:
    rng = np.random.default_rng(3)
    gt = np.zeros((30, 40), np.uint8)
    gt[8:20, 10:25] = 255
    pred = rng.integers(0, 256, gt.shape).astype(np.uint8)
    if kind == "constant":
        pred[:] = 77
    elif kind == "zero":
        pred[:] = 0
    elif kind == "binary":
        pred = np.roll(gt, 3, axis=1)
    elif kind == "corner-object":
        gt[:] = 0
        gt[:3, :4] = 255
        pred[:] = 90
    assert frame_scores(pred, gt).s_measure == pytest.approx(_s_measure_on_arrays(pred, gt), abs=1e-12)
