"""The dataset / sequence contract every layout reader returns.

A :class:`Dataset` is an ordered set of named :class:`Sequence` objects. A sequence knows its frame files,
its annotation files (only where annotations exist: every frame for DAVIS trainval, every 5th for
YouTube-VOS train, first appearances for YouTube-VOS valid), the frame where each object first appears,
and for the zero-shot / VSOD sets its flow images and grey ground truth. Nothing is decoded until asked.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image

from vostok.data._files import list_images
from vostok.errors import InputError
from vostok.io.masks import object_ids, read_grey_map, read_label_map

AnnotationKind = Literal["labels", "nonzero", "binary", "grey"]
"""How annotation files decode to a label map: object ids as stored (DAVIS-17, YouTube-VOS, BL30K); any
non-zero pixel is object 1 (DAVIS-16); a 0/1 or 0..255 mask, the latter thresholded at 128 (static image
sets, which ship both); or grey 0..255 thresholded at 128 (VSOD ground truth, which may be JPEG)."""


def _image_size(path: Path) -> tuple[int, int] | None:
    """(H, W) from the file header, or None if the file cannot be opened."""
    try:
        with Image.open(path) as img:
            return img.height, img.width
    except Exception:
        return None


@dataclass
class Sequence:
    """One video (or one still image, for the static sets) of a dataset, as files on disk."""

    name: str
    frame_paths: list[Path]
    annotation_paths: dict[str, Path] = field(default_factory=dict)
    annotation_kind: AnnotationKind = "labels"
    flow_paths: list[Path | None] | None = None
    meta_first_frames: dict[int, str] | None = None
    categories: dict[int, str] = field(default_factory=dict)
    """Object id -> category name, where the layout records one (YouTube-VOS meta.json)."""
    dense_annotations: bool = False
    """True where the layout promises an annotation for every frame (checked by :meth:`check`)."""

    @property
    def frame_names(self) -> list[str]:
        """Frame names without extension (``"00000"``), in playback order."""
        return [p.stem for p in self.frame_paths]

    @property
    def gt_paths(self) -> dict[str, Path]:
        """Ground-truth files by frame name (the zero-shot / VSOD name for :attr:`annotation_paths`)."""
        return self.annotation_paths

    def __len__(self) -> int:
        return len(self.frame_paths)

    def read_annotation(self, frame_name: str) -> np.ndarray:
        """The ``(H, W) uint8`` label map of one annotated frame (0 background, object ids, 255 void)."""
        path = self.annotation_paths.get(frame_name)
        if path is None:
            raise InputError(
                f"sequence {self.name!r} has no annotation for frame {frame_name!r}; annotated frames: "
                f"{_preview(list(self.annotation_paths))}."
            )
        if self.annotation_kind == "labels":
            return read_label_map(path)
        if self.annotation_kind == "nonzero":
            return (read_label_map(path) > 0).astype(np.uint8)
        if self.annotation_kind == "binary":
            try:
                values = read_label_map(path)
            except InputError:  # colour-saved masks with equal channels
                values = read_grey_map(path)
            return (values > 0 if values.max(initial=0) <= 1 else values >= 128).astype(np.uint8)
        return (read_grey_map(path) >= 128).astype(np.uint8)

    def read_grey(self, frame_name: str) -> np.ndarray:
        """The raw ``(H, W) uint8`` grey ground truth of one frame (VSOD metrics use it unthresholded)."""
        if frame_name not in self.annotation_paths:
            self.read_annotation(frame_name)  # raises the helpful error
        return read_grey_map(self.annotation_paths[frame_name])

    @property
    def first_frames(self) -> dict[int, str]:
        """Object id -> name of the frame where it first appears.

        From ``meta.json`` where the layout has one (YouTube-VOS); otherwise from the annotations: the
        objects of the first annotated frame (the DAVIS protocol), plus any that appear later in the
        annotated frames when the layout annotates sparsely.
        """
        if self.meta_first_frames is not None:
            return dict(self.meta_first_frames)
        found: dict[int, str] = {}
        names = [n for n in self.frame_names if n in self.annotation_paths]
        scan = names[:1] if self.dense_annotations else names
        for name in scan:
            for obj in object_ids(self.read_annotation(name)):
                found.setdefault(obj, name)
        return found

    def video(self):  # -> vostok.video.Video (imported lazily: video I/O is another module's job)
        """The frames as a :class:`vostok.video.Video` (lazy, streamed)."""
        from vostok.video import Video

        if not self.frame_paths:
            raise InputError(f"sequence {self.name!r} has no frames.")
        folder = self.frame_paths[0].parent
        if list_images(folder) == self.frame_paths:
            return Video.open(folder)
        return Video.from_paths(self.frame_paths, names=self.frame_names)  # folder shared with masks

    def check(self) -> list[str]:
        """Problems that make this sequence unusable or misleading (empty list if none)."""
        problems = []
        where = f"sequence {self.name!r}"
        if not self.frame_paths:
            return [f"{where}: no frames."]
        names = set(self.frame_names)
        if len(names) != len(self.frame_paths):
            problems.append(f"{where}: several frame files share a name (e.g. both .jpg and .png).")
        orphans = [n for n in self.annotation_paths if n not in names]
        if orphans:
            problems.append(f"{where}: annotations without a frame: {_preview(orphans)}.")
        if self.dense_annotations:
            missing = [n for n in self.frame_names if n not in self.annotation_paths]
            if missing:
                problems.append(
                    f"{where}: {len(missing)} of {len(self.frame_paths)} frames have no annotation "
                    f"({_preview(missing)}); this layout annotates every frame."
                )
        if self.flow_paths is not None:
            # Isomer reads a flow image for every frame that has ground truth
            absent = [
                n
                for n, f in zip(self.frame_names, self.flow_paths, strict=True)
                if f is None and n in self.annotation_paths
            ]
            if absent:
                problems.append(
                    f"{where}: {len(absent)} annotated frames have no flow image ({_preview(absent)})."
                )
        frame_size = _image_size(self.frame_paths[0])
        if frame_size is None:
            problems.append(f"{where}: cannot read frame {self.frame_paths[0]}.")
        elif self.annotation_paths:
            first = next(iter(self.annotation_paths.values()))
            size = _image_size(first)
            if size is None:
                problems.append(f"{where}: cannot read annotation {first}.")
            elif size != frame_size:
                problems.append(
                    f"{where}: annotation {first.name} is {size[1]}x{size[0]} but the frames are "
                    f"{frame_size[1]}x{frame_size[0]}."
                )
        return problems


def _preview(items: list[str], n: int = 5) -> str:
    shown = ", ".join(items[:n])
    return shown + (f", ... ({len(items)} in all)" if len(items) > n else "") if items else "none"


@dataclass
class Dataset:
    """An opened dataset: ``.sequences`` (names, in order) and ``.sequence(name)``."""

    layout: str
    root: Path
    by_name: dict[str, Sequence]
    problems: list[str] = field(default_factory=list)
    """Layout-level problems found while opening that did not stop it (e.g. a listed sequence missing)."""

    @property
    def sequences(self) -> list[str]:
        return list(self.by_name)

    def sequence(self, name: str) -> Sequence:
        """The sequence called ``name``; an unknown name raises InputError with the closest names."""
        try:
            return self.by_name[name]
        except KeyError:
            close = difflib.get_close_matches(name, self.sequences, n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise InputError(
                f"{self.layout} dataset at {self.root} has no sequence {name!r} "
                f"({len(self.by_name)} sequences).{hint}"
            ) from None

    def __len__(self) -> int:
        return len(self.by_name)

    def __iter__(self) -> Iterator[Sequence]:
        return iter(self.by_name.values())

    def check(self) -> list[str]:
        """All problems: those found while opening plus each sequence's own."""
        problems = list(self.problems)
        if not self.by_name:
            problems.append(f"{self.layout} dataset at {self.root} has no sequences.")
        for seq in self:
            problems.extend(seq.check())
        return problems
