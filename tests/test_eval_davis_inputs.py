"""DAVIS evaluation on small hand-made folders: protocol details and clear errors for bad inputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from vostok.errors import InputError, LayoutError
from vostok.evaluation import evaluate_davis
from vostok.io.masks import write_grey_map, write_label_map

H, W = 24, 32


def _frames(n: int, ids=(1,)) -> list[np.ndarray]:
    out = []
    for t in range(n):
        lab = np.zeros((H, W), np.uint8)
        for k in ids:
            lab[4 + 2 * k : 10 + 2 * k, 3 + t + 6 * k : 12 + t + 6 * k] = k
        out.append(lab)
    return out


def _davis(
    root: Path, gt: dict[str, list[np.ndarray]], unsupervised: bool = False, year: str = "2017"
) -> Path:
    ann = root / ("Annotations_unsupervised" if unsupervised else "Annotations") / "480p"
    for seq, frames in gt.items():
        for t, lab in enumerate(frames):
            write_label_map(ann / seq / f"{t:05d}.png", lab)
    (root / "ImageSets" / year).mkdir(parents=True, exist_ok=True)
    (root / "ImageSets" / year / "val.txt").write_text("\n".join(gt) + "\n")
    return root


def _results(root: Path, preds: dict[str, list[np.ndarray]]) -> Path:
    for seq, frames in preds.items():
        for t, lab in enumerate(frames):
            write_label_map(root / seq / f"{t:05d}.png", lab)
    return root


def _eval(tmp_path: Path, gt, pred, **kw):
    root = _davis(
        tmp_path / "davis", gt, unsupervised=kw.get("task") == "unsupervised", year=kw.get("year", "2017")
    )
    return evaluate_davis(root, _results(tmp_path / "res", pred), workers=1, show_progress=False, **kw)


def test_perfect_prediction_scores_one_and_first_last_frames_are_not_evaluated(tmp_path: Path) -> None:
    gt = _frames(5, ids=(1, 2))
    pred = [f.copy() for f in gt]
    pred[0][:] = 0  # first and last frame are not evaluated in the semi-supervised protocol
    pred[4][:] = 2
    out = _eval(tmp_path, {"a": gt}, {"a": pred})
    assert out["global"]["J&F-Mean"] == 1.0
    assert out["objects"]["a_1"]["J"] == [1.0, 1.0, 1.0]


def test_ground_truth_ids_above_the_first_frame_count_are_ignored(tmp_path: Path) -> None:
    gt = _frames(4, ids=(1,))
    gt[2][0:3, 0:3] = 2  # a late object: not evaluated, as in the official tool
    out = _eval(tmp_path, {"a": gt}, {"a": [g.copy() * (g == 1) for g in gt]})
    assert list(out["objects"]) == ["a_1"]
    assert out["global"]["J-Mean"] == 1.0


def test_missing_id_below_the_count_is_an_always_empty_object(tmp_path: Path) -> None:
    gt = [np.where(f == 1, 3, 0).astype(np.uint8) for f in _frames(4)]
    out = _eval(tmp_path, {"a": gt}, {"a": gt})
    assert sorted(out["objects"]) == ["a_1", "a_2", "a_3"]
    assert out["objects"]["a_1"]["J-Mean"] == 1.0 and out["objects"]["a_1"]["F-Mean"] == 1.0


def test_void_in_semi_supervised_ground_truth_is_background(tmp_path: Path) -> None:
    gt = _frames(4)
    for g in gt:
        g[0:2, :] = 255
    pred = [np.where(g == 255, 0, g).astype(np.uint8) for g in gt]
    assert _eval(tmp_path, {"a": gt}, {"a": pred})["global"]["J-Mean"] == 1.0


def test_predicted_id_above_the_object_count_is_a_clear_error(tmp_path: Path) -> None:
    gt = _frames(4)
    pred = [g.copy() for g in gt]
    pred[1][0, 0] = 2
    with pytest.raises(InputError, match="holds id 2.*1 object"):
        _eval(tmp_path, {"a": gt}, {"a": pred})


def test_missing_prediction_frame_is_a_clear_error(tmp_path: Path) -> None:
    gt = _frames(5)
    root = _davis(tmp_path / "davis", {"a": gt})
    res = _results(tmp_path / "res", {"a": gt})
    (res / "a" / "00002.png").unlink()
    with pytest.raises(InputError, match="missing.*00002.png"):
        evaluate_davis(root, res, workers=1, show_progress=False)


def test_missing_sequence_folder_is_a_clear_error(tmp_path: Path) -> None:
    root = _davis(tmp_path / "davis", {"a": _frames(4), "b": _frames(4)})
    res = _results(tmp_path / "res", {"a": _frames(4)})
    with pytest.raises(InputError, match="lacks the sequence folder.*b"):
        evaluate_davis(root, res, workers=1, show_progress=False)


def test_prediction_of_the_wrong_size_is_a_clear_error(tmp_path: Path) -> None:
    gt = _frames(4)
    pred = [np.zeros((H // 2, W // 2), np.uint8) for _ in gt]
    with pytest.raises(InputError, match="16x12 but its ground truth is 32x24"):
        _eval(tmp_path, {"a": gt}, {"a": pred})


def test_rgb_prediction_png_is_a_clear_error(tmp_path: Path) -> None:
    gt = _frames(4)
    root = _davis(tmp_path / "davis", {"a": gt})
    res = _results(tmp_path / "res", {"a": gt})
    Image.fromarray(np.zeros((H, W, 3), np.uint8)).save(res / "a" / "00001.png")
    with pytest.raises(InputError, match="RGB image"):
        evaluate_davis(root, res, workers=1, show_progress=False)


def test_missing_image_set_is_a_layout_error(tmp_path: Path) -> None:
    with pytest.raises(LayoutError, match="ImageSets/2017/val.txt"):
        evaluate_davis(tmp_path, tmp_path, workers=1, show_progress=False)


def test_unsupervised_matches_permuted_proposals_and_names_them_by_gt_id(tmp_path: Path) -> None:
    gt = _frames(4, ids=(1, 2))
    swap = np.array([0, 2, 1] + [0] * 253, np.uint8)
    pred = [swap[g] for g in gt]
    for p in pred:
        p[20:22, 0:3] = 3  # a spurious proposal, left unmatched
    out = _eval(tmp_path, {"a": gt}, {"a": pred}, task="unsupervised")
    assert sorted(out["objects"]) == ["a_1", "a_2"]
    assert out["objects"]["a_1"]["J"] == [1.0] * 4  # all frames are evaluated
    assert out["global"]["J&F-Mean"] == 1.0


def test_unsupervised_void_is_excluded_from_j(tmp_path: Path) -> None:
    gt = _frames(3)
    pred = [g.copy() for g in gt]
    for g, p in zip(gt, pred, strict=True):
        g[0:2, :] = 255
        p[0:2, :] = 1  # wrong only inside void
    out = _eval(tmp_path, {"a": gt}, {"a": pred}, task="unsupervised")
    assert out["objects"]["a_1"]["J"] == [1.0, 1.0, 1.0]


def test_more_than_twenty_proposals_is_a_clear_error(tmp_path: Path) -> None:
    gt = _frames(3)
    pred = [g.copy() for g in gt]
    pred[1][0, 0] = 21
    with pytest.raises(InputError, match="at most 20 proposals"):
        _eval(tmp_path, {"a": gt}, {"a": pred}, task="unsupervised")


def test_davis2016_merges_objects_and_binarises_grey_predictions_with_all_frames(tmp_path: Path) -> None:
    gt = _frames(4, ids=(1, 2))
    root = _davis(tmp_path / "davis", {"a": gt}, year="2016")
    res = tmp_path / "res"
    for t, g in enumerate(gt):
        grey = np.where(g > 0, 200, 100).astype(np.uint8)  # 100 <= 128 is background
        write_grey_map(res / "a" / f"{t:05d}.png", grey)
    out = evaluate_davis(root, res, year="2016", frames="all", workers=1, show_progress=False)
    assert list(out["objects"]) == ["a_1"]
    assert out["objects"]["a_1"]["J"] == [1.0] * 4


def test_parallel_workers_give_the_same_numbers(tmp_path: Path) -> None:
    gts = {s: _frames(5, ids=(1, 2)) for s in ("a", "b", "c")}
    preds = {s: [np.roll(f, i, axis=1) for f in fr] for i, (s, fr) in enumerate(gts.items())}
    root = _davis(tmp_path / "davis", gts)
    res = _results(tmp_path / "res", preds)
    one = evaluate_davis(root, res, workers=1, show_progress=False)
    two = evaluate_davis(root, res, workers=2, show_progress=False)
    assert one == two
    assert list(one["objects"]) == ["a_1", "a_2", "b_1", "b_2", "c_1", "c_2"]
