"""J, F, boundary and statistics conventions of davis2017-evaluation (values from evalbench_conventions)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage.morphology import disk

from vostok.evaluation.boundary import (
    EMPTY_BOUNDARY,
    boundary_radius,
    bounding_box_crop,
    f_measure,
    j_measure,
    object_boundary,
    seg2bmap,
)
from vostok.evaluation.statistics import decay_bin_edges, object_statistics


def _boundary(mask: np.ndarray, radius: int):
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    if rows.size == 0:
        return EMPTY_BOUNDARY
    crop = bounding_box_crop((slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)), mask.shape)
    return object_boundary(mask[crop], crop[0].start, crop[1].start, mask.shape, radius)


def _f_full_frame(pred: np.ndarray, gt: np.ndarray, radius: int) -> float:
    """The official computation, on whole frames, for comparison."""
    bp, bg = seg2bmap(pred), seg2bmap(gt)
    fp = disk(radius).astype(np.uint8)
    dp, dg = cv2.dilate(bp.astype(np.uint8), fp), cv2.dilate(bg.astype(np.uint8), fp)
    n_p, n_g = bp.sum(), bg.sum()
    if n_p == 0 or n_g == 0:
        p, r = (1.0, 0.0) if n_g else ((0.0, 1.0) if n_p else (1.0, 1.0))
    else:
        p, r = (bp & (dg > 0)).sum() / float(n_p), (bg & (dp > 0)).sum() / float(n_g)
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def test_square_boundary_sits_inside_top_left_and_outside_bottom_right() -> None:
    mask = np.zeros((50, 50), bool)
    mask[10:30, 10:30] = True
    b = seg2bmap(mask)
    assert b.sum() == 80
    assert np.flatnonzero(b.any(axis=1)).tolist() == list(range(9, 30))


def test_image_border_never_produces_boundary() -> None:
    band = np.zeros((48, 64), bool)
    band[:, :10] = True
    assert seg2bmap(band).sum() == 48
    assert seg2bmap(np.ones((20, 30), bool)).sum() == 0


@pytest.mark.parametrize(
    ("size", "radius", "pixels"),
    [
        ((480, 854), 8, 197),
        ((480, 910), 9, 253),
        ((480, 1152), 10, 317),
        ((240, 427), 4, 49),
        ((1080, 1920), 18, 1009),
    ],
)
def test_boundary_tolerance_follows_the_image_diagonal(size, radius, pixels) -> None:
    assert boundary_radius(*size) == radius
    assert disk(radius).sum() == pixels


def test_j_special_cases() -> None:
    assert j_measure(0, 0) == 1.0
    assert j_measure(0, 25) == 0.0
    assert j_measure(3, 4) == 0.75


def test_f_special_cases_of_empty_and_full_masks() -> None:
    empty, full = np.zeros((20, 30), bool), np.ones((20, 30), bool)
    blob = empty.copy()
    blob[5:10, 5:12] = True
    r = 2
    assert f_measure(_boundary(empty, r), _boundary(empty, r)) == 1.0
    assert f_measure(_boundary(empty, r), _boundary(full, r)) == 1.0  # a full frame has no boundary
    assert f_measure(_boundary(empty, r), _boundary(blob, r)) == 0.0
    assert f_measure(_boundary(blob, r), _boundary(empty, r)) == 0.0


def test_windowed_boundary_match_equals_the_full_frame_computation() -> None:
    rng = np.random.default_rng(0)
    for trial in range(40):
        h, w = rng.integers(8, 60, size=2)
        radius = int(rng.integers(1, 6))
        masks = []
        for _ in range(2):
            m = np.zeros((h, w), bool)
            for _ in range(rng.integers(0, 3)):
                y0, x0 = rng.integers(0, h), rng.integers(0, w)
                m[y0 : y0 + rng.integers(1, h), x0 : x0 + rng.integers(1, w)] = True
            masks.append(m)
        pred, gt = masks
        ours = f_measure(_boundary(pred, radius), _boundary(gt, radius))
        assert ours == _f_full_frame(pred, gt, radius), trial


def test_decay_bins_and_statistics_match_the_official_short_video_values() -> None:
    assert decay_bin_edges(68).tolist() == [0, 17, 34, 50, 67]
    mean, recall, decay = object_statistics(np.linspace(0, 1, 68))
    assert (mean, recall) == (0.5, 0.5)
    assert decay == pytest.approx(-0.7462686567164178, abs=1e-15)


@pytest.mark.parametrize(
    ("n", "expected"), [(256, 0.7490196078431373), (298, 0.7508417508417508), (400, 0.7493734335839597)]
)
def test_decay_of_long_videos_is_the_intended_value_not_the_uint8_overflow(n: int, expected: float) -> None:
    _, _, decay = object_statistics(np.linspace(1, 0, n))
    assert decay == pytest.approx(expected, abs=1e-12)


def test_recall_counts_values_strictly_above_one_half() -> None:
    assert object_statistics(np.array([0.5, 0.5, 0.6, 0.4]))[1] == 0.25
