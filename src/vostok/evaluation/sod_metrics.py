"""Saliency metrics of one (prediction, ground truth) pair, equal to PySODMetrics 1.6.2.

MAE, S-measure (alpha 0.5), weighted F (beta 1), adaptive / 256-threshold curves of the F-measure
(beta² = 0.3) and the E-measure. The prediction is prepared once per frame (PySODMetrics re-prepares it in
every metric): grey levels / 255, min-max stretched unless constant, evaluated through a 256-entry lookup
table, so every pixel gets exactly PySODMetrics' float. The threshold curves come from integer
histograms (``np.bincount``) of the quantised prediction inside and outside the ground truth, the same
counts ``np.histogram`` gives, at a fraction of the cost.

Where the formula allows it, values are computed on the same float arrays in the same order as the
reference, because its special cases (``alpha != 0``, ``beta == 0``) compare floats exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy.ndimage import distance_transform_edt

EPS = np.spacing(1)
F_BETA2 = 0.3
S_ALPHA = 0.5
_GREY = np.arange(256, dtype=np.float64) / 255


@dataclass
class FrameScores:
    """Per-frame values whose means over frames give the reported metrics."""

    mae: float
    s_measure: float
    weighted_f: float
    adaptive_f: float
    adaptive_e: float
    f_curve: np.ndarray  # (256,), index 0 <-> threshold 255
    e_curve: np.ndarray  # (256,)


def prediction_lut(pred: np.ndarray) -> np.ndarray:
    """Float value of each grey level after PySODMetrics' ``pred / 255`` and min-max stretch."""
    lo, hi = _GREY[int(pred.min())], _GREY[int(pred.max())]
    if hi != lo:
        return (_GREY - lo) / (hi - lo)
    return _GREY.copy()


def frame_scores(pred_grey: np.ndarray, gt_grey: np.ndarray) -> FrameScores:
    """All metrics of one frame from uint8 grey maps (ground truth binarised at > 128)."""
    gt = gt_grey > 128
    lut = prediction_lut(pred_grey)
    pred = np.take(lut, pred_grey)
    size = gt.size
    n_fg = int(np.count_nonzero(gt))
    quantised = (lut * 255).astype(np.uint8)  # PySODMetrics' (pred * 255).astype(uint8), per grey level
    # Integer histograms of the grey levels inside / outside the ground truth (OpenCV: float32 counts,
    # exact below 2**24 pixels per frame); the S-measure's quadrants, when it needs them, add up to them.
    quadrants = quadrant_histograms(pred_grey, gt, n_fg) if 0 < n_fg < size else None
    if quadrants is not None:
        fg_hist_grey = sum(q[2] for q in quadrants)
        bg_hist_grey = sum(q[3] for q in quadrants)
        all_hist = fg_hist_grey + bg_hist_grey
    else:
        all_hist = _hist(pred_grey)
        fg_hist_grey = all_hist.copy() if n_fg else np.zeros(256, np.int64)
        bg_hist_grey = all_hist - fg_hist_grey
    fg_hist = np.bincount(quantised, weights=fg_hist_grey, minlength=256).astype(np.int64)
    bg_hist = np.bincount(quantised, weights=bg_hist_grey, minlength=256).astype(np.int64)
    fg_at = np.cumsum(np.flip(fg_hist))  # foreground pixels predicted >= each threshold (255 down to 0)
    bg_at = np.cumsum(np.flip(bg_hist))

    mae = float((np.dot(fg_hist_grey, 1 - lut) + np.dot(bg_hist_grey, lut)) / size)
    threshold = min(2 * pred.mean(), 1)
    above = lut >= threshold
    tp = int(fg_hist_grey[above].sum())
    fp = int(bg_hist_grey[above].sum())
    return FrameScores(
        mae=mae,
        s_measure=s_measure(pred, gt, pred_grey, lut, fg_hist_grey, all_hist, quadrants),
        weighted_f=weighted_f_measure(pred, gt) if n_fg else 0.0,
        adaptive_f=_adaptive_f(tp, fp, n_fg),
        adaptive_e=_e_scalar(tp, fp, n_fg, size),
        f_curve=_f_curve(fg_at, bg_at, n_fg),
        e_curve=_e_curve(fg_at, bg_at, n_fg, size),
    )


def _adaptive_f(tp: int, fp: int, n_fg: int) -> float:
    if tp == 0:
        return 0.0
    precision = tp / (tp + fp)
    recall = tp / n_fg
    return (1 + F_BETA2) * precision * recall / (F_BETA2 * precision + recall)


def _f_curve(tp: np.ndarray, fp: np.ndarray, n_fg: int) -> np.ndarray:
    predicted = tp + fp
    predicted[predicted == 0] = 1
    precision = tp / predicted
    recall = tp / max(n_fg, 1)
    numerator = (1 + F_BETA2) * precision * recall
    denominator = np.where(numerator == 0, 1, F_BETA2 * precision + recall)
    return numerator / denominator


def _e_parts(tp, fp, n_fg: int, size: int):
    """Region counts and the demeaned (prediction, ground truth) values of the four regions."""
    pred_fg = tp + fp
    pred_bg = size - pred_fg
    fn = n_fg - tp
    tn = pred_bg - fn
    mean_pred = pred_fg / size
    mean_gt = n_fg / size
    pf, pb, gf, gb = 1 - mean_pred, 0 - mean_pred, 1 - mean_gt, 0 - mean_gt
    return [tp, fp, fn, tn], [(pf, gf), (pf, gb), (pb, gf), (pb, gb)]


def _enhanced(a, b):
    align = 2 * (a * b) / (a**2 + b**2 + EPS)
    return (align + 1) ** 2 / 4


def _e_scalar(tp: int, fp: int, n_fg: int, size: int) -> float:
    pred_fg = tp + fp
    if n_fg == 0:
        total = size - pred_fg
    elif n_fg == size:
        total = pred_fg
    else:
        counts, pairs = _e_parts(np.int64(tp), np.int64(fp), n_fg, size)
        total = sum(_enhanced(a, b) * n for n, (a, b) in zip(counts, pairs, strict=True))
    return float(total / (size - 1 + EPS))


def _e_curve(tp: np.ndarray, fp: np.ndarray, n_fg: int, size: int) -> np.ndarray:
    if n_fg == 0:
        total = size - (tp + fp)
    elif n_fg == size:
        total = tp + fp
    else:
        counts, pairs = _e_parts(tp, fp, n_fg, size)
        parts = np.empty((4, 256), dtype=np.float64)
        for i, (n, (a, b)) in enumerate(zip(counts, pairs, strict=True)):
            parts[i] = _enhanced(a, b) * n
        total = parts.sum(axis=0)
    return total / (size - 1 + EPS)


def _hist(grey: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Integer histogram of the 256 grey levels (OpenCV; float32 counts are exact below 2**24)."""
    return cv2.calcHist([grey], [0], mask, [256], [0, 256]).ravel().astype(np.int64)


def _s_object(hist: np.ndarray, values: np.ndarray) -> float:
    """PySODMetrics' object score of the pixels counted by ``hist`` (grey level -> value ``values``)."""
    n = int(hist.sum())
    mean = np.dot(hist, values) / n
    std = np.sqrt(np.dot(hist, (values - mean) ** 2) / (n - 1)) if n > 1 else 0.0
    return 2 * mean / (mean**2 + 1 + std + EPS)


def _ssim_arrays(pred: np.ndarray, gt: np.ndarray) -> float:
    """PySODMetrics' quadrant SSIM, computed on the arrays exactly as it does."""
    n = pred.size
    with np.errstate(invalid="ignore", divide="ignore"):
        x, y = np.mean(pred) if n else np.nan, np.mean(gt) if n else np.nan
        sigma_x = np.sum((pred - x) ** 2) / (n - 1 + EPS)
        sigma_y = np.sum((gt - y) ** 2) / (n - 1 + EPS)
        sigma_xy = np.sum((pred - x) * (gt - y)) / (n - 1 + EPS)
        alpha = 4 * x * y * sigma_xy
        beta = (x**2 + y**2) * (sigma_x + sigma_y)
        if alpha != 0:
            return alpha / (beta + EPS)
    return 1.0 if beta == 0 else 0.0


def _ssim(fg: np.ndarray, bg: np.ndarray, lut: np.ndarray, pred: np.ndarray, gt: np.ndarray) -> float:
    """Quadrant SSIM from the quadrant's grey-level histograms inside (fg) and outside (bg) the GT.

    A quadrant whose prediction is one non-zero constant (or that is empty) goes through the array
    computation: there the reference's ``beta == 0`` test depends on the rounding of its ``np.mean``.
    """
    both = fg + bg
    levels = np.flatnonzero(both)
    if levels.size == 0 or (levels.size == 1 and lut[levels[0]] != 0):
        return _ssim_arrays(pred, gt.astype(np.float64))
    n = int(both.sum())
    n_fg = int(fg.sum())
    x = np.dot(both, lut) / n
    y = n_fg / n
    dx = lut - x
    sigma_x = np.dot(both, dx * dx) / (n - 1 + EPS)
    sigma_y = (n_fg * (1 - y) ** 2 + (n - n_fg) * (0 - y) ** 2) / (n - 1 + EPS)
    sigma_xy = (np.dot(fg, dx) * (1 - y) + np.dot(bg, dx) * (0 - y)) / (n - 1 + EPS)
    alpha = 4 * x * y * sigma_xy
    beta = (x**2 + y**2) * (sigma_x + sigma_y)
    if alpha != 0:
        return alpha / (beta + EPS)
    return 1.0 if beta == 0 else 0.0


def quadrant_histograms(
    pred_grey: np.ndarray, gt: np.ndarray, n_fg: int
) -> list[tuple[tuple[slice, slice], float, np.ndarray, np.ndarray]]:
    """The S-measure's four quadrants around the ground-truth centroid: ``(region, weight, grey-level
    histogram inside the ground truth, outside it)`` each; ``gt`` must be neither empty nor full."""
    h, w = gt.shape
    size = gt.size
    rows = np.count_nonzero(gt, axis=1)
    cols = np.count_nonzero(gt, axis=0)
    # PySODMetrics: round(mean of argwhere(gt)) (half to even), then + 1 as in the MATLAB original.
    cy = int(np.round(np.dot(np.arange(h, dtype=np.int64), rows) / n_fg)) + 1
    cx = int(np.round(np.dot(np.arange(w, dtype=np.int64), cols) / n_fg)) + 1
    w_lt = cx * cy / size
    w_rt = cy * (w - cx) / size
    w_lb = (h - cy) * cx / size
    w_rb = 1 - w_lt - w_rt - w_lb
    mask = gt.view(np.uint8)
    out = []
    for region, weight in (
        ((slice(0, cy), slice(0, cx)), w_lt),
        ((slice(0, cy), slice(cx, w)), w_rt),
        ((slice(cy, h), slice(0, cx)), w_lb),
        ((slice(cy, h), slice(cx, w)), w_rb),
    ):
        grey_q = pred_grey[region]
        if grey_q.size:
            fg_q = _hist(grey_q, np.ascontiguousarray(mask[region]))
            bg_q = _hist(grey_q) - fg_q
        else:
            fg_q = bg_q = np.zeros(256, np.int64)
        out.append((region, weight, fg_q, bg_q))
    return out


def s_measure(
    pred: np.ndarray,
    gt: np.ndarray,
    pred_grey: np.ndarray,
    lut: np.ndarray,
    fg_hist: np.ndarray,
    all_hist: np.ndarray,
    quadrants: list | None = None,
) -> float:
    """Structure measure (Fan et al. 2017), alpha = 0.5, from grey-level histograms.

    ``pred`` is ``lut[pred_grey]``; ``fg_hist`` / ``all_hist`` are the grey-level histograms inside the
    ground truth and over the whole frame; ``quadrants`` those of :func:`quadrant_histograms`, if known.
    """
    size = gt.size
    n = int(fg_hist.sum())
    bg_hist = all_hist - fg_hist
    if n == 0:
        return float(1 - np.dot(all_hist, lut) / size)
    if n == size:
        return float(np.dot(all_hist, lut) / size)
    y = n / size
    obj = (_s_object(fg_hist, lut) * y + _s_object(bg_hist, 1 - lut) * (1 - y)) * S_ALPHA
    region = 0.0
    for rs_cs, weight, fg_q, bg_q in quadrants or quadrant_histograms(pred_grey, gt, n):
        region = region + _ssim(fg_q, bg_q, lut, pred[rs_cs], gt[rs_cs]) * weight
    return float(max(0, obj + region * (1 - S_ALPHA)))


def _gauss_1d(size: int = 7, sigma: float = 5) -> np.ndarray:
    # MATLAB fspecial('gaussian', 7, 5) is the outer product of this normalised 1-D kernel with itself.
    r = (size - 1) / 2
    x = np.arange(-r, r + 1)
    g = np.exp(-(x * x) / (2 * sigma * sigma))
    return g / g.sum()


_GAUSS = _gauss_1d()


def squared_background_distance(gt: np.ndarray, clip: int | None = None) -> np.ndarray:
    """Squared Euclidean distance of every pixel to the nearest foreground pixel (integers, 0 inside).

    OpenCV's exact (Felzenszwalb) transform is several times faster than scipy's but returns float32:
    below 2**21 the integer squared distance is recovered by rounding its float32 square (error < 0.25),
    so ``sqrt`` of it is scipy's value bit for bit; larger frames go through scipy's float64 transform.
    Values above ``clip`` become ``clip``.
    """
    h, w = gt.shape
    if h * h + w * w >= 2**21:
        d = distance_transform_edt(~gt)
        np.square(d, out=d)
    else:
        d = cv2.distanceTransform((~gt).view(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
        np.multiply(d, d, out=d)
    if clip is not None:
        np.minimum(d, clip, out=d)
    return np.rint(d, out=d).astype(np.intp)


# Offsets (dy, dx) from a background pixel to the foreground pixels that can be its nearest one when it
# lies within 3 px (Chebyshev) of the foreground: squared distance <= 3² + 3², so |dy|, |dx| <= 4.
# Ordered as scipy's feature transform breaks ties among equidistant pixels: distance, then column, then
# row (its first pass keeps the upper pixel of a column, its second the leftmost column).
_NEAR_OFFSETS = sorted(
    ((dy, dx) for dy in range(-4, 5) for dx in range(-4, 5) if 0 < dy * dy + dx * dx <= 18),
    key=lambda o: (o[0] * o[0] + o[1] * o[1], o[1], o[0]),
)
_PAD = 4


def band_nearest_foreground(gt: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Nearest foreground pixel of every background pixel within 3 px (Chebyshev) of the foreground.

    Returns ``(rows, cols, source_rows, source_cols)``, equal at those pixels to
    ``scipy.ndimage.distance_transform_edt(~gt, return_indices=True)`` including its choice among
    equidistant pixels, found by trying the 56 possible offsets in scipy's order instead of transforming
    the whole frame (the 7x7 blur of the weighted F reads no other background pixel).
    """
    h, w = gt.shape
    near = cv2.dilate(gt.view(np.uint8), np.ones((7, 7), np.uint8)).view(bool)
    rows, cols = np.nonzero(near & ~gt)
    wp = w + 2 * _PAD
    padded = np.zeros((h + 2 * _PAD, wp), bool)
    padded[_PAD:-_PAD, _PAD:-_PAD] = gt
    flat = padded.ravel()
    pos = (rows + _PAD) * wp + (cols + _PAD)
    source = np.empty_like(pos)
    todo = np.arange(pos.size)
    for dy, dx in _NEAR_OFFSETS:
        candidate = pos[todo] + (dy * wp + dx)
        hit = flat[candidate]
        source[todo[hit]] = candidate[hit]
        todo = todo[~hit]
        if todo.size == 0:
            break
    source_rows, source_cols = np.divmod(source, wp)
    return rows, cols, source_rows - _PAD, source_cols - _PAD


def _background_weights() -> np.ndarray:
    """PySODMetrics' background weight ``2 - exp(log(0.5) / 5 * distance)`` per squared distance.

    Entry 0 (the foreground) is 0, so a dot product with per-squared-distance sums gives the weighted
    background sum. From squared distance 70226 (distance 265) on the weight is exactly 2.0 in float64,
    so the table stops there and farther pixels are counted in its last entry.
    """
    weights = 2 - np.exp(np.log(0.5) / 5 * np.sqrt(np.arange(80_000, dtype=np.float64)))
    far = int(np.argmax(weights == 2.0))
    assert np.all(weights[far:] == 2.0)
    weights[0] = 0
    return weights[: far + 1]


BACKGROUND_WEIGHTS = _background_weights()
FAR_SQUARED_DISTANCE = BACKGROUND_WEIGHTS.size - 1


def weighted_f_measure(pred: np.ndarray, gt: np.ndarray) -> float:
    """Weighted F-measure (Margolin et al. 2014), beta = 1; the ground truth must not be empty.

    The error blurred over the nearest-foreground-filled map only matters at foreground pixels, and a
    7x7 filter reaches 3 pixels, so that part runs inside the foreground's bounding box grown by 3, with
    the filled errors of the background pixels there taken from :func:`band_nearest_foreground`.
    """
    h, w = gt.shape
    x, y, bw, bh = cv2.boundingRect(gt.view(np.uint8))
    box = (slice(max(y - 3, 0), min(y + bh + 3, h)), slice(max(x - 3, 0), min(x + bw + 3, w)))
    gt_c, pred_c = gt[box], pred[box]
    err = np.subtract(pred_c, gt_c)
    np.abs(err, out=err)
    rows, cols, source_rows, source_cols = band_nearest_foreground(gt_c)
    err_t = err.copy()
    err_t[rows, cols] = err[source_rows, source_cols]
    # Separable Gaussian (cv2) instead of a 7x7 scipy convolution: same weights, ~1e-16 apart, 5x faster.
    blurred = cv2.sepFilter2D(err_t, cv2.CV_64F, _GAUSS, _GAUSS, borderType=cv2.BORDER_CONSTANT)
    ew_fg = np.minimum(blurred[gt_c], err[gt_c])  # PySODMetrics: where(gt & (EA < E), EA, E)
    # Background errors are the prediction itself, weighted by a function of the integer squared
    # distance: sum the prediction per squared distance, then weight each sum once.
    d2 = squared_background_distance(gt, clip=FAR_SQUARED_DISTANCE)
    per_d2 = np.bincount(d2.ravel(), weights=pred.ravel(), minlength=BACKGROUND_WEIGHTS.size)
    fp_w = np.sum(per_d2 * BACKGROUND_WEIGHTS)  # not np.dot: a multi-threaded BLAS call costs more here
    ew_sum = np.sum(ew_fg)
    tp_w = ew_fg.size - ew_sum
    recall = 1 - ew_sum / ew_fg.size  # np.mean's own sum and division
    precision = tp_w / (tp_w + fp_w + EPS)
    return float(2 * recall * precision / (recall + precision + EPS))
