"""Result folders in the benchmarks' layout: ``<root>/<sequence>/<frame>.png``.

DAVIS, YouTube-VOS and the VSOD / zero-shot evaluators all read predictions this way: one palette PNG
(label map) or grey PNG (saliency) per frame, one folder per sequence. Every PNG is written atomically,
and a sequence folder that already holds files is never written into unless ``overwrite=True``, so a
second run cannot silently mix its frames with an earlier run's.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from vostok.errors import InputError, OverwriteError
from vostok.io.masks import write_grey_map, write_label_map


def _check_name(name: str, what: str) -> str:
    if not isinstance(name, str) or not name or name in (".", "..") or "/" in name or "\\" in name:
        raise InputError(f"{what} name {name!r} is not a plain file name (no slashes, not empty).")
    return name


class ResultFolder:
    """Writes per-frame result PNGs under ``root``, one sub-folder per sequence.

    With ``overwrite=False`` (the default), the first write into a sequence raises
    :class:`OverwriteError` if ``<root>/<sequence>`` already exists and is not empty. With
    ``overwrite=True`` files are replaced frame by frame; files of an earlier run that this run does not
    write stay where they are.
    """

    def __init__(self, root: str | os.PathLike, overwrite: bool = False):
        self.root = Path(root)
        self.overwrite = overwrite
        if self.root.exists() and not self.root.is_dir():
            raise InputError(f"result folder {self.root} exists and is a file, not a folder.")
        self._claimed: set[str] = set()

    def sequence_dir(self, sequence: str) -> Path:
        """The folder of ``sequence``, claimed for this writer (checked against overwriting once)."""
        folder = self.root / _check_name(sequence, "sequence")
        if sequence not in self._claimed:
            if not self.overwrite and folder.is_dir() and any(folder.iterdir()):
                raise OverwriteError(
                    f"{folder} already holds results; pass overwrite=True (CLI: --overwrite) to replace "
                    "them, or choose another output folder."
                )
            folder.mkdir(parents=True, exist_ok=True)
            self._claimed.add(sequence)
        return folder

    def path(self, sequence: str, frame_name: str) -> Path:
        """Where the PNG of ``frame_name`` in ``sequence`` goes."""
        return self.sequence_dir(sequence) / f"{_check_name(frame_name, 'frame')}.png"

    def write_labels(
        self, sequence: str, frame_name: str, labels: np.ndarray, palette: np.ndarray | None = None
    ) -> Path:
        """Write an ``(H, W)`` label map as a palette PNG (DAVIS palette unless ``palette`` is given)."""
        target = self.path(sequence, frame_name)
        write_label_map(target, labels, palette=palette)
        return target

    def write_grey(self, sequence: str, frame_name: str, grey: np.ndarray) -> Path:
        """Write an ``(H, W)`` grey map (uint8 0..255, or floats in [0, 1]) as a grey PNG."""
        target = self.path(sequence, frame_name)
        write_grey_map(target, grey)
        return target

    def sequences(self) -> list[str]:
        """Sequence folders present under ``root`` (from this or earlier runs), sorted."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith("."))
