"""Procedural colour textures and shape sprites for the synthetic videos (vectorised numpy + OpenCV)."""

from __future__ import annotations

import cv2
import numpy as np

PATTERNS = ("noise", "stripes", "checker", "spots", "marble")
SHAPES = ("ellipse", "polygon", "star", "rectangle", "blob", "ring")


def smooth_noise(rng: np.random.Generator, h: int, w: int, cell: float) -> np.ndarray:
    """(h, w) float32 noise in about [0, 1] with features ``cell`` pixels wide (bicubic-upsampled grid)."""
    gh, gw = max(2, int(h / cell) + 2), max(2, int(w / cell) + 2)
    grid = rng.random((gh, gw), dtype=np.float32)
    return cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)


def random_colour(
    rng: np.random.Generator, saturation: tuple[float, float], value: tuple[float, float]
) -> np.ndarray:
    """An RGB colour (float32, 0..255) from a random hue and the given saturation / value ranges."""
    hsv = np.array(
        [[[rng.uniform(0, 180), rng.uniform(*saturation) * 255, rng.uniform(*value) * 255]]], dtype=np.float32
    )
    return cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB)[0, 0].astype(np.float32)


def pattern_field(rng: np.random.Generator, h: int, w: int, kind: str, period: float) -> np.ndarray:
    """(h, w) float32 mixing field in [0, 1] drawing the named pattern, slightly warped so it looks organic."""
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    warp = (smooth_noise(rng, h, w, period * 2) - 0.5) * period * 0.6
    if kind == "stripes":
        phi = rng.uniform(0, np.pi)
        field = 0.5 + 0.5 * np.sin(2 * np.pi * (xs * np.cos(phi) + ys * np.sin(phi) + warp) / period)
    elif kind == "checker":
        field = (np.sin(np.pi * (xs + warp) / period) * np.sin(np.pi * (ys - warp) / period) > 0).astype(
            np.float32
        )
        field = cv2.GaussianBlur(field, (0, 0), 1.0)
    elif kind == "spots":
        field = (smooth_noise(rng, h, w, period / 1.5) > 0.62).astype(np.float32)
        field = cv2.GaussianBlur(field, (0, 0), 1.0)
    elif kind == "marble":
        field = 0.5 + 0.5 * np.sin(2 * np.pi * (xs / period + 3 * smooth_noise(rng, h, w, period * 3)))
    else:
        field = smooth_noise(rng, h, w, period)
    return np.clip(field, 0, 1)


def make_texture(
    rng: np.random.Generator,
    h: int,
    w: int,
    colours: tuple[np.ndarray, np.ndarray],
    kind: str,
    period: float,
    grain: float,
) -> np.ndarray:
    """(h, w, 3) uint8 texture: ``kind`` pattern mixing two colours, plus fine grain of amplitude ``grain``."""
    field = pattern_field(rng, h, w, kind, period)[..., None]
    tex = colours[0] * (1 - field) + colours[1] * field
    tex += (smooth_noise(rng, h, w, 3.0)[..., None] - 0.5) * grain
    shade = 0.85 + 0.3 * smooth_noise(rng, h, w, max(h, w) / 2)[..., None]  # soft illumination
    return np.clip(tex * shade, 0, 255).astype(np.uint8)


def shape_sprite(rng: np.random.Generator, kind: str, size: int) -> np.ndarray:
    """(size, size) uint8 alpha sprite (0 / 255, anti-aliased edges) of the named shape, centred."""
    sprite = np.zeros((size, size), np.uint8)
    c = (size - 1) / 2
    r = 0.46 * size
    shift = 4  # sub-pixel precision for cv2 drawing
    scale = 1 << shift

    def fill(points: np.ndarray) -> None:
        pts = np.round(points * scale).astype(np.int32)
        cv2.fillPoly(sprite, [pts], 255, lineType=cv2.LINE_AA, shift=shift)

    angles = np.linspace(0, 2 * np.pi, 96, endpoint=False)
    if kind == "ellipse" or kind == "ring":
        ratio = rng.uniform(0.45, 1.0)
        fill(np.stack([c + r * np.cos(angles), c + r * ratio * np.sin(angles)], 1))
        if kind == "ring":
            hole = np.zeros_like(sprite)
            inner = rng.uniform(0.35, 0.55) * r
            pts = np.stack([c + inner * np.cos(angles), c + inner * ratio * np.sin(angles)], 1)
            cv2.fillPoly(
                hole, [np.round(pts * scale).astype(np.int32)], 255, lineType=cv2.LINE_AA, shift=shift
            )
            sprite = np.minimum(sprite, 255 - hole)
    elif kind == "polygon":
        n = int(rng.integers(3, 9))
        a = np.sort(rng.uniform(0, 2 * np.pi, n))
        rad = r * rng.uniform(0.6, 1.0, n)
        fill(np.stack([c + rad * np.cos(a), c + rad * np.sin(a)], 1))
    elif kind == "star":
        n = int(rng.integers(4, 9))
        a = np.linspace(0, 2 * np.pi, 2 * n, endpoint=False) + rng.uniform(0, np.pi)
        rad = np.where(np.arange(2 * n) % 2 == 0, r, r * rng.uniform(0.35, 0.6))
        fill(np.stack([c + rad * np.cos(a), c + rad * np.sin(a)], 1))
    elif kind == "rectangle":
        hw, hh = r * rng.uniform(0.5, 0.7), r * rng.uniform(0.3, 0.7)
        fill(np.array([[c - hw, c - hh], [c + hw, c - hh], [c + hw, c + hh], [c - hw, c + hh]]))
    else:  # blob: a radius that wobbles with a few harmonics
        rad = np.ones_like(angles)
        for k in range(2, 6):
            rad += rng.uniform(0, 0.25 / k * 2) * np.sin(k * angles + rng.uniform(0, 2 * np.pi))
        rad = r * rad / rad.max()
        fill(np.stack([c + rad * np.cos(angles), c + rad * np.sin(angles)], 1))
    return sprite
