"""Synthetic videos in memory: scene sampling with visibility guarantees, and :func:`synthesize_video`."""

from __future__ import annotations

import numpy as np

from vostok.data.synthetic.render import render_frame, render_scene
from vostok.data.synthetic.scene import Scene, sample_scene
from vostok.errors import InputError

MIN_AREA_FRACTION = 0.003
"""An object must cover at least this fraction of the frame where it first appears."""


def make_scene(
    rng: np.random.Generator,
    frames: int,
    size: tuple[int, int],
    num_objects: int,
    difficulty: float = 0.5,
    late_objects: bool = False,
    attempts: int = 30,
) -> Scene:
    """Sample scenes until every object is clearly visible (not off-frame, not hidden) where it enters."""
    if frames < 1 or size[0] < 16 or size[1] < 16:
        raise InputError(f"a synthetic video needs at least 1 frame of 16x16 pixels; got {frames} x {size}.")
    if not 1 <= num_objects <= 254:
        raise InputError(f"num_objects must lie in 1..254; got {num_objects}.")
    if not 0 <= difficulty <= 1:
        raise InputError(f"difficulty must lie in [0, 1]; got {difficulty}.")
    min_area = MIN_AREA_FRACTION * size[0] * size[1]
    scene = None
    for _ in range(attempts):
        scene = sample_scene(rng, frames, size, num_objects, difficulty, late_objects)
        enters = {int(np.argmax(o.visible)) for o in scene.objects}
        areas = {t: np.bincount(render_frame(scene, t).labels.ravel(), minlength=256) for t in enters}
        if all(areas[int(np.argmax(o.visible))][k + 1] >= min_area for k, o in enumerate(scene.objects)):
            return scene
    return scene  # a crowded small frame may never satisfy it; still a valid (harder) scene


def synthesize_video(
    frames: int = 10,
    size: tuple[int, int] = (120, 160),
    num_objects: int = 2,
    seed: int = 0,
    difficulty: float = 0.5,
    late_objects: bool = False,
    with_flow: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """A synthetic video in memory: ``(frames (T,H,W,3) uint8 RGB, labels (T,H,W) uint8, flow (T,H,W,2)
    float32)``. Object ids are 1..num_objects (bottom to top); flow is each pixel's exact displacement to
    the next frame (the last frame: back to the previous one); ``flow`` is None when ``with_flow=False``.
    Same arguments give identical arrays."""
    rng = np.random.default_rng(seed)
    scene = make_scene(rng, frames, size, num_objects, difficulty, late_objects)
    h, w = size
    images = np.empty((frames, h, w, 3), np.uint8)
    labels = np.empty((frames, h, w), np.uint8)
    flow = np.empty((frames, h, w, 2), np.float32) if with_flow else None
    for f in render_scene(scene, with_flow):
        images[f.index] = f.image
        labels[f.index] = f.labels
        if flow is not None:
            flow[f.index] = f.flow
    return images, labels, flow
