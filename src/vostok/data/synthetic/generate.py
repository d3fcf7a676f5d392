"""Generating a whole synthetic dataset on disk (``vostok datasets synth``), videos in parallel."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
from pathlib import Path

import cv2
import numpy as np

from vostok.data.synthetic.layouts import layout_writers
from vostok.data.synthetic.render import render_scene
from vostok.data.synthetic.scene import Scene
from vostok.data.synthetic.video import make_scene
from vostok.errors import InputError, OverwriteError
from vostok.progress import progress

SYNTH_LAYOUTS: tuple[str, ...] = tuple(layout_writers())
SMALL_JOB_PIXELS = 20_000_000
"""Below this many pixels in all (about 50 frames at 480p) the default is to render in this process."""
MARKER = ".vostok-synth.json"
"""Written at the top of every generated dataset; lets --overwrite clear a folder only if we made it."""


def video_name(style: str, seed: int, index: int) -> str:
    """Deterministic video name: ``synth-000`` (DAVIS style) or 10 hex digits (YouTube-VOS style)."""
    if style == "youtube":
        return hashlib.sha1(f"vostok-{seed}-{index}".encode()).hexdigest()[:10]
    return f"synth-{index:03d}"


def scene_for_video(
    layout: str, seed: int, index: int, frames: int, size: tuple[int, int], difficulty: float = 0.5
) -> Scene:
    """The scene :func:`generate_dataset` renders as video ``index`` of ``layout`` (for checking its files)."""
    writer = layout_writers()[layout]
    rng = np.random.default_rng([seed, index])
    num_objects = int(rng.integers(writer.objects[0], writer.objects[1] + 1))
    return make_scene(rng, 1 if writer.static else frames, size, num_objects, difficulty, writer.late_objects)


def _render_and_write(job: tuple) -> tuple[str, dict]:
    layout, out, index, name, frames, size, seed, difficulty, write_flo = job
    cv2.setNumThreads(1)  # parallelism is over videos
    writer = layout_writers(write_flo)[layout]
    scene = scene_for_video(layout, seed, index, frames, size, difficulty)
    return name, writer.write_video(Path(out), name, render_scene(scene, writer.with_flow), scene, index)


def _prepare_output(out: Path, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        raise InputError(f"output {out} is a file; give a folder.")
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            raise OverwriteError(
                f"output folder {out} exists and is not empty; pass --overwrite to replace it."
            )
        if not (out / MARKER).is_file():
            raise OverwriteError(
                f"output folder {out} is not empty and was not made by `vostok datasets synth`; refusing to "
                "delete it even with --overwrite. Choose an empty or new folder."
            )
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)


def generate_dataset(
    layout: str,
    out: str | os.PathLike,
    videos: int = 3,
    frames: int = 10,
    size: tuple[int, int] = (120, 160),
    seed: int = 0,
    difficulty: float = 0.5,
    overwrite: bool = False,
    workers: int | None = None,
    write_flo: bool = False,
    show_progress: bool | None = None,
) -> Path:
    """Write ``videos`` synthetic videos of ``frames`` frames at ``size`` (H, W) in ``layout`` to ``out``.

    The same arguments give byte-identical files (each video has its own random stream, seeded by
    ``(seed, video index)``, so the worker count does not matter). ``workers`` defaults to the CPU count
    (at most 4), or 1 (render in this process) for small jobs. ``write_flo`` adds Middlebury ``.flo`` files beside the flow
    images of the layouts that have flow. Returns ``out``.
    """
    writers = layout_writers(write_flo)
    if layout not in writers:
        raise InputError(f"cannot synthesise layout {layout!r}; choose one of {', '.join(writers)}.")
    if videos < 1 or frames < 1:
        raise InputError(f"need at least one video and one frame; got {videos} videos x {frames} frames.")
    if layout.startswith("youtube") and frames < 6:
        raise InputError("YouTube-VOS keeps every 5th frame: synthesise at least 6 frames per video.")
    out = Path(out)
    _prepare_output(out, overwrite)
    writer = writers[layout]
    names = [video_name(writer.name_style, seed, i) for i in range(videos)]
    jobs = [
        (layout, str(out), i, names[i], frames, tuple(size), seed, difficulty, write_flo)
        for i in range(videos)
    ]
    if workers is None:
        small = videos * frames * size[0] * size[1] < SMALL_JOB_PIXELS  # a pool costs more than it saves
        workers = 1 if small else min(4, os.cpu_count() or 1, videos)
    bar = dict(total=videos, desc=f"synth {layout}", unit="video", disable=None if show_progress else True)
    if workers <= 1:
        infos = [r for r in progress(map(_render_and_write, jobs), **bar)]
    else:
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        with ctx.Pool(workers) as pool:
            infos = [r for r in progress(pool.imap(_render_and_write, jobs), **bar)]
    writer.finish(out, infos)
    settings = {"layout": layout, "videos": videos, "frames": frames, "size": list(size), "seed": seed}
    settings["difficulty"] = difficulty
    (out / MARKER).write_text(json.dumps(settings, sort_keys=True) + "\n")
    return out
