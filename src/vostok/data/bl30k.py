"""BL30K (the Blender-rendered pre-training set of MiVOS / STCN).

On disk::

    <root>/JPEGImages/<video>/*.jpg
    <root>/Annotations/<video>/*.png     palette PNGs of object ids, one per frame
"""

from __future__ import annotations

from pathlib import Path

from vostok.data._files import list_frames, list_images, list_subfolders, require_dir
from vostok.data.base import Dataset, Sequence
from vostok.data.registry import register_layout
from vostok.errors import LayoutError


@register_layout("bl30k")
def open_bl30k(root: Path) -> Dataset:
    """BL30K: every frame annotated; objects are those of the first frame."""
    frames_root = require_dir(
        root / "JPEGImages", "frame folder", "bl30k", "Expected JPEGImages/<video>/*.jpg."
    )
    ann_root = require_dir(
        root / "Annotations", "annotation folder", "bl30k", "Expected Annotations/<video>/*.png."
    )
    by_name = {}
    for name in list_subfolders(frames_root):
        if not list_images(frames_root / name) and list_subfolders(frames_root / name):
            raise LayoutError(
                f"bl30k layout: {frames_root / name} holds folders, not frames; expected "
                "JPEGImages/<video>/*.jpg. A JPEGImages/480p/<video>/ tree is the DAVIS layout (--layout davis2017)."
            )
        by_name[name] = Sequence(
            name=name,
            frame_paths=list_frames(frames_root / name),
            annotation_paths={p.stem: p for p in list_images(ann_root / name, (".png",))},
            dense_annotations=True,
        )
    problems = []
    stray = [n for n in list_subfolders(ann_root) if n not in by_name]
    if stray:
        problems.append(f"{len(stray)} annotation folder(s) without frames: {', '.join(stray[:5])}.")
    return Dataset(layout="bl30k", root=root, by_name=by_name, problems=problems)
