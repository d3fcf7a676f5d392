"""Overlays for looking at results: masks and heat maps blended over the frames, as mp4 or gif.

Objects are coloured with the DAVIS palette (the colour of their id in the annotation PNGs), blended at
``alpha`` and outlined with an opaque contour; grey maps (saliency / zero-shot foreground) are drawn as a
heat map whose opacity grows with the value, so the background stays untouched.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from vostok.errors import InputError
from vostok.io.atomic import atomic_path
from vostok.io.masks import DAVIS_PALETTE, VOID_ID
from vostok.io.video_file import VideoWriter


def _check_map(frame: np.ndarray, layer: np.ndarray, what: str) -> np.ndarray:
    layer = np.asarray(layer)
    if layer.shape != frame.shape[:2]:
        raise InputError(
            f"{what} has shape {layer.shape} but the frame is {frame.shape[:2]}; resize it to the frame first."
        )
    return layer


def _check_frame(frame: np.ndarray) -> np.ndarray:
    frame = np.asarray(frame)
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise InputError(f"a frame must be (H, W, 3) uint8 RGB; got {frame.shape} {frame.dtype}.")
    return frame


def overlay_labels(
    frame: np.ndarray,
    labels: np.ndarray,
    alpha: float = 0.5,
    contour: int = 2,
    palette: np.ndarray = DAVIS_PALETTE,
) -> np.ndarray:
    """Blend each object of an ``(H, W)`` label map over ``frame`` in its palette colour, with a contour
    ``contour`` pixels wide drawn inside the object. Background (0) and void (255) are left as they are."""
    frame = _check_frame(frame)
    labels = _check_map(frame, labels, "the label map").astype(np.uint8, copy=False)
    objects = (labels != 0) & (labels != VOID_ID)
    colours = np.asarray(palette, dtype=np.uint8)[labels]
    out = frame.copy()
    blended = frame.astype(np.float32) * (1 - alpha) + colours.astype(np.float32) * alpha
    out[objects] = np.round(blended[objects]).astype(np.uint8)
    if contour > 0:
        kernel = np.ones((2 * contour + 1, 2 * contour + 1), np.uint8)
        # A pixel is on an object's border when its neighbourhood holds another label.
        edge = objects & (
            (cv2.erode(labels, kernel, borderType=cv2.BORDER_REPLICATE) != labels)
            | (cv2.dilate(labels, kernel, borderType=cv2.BORDER_REPLICATE) != labels)
        )
        out[edge] = colours[edge]
    return out


def overlay_grey(frame: np.ndarray, grey: np.ndarray, alpha: float = 0.5) -> np.ndarray:
    """Blend a grey map (uint8 0..255 or floats in [0, 1]) over ``frame`` as a jet heat map; a pixel's
    opacity is ``alpha * value``, so zero leaves the frame unchanged."""
    frame = _check_frame(frame)
    grey = _check_map(frame, grey, "the grey map")
    if np.issubdtype(grey.dtype, np.floating):
        grey = (np.clip(grey, 0, 1) * 255).astype(np.uint8)
    grey = grey.astype(np.uint8, copy=False)
    heat = cv2.cvtColor(cv2.applyColorMap(grey, cv2.COLORMAP_JET), cv2.COLOR_BGR2RGB).astype(np.float32)
    weight = (alpha / 255.0) * grey.astype(np.float32)[..., None]
    return np.round(frame.astype(np.float32) * (1 - weight) + heat * weight).astype(np.uint8)


def render_overlay(
    frame: np.ndarray, labels: np.ndarray | None = None, grey: np.ndarray | None = None, alpha: float = 0.5
) -> np.ndarray:
    """The frame with the grey map (if any) and then the label map (if any) drawn over it."""
    out = _check_frame(frame)
    if grey is not None:
        out = overlay_grey(out, grey, alpha)
    if labels is not None:
        out = overlay_labels(out, labels, alpha)
    return out


class OverlayWriter:
    """Write overlay frames to an ``.mp4`` (H.264, yuv420p: plays in browsers) or an animated ``.gif``.

    >>> with OverlayWriter("out.mp4", fps=video.fps or 25) as ov:
    ...     for frame, result in zip(video, results):
    ...         ov.add(frame, labels=result.labels)

    The file appears complete when the ``with`` block ends, or not at all if it fails. A gif keeps all
    its (palette-quantised) frames in memory until then; prefer mp4 for long videos. An existing file is
    refused unless ``overwrite=True``.
    """

    def __init__(
        self, path: str | os.PathLike, fps: float = 25.0, alpha: float = 0.5, overwrite: bool = False
    ):
        self.path = Path(path)
        self.fps = float(fps) if fps else 25.0
        self.alpha = alpha
        suffix = self.path.suffix.lower()
        if suffix not in (".mp4", ".gif"):
            raise InputError(f"overlay path {self.path} must end in .mp4 or .gif.")
        if not overwrite and self.path.exists():
            from vostok.errors import OverwriteError

            raise OverwriteError(
                f"{self.path} already exists; pass overwrite=True (CLI: --overwrite) to replace it."
            )
        self._gif_frames: list[Image.Image] | None = [] if suffix == ".gif" else None
        self._video = None if suffix == ".gif" else VideoWriter(self.path, self.fps, overwrite=overwrite)
        self.frames_added = 0

    def add(
        self, frame_rgb: np.ndarray, labels: np.ndarray | None = None, grey: np.ndarray | None = None
    ) -> None:
        """Append one frame with its label map and/or grey map drawn over it."""
        image = render_overlay(frame_rgb, labels=labels, grey=grey, alpha=self.alpha)
        if self._gif_frames is not None:
            if self._gif_frames and image.shape[:2] != (
                self._gif_frames[0].height,
                self._gif_frames[0].width,
            ):
                raise InputError(f"overlay frame {self.frames_added} differs in size from the first frame.")
            self._gif_frames.append(Image.fromarray(image).quantize(256, method=Image.Quantize.FASTOCTREE))
        else:
            self._video.write(image)
        self.frames_added += 1

    def close(self) -> None:
        """Finish the file and move it into place."""
        if self._video is not None:
            self._video.close()
            return
        if not self._gif_frames:
            raise InputError(f"no frames were added to {self.path}.")
        first, *rest = self._gif_frames
        with atomic_path(self.path) as tmp:
            first.save(
                tmp, format="GIF", save_all=True, append_images=rest, duration=round(1000 / self.fps), loop=0
            )
        self._gif_frames = []

    def abort(self) -> None:
        """Drop what was written; nothing appears at ``path``."""
        if self._video is not None:
            self._video.abort()
        self._gif_frames = []

    def __enter__(self) -> OverlayWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
