"""DAVIS J&F evaluation: semi-supervised, unsupervised (Hungarian matching) and DAVIS 2016 (binary).

Equal to davis2017-evaluation to 1e-9 (in practice bit for bit) on every input it accepts: integer pixel
counts, the same boundary and dilation (inside bounding boxes, see :mod:`.boundary`), the same statistics
and pooling (every object of every sequence weighs the same). Frames are streamed one at a time and
sequences run in parallel processes, so memory stays small.

Deliberate differences from the official tool (see also docs/evaluation.md):

* A predicted id above the number of ground-truth objects (semi-supervised), or above 20 proposals
  (unsupervised), raises :class:`~vostok.errors.InputError`; the official tool prints a line and calls
  ``sys.exit()`` with status 0.
* Missing prediction frames, a prediction whose size differs from its ground truth and RGB PNGs raise
  clear errors (the official tool crashes or broadcasts).
* Decay uses integer bin indices, so videos with 256+ evaluated frames get the intended value instead of
  NaN (the official uint8 cast overflows).
* Unsupervised objects are named by their ground-truth id (``<seq>_<gt id>``); the official tool names
  the matched pairs in proposal order, so its names do not match the ground-truth objects.

Conventions kept from the official tool: the number of objects is the largest id of the first
ground-truth frame; ground-truth ids above it are ignored and ids missing below it are objects that are
always empty; 255 in the semi-supervised ground truth is background, in the unsupervised one void.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from scipy.optimize import linear_sum_assignment

from vostok.errors import InputError
from vostok.evaluation import davis_layout as layout
from vostok.evaluation.boundary import (
    EMPTY_BOUNDARY,
    ObjectBoundary,
    Window,
    boundary_radius,
    bounding_box_crop,
    f_measure,
    j_measure,
    object_boundary,
    overlap_count,
)
from vostok.evaluation.statistics import object_statistics
from vostok.evaluation.workers import init_worker

TASKS = ("semi-supervised", "unsupervised")
MAX_PROPOSALS = 20
VOID_ID = 255
GLOBAL_KEYS = ("J&F-Mean", "J-Mean", "J-Recall", "J-Decay", "F-Mean", "F-Recall", "F-Decay")


@dataclass(frozen=True)
class SequenceJob:
    """Everything a worker needs to evaluate one sequence."""

    name: str
    gt_dir: Path
    pred_dir: Path
    frames: tuple[str, ...]
    unsupervised: bool
    binary: bool
    keep_ends: bool


@dataclass(frozen=True)
class ObjectMask:
    """One object in one frame: its mask inside its bounding box, its area and its boundary."""

    mask: Window | None
    area: int
    boundary: ObjectBoundary


EMPTY_OBJECT = ObjectMask(None, 0, EMPTY_BOUNDARY)


def present_ids(labels: np.ndarray) -> np.ndarray:
    """Which of the 256 ids occur in a label map (an OpenCV histogram: far faster than np.bincount)."""
    return cv2.calcHist([labels], [0], None, [256], [0, 256]).ravel() > 0


def _objects(labels: np.ndarray, ids: range, radius: int, keep: np.ndarray | None = None) -> list[ObjectMask]:
    """Mask, area and boundary of every id in ``ids``, each worked on inside its own bounding box.

    ``keep`` (non-void pixels) is applied to the masks first, as the official tool multiplies both masks
    by "not void" in the unsupervised task.
    """
    shape = labels.shape
    # With many ids (proposals) one histogram pass is cheaper than a comparison per absent id.
    present = present_ids(labels) if len(ids) > 4 else None
    out = []
    for k in ids:
        if present is not None and not present[k]:
            out.append(EMPTY_OBJECT)
            continue
        full = labels == k
        if keep is not None:
            full &= keep
        x, y, w, h = cv2.boundingRect(full.view(np.uint8))
        if w == 0:
            out.append(EMPTY_OBJECT)
            continue
        box = (slice(y, y + h), slice(x, x + w))
        inside = full[box]
        crop = bounding_box_crop(box, shape)
        boundary = object_boundary(full[crop], crop[0].start, crop[1].start, shape, radius)
        out.append(ObjectMask(Window(y, x, inside), int(np.count_nonzero(inside)), boundary))
    return out


def _j(pred: ObjectMask, gt: ObjectMask) -> float:
    """J of a pair from integer counts (1 when both are empty)."""
    inter = overlap_count(pred.mask, gt.mask) if pred.area and gt.area else 0
    return j_measure(inter, pred.area + gt.area - inter)


def _semi_frame(gt: np.ndarray, pred: np.ndarray, n_obj: int, radius: int) -> tuple[np.ndarray, np.ndarray]:
    """J and F of objects 1..n_obj in one frame (prediction id k against ground-truth id k)."""
    ids = range(1, n_obj + 1)
    pairs = list(zip(_objects(pred, ids, radius), _objects(gt, ids, radius), strict=True))
    j = np.array([_j(p, g) for p, g in pairs], dtype=np.float64)
    f = np.array([f_measure(p.boundary, g.boundary) for p, g in pairs], dtype=np.float64)
    return j, f


def _unsup_frame(
    gt: np.ndarray, void: np.ndarray | None, pred: np.ndarray, n_rows: int, n_obj: int, radius: int
) -> tuple[np.ndarray, np.ndarray]:
    """J and F of every (proposal 1..n_rows, object 1..n_obj) pair in one frame, void (255) excluded."""
    gts = _objects(gt, range(1, n_obj + 1), radius)
    preds = _objects(pred, range(1, n_rows + 1), radius, None if void is None else ~void)
    gt_area = np.array([g.area for g in gts])
    gt_no_boundary = np.array([g.boundary.count == 0 for g in gts], dtype=np.float64)
    j = np.empty((n_rows, n_obj), dtype=np.float64)
    f = np.empty((n_rows, n_obj), dtype=np.float64)
    for r, p in enumerate(preds):
        if p.area == 0:
            j[r] = gt_area == 0  # J is 1 only when both are empty
            f[r] = gt_no_boundary  # F is 1 when both boundaries are empty, else 0
        else:
            j[r] = [_j(p, g) for g in gts]
            f[r] = [f_measure(p.boundary, g.boundary) for g in gts]
    return j, f


def evaluate_sequence(job: SequenceJob) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Per-frame J and F of every ground-truth object of one sequence: ``{gt id: (J, F)}``."""
    frames = job.frames
    first = layout.read_gt(job.gt_dir / f"{frames[0]}.png")
    if job.binary:
        n_obj = 1
    else:
        first = np.where(first == VOID_ID, 0, first)
        n_obj = int(first.max())
    evaluated = frames if job.keep_ends else frames[1:-1]
    if not evaluated:
        raise InputError(
            f"sequence {job.name!r} has {len(frames)} frame(s); the semi-supervised protocol drops the first "
            "and the last frame, so it needs at least 3 (or evaluate all frames)."
        )
    if n_obj == 0:
        return {}
    layout.check_prediction_frames(job.pred_dir.parent, job.pred_dir.name, list(evaluated))
    n_rows = max(MAX_PROPOSALS, n_obj) if job.unsupervised else n_obj
    js = np.empty((len(evaluated), n_rows, n_obj) if job.unsupervised else (len(evaluated), n_obj))
    fs = np.empty_like(js)
    max_pred_id = 0
    radius = None
    for t, name in enumerate(evaluated):
        gt = layout.read_gt(job.gt_dir / f"{name}.png")
        radius = boundary_radius(*gt.shape) if radius is None else radius
        pred_path = job.pred_dir / f"{name}.png"
        if job.binary:
            gt = (gt > 0).astype(np.uint8)
            pred = layout.read_binary_prediction(pred_path, gt.shape)
        else:
            pred = layout.read_prediction(pred_path, gt.shape)
        top = int(pred.max())
        max_pred_id = max(max_pred_id, top)
        if job.unsupervised:
            if top > MAX_PROPOSALS:
                raise InputError(
                    f"{pred_path} holds id {top}, but the unsupervised protocol allows at most "
                    f"{MAX_PROPOSALS} proposals (ids 1..{MAX_PROPOSALS}); keep the best {MAX_PROPOSALS}."
                )
            # gt keeps its 255s (never an object id); the void mask carves them out of every proposal.
            void = gt == VOID_ID
            js[t], fs[t] = _unsup_frame(gt, void if void.any() else None, pred, n_rows, n_obj, radius)
        else:
            if top > n_obj:
                raise InputError(
                    f"{pred_path} holds id {top}, but sequence {job.name!r} has {n_obj} object(s) in its "
                    "first ground-truth frame; predicted ids must be 1..number of objects."
                )
            # 255 (void) needs no removal: only ids 1..n_obj < 255 are ever compared.
            js[t], fs[t] = _semi_frame(gt, pred, n_obj, radius)
    if not job.unsupervised:
        return {k + 1: (js[:, k].copy(), fs[:, k].copy()) for k in range(n_obj)}
    return _match_proposals(js, fs, max(max_pred_id, n_obj))


def _match_proposals(js: np.ndarray, fs: np.ndarray, n_pred: int) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Hungarian matching of proposals to objects on mean (J + F) / 2, as the official tool does."""
    j_all = np.ascontiguousarray(js[:, :n_pred].transpose(1, 2, 0))  # (proposals, objects, frames)
    f_all = np.ascontiguousarray(fs[:, :n_pred].transpose(1, 2, 0))
    score = (np.mean(j_all, axis=2) + np.mean(f_all, axis=2)) / 2
    rows, cols = linear_sum_assignment(-score)
    return {int(c) + 1: (j_all[r, c].copy(), f_all[r, c].copy()) for r, c in zip(rows, cols, strict=True)}


def _run_jobs(
    jobs: list[SequenceJob], workers: int, on_done: Callable[[], None] | None
) -> dict[str, dict[int, tuple[np.ndarray, np.ndarray]]]:
    results: dict[str, dict[int, tuple[np.ndarray, np.ndarray]]] = {}
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            results[job.name] = evaluate_sequence(job)
            if on_done:
                on_done()
        return results
    # Longest sequences first, so no worker is left with a long one at the end.
    order = sorted(jobs, key=lambda j: -len(j.frames))
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    with ctx.Pool(min(workers, len(jobs)), initializer=init_worker) as pool:
        for job, res in zip(order, pool.imap(evaluate_sequence, order), strict=True):
            results[job.name] = res
            if on_done:
                on_done()
    return results


def default_workers() -> int:
    """Number of processes used when none is given: the CPU cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def evaluate_davis(
    davis_root: str | os.PathLike,
    results_dir: str | os.PathLike,
    split: str = "val",
    year: str = "2017",
    task: str = "semi-supervised",
    workers: int | None = None,
    frames: str = "auto",
    resolution: str = "480p",
    sequences: list[str] | None = None,
    show_progress: bool = True,
) -> dict[str, Any]:
    """Evaluate a results folder against a DAVIS root; returns every number at full precision.

    ``task`` is "semi-supervised" or "unsupervised" (also the Ref-DAVIS17 protocol). ``year="2016"``
    evaluates one binary object per sequence (ground truth > 0; predictions: palette id > 0 or grey > 128).
    ``frames``: "auto" (semi-supervised drops the first and last frame, unsupervised keeps all), "all"
    (the zero-shot convention reported with DAVIS 2016) or "inner".

    Returns ``{"global": {"J&F-Mean", "J-Mean", "J-Recall", "J-Decay", "F-Mean", "F-Recall",
    "F-Decay"}, "objects": {"<seq>_<id>": {"J-Mean", ..., "J": [...], "F": [...]}}, "sequences": [...]}``.
    """
    if task not in TASKS:
        raise InputError(f"task must be one of {', '.join(TASKS)}; got {task!r}.")
    if str(year) not in ("2016", "2017", "2019"):
        raise InputError(f"year must be 2016, 2017 or 2019; got {year!r}.")
    if frames not in ("auto", "all", "inner"):
        raise InputError(f"frames must be 'auto', 'all' or 'inner'; got {frames!r}.")
    year = str(year)
    root, results = Path(davis_root), Path(results_dir)
    unsupervised = task == "unsupervised"
    binary = year == "2016"
    if binary and unsupervised:
        raise InputError("DAVIS 2016 has one object per sequence; evaluate it with task='semi-supervised'.")
    names = sequences if sequences is not None else layout.sequence_names(root, year, split)
    gt_root = layout.annotation_root(root, unsupervised, resolution)
    layout.check_results_folder(results, names)
    image_root = root / "JPEGImages" / resolution
    keep_all = frames == "all" or (frames == "auto" and unsupervised)
    jobs = []
    for name in names:
        gt_frames = layout.gt_frame_names(gt_root, name, image_root)
        jobs.append(
            SequenceJob(
                name, gt_root / name, results / name, tuple(gt_frames), unsupervised, binary, keep_all
            )
        )
    from vostok.progress import progress

    bar = progress(
        range(len(jobs)), total=len(jobs), desc="evaluating", disable=None if show_progress else True
    )
    per_sequence = _run_jobs(jobs, workers or default_workers(), lambda: next(bar, None))
    return summarise(names, per_sequence)


def summarise(
    sequence_order: list[str], per_sequence: dict[str, dict[int, tuple[np.ndarray, np.ndarray]]]
) -> dict[str, Any]:
    """Per-object statistics and the global means over all objects pooled across sequences."""
    objects: dict[str, dict[str, Any]] = {}
    for seq in sequence_order:
        for obj_id in sorted(per_sequence.get(seq, {})):
            j, f = per_sequence[seq][obj_id]
            jm, jr, jd = object_statistics(j)
            fm, fr, fd = object_statistics(f)
            objects[f"{seq}_{obj_id}"] = {
                "J&F-Mean": (jm + fm) / 2,
                "J-Mean": jm,
                "J-Recall": jr,
                "J-Decay": jd,
                "F-Mean": fm,
                "F-Recall": fr,
                "F-Decay": fd,
                "J": [float(x) for x in j],
                "F": [float(x) for x in f],
            }
    if not objects:
        raise InputError(
            "no object to evaluate: every listed sequence has an empty first ground-truth frame."
        )

    def pooled(key: str) -> float:
        return float(np.mean([o[key] for o in objects.values()]))

    g = {k: pooled(k) for k in GLOBAL_KEYS[1:]}
    return {
        "global": {"J&F-Mean": (g["J-Mean"] + g["F-Mean"]) / 2, **g},
        "objects": objects,
        "sequences": list(sequence_order),
    }
