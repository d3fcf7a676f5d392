"""``vostok segment`` and ``vostok infer`` end to end on small synthetic data with random STCN weights."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from PIL import Image

from vostok.cli import main
from vostok.io.masks import read_label_map, write_label_map
from vostok.io.rle import read_rle_label_maps


@pytest.fixture(autouse=True)
def _quiet_random_weights():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*random.*")
        yield


def _frame_folder(tmp_path, n=3, h=48, w=64):
    folder = tmp_path / "clip"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(n):
        Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(folder / f"{i:05d}.png")
    labels = np.zeros((h, w), np.uint8)
    labels[10:30, 10:30] = 2
    write_label_map(tmp_path / "first.png", labels)
    return folder, labels


def test_segment_writes_pngs_overlay_and_rle(tmp_path, capsys):
    folder, labels = _frame_folder(tmp_path)
    out = tmp_path / "out"
    args = [
        "segment",
        str(folder),
        "--mask",
        str(tmp_path / "first.png"),
        "--model",
        "stcn",
        "--out",
        str(out),
    ]
    args += ["--overlay", str(tmp_path / "ov.gif"), "--rle", str(tmp_path / "r.json"), "--device", "cpu"]
    assert main(args) == 0
    pngs = sorted((out / "clip").glob("*.png"))
    assert [p.stem for p in pngs] == ["00000", "00001", "00002"]
    assert np.array_equal(read_label_map(pngs[0]), labels)
    assert set(np.unique(read_label_map(pngs[2]))) <= {0, 2}
    assert Image.open(tmp_path / "ov.gif").n_frames == 3
    rle = read_rle_label_maps(tmp_path / "r.json")
    assert np.array_equal(rle["00001"], read_label_map(pngs[1]))
    assert "frames/s" in capsys.readouterr().out


def test_segment_refuses_existing_results_and_bad_mask_frame(tmp_path, capsys):
    folder, _ = _frame_folder(tmp_path, n=2)
    base = ["segment", str(folder), "--mask", str(tmp_path / "first.png"), "--out", str(tmp_path / "o")]
    assert main([*base, "--mask-frame", "7"]) == 2
    assert "outside the video" in capsys.readouterr().err
    (tmp_path / "o" / "clip").mkdir(parents=True)
    (tmp_path / "o" / "clip" / "00000.png").write_bytes(b"x")
    assert main(base) == 2
    assert "overwrite" in capsys.readouterr().err


def test_infer_on_synthetic_davis_feeds_vostok_evaluate(tmp_path, capsys):
    from vostok.data.synthetic.generate import generate_dataset

    root = generate_dataset("davis2017", tmp_path / "davis", videos=2, frames=3, size=(48, 64), workers=1)
    out = tmp_path / "res"
    args = ["infer", "--model", "stcn", "--dataset", "davis2017", "--root", str(root), "--split", "val"]
    assert main([*args, "--out", str(out), "--device", "cpu", "--option", "top_k=5"]) == 0
    assert "peak memory" in capsys.readouterr().out
    val = (root / "ImageSets" / "2017" / "val.txt").read_text().split()
    for seq in val:
        written = sorted(p.name for p in (out / seq).glob("*.png"))
        frames = sorted(p.stem + ".png" for p in (root / "JPEGImages" / "480p" / seq).glob("*.jpg"))
        assert written == frames
        first = read_label_map(out / seq / "00000.png")
        assert np.array_equal(first, read_label_map(root / "Annotations" / "480p" / seq / "00000.png"))
    assert main(["evaluate", "davis", "--root", str(root), "--results", str(out), "--split", "val"]) == 0
    assert "J&F" in capsys.readouterr().out
