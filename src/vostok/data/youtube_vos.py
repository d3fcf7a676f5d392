"""YouTube-VOS 2018 and 2019 (train, train_480p, valid, test; valid_all_frames).

On disk (the official zips)::

    <root>/<split>/JPEGImages/<video>/00000.jpg       train/valid/test: every 5th frame of the 30 fps video
    <root>/<split>/Annotations/<video>/00000.png      train: every listed frame; valid/test: first appearances
    <root>/<split>/meta.json                          {"videos": {vid: {"objects": {"1": {"category": ...,
                                                        "frames": ["00000", "00005", ...]}}}}}
    <root>/valid_all_frames/JPEGImages/<video>/*.jpg  30 fps frames (also accepted under all_frames/)

``<root>`` holds the split folders. Objects may first appear after the first frame: their first frame is
the first entry of their ``frames`` list in ``meta.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

from vostok.data._files import list_frames, list_images, list_subfolders, natural_key, require_dir
from vostok.data.base import Dataset, Sequence
from vostok.data.registry import register_layout
from vostok.errors import InputError, LayoutError

SPLITS = ("train", "train_480p", "valid", "test")


def read_meta(path: Path) -> dict[str, dict[int, list[str]]]:
    """``meta.json`` as {video: {object id: frame names where the object is listed, in order}}."""
    try:
        meta = json.loads(path.read_text())
        videos = meta["videos"]
        return {
            vid: {
                int(obj): sorted(info.get("frames", []), key=natural_key)
                for obj, info in entry.get("objects", {}).items()
            }
            for vid, entry in videos.items()
        }
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise LayoutError(
            f"{path} is not a YouTube-VOS meta.json ({type(exc).__name__}: {exc}); expected "
            '{"videos": {"<video>": {"objects": {"1": {"category": "...", "frames": ["00000", ...]}}}}}.'
        ) from None


def read_categories(path: Path) -> dict[str, dict[int, str]]:
    """{video: {object id: category}} from a ``meta.json`` (empty strings where a category is absent)."""
    videos = json.loads(path.read_text())["videos"]
    return {
        vid: {int(obj): info.get("category", "") for obj, info in entry.get("objects", {}).items()}
        for vid, entry in videos.items()
    }


def _all_frames_root(root: Path, split: str, layout: str) -> Path:
    candidates = [
        root / f"{split}_all_frames" / "JPEGImages",
        root / "all_frames" / f"{split}_all_frames" / "JPEGImages",
    ]
    for path in candidates:
        if path.is_dir():
            return path
    raise LayoutError(
        f"{layout} layout: all_frames=True needs the 30 fps frames in {candidates[0]} "
        f"(or {candidates[1]}); neither exists."
    )


def _open_youtube(root: Path, layout: str, split: str, all_frames: bool) -> Dataset:
    if split not in SPLITS:
        raise InputError(f"{layout}: split must be one of {', '.join(SPLITS)}; got {split!r}.")
    split_root = require_dir(
        root / split, f"split folder {split!r}", layout, "Expected <root>/<split>/{JPEGImages,Annotations}."
    )
    sparse_split = split in ("valid", "test")
    frames_root = (
        _all_frames_root(root, split, layout)
        if all_frames
        else require_dir(
            split_root / "JPEGImages", "frame folder", layout, "Expected JPEGImages/<video>/*.jpg."
        )
    )
    ann_root = require_dir(
        split_root / "Annotations", "annotation folder", layout, "Expected Annotations/<video>/*.png."
    )
    meta_path = split_root / "meta.json"
    if not meta_path.is_file() and split == "train_480p":
        meta_path = root / "train" / "meta.json"
    meta = read_meta(meta_path) if meta_path.is_file() else None
    categories = read_categories(meta_path) if meta is not None else {}
    if meta is None and sparse_split:
        raise LayoutError(
            f"{layout} layout: {split_root / 'meta.json'} is missing; the {split} split needs it to know "
            "where each object first appears."
        )

    problems: list[str] = []
    on_disk = list_subfolders(frames_root)
    if meta is not None:
        unlisted = [v for v in on_disk if v not in meta]
        if unlisted and sparse_split:
            problems.append(f"{len(unlisted)} video folder(s) not in meta.json: {', '.join(unlisted[:5])}.")
        absent = [v for v in meta if v not in on_disk]
        if absent:
            problems.append(
                f"meta.json lists {len(absent)} video(s) with no folder in {frames_root}: {', '.join(absent[:5])}."
            )

    by_name = {}
    for vid in on_disk:
        frames = list_frames(frames_root / vid)
        anns = {p.stem: p for p in list_images(ann_root / vid, (".png",))}
        first = None
        if meta is not None and vid in meta:
            first = {obj: names[0] for obj, names in meta[vid].items() if names}
        by_name[vid] = Sequence(
            name=vid,
            frame_paths=frames,
            annotation_paths=anns,
            meta_first_frames=first,
            categories=categories.get(vid, {}),
            dense_annotations=not sparse_split and not all_frames,
        )
        if first:
            names = {p.stem for p in frames}
            lost = [f"{obj}@{f}" for obj, f in first.items() if f not in names]
            if lost:
                problems.append(
                    f"video {vid!r}: meta.json first frames not among its frames: {', '.join(lost)}."
                )
            unannotated = [f"{obj}@{f}" for obj, f in first.items() if f not in anns]
            if unannotated:
                problems.append(
                    f"video {vid!r}: no annotation at the first appearance of object(s) {', '.join(unannotated)}."
                )
    return Dataset(layout=layout, root=root, by_name=by_name, problems=problems)


@register_layout("youtube-vos-2019", "youtube-vos", "ytvos2019")
def open_youtube_vos_2019(root: Path, split: str = "train", all_frames: bool = False) -> Dataset:
    """YouTube-VOS 2019. ``all_frames=True`` takes frames from ``<split>_all_frames`` (30 fps)."""
    return _open_youtube(root, "youtube-vos-2019", split, all_frames)


@register_layout("youtube-vos-2018", "ytvos2018")
def open_youtube_vos_2018(root: Path, split: str = "train", all_frames: bool = False) -> Dataset:
    """YouTube-VOS 2018 (same layout as 2019, fewer videos)."""
    return _open_youtube(root, "youtube-vos-2018", split, all_frames)
