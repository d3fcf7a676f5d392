"""The weighted F-measure's shortcuts equal PySODMetrics' full-frame computation.

PySODMetrics fills every background pixel with the error of its nearest foreground pixel
(``scipy.ndimage.distance_transform_edt(gt == 0, return_indices=True)``), blurs, and weights the background
by its distance. vostok searches the nearest pixel only for the background within 3 px of the foreground,
in scipy's tie-breaking order, and takes distances from OpenCV: these tests hold both to scipy, on random
masks and on masks built so that many pixels are equidistant from several foreground pixels.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import convolve, distance_transform_edt

from vostok.evaluation.sod_metrics import (
    EPS,
    band_nearest_foreground,
    squared_background_distance,
    weighted_f_measure,
)


def _pysod_weighted_f(pred: np.ndarray, gt: np.ndarray) -> float:
    """PySODMetrics 1.6.2 ``WeightedFmeasure.cal_wfm`` as the spec states it, full frame, scipy only."""
    dist, idx = distance_transform_edt(~gt, return_indices=True)
    err = np.abs(pred - gt)
    filled = err.copy()
    filled[~gt] = err[idx[0][~gt], idx[1][~gt]]
    x = np.arange(-3, 4)
    kernel = np.exp(-(x[:, None] ** 2 + x[None, :] ** 2) / (2 * 5.0**2))
    blurred = convolve(filled, kernel / kernel.sum(), mode="constant", cval=0)
    min_err = np.where(gt & (blurred < err), blurred, err)
    weight = np.where(~gt, 2 - np.exp(np.log(0.5) / 5 * dist), 1.0)
    ew = min_err * weight
    tp_w = gt.sum() - ew[gt].sum()
    fp_w = ew[~gt].sum()
    recall = 1 - ew[gt].mean()
    precision = tp_w / (tp_w + fp_w + EPS)
    return 2 * recall * precision / (recall + precision + EPS)


def _lattice(h: int, w: int, step: int, rng) -> np.ndarray:
    gt = np.zeros((h, w), bool)
    gt[rng.integers(step) :: step, rng.integers(step) :: step] = True
    return gt


def _ring(h: int, w: int, r2: int, rng) -> np.ndarray:
    """Foreground pixels on one circle: its centre is equidistant from all of them."""
    y, x = np.mgrid[:h, :w]
    cy, cx = rng.integers(h), rng.integers(w)
    gt = (y - cy) ** 2 + (x - cx) ** 2 == r2
    gt[cy, cx] |= not gt.any()
    return gt


def _diagonals(h: int, w: int, step: int, rng) -> np.ndarray:
    y, x = np.mgrid[:h, :w]
    return ((y + x) % step == 0) & (rng.random((h, w)) < 0.8)


def _outlines(h: int, w: int, rng) -> np.ndarray:
    """One-pixel outlines of boxes: background inside and between them is full of ties."""
    solid = np.zeros((h, w), bool)
    for _ in range(4):
        y, x = rng.integers(h), rng.integers(w)
        solid[y : y + rng.integers(1, 9), x : x + rng.integers(1, 9)] = True
    return solid ^ np.roll(solid, 1, axis=0)


def _masks(seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    masks = []
    for i in range(40):
        h, w = (int(v) for v in rng.integers(4, 36, 2))
        kind = i % 5
        if kind == 0:
            gt = rng.random((h, w)) < rng.choice([0.02, 0.1, 0.4])
        elif kind == 1:
            gt = _lattice(h, w, int(rng.integers(2, 7)), rng)
        elif kind == 2:
            gt = _ring(h, w, int(rng.choice([1, 2, 4, 5, 8, 9, 10, 13, 18, 25, 50])), rng)
        elif kind == 3:
            gt = _diagonals(h, w, int(rng.integers(2, 7)), rng)
        else:
            gt = _outlines(h, w, rng)
        if gt.any():
            masks.append(gt)
    return masks


def test_equidistant_foreground_pixels_are_chosen_leftmost_then_uppermost() -> None:
    gt = np.zeros((7, 7), bool)
    gt[1, 3] = gt[5, 3] = gt[3, 1] = gt[3, 5] = True  # four pixels 2 px from the centre
    rows, cols, src_rows, src_cols = band_nearest_foreground(gt)
    at = {(r, c): (sr, sc) for r, c, sr, sc in zip(rows, cols, src_rows, src_cols, strict=True)}
    assert at[(3, 3)] == (3, 1)  # the left one wins over the upper one
    gt[3, 1] = False
    at = {(r, c): (sr, sc) for r, c, sr, sc in zip(*band_nearest_foreground(gt), strict=True)}
    assert at[(3, 3)] == (1, 3)  # then the upper one over the lower and the right one


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_band_nearest_foreground_equals_scipy_feature_transform(seed: int) -> None:
    for gt in _masks(seed):
        rows, cols, src_rows, src_cols = band_nearest_foreground(gt)
        idx = distance_transform_edt(~gt, return_distances=False, return_indices=True)
        near = np.zeros_like(gt)
        for dy in range(-3, 4):
            for dx in range(-3, 4):
                near |= np.roll(np.pad(gt, 3), (dy, dx), axis=(0, 1))[3:-3, 3:-3]
        expected_rows, expected_cols = np.nonzero(near & ~gt)
        np.testing.assert_array_equal(rows, expected_rows)
        np.testing.assert_array_equal(cols, expected_cols)
        np.testing.assert_array_equal(src_rows, idx[0][rows, cols])
        np.testing.assert_array_equal(src_cols, idx[1][rows, cols])


def test_squared_distance_equals_scipy_exactly() -> None:
    for gt in _masks(3):
        expected = np.rint(distance_transform_edt(~gt) ** 2).astype(np.intp)
        np.testing.assert_array_equal(squared_background_distance(gt), expected)


def test_squared_distance_of_a_large_frame_equals_scipy_exactly() -> None:
    gt = np.zeros((1100, 1000), bool)  # H² + W² above the float32 shortcut's range
    gt[5, 7] = gt[900, 990] = True
    expected = np.rint(distance_transform_edt(~gt) ** 2).astype(np.intp)
    np.testing.assert_array_equal(squared_background_distance(gt), expected)


@pytest.mark.parametrize("seed", [0, 1])
def test_weighted_f_equals_the_full_frame_computation(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    for gt in _masks(seed):
        # A grey-level prediction: errors differ between equidistant foreground pixels, so a wrong choice
        # among them would change the number.
        pred = rng.integers(0, 256, gt.shape) / 255
        assert weighted_f_measure(pred, gt) == pytest.approx(_pysod_weighted_f(pred, gt), abs=1e-12)


def test_weighted_f_of_an_object_touching_the_frame_border() -> None:
    rng = np.random.default_rng(7)
    gt = np.zeros((30, 40), bool)
    gt[:12, 25:] = True
    gt[20:, :3] = True
    pred = rng.integers(0, 256, gt.shape) / 255
    assert weighted_f_measure(pred, gt) == pytest.approx(_pysod_weighted_f(pred, gt), abs=1e-12)


def test_background_farther_than_the_weight_table_counts_with_weight_two() -> None:
    rng = np.random.default_rng(8)
    gt = np.zeros((12, 700), bool)
    gt[4:8, :5] = True  # most of the background lies beyond distance 265, where the weight is exactly 2
    pred = rng.integers(0, 256, gt.shape) / 255
    assert weighted_f_measure(pred, gt) == pytest.approx(_pysod_weighted_f(pred, gt), abs=1e-12)
    d2 = squared_background_distance(gt, clip=70_226)
    np.testing.assert_array_equal(d2, np.minimum(squared_background_distance(gt), 70_226))
