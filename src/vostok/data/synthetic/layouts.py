"""Writing rendered synthetic videos in each dataset's exact on-disk layout.

Each layout has a video writer ``(out, name, frames, scene) -> info`` that writes one video, and a
finisher ``(out, infos)`` that writes the dataset-level files (ImageSets lists, meta.json).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from vostok.data.synthetic.render import RenderedFrame
from vostok.data.synthetic.scene import Scene
from vostok.io.flow import flow_to_color, write_flo
from vostok.io.masks import write_grey_map, write_label_map

JPEG_QUALITY = 90
YOUTUBE_STRIDE = 5  # YouTube-VOS keeps every 5th frame of the 30 fps video
SPARSE_GT_STRIDE = 10  # FBMS / YouTube-Objects style sparse ground truth


def write_jpeg(path: Path, rgb: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), rgb[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])


def write_flow_png(path: Path, flow: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), flow_to_color(flow)[..., ::-1], [cv2.IMWRITE_PNG_COMPRESSION, 1])


def foreground(labels: np.ndarray) -> np.ndarray:
    """0/255 grey map of every object (the zero-shot / VSOD ground truth)."""
    return np.where(labels > 0, 255, 0).astype(np.uint8)


def _frame_name(t: int) -> str:
    return f"{t:05d}"


VideoWriter = Callable[[Path, str, Iterator[RenderedFrame], Scene, int], dict]
Finisher = Callable[[Path, list[tuple[str, dict]]], None]


@dataclass(frozen=True)
class LayoutWriter:
    """How one layout is generated: what the scenes look like and how files are laid out."""

    write_video: VideoWriter
    finish: Finisher
    with_flow: bool = False
    late_objects: bool = False
    objects: tuple[int, int] = (1, 4)  # inclusive range of objects per video
    name_style: str = "davis"  # "davis" (synth-000) or "youtube" (10 hex digits)
    static: bool = False  # one image per video


def split_train_val(names: list[str]) -> tuple[list[str], list[str]]:
    """Deterministic train/val split: the last third (at least one video) is val."""
    n_val = max(1, len(names) // 3) if len(names) > 1 else len(names)
    return names[: len(names) - n_val], names[len(names) - n_val :]


# --- DAVIS 2017 ---------------------------------------------------------------------------------------
def _davis2017_video(out: Path, name: str, frames: Iterator[RenderedFrame], scene: Scene, index: int) -> dict:
    """Frames, palette annotations on every frame, and the same objects as the unsupervised-task ground
    truth (``Annotations_unsupervised``, hard links: the synthetic objects are the salient ones)."""
    for f in frames:
        stem = _frame_name(f.index)
        write_jpeg(out / "JPEGImages" / "480p" / name / f"{stem}.jpg", f.image)
        semi = out / "Annotations" / "480p" / name / f"{stem}.png"
        write_label_map(semi, f.labels)
        unsup = out / "Annotations_unsupervised" / "480p" / name / f"{stem}.png"
        unsup.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(semi, unsup)
        except OSError:  # file systems without hard links
            shutil.copyfile(semi, unsup)
    return {}


def _davis2017_finish(out: Path, infos: list[tuple[str, dict]]) -> None:
    """ImageSets/2017 lists, and ImageSets/2016 (the same split, as DAVIS-2017 trainval ships both)."""
    train, val = split_train_val([n for n, _ in infos])
    for year in ("2017", "2016"):
        sets = out / "ImageSets" / year
        sets.mkdir(parents=True, exist_ok=True)
        (sets / "train.txt").write_text("".join(f"{n}\n" for n in train))
        (sets / "val.txt").write_text("".join(f"{n}\n" for n in val))


# --- DAVIS 2016 (binary annotations, flow images) ----------------------------------------------------
def _davis2016_video(
    out: Path, name: str, frames: Iterator[RenderedFrame], scene: Scene, write_flo_files: bool
) -> dict:
    for f in frames:
        stem = _frame_name(f.index)
        write_jpeg(out / "JPEGImages" / "480p" / name / f"{stem}.jpg", f.image)
        write_grey_map(out / "Annotations" / "480p" / name / f"{stem}.png", foreground(f.labels))
        write_flow_png(out / "Flow" / "480p" / name / f"{stem}.png", f.flow)
        if write_flo_files:
            write_flo(out / "Flow" / "480p" / name / f"{stem}.flo", f.flow)
    return {"frames": scene.num_frames}


def _davis2016_finish(out: Path, infos: list[tuple[str, dict]]) -> None:
    train, val = split_train_val([n for n, _ in infos])
    counts = dict(infos)
    sets = out / "ImageSets" / "480p"
    sets.mkdir(parents=True, exist_ok=True)
    for subset, names in (("train", train), ("val", val)):
        lines = [
            f"/JPEGImages/480p/{n}/{_frame_name(t)}.jpg /Annotations/480p/{n}/{_frame_name(t)}.png\n"
            for n in names
            for t in range(counts[n]["frames"])
        ]
        (sets / f"{subset}.txt").write_text("".join(lines))


# --- YouTube-VOS --------------------------------------------------------------------------------------
def _youtube_video(out: Path, name: str, frames: Iterator[RenderedFrame], scene: Scene, split: str) -> dict:
    """train: every 5th frame, all annotated. valid: every 5th frame, annotations only where an object
    first appears (holding only the objects that appear there), and all frames in valid_all_frames."""
    listed: dict[int, list[str]] = {}
    first: dict[int, str] = {}
    for f in frames:
        stem = _frame_name(f.index)
        if split == "valid":
            write_jpeg(out / "valid_all_frames" / "JPEGImages" / name / f"{stem}.jpg", f.image)
        if f.index % YOUTUBE_STRIDE:
            continue
        write_jpeg(out / split / "JPEGImages" / name / f"{stem}.jpg", f.image)
        present = np.flatnonzero(np.bincount(f.labels.ravel(), minlength=256)[1:]) + 1
        new = [int(i) for i in present if int(i) not in first]
        for obj in present:
            listed.setdefault(int(obj), []).append(stem)
        for obj in new:
            first[obj] = stem
        if split == "train":
            write_label_map(out / split / "Annotations" / name / f"{stem}.png", f.labels)
        elif new:
            keep = np.isin(f.labels, new)
            write_label_map(out / split / "Annotations" / name / f"{stem}.png", np.where(keep, f.labels, 0))
    objects = {
        str(obj): {"category": scene.objects[obj - 1].shape, "frames": listed[obj]} for obj in sorted(listed)
    }
    return {"split": split, "objects": objects}


def _youtube_finish(out: Path, infos: list[tuple[str, dict]]) -> None:
    for split in ("train", "valid"):
        videos = {name: {"objects": info["objects"]} for name, info in infos if info["split"] == split}
        (out / split).mkdir(parents=True, exist_ok=True)
        (out / split / "Annotations").mkdir(exist_ok=True)
        (out / split / "meta.json").write_text(json.dumps({"videos": videos}, indent=1, sort_keys=True))


# --- BL30K --------------------------------------------------------------------------------------------
def _bl30k_video(out: Path, name: str, frames: Iterator[RenderedFrame], scene: Scene, index: int) -> dict:
    for f in frames:
        write_jpeg(out / "JPEGImages" / name / f"{_frame_name(f.index)}.jpg", f.image)
        write_label_map(out / "Annotations" / name / f"{_frame_name(f.index)}.png", f.labels)
    return {}


# --- static image sets --------------------------------------------------------------------------------
STATIC_SET = "DUTS-TR"


def _static_video(out: Path, name: str, frames: Iterator[RenderedFrame], scene: Scene, index: int) -> dict:
    f = next(iter(frames))
    write_jpeg(out / STATIC_SET / f"{name}.jpg", f.image)
    write_grey_map(out / STATIC_SET / f"{name}.png", foreground(f.labels))
    return {}


# --- Isomer zero-shot / VSOD sets ---------------------------------------------------------------------
def _isomer_video(
    out: Path, name: str, frames: Iterator[RenderedFrame], scene: Scene, gt_stride: int
) -> dict:
    """<seq>/{Frame,Flow,GT}: GT every ``gt_stride`` frames, one flow image per GT file (Isomer's rule)."""
    for f in frames:
        stem = _frame_name(f.index)
        write_jpeg(out / name / "Frame" / f"{stem}.jpg", f.image)
        if f.index % gt_stride == 0:
            write_grey_map(out / name / "GT" / f"{stem}.png", foreground(f.labels))
            write_flow_png(out / name / "Flow" / f"{stem}.png", f.flow)
    return {}


def _no_finish(out: Path, infos: list[tuple[str, dict]]) -> None:
    out.mkdir(parents=True, exist_ok=True)


def layout_writers(write_flo_files: bool = False) -> dict[str, LayoutWriter]:
    """The writer of every layout the generator can produce."""

    def youtube(out: Path, name: str, frames: Iterator[RenderedFrame], scene: Scene, index: int) -> dict:
        return _youtube_video(out, name, frames, scene, "valid" if index % 3 == 2 else "train")

    def davis2016(out: Path, name: str, frames: Iterator[RenderedFrame], scene: Scene, index: int) -> dict:
        return _davis2016_video(out, name, frames, scene, write_flo_files)

    writers = {
        "davis2017": LayoutWriter(_davis2017_video, _davis2017_finish),
        "davis2016": LayoutWriter(davis2016, _davis2016_finish, with_flow=True, objects=(1, 2)),
        "youtube-vos-2019": LayoutWriter(youtube, _youtube_finish, late_objects=True, name_style="youtube"),
        "youtube-vos-2018": LayoutWriter(youtube, _youtube_finish, late_objects=True, name_style="youtube"),
        "bl30k": LayoutWriter(_bl30k_video, _no_finish, late_objects=False),
        "static-images": LayoutWriter(_static_video, _no_finish, objects=(1, 2), static=True),
    }
    from vostok.data.vsod import VSOD_SETS

    for name in (*VSOD_SETS, "isomer"):
        stride = SPARSE_GT_STRIDE if name in ("fbms", "youtube-objects", "long-videos") else 1

        def isomer(
            out: Path, seq: str, frames: Iterator[RenderedFrame], scene: Scene, index: int, _s: int = stride
        ) -> dict:
            return _isomer_video(out, seq, frames, scene, _s)

        writers[name] = LayoutWriter(isomer, _no_finish, with_flow=True, objects=(1, 2))
    return writers
