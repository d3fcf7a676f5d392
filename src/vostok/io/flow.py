"""Optical flow on disk (Middlebury ``.flo``) and its colour-wheel rendering.

Isomer and the zero-shot methods it follows consume flow as *RGB images* drawn with the Middlebury colour
wheel (Baker et al., the look of RAFT's visualiser): hue encodes direction, saturation encodes magnitude
relative to the largest magnitude in the image. :func:`flow_to_color` produces exactly that rendering.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from vostok.errors import InputError
from vostok.io.atomic import atomic_path

FLO_MAGIC = np.float32(202021.25)
_WHEEL_SEGMENTS = (
    15,
    6,
    4,
    11,
    13,
    6,
)  # red-yellow, yellow-green, green-cyan, cyan-blue, blue-magenta, magenta-red


def read_flo(path: str | os.PathLike) -> np.ndarray:
    """Read a Middlebury ``.flo`` file as ``(H, W, 2) float32`` (u = x displacement, v = y displacement)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"flow file {path} does not exist.")
    data = path.read_bytes()
    if len(data) < 12:
        raise InputError(f"{path} is too short to be a .flo file ({len(data)} bytes).")
    magic = np.frombuffer(data, dtype="<f4", count=1)[0]
    if magic != FLO_MAGIC:
        raise InputError(f"{path} is not a .flo file (magic number {magic}, expected {FLO_MAGIC}).")
    width, height = (int(x) for x in np.frombuffer(data, dtype="<i4", count=2, offset=4))
    expected = 12 + 8 * width * height
    if width <= 0 or height <= 0 or len(data) != expected:
        raise InputError(
            f"{path} claims {width}x{height} flow ({expected} bytes) but has {len(data)} bytes; "
            "the file is truncated or corrupt."
        )
    return np.frombuffer(data, dtype="<f4", offset=12).reshape(height, width, 2).astype(np.float32)


def write_flo(path: str | os.PathLike, flow: np.ndarray, overwrite: bool = True) -> None:
    """Write ``(H, W, 2)`` flow as a Middlebury ``.flo`` file, atomically."""
    flow = np.asarray(flow)
    if flow.ndim != 3 or flow.shape[2] != 2:
        raise InputError(f"flow must be (H, W, 2); got shape {flow.shape}.")
    h, w = flow.shape[:2]
    header = FLO_MAGIC.tobytes() + np.array([w, h], dtype="<i4").tobytes()
    with atomic_path(path, overwrite=overwrite) as tmp:
        tmp.write_bytes(header + np.ascontiguousarray(flow, dtype="<f4").tobytes())


def color_wheel() -> np.ndarray:
    """The 55-entry Middlebury colour wheel, ``(55, 3) float64`` in 0..255 (RGB)."""
    ry, yg, gc, cb, bm, mr = _WHEEL_SEGMENTS
    wheel = np.zeros((sum(_WHEEL_SEGMENTS), 3))
    ramp = lambda n: np.floor(255 * np.arange(n) / n)  # noqa: E731
    col = 0
    wheel[col : col + ry, 0] = 255
    wheel[col : col + ry, 1] = ramp(ry)
    col += ry
    wheel[col : col + yg, 0] = 255 - ramp(yg)
    wheel[col : col + yg, 1] = 255
    col += yg
    wheel[col : col + gc, 1] = 255
    wheel[col : col + gc, 2] = ramp(gc)
    col += gc
    wheel[col : col + cb, 1] = 255 - ramp(cb)
    wheel[col : col + cb, 2] = 255
    col += cb
    wheel[col : col + bm, 2] = 255
    wheel[col : col + bm, 0] = ramp(bm)
    col += bm
    wheel[col : col + mr, 2] = 255 - ramp(mr)
    wheel[col : col + mr, 0] = 255
    return wheel


_WHEEL = color_wheel()


def flow_to_color(flow: np.ndarray, max_radius: float | None = None, eps: float = 1e-5) -> np.ndarray:
    """Render ``(H, W, 2)`` flow as an ``(H, W, 3) uint8`` RGB image with the Middlebury colour wheel.

    Magnitudes are divided by ``max_radius`` (default: the largest magnitude in this image, plus ``eps``),
    so the strongest motion is fully saturated and zero motion is white. Vectors beyond the radius are
    darkened to 75 %, as in the reference visualiser.
    """
    flow = np.asarray(flow, dtype=np.float64)
    if flow.ndim != 3 or flow.shape[2] != 2:
        raise InputError(f"flow must be (H, W, 2); got shape {flow.shape}.")
    if not np.all(np.isfinite(flow)):
        raise InputError("flow contains NaN or infinite values; cannot render it.")
    u, v = flow[..., 0], flow[..., 1]
    if max_radius is None:
        max_radius = float(np.sqrt(u * u + v * v).max(initial=0.0))
    u = u / (max_radius + eps)
    v = v / (max_radius + eps)
    rad = np.sqrt(u * u + v * v)
    ncols = _WHEEL.shape[0]
    angle = np.arctan2(-v, -u) / np.pi
    fk = (angle + 1) / 2 * (ncols - 1)
    k0 = np.floor(fk).astype(np.int64)
    k1 = k0 + 1
    k1[k1 == ncols] = 0
    f = (fk - k0)[..., None]
    col = (1 - f) * _WHEEL[k0] / 255.0 + f * _WHEEL[k1] / 255.0
    inside = rad <= 1
    col[inside] = 1 - rad[inside][:, None] * (1 - col[inside])
    col[~inside] *= 0.75
    return np.floor(255 * col).astype(np.uint8)
