"""A synthetic scene: a textured background and textured objects, each with a pose per frame.

Every motion is an affine map from a source image (the background canvas or an object's sprite) to the
frame, so the optical flow of every pixel is known exactly: ``x -> M[t+1] @ inv(M[t]) @ x``.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from vostok.data.synthetic.textures import PATTERNS, SHAPES, make_texture, random_colour, shape_sprite


@dataclass(eq=False)
class SceneObject:
    """An object: sprite texture and alpha, and its pose (centre, scale, angle) in every frame."""

    texture: np.ndarray  # (S, S, 3) uint8
    alpha: np.ndarray  # (S, S) uint8, 255 inside
    centres: np.ndarray  # (T, 2) float64, frame pixels (x, y)
    scales: np.ndarray  # (T,)
    angles: np.ndarray  # (T,) degrees, counter-clockwise
    visible: np.ndarray  # (T,) bool: drawn in this frame (objects enter late and leave early)
    shape: str

    def affine(self, t: int) -> np.ndarray:
        """3x3 map from sprite pixels to frame pixels at frame ``t``."""
        c = (self.alpha.shape[0] - 1) / 2
        m = np.eye(3)
        m[:2] = cv2.getRotationMatrix2D((c, c), float(self.angles[t]), float(self.scales[t]))
        m[:2, 2] += self.centres[t] - c
        return m


@dataclass(eq=False)
class Scene:
    """Background canvas with a per-frame affine, and objects listed bottom to top (id = position + 1)."""

    size: tuple[int, int]  # (H, W)
    background: np.ndarray  # (Hb, Wb, 3) uint8
    background_affines: np.ndarray  # (T, 3, 3) canvas pixels -> frame pixels
    objects: list[SceneObject]

    @property
    def num_frames(self) -> int:
        return len(self.background_affines)


def _smooth_path(rng: np.random.Generator, t: np.ndarray, amplitude: float) -> np.ndarray:
    """A gentle random wobble (sum of two sinusoids) of the given amplitude along ``t``."""
    out = np.zeros_like(t, dtype=np.float64)
    for _ in range(2):
        out += amplitude / 2 * np.sin(2 * np.pi * t / rng.uniform(25, 80) + rng.uniform(0, 2 * np.pi))
    return out


def _background(rng: np.random.Generator, frames: int, h: int, w: int, difficulty: float):
    speed = (0.5 + 2.0 * difficulty) * max(h, w) / 480
    velocity = rng.uniform(-speed, speed, 2)
    t = np.arange(frames, dtype=np.float64)
    offsets = velocity[None] * t[:, None] + np.stack([_smooth_path(rng, t, speed * 4) for _ in range(2)], 1)
    zooms = 1.0 + np.abs(_smooth_path(rng, t, 0.08 * difficulty))
    angles = _smooth_path(rng, t, 4.0 * difficulty)
    reach = np.abs(offsets).max(axis=0) + 0.2 * max(h, w) + 8
    bh, bw = int(h + 2 * reach[1] + 0.2 * w), int(w + 2 * reach[0])
    centre_frame = np.array([(w - 1) / 2, (h - 1) / 2])
    centre_canvas = np.array([(bw - 1) / 2, (bh - 1) / 2])
    affines = np.zeros((frames, 3, 3))
    for i in range(frames):
        m = np.eye(3)
        m[:2] = cv2.getRotationMatrix2D(tuple(centre_canvas + offsets[i]), float(angles[i]), float(zooms[i]))
        m[:2, 2] += centre_frame - (centre_canvas + offsets[i])
        affines[i] = m
    sat = (0.1, 0.35 + 0.5 * difficulty)
    colours = (random_colour(rng, sat, (0.3, 0.8)), random_colour(rng, sat, (0.3, 0.9)))
    kind = PATTERNS[int(rng.integers(len(PATTERNS)))]
    period = rng.uniform(20, 60) * max(h, w) / 854
    canvas = make_texture(rng, bh, bw, colours, kind, period, grain=20 + 20 * difficulty)
    _paint_distractors(rng, canvas, int(round(rng.uniform(0, 8) * difficulty)), min(h, w))
    return canvas, affines, colours


def _object_look(
    rng: np.random.Generator, size: int, difficulty: float, background_colours: tuple[np.ndarray, np.ndarray]
) -> tuple[str, np.ndarray, np.ndarray]:
    """(shape, alpha sprite, texture) of an object. With probability 0.7 x difficulty one of its two colours
    is a background colour, so colour alone no longer separates it: its pattern, outline and motion must."""
    shape = SHAPES[int(rng.integers(len(SHAPES)))]
    alpha = shape_sprite(rng, shape, size)
    sat = (0.45 - 0.3 * difficulty, 1.0)
    colours = [random_colour(rng, sat, (0.35, 1.0)), random_colour(rng, sat, (0.2, 1.0))]
    if rng.random() < 0.7 * difficulty:
        shared = background_colours[int(rng.integers(2))]
        colours[int(rng.integers(2))] = np.clip(shared + rng.uniform(-15, 15, 3), 0, 255).astype(np.float32)
    kind = PATTERNS[int(rng.integers(len(PATTERNS)))]
    texture = make_texture(rng, size, size, tuple(colours), kind, rng.uniform(6, 18) * size / 100, grain=25)
    return shape, alpha, texture


def _paint_distractors(rng: np.random.Generator, canvas: np.ndarray, count: int, short: int) -> None:
    """Paint object-like textured shapes into the background (they move with it and are not objects)."""
    no_colours = (np.zeros(3, np.float32), np.zeros(3, np.float32))
    for _ in range(count):
        size = int(short * rng.uniform(0.1, 0.3)) | 1
        _, alpha, texture = _object_look(rng, size, 0.0, no_colours)
        y = int(rng.integers(0, canvas.shape[0] - size))
        x = int(rng.integers(0, canvas.shape[1] - size))
        roi = canvas[y : y + size, x : x + size]
        a = alpha.astype(np.float32) * (1 / 255)
        roi[:] = cv2.blendLinear(roi, texture, 1 - a, a)


def _object(
    rng: np.random.Generator,
    frames: int,
    h: int,
    w: int,
    difficulty: float,
    enter: int,
    leave: int,
    background_colours: tuple[np.ndarray, np.ndarray],
) -> SceneObject:
    short = min(h, w)
    size = int(short * rng.uniform(0.18, 0.45))
    size += size % 2 == 0  # odd: the sprite has a centre pixel
    shape, alpha, texture = _object_look(rng, size, difficulty, background_colours)

    t = np.arange(frames, dtype=np.float64)
    speed = (0.6 + 4.0 * difficulty) * short / 480
    start = np.array([rng.uniform(0.15, 0.85) * w, rng.uniform(0.15, 0.85) * h])
    velocity = rng.uniform(-speed, speed, 2)
    accel = rng.uniform(-0.02, 0.02, 2) * speed
    dt = t - enter
    centres = start[None] + velocity[None] * dt[:, None] + 0.5 * accel[None] * dt[:, None] ** 2
    centres += np.stack([_smooth_path(rng, t, speed * 6) for _ in range(2)], 1)
    scales = np.exp(_smooth_path(rng, t, 0.25 + 0.35 * difficulty) + rng.uniform(-0.004, 0.004) * dt)
    angles = rng.uniform(0, 360) + rng.uniform(-1, 1) * (0.5 + 3 * difficulty) * dt + _smooth_path(rng, t, 10)
    visible = (t >= enter) & (t < leave)
    return SceneObject(texture, alpha, centres, scales, angles, visible, shape)


def sample_scene(
    rng: np.random.Generator,
    frames: int,
    size: tuple[int, int],
    num_objects: int,
    difficulty: float = 0.5,
    late_objects: bool = False,
) -> Scene:
    """Draw a random scene. ``difficulty`` in [0, 1] raises speeds, rotation, scale change, colour
    similarity between objects and background, and the number of object-like distractors painted into the
    background. With ``late_objects`` some objects enter after frame 0
    and some leave before the end; otherwise every object is present from frame 0 (the DAVIS protocol),
    though it may still move out of view or be occluded later."""
    h, w = size
    background, affines, background_colours = _background(rng, frames, h, w, difficulty)
    objects = []
    for k in range(num_objects):
        enter, leave = 0, frames
        if late_objects and k > 0 and frames > 4 and rng.random() < 0.6:
            enter = int(rng.integers(1, max(2, frames * 2 // 3)))
        if late_objects and frames > 4 and rng.random() < 0.3:
            leave = int(rng.integers(max(enter + 3, frames // 2), frames + 1))
        objects.append(_object(rng, frames, h, w, difficulty, enter, leave, background_colours))
    return Scene((h, w), background, affines, objects)
