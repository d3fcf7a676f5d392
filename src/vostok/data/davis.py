"""DAVIS 2016 and 2017 (trainval, test-dev; 480p and Full-Resolution).

On disk (the official zips)::

    <root>/JPEGImages/<res>/<seq>/00000.jpg
    <root>/Annotations/<res>/<seq>/00000.png          palette PNGs of object ids (2016: 0/255 binary)
    <root>/Annotations_unsupervised/<res>/<seq>/...   2017 unsupervised task (optional)
    <root>/ImageSets/2017/{train,val,test-dev}.txt    one sequence per line
    <root>/ImageSets/2016/{train,val}.txt             (DAVIS-2017 trainval), or the DAVIS-2016 zip's
    <root>/ImageSets/480p/{train,val}.txt             "/JPEGImages/480p/bear/00000.jpg /Annotations/..."
    <root>/Flow/<res>/<seq>/00000.png                 optional (DAVIS 2016): RGB-rendered optical flow

``<root>`` is the folder holding ``JPEGImages`` (e.g. ``DAVIS/2017/trainval`` or ``DAVIS/2017/test-dev``).
trainval annotates every frame; test-dev only the first.
"""

from __future__ import annotations

from pathlib import Path

from vostok.data._files import list_frames, list_images, list_subfolders, read_name_list, require_dir
from vostok.data.base import Dataset, Sequence
from vostok.data.registry import register_layout
from vostok.errors import InputError, LayoutError

RESOLUTIONS = ("480p", "Full-Resolution")


def _imageset_names(root: Path, year: str, subset: str, layout: str) -> list[str]:
    candidates = [root / "ImageSets" / year / f"{subset}.txt"]
    if year == "2016":
        candidates.append(root / "ImageSets" / "480p" / f"{subset}.txt")
    for path in candidates:
        if path.is_file():
            names = []
            for token in read_name_list(path):
                # DAVIS-2016 lists are frame paths: "/JPEGImages/480p/<seq>/00000.jpg"
                name = Path(token).parent.name if "/" in token else token
                if name not in names:
                    names.append(name)
            return names
    present = [str(p.relative_to(root)) for p in (root / "ImageSets").rglob("*.txt")]
    raise LayoutError(
        f"{layout} layout: subset {subset!r} needs the sequence list "
        f"{' or '.join(str(c) for c in candidates)}, which is missing. "
        f"Lists present: {', '.join(sorted(present)) or 'none'}."
    )


def _open_davis(
    root: Path,
    layout: str,
    year: str,
    subset: str | None,
    resolution: str,
    annotations: str,
    annotation_kind: str,
) -> Dataset:
    if resolution not in RESOLUTIONS:
        raise InputError(f"{layout}: resolution must be one of {', '.join(RESOLUTIONS)}; got {resolution!r}.")
    frames_root = require_dir(
        root / "JPEGImages" / resolution,
        "frame folder",
        layout,
        f"Expected JPEGImages/{resolution}/<sequence>/00000.jpg under the dataset root "
        "(the folder that holds JPEGImages, Annotations and ImageSets).",
    )
    ann_root = root / annotations / resolution
    sets = root / "ImageSets" / year
    # a test-dev download holds only test-dev.txt, and annotates only the first frame of each sequence
    only_test_lists = (sets / "test-dev.txt").is_file() and not (sets / "val.txt").is_file()
    test_dev = subset.startswith("test") if subset is not None else only_test_lists
    if not test_dev:
        require_dir(
            ann_root, "annotation folder", layout, f"Expected {annotations}/{resolution}/<sequence>/*.png."
        )
    flow_root = root / "Flow" / resolution

    problems: list[str] = []
    on_disk = list_subfolders(frames_root)
    if subset is None or subset == "all":
        names = on_disk
    else:
        names = _imageset_names(root, year, subset, layout)
        absent = [n for n in names if n not in on_disk]
        if absent:
            problems.append(
                f"ImageSets/{year}/{subset}.txt lists {len(absent)} sequence(s) with no folder in "
                f"{frames_root}: {', '.join(absent[:5])}{' ...' if len(absent) > 5 else ''}."
            )
        names = [n for n in names if n in on_disk]

    by_name = {}
    for name in names:
        frames = list_frames(frames_root / name)
        anns = {p.stem: p for p in list_images(ann_root / name, (".png",))}
        flow_paths = None
        if flow_root.is_dir():
            flows = {p.stem: p for p in list_images(flow_root / name)}
            flow_paths = [flows.get(p.stem) for p in frames]
        by_name[name] = Sequence(
            name=name,
            frame_paths=frames,
            annotation_paths=anns,
            annotation_kind=annotation_kind,  # type: ignore[arg-type]
            flow_paths=flow_paths,
            dense_annotations=not test_dev,
        )
        if test_dev and frames and frames[0].stem not in anns:
            problems.append(f"sequence {name!r}: the first frame {frames[0].stem} has no annotation.")
    return Dataset(layout=layout, root=root, by_name=by_name, problems=problems)


@register_layout("davis2017", "davis-2017")
def open_davis2017(
    root: Path, subset: str | None = None, resolution: str = "480p", unsupervised: bool = False
) -> Dataset:
    """DAVIS 2017. ``subset``: ``train``, ``val``, ``test-dev`` (from ImageSets/2017) or None for every
    sequence folder. ``unsupervised=True`` reads ``Annotations_unsupervised``."""
    return _open_davis(
        root,
        "davis2017",
        "2017",
        subset,
        resolution,
        "Annotations_unsupervised" if unsupervised else "Annotations",
        "labels",
    )


@register_layout("davis2016", "davis-2016")
def open_davis2016(root: Path, subset: str | None = None, resolution: str = "480p") -> Dataset:
    """DAVIS 2016 (one object per video: any non-zero annotation pixel is object 1). ``subset``: ``train``
    or ``val`` (from ImageSets/2016 or ImageSets/480p) or None for every sequence folder. Sequences carry
    ``flow_paths`` when ``Flow/<res>/`` exists."""
    return _open_davis(root, "davis2016", "2016", subset, resolution, "Annotations", "nonzero")
