"""YouTube-VOS submission packaging: check a results folder against ``meta.json`` and zip it.

The validation ground truth is not public; the CodaLab server scores a zip of
``Annotations/<video>/<frame>.png`` (index PNGs at the original resolution, one per frame listed for the
video, object ids as in ``meta.json``). This module checks all of that locally, where a failure costs
seconds instead of a server slot, then writes the zip. Extra frames in the results (inference on
``valid_all_frames``) are left out of the zip.
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from vostok.errors import InputError
from vostok.io.atomic import atomic_path
from vostok.io.masks import read_label_map

MAX_REPORTED = 8


@dataclass(frozen=True)
class VideoSpec:
    """What the server expects of one video: its frames and the object ids allowed in them."""

    name: str
    frames: tuple[str, ...]
    object_ids: frozenset[int]


def read_meta(meta_path: str | os.PathLike) -> list[VideoSpec]:
    """Videos, required frames (union of the objects' frames) and object ids from a YouTube-VOS meta.json."""
    path = Path(meta_path)
    try:
        meta = json.loads(path.read_text())
        videos = meta["videos"]
    except FileNotFoundError as exc:
        raise InputError(f"meta file {path} does not exist.") from exc
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise InputError(f"{path} is not a YouTube-VOS meta.json (expected {{'videos': {{...}}}}).") from exc
    specs = []
    for name in sorted(videos):
        objects = videos[name].get("objects", {})
        frames = sorted({f for obj in objects.values() for f in obj.get("frames", [])})
        ids = frozenset(int(k) for k in objects)
        specs.append(VideoSpec(name, tuple(frames), ids))
    return specs


def _reference_size(valid_dir: Path, video: str) -> tuple[int, int] | None:
    """(H, W) of a video from the dataset's own files (first annotation, else first frame)."""
    for sub, pattern in (("Annotations", "*.png"), ("JPEGImages", "*.jpg")):
        files = sorted((valid_dir / sub / video).glob(pattern))
        if files:
            with Image.open(files[0]) as img:
                return img.height, img.width
    return None


def check_results(
    results_dir: str | os.PathLike, videos: list[VideoSpec], valid_dir: str | os.PathLike | None = None
) -> list[tuple[Path, str]]:
    """Every required frame as ``(path in results, name in zip)``; raises one InputError listing problems.

    Checks: every video folder and frame PNG is there, frames of a video share one size (the dataset's,
    when ``valid_dir`` is given), and every id in a mask is one of the video's objects in meta.json.
    """
    root = Path(results_dir)
    if (root / "Annotations").is_dir():
        root = root / "Annotations"
    problems: list[str] = []
    entries: list[tuple[Path, str]] = []
    for video in videos:
        folder = root / video.name
        if not folder.is_dir():
            problems.append(f"video {video.name}: folder {folder} is missing")
            continue
        expected = _reference_size(Path(valid_dir), video.name) if valid_dir else None
        for frame in video.frames:
            path = folder / f"{frame}.png"
            if not path.is_file():
                problems.append(f"video {video.name}: frame {frame}.png is missing")
                continue
            try:
                labels = read_label_map(path)
            except InputError as exc:
                problems.append(str(exc))
                continue
            if expected is None:
                expected = labels.shape
            elif labels.shape != expected:
                problems.append(
                    f"{path}: {labels.shape[1]}x{labels.shape[0]}, expected {expected[1]}x{expected[0]} "
                    "(the video's original resolution)"
                )
            present = {int(i) for i in np.flatnonzero(np.bincount(labels.ravel(), minlength=256))} - {0}
            unknown = sorted(present - video.object_ids)
            if unknown:
                problems.append(
                    f"{path}: ids {unknown} are not objects of {video.name} in meta.json "
                    f"(objects: {sorted(video.object_ids)})"
                )
            entries.append((path, f"Annotations/{video.name}/{frame}.png"))
        if len(problems) > 4 * MAX_REPORTED:
            break
    if problems:
        shown = "; ".join(problems[:MAX_REPORTED])
        more = f" (and {len(problems) - MAX_REPORTED} more problems)" if len(problems) > MAX_REPORTED else ""
        raise InputError(f"the results are not ready for the YouTube-VOS server: {shown}{more}.")
    return entries


def package_youtube_vos(
    results_dir: str | os.PathLike,
    meta_path: str | os.PathLike,
    out_zip: str | os.PathLike,
    valid_dir: str | os.PathLike | None = None,
    overwrite: bool = False,
) -> dict[str, int]:
    """Check a results folder and write ``out_zip`` with ``Annotations/<video>/<frame>.png``.

    PNG files are copied byte for byte (palette and ids preserved). Returns counts of videos and frames.
    """
    videos = read_meta(meta_path)
    if not videos:
        raise InputError(f"{meta_path} lists no video.")
    entries = check_results(results_dir, videos, valid_dir)
    # PNGs are already compressed; storing them is as small and much faster.
    with (
        atomic_path(out_zip, overwrite=overwrite) as tmp,
        zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as zf,
    ):
        for path, arcname in entries:
            zf.write(path, arcname)
    return {"videos": len(videos), "frames": len(entries)}
