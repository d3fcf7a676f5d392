"""Rendering a :class:`Scene` frame by frame: RGB frame, label map and exact optical flow."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from vostok.data.synthetic.scene import Scene


@dataclass
class RenderedFrame:
    """One frame: ``image`` (H, W, 3) uint8 RGB, ``labels`` (H, W) uint8 (0 background, object k has id
    k + 1), ``flow`` (H, W, 2) float32 (x, y) displacement to the next frame, or from the last frame back to
    the previous one (the convention of precomputed zero-shot flow), or None when not asked for."""

    index: int
    image: np.ndarray
    labels: np.ndarray
    flow: np.ndarray | None


def _flow_target(scene: Scene, t: int) -> int:
    """Frame the flow of frame ``t`` points to: the next one, or the previous one for the last frame."""
    return t + 1 if t + 1 < scene.num_frames else max(t - 1, 0)


def _affine_flow(m_from: np.ndarray, m_to: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Displacement of frame pixels (xs, ys) carried by a surface whose source->frame map goes m_from -> m_to."""
    b = m_to @ np.linalg.inv(m_from) - np.eye(3)
    u = b[0, 0] * xs + b[0, 1] * ys + b[0, 2]
    v = b[1, 0] * xs + b[1, 1] * ys + b[1, 2]
    return np.stack([u, v], axis=-1).astype(np.float32)


def pixel_grid(size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(ys, xs) float32 pixel coordinates of a frame of ``size`` (H, W)."""
    ys, xs = np.mgrid[0 : size[0], 0 : size[1]].astype(np.float32)
    return ys, xs


def render_frame(
    scene: Scene, t: int, with_flow: bool = False, grid: tuple[np.ndarray, np.ndarray] | None = None
) -> RenderedFrame:
    """Draw frame ``t``: background, then objects bottom to top (alpha-blended edges; a pixel belongs to the
    topmost object whose alpha is at least one half). The flow at each pixel is the motion of the surface
    drawn there: the topmost object's, else the background's. ``grid`` (from :func:`pixel_grid`) saves
    rebuilding pixel coordinates for every frame."""
    h, w = scene.size
    image = cv2.warpAffine(
        scene.background,
        scene.background_affines[t][:2],
        (w, h),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REFLECT101,
    )
    labels = np.zeros((h, w), np.uint8)
    flow = None
    target = _flow_target(scene, t)
    if with_flow:
        ys, xs = grid if grid is not None else pixel_grid((h, w))
        flow = _affine_flow(scene.background_affines[t], scene.background_affines[target], xs, ys)
    for k, obj in enumerate(scene.objects):
        if not obj.visible[t]:
            continue
        m = obj.affine(t)
        s = obj.alpha.shape[0]
        corners = m[:2] @ np.array([[0, s, 0, s], [0, 0, s, s], [1, 1, 1, 1]], dtype=np.float64)
        x0, y0 = np.floor(corners.min(axis=1)).astype(int) - 1
        x1, y1 = np.ceil(corners.max(axis=1)).astype(int) + 2
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
        if x1 <= x0 or y1 <= y0:
            continue
        local = m[:2].copy()
        local[:, 2] -= (x0, y0)
        size = (x1 - x0, y1 - y0)
        alpha = cv2.warpAffine(obj.alpha, local, size, flags=cv2.INTER_LINEAR, borderValue=0)
        if not alpha.any():
            continue
        texture = cv2.warpAffine(
            obj.texture, local, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
        a = alpha.astype(np.float32) * (1 / 255)
        roi = image[y0:y1, x0:x1]
        roi[:] = cv2.blendLinear(roi, texture, 1 - a, a)
        cover = alpha >= 128
        labels[y0:y1, x0:x1][cover] = k + 1
        if with_flow:
            motion = _affine_flow(m, obj.affine(target), xs[y0:y1, x0:x1], ys[y0:y1, x0:x1])
            flow[y0:y1, x0:x1][cover] = motion[cover]
    return RenderedFrame(t, image, labels, flow)


def render_scene(scene: Scene, with_flow: bool = False) -> Iterator[RenderedFrame]:
    """Frames of the scene in order, one at a time (bounded memory)."""
    grid = pixel_grid(scene.size) if with_flow else None
    for t in range(scene.num_frames):
        yield render_frame(scene, t, with_flow, grid)
