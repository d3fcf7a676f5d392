"""Static image sets for pre-training (DUTS, ECSSD, FSS-1000, HRSOD, BIG), as image + mask pairs.

Accepted on disk, per set (``<root>`` may hold several sets, as STCN's ``static/`` does, or be one set)::

    <set>/x.jpg + <set>/x.png                         flat pairs (STCN's DUTS-TR, ecssd, BIG_small, ...)
    <set>/<class>/x.jpg + <set>/<class>/x.png         class folders (FSS-1000)
    <set>/<images>/x.jpg + <set>/<masks>/x.png        split folders, e.g. DUTS-TR-Image / DUTS-TR-Mask,
                                                      images / masks, images / ground_truth_mask, im / gt

Every image is a one-frame sequence named ``<set>/[<class>/]<stem>``; its mask is object 1 (masks are 0/1
or 0..255 thresholded at 128).
"""

from __future__ import annotations

from pathlib import Path

from vostok.data._files import list_images, list_subfolders
from vostok.data.base import Dataset, Sequence
from vostok.data.registry import register_layout
from vostok.errors import LayoutError

_IMAGE_DIR_WORDS = ("image", "images", "img", "imgs", "im")
_MASK_DIR_WORDS = ("mask", "masks", "gt", "ground_truth_mask", "groundtruth", "annotations")


def _dir_kind(name: str) -> str | None:
    word = name.lower().rsplit("-", 1)[-1]
    if word in _IMAGE_DIR_WORDS:
        return "image"
    if word in _MASK_DIR_WORDS:
        return "mask"
    return None


def _pairs(image_dir: Path, mask_dir: Path) -> tuple[list[tuple[Path, Path]], list[str]]:
    """(image, mask) pairs matched by stem; plus the stems of images without a mask."""
    if image_dir == mask_dir:  # flat set: x.jpg beside x.png
        images = [p for p in list_images(image_dir) if p.suffix.lower() in (".jpg", ".jpeg")]
    else:
        images = list_images(image_dir)
    masks = {p.stem: p for p in list_images(mask_dir, (".png", ".bmp"))}
    pairs = [(p, masks[p.stem]) for p in images if p.stem in masks]
    unmatched = [p.stem for p in images if p.stem not in masks]
    return pairs, unmatched


def _collect(
    folder: Path, prefix: str, out: dict[str, Sequence], problems: list[str], depth: int = 0
) -> None:
    if list_images(folder):
        pairs, unmatched = _pairs(folder, folder)
        if unmatched:
            problems.append(
                f"{folder}: {len(unmatched)} image(s) without a same-named .png mask: {unmatched[:3]}."
            )
        _add_pairs(out, pairs, prefix)
        return
    subs = list_subfolders(folder)
    kinds = {s: _dir_kind(s) for s in subs}
    image_dirs = [s for s in subs if kinds[s] == "image"]
    mask_dirs = [s for s in subs if kinds[s] == "mask"]
    if len(image_dirs) == 1 and len(mask_dirs) == 1:
        pairs, unmatched = _pairs(folder / image_dirs[0], folder / mask_dirs[0])
        if unmatched:
            problems.append(
                f"{folder / image_dirs[0]}: {len(unmatched)} image(s) with no mask in {mask_dirs[0]}/: "
                f"{unmatched[:3]}."
            )
        _add_pairs(out, pairs, prefix)
        return
    if depth >= 2:
        return
    for sub in subs:
        _collect(folder / sub, f"{prefix}{sub}/", out, problems, depth + 1)


@register_layout("static-images", "static")
def open_static_images(root: Path, sets: list[str] | str | None = None) -> Dataset:
    """Image + mask pairs from every set under ``root`` (or only the named ``sets``; a string is a
    comma-separated list, as the CLI passes it)."""
    if isinstance(sets, str):
        sets = [name.strip() for name in sets.split(",") if name.strip()]
    by_name: dict[str, Sequence] = {}
    problems: list[str] = []
    if sets is None:
        _collect(root, "", by_name, problems)
    else:
        for name in sets:
            if not (root / name).is_dir():
                raise LayoutError(
                    f"static-images layout: set folder {root / name} is missing; sets present: "
                    f"{', '.join(list_subfolders(root)) or 'none'}."
                )
            _collect(root / name, f"{name}/", by_name, problems, depth=1)
    if not by_name:
        raise LayoutError(
            f"static-images layout: no image + mask pairs under {root}. Expected x.jpg beside x.png, "
            "<class>/x.jpg + x.png, or an image folder and a mask folder (e.g. DUTS-TR-Image/DUTS-TR-Mask)."
        )
    return Dataset(layout="static-images", root=root, by_name=by_name, problems=problems)


def _add_pairs(out: dict[str, Sequence], pairs: list[tuple[Path, Path]], prefix: str) -> None:
    """One single-frame sequence per (image, mask) pair, named ``<prefix><image stem>``."""
    for image, mask in pairs:
        name = f"{prefix}{image.stem}"
        out[name] = Sequence(
            name=name,
            frame_paths=[image],
            annotation_paths={image.stem: mask},
            annotation_kind="binary",
            dense_annotations=True,
        )
