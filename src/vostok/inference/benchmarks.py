"""Benchmark protocols for semi-supervised VOS: which frames to segment from which prompts and which to
write, per dataset (DAVIS-2017, DAVIS-2016 single-object, YouTube-VOS valid with all frames)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from vostok.errors import InputError

DATASETS = ("davis2017", "davis2016", "youtube-vos-2018", "youtube-vos-2019")


@dataclass
class BenchmarkVideo:
    """One video to run: its frames, prompts, frame names, and which frames go into the results."""

    name: str
    video: Any
    masks: dict[int, np.ndarray]
    frame_names: list[str]
    write: set[str] | None = None  # None: every frame
    options: dict[str, Any] = field(default_factory=dict)  # extra segment() keywords (single_object)


def family(dataset: str) -> str:
    """ "davis2017", "davis2016" or "youtube" (the key of a predictor's benchmark settings)."""
    return "youtube" if dataset.startswith("youtube") else dataset


def open_benchmark(dataset: str, root: str | Path, split: str) -> tuple[list[str], Any]:
    """``(sequence names, loader)`` where ``loader(name) -> BenchmarkVideo``; YouTube uses 30 fps frames."""
    from vostok.data import open_dataset

    if dataset not in DATASETS:
        raise InputError(f"unknown benchmark dataset {dataset!r}; choose one of {', '.join(DATASETS)}.")
    root = Path(root)
    if dataset.startswith("davis"):
        ds = open_dataset(dataset, root, subset=split)

        def load_davis(name: str) -> BenchmarkVideo:
            seq = ds.sequence(name)
            first = seq.frame_names[0]
            if first not in seq.annotation_paths:
                raise InputError(f"DAVIS sequence {name!r} has no annotation for its first frame {first}.")
            options = {"single_object": True} if dataset == "davis2016" else {}
            return BenchmarkVideo(
                name, seq.video(), {0: seq.read_annotation(first)}, seq.frame_names, None, options
            )

        return list(ds.sequences), load_davis

    from vostok.data.youtube_vos import read_meta

    ds = open_dataset(dataset, root, split=split, all_frames=True)
    meta = read_meta(root / split / "meta.json")

    def load_youtube(name: str) -> BenchmarkVideo:
        seq = ds.sequence(name)
        names = seq.frame_names
        index = {n: i for i, n in enumerate(names)}
        listed = meta.get(name, {})
        masks: dict[int, np.ndarray] = {}
        for frame in sorted({frames[0] for frames in listed.values() if frames}, key=index.__getitem__):
            labels = seq.read_annotation(frame)
            starting = [obj for obj, frames in listed.items() if frames and frames[0] == frame]
            masks[index[frame]] = np.where(np.isin(labels, starting), labels, 0).astype(np.uint8)
        if not masks:
            raise InputError(f"YouTube-VOS video {name!r} has no object in meta.json.")
        first = min(masks)
        wanted = {f for frames in listed.values() for f in frames}
        write = {n for n in wanted if n in index and index[n] >= first}
        return BenchmarkVideo(name, seq.video(), masks, names, write)

    return list(ds.sequences), load_youtube


def iter_benchmark(
    dataset: str, root: str | Path, split: str, sequences: list[str] | None = None
) -> Iterator[BenchmarkVideo]:
    names, load = open_benchmark(dataset, root, split)
    if sequences:
        unknown = sorted(set(sequences) - set(names))
        if unknown:
            raise InputError(f"sequences not in {dataset} {split}: {', '.join(unknown)}.")
        names = [n for n in names if n in set(sequences)]
    for name in names:
        yield load(name)
