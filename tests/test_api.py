"""The one-call public API: vostok.segment and vostok.evaluate."""

from __future__ import annotations

import numpy as np
import pytest

import vostok
from vostok.data.synthetic import generate_dataset
from vostok.errors import InputError
from vostok.io.results import ResultFolder


def test_segment_in_one_call_returns_one_result_per_frame():
    frames = np.zeros((3, 8, 10, 3), np.uint8)
    first = np.zeros((8, 10), np.uint8)
    first[2:5, 3:6] = 2
    results = list(vostok.segment(frames, model="copy-first", masks={0: first}))
    assert [r.index for r in results] == [0, 1, 2]
    np.testing.assert_array_equal(results[2].labels, first)


def test_evaluate_davis_in_one_call_equals_perfect_score_for_ground_truth(tmp_path):
    root = generate_dataset("davis2017", tmp_path / "d", videos=3, frames=5, size=(48, 64), seed=1, workers=1)
    ds = vostok.data.open_dataset("davis2017", root, subset="val")
    out = ResultFolder(tmp_path / "res")
    for seq in ds:
        for name in seq.frame_names:
            out.write_labels(seq.name, name, seq.read_annotation(name))
    scores = vostok.evaluate("davis", tmp_path / "res", root=root, split="val", show_progress=False)
    assert scores["global"]["J&F-Mean"] == pytest.approx(1.0)


def test_evaluate_names_what_is_missing():
    with pytest.raises(InputError, match="DAVIS root"):
        vostok.evaluate("davis", "results")
    with pytest.raises(InputError, match="unknown benchmark"):
        vostok.evaluate("kitti", "results")
