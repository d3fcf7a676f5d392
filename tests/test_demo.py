"""`vostok demo`: the whole pipeline (synthesis, segmentation, overlay, evaluation) on a tiny set."""

from __future__ import annotations

import re

from vostok.cli import main
from vostok.video import Video


def test_demo_writes_masks_overlay_and_prints_j_and_f(tmp_path, capsys):
    out = tmp_path / "demo"
    args = ["demo", "--out", str(out), "--videos", "3", "--frames", "6", "--size", "64x96"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    score = float(re.search(r"J&F (\d\.\d+)", printed).group(1))
    assert 0.0 <= score <= 1.0
    assert len(list((out / "results").glob("*/*.png"))) == 6  # one val video of 6 frames
    overlay = Video.open(out / "overlay.mp4")
    assert len(overlay) == 6 and overlay.size == (64, 96)


def test_demo_replaces_its_own_folder_but_not_a_users(tmp_path, capsys):
    out = tmp_path / "demo"
    args = ["demo", "--out", str(out), "--videos", "2", "--frames", "4", "--size", "48x64"]
    assert main(args) == 0
    assert main(args) == 0  # a second run replaces the first demo's folder
    user = tmp_path / "mine"
    user.mkdir()
    (user / "notes.txt").write_text("keep me")
    assert main(["demo", "--out", str(user)]) == 2
    assert "not made by `vostok demo`" in capsys.readouterr().err
    assert (user / "notes.txt").read_text() == "keep me"
