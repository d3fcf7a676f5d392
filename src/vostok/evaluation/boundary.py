"""Object boundaries and the tolerance-dilated boundary match of the DAVIS F measure.

The official toolkit (davis2017-evaluation) extracts a 1-pixel boundary with ``seg2bmap`` (a pixel is
boundary iff it differs from its east, south or south-east neighbour; last row: east only; last column:
south only; the bottom-right pixel never) and dilates it with ``skimage.morphology.disk(r)`` through
``cv2.dilate``. It does both on the full frame for every object. Here both run only inside a window
around the object: the boundary of a mask can only lie in its bounding box grown by one pixel up and left,
and a dilation can only reach ``r`` pixels further, so the result is the same bit for bit, at a fraction
of the cost. The match counts are integers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from skimage.morphology import disk

BOUNDARY_TOLERANCE = 0.008
"""Tolerance of the F measure as a fraction of the image diagonal (the official ``bound_th``)."""


def boundary_radius(height: int, width: int, tolerance: float = BOUNDARY_TOLERANCE) -> int:
    """Dilation radius in pixels: ``ceil(tolerance * diagonal)`` (or ``tolerance`` itself when >= 1)."""
    if tolerance >= 1:
        return int(tolerance)
    return int(np.ceil(tolerance * np.linalg.norm((height, width))))


@lru_cache(maxsize=16)
def disk_footprint(radius: int) -> np.ndarray:
    """The disk structuring element of skimage (``x² + y² <= r²``) as uint8, cached per radius."""
    return disk(radius).astype(np.uint8)


def seg2bmap(mask: np.ndarray) -> np.ndarray:
    """Boundary map of a boolean mask with the BSDS ``seg2bmap`` neighbour rules (no resizing branch)."""
    m = np.asarray(mask, dtype=bool)
    b = np.zeros_like(m)
    if m.size == 0:
        return b
    inner = m[:-1, :-1]
    b[:-1, :-1] = (inner != m[1:, :-1]) | (inner != m[:-1, 1:]) | (inner != m[1:, 1:])
    b[-1, :-1] = m[-1, :-1] != m[-1, 1:]
    b[:-1, -1] = m[:-1, -1] != m[1:, -1]
    b[-1, -1] = False
    return b


@dataclass(frozen=True)
class Window:
    """A boolean map ``data`` placed at ``(top, left)`` of a larger image; zero outside."""

    top: int
    left: int
    data: np.ndarray

    @property
    def bottom(self) -> int:
        return self.top + self.data.shape[0]

    @property
    def right(self) -> int:
        return self.left + self.data.shape[1]


def overlap_count(a: Window, b: Window) -> int:
    """Number of pixels set in both windows (an integer count over their common rectangle)."""
    top, bottom = max(a.top, b.top), min(a.bottom, b.bottom)
    left, right = max(a.left, b.left), min(a.right, b.right)
    if top >= bottom or left >= right:
        return 0
    pa = a.data[top - a.top : bottom - a.top, left - a.left : right - a.left]
    pb = b.data[top - b.top : bottom - b.top, left - b.left : right - b.left]
    return int(np.count_nonzero(pa & pb))


@dataclass(frozen=True)
class ObjectBoundary:
    """Boundary of one object in one frame, its pixel count and its tolerance-dilated version."""

    boundary: Window | None
    count: int
    dilated: Window | None


EMPTY_BOUNDARY = ObjectBoundary(None, 0, None)


def object_boundary(
    mask_crop: np.ndarray, top: int, left: int, image_shape: tuple[int, int], radius: int
) -> ObjectBoundary:
    """Boundary of a mask given as its crop at ``(top, left)``.

    The crop must contain the object's bounding box grown by one pixel on every side (clipped to the
    image), so that ``seg2bmap`` of the crop equals the full-frame boundary inside it.
    """
    bmap = seg2bmap(mask_crop)
    rows = np.flatnonzero(bmap.any(axis=1))
    if rows.size == 0:
        return EMPTY_BOUNDARY
    cols = np.flatnonzero(bmap.any(axis=0))
    r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    tight = bmap[r0:r1, c0:c1]
    btop, bleft = top + int(r0), left + int(c0)
    height, width = image_shape
    dtop, dleft = max(btop - radius, 0), max(bleft - radius, 0)
    dbottom, dright = min(btop + tight.shape[0] + radius, height), min(bleft + tight.shape[1] + radius, width)
    canvas = np.zeros((dbottom - dtop, dright - dleft), dtype=np.uint8)
    canvas[btop - dtop : btop - dtop + tight.shape[0], bleft - dleft : bleft - dleft + tight.shape[1]] = tight
    # The canvas reaches every pixel within ``radius`` of the boundary, so a zero border is exact.
    dilated = cv2.dilate(canvas, disk_footprint(radius), borderType=cv2.BORDER_CONSTANT, borderValue=0)
    return ObjectBoundary(
        Window(btop, bleft, tight), int(np.count_nonzero(tight)), Window(dtop, dleft, dilated > 0)
    )


def f_measure(pred: ObjectBoundary, gt: ObjectBoundary) -> float:
    """Boundary F measure of one prediction/ground-truth pair, with the official special cases."""
    n_pred, n_gt = pred.count, gt.count
    if n_pred == 0 and n_gt > 0:
        precision, recall = 1.0, 0.0
    elif n_pred > 0 and n_gt == 0:
        precision, recall = 0.0, 1.0
    elif n_pred == 0 and n_gt == 0:
        precision, recall = 1.0, 1.0
    else:
        precision = overlap_count(pred.boundary, gt.dilated) / float(n_pred)
        recall = overlap_count(gt.boundary, pred.dilated) / float(n_gt)
    if precision + recall == 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


def j_measure(intersection: int, union: int) -> float:
    """Region similarity from integer counts; 1 when both masks are empty (the official convention)."""
    return 1.0 if union == 0 else intersection / union


def bounding_box_crop(bbox: tuple[slice, slice], image_shape: tuple[int, int]) -> tuple[slice, slice]:
    """The bounding box grown by one pixel on every side, clipped to the image."""
    rs, cs = bbox
    height, width = image_shape
    return (
        slice(max(rs.start - 1, 0), min(rs.stop + 1, height)),
        slice(max(cs.start - 1, 0), min(cs.stop + 1, width)),
    )


__all__ = [
    "BOUNDARY_TOLERANCE",
    "EMPTY_BOUNDARY",
    "ObjectBoundary",
    "Window",
    "boundary_radius",
    "bounding_box_crop",
    "disk_footprint",
    "f_measure",
    "j_measure",
    "object_boundary",
    "overlap_count",
    "seg2bmap",
]
