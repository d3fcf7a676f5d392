"""Where the DAVIS ground truth and a method's results live on disk, read with clear errors.

Works from the annotation folders alone, like the official toolkit (frames need not be present):
``<root>/ImageSets/<year>/<split>.txt`` (DAVIS-2016 zips: ``ImageSets/480p/<split>.txt`` of frame paths),
``<root>/Annotations[_unsupervised]/<resolution>/<seq>/<frame>.png`` and
``<results>/<seq>/<frame>.png``. The frame list of a sequence is its sorted annotation PNGs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from vostok.errors import InputError, LayoutError
from vostok.io.masks import read_grey_map, read_label_map


def sequence_names(root: Path, year: str, split: str) -> list[str]:
    """Sequences of ``split`` as listed in the ImageSets file, in file order."""
    candidates = [root / "ImageSets" / year / f"{split}.txt"]
    if year == "2016":
        candidates.append(root / "ImageSets" / "480p" / f"{split}.txt")
    for path in candidates:
        if path.is_file():
            names: list[str] = []
            for line in path.read_text().split("\n"):
                token = line.strip().split()[0] if line.strip() else ""
                if not token:
                    continue
                name = Path(token).parent.name if "/" in token else token
                if name not in names:
                    names.append(name)
            if not names:
                raise LayoutError(f"the sequence list {path} is empty.")
            return names
    raise LayoutError(
        f"no sequence list for split {split!r} of DAVIS {year}: expected "
        f"{' or '.join(str(c) for c in candidates)}. Pass --root the folder that holds ImageSets and "
        "Annotations (e.g. DAVIS/2017/trainval), and check --year / --split."
    )


def annotation_root(root: Path, unsupervised: bool, resolution: str) -> Path:
    """``Annotations/<res>`` (or ``Annotations_unsupervised/<res>``), checked to exist."""
    folder = root / ("Annotations_unsupervised" if unsupervised else "Annotations") / resolution
    if not folder.is_dir():
        raise LayoutError(
            f"ground-truth folder {folder} does not exist. The DAVIS root must hold "
            f"{folder.parent.name}/{resolution}/<sequence>/*.png"
            + (
                " (the unsupervised task needs the Annotations_unsupervised download)."
                if unsupervised
                else "."
            )
        )
    return folder


def gt_frame_names(gt_root: Path, sequence: str, image_root: Path | None = None) -> list[str]:
    """Sorted frame names (PNG stems) of a sequence's ground truth; every frame must be annotated."""
    folder = gt_root / sequence
    if not folder.is_dir():
        raise LayoutError(f"sequence {sequence!r} is listed but its annotations {folder} are missing.")
    names = sorted(p.stem for p in folder.glob("*.png"))
    if not names:
        raise LayoutError(f"{folder} holds no annotation PNGs.")
    if image_root is not None and (image_root / sequence).is_dir():
        frames = sorted(p.stem for p in (image_root / sequence).glob("*.jpg"))
        missing = sorted(set(frames) - set(names))
        if missing:
            # The official toolkit crashes here (its GT list is padded with -1).
            raise LayoutError(
                f"sequence {sequence!r} has {len(missing)} frames without an annotation PNG "
                f"(first: {missing[0]}.jpg); DAVIS evaluation needs a ground-truth mask for every frame."
            )
    return names


def check_results_folder(results: Path, sequences: list[str]) -> None:
    """Raise one error naming every sequence whose result folder is missing."""
    if not results.is_dir():
        raise InputError(f"results folder {results} does not exist.")
    missing = [s for s in sequences if not (results / s).is_dir()]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise InputError(
            f"results folder {results} lacks the sequence folder(s) {shown}; it must hold "
            "<sequence>/<frame>.png for every evaluated sequence."
        )


def check_prediction_frames(results: Path, sequence: str, frames: list[str]) -> None:
    """Raise one error naming the missing prediction PNGs of a sequence (the official tool crashes)."""
    missing = [f for f in frames if not (results / sequence / f"{f}.png").is_file()]
    if missing:
        raise InputError(
            f"{len(missing)} prediction frame(s) of sequence {sequence!r} are missing from "
            f"{results / sequence} (first: {missing[0]}.png); every evaluated frame needs a PNG."
        )


def read_gt(path: Path) -> np.ndarray:
    """Ground-truth label map (palette indices; 255 = void)."""
    return read_label_map(path)


def read_prediction(path: Path, shape: tuple[int, int]) -> np.ndarray:
    """Predicted label map, checked to have the ground truth's size."""
    labels = read_label_map(path)
    _check_shape(path, labels.shape, shape)
    return labels


def read_binary_prediction(path: Path, shape: tuple[int, int]) -> np.ndarray:
    """Foreground of a binary (DAVIS-2016) prediction as uint8 0/1.

    Palette PNGs: any id > 0. Grey maps (zero-shot / saliency outputs): grey level > 128.
    """
    with Image.open(path) as img:
        mode = img.mode
    if mode == "P":
        fg = read_label_map(path) > 0
    else:
        fg = read_grey_map(path) > 128
    _check_shape(path, fg.shape, shape)
    return fg.astype(np.uint8)


def _check_shape(path: Path, got: tuple[int, ...], expected: tuple[int, int]) -> None:
    if tuple(got) != tuple(expected):
        raise InputError(
            f"prediction {path} is {got[1]}x{got[0]} but its ground truth is {expected[1]}x{expected[0]} "
            "(width x height); write results at the annotation resolution."
        )
