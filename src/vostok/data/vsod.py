"""Zero-shot VOS and video salient object detection sets, in the layout Isomer reads.

On disk (Isomer's ``TestSet/<Name>`` / ``TrainSet/<Name>``; ``<root>`` is the ``<Name>`` folder)::

    <root>/<seq>/Frame/<frame>.jpg     RGB frames (.png accepted)
    <root>/<seq>/Flow/<frame>.png      RGB-rendered optical flow (Middlebury colour wheel; .jpg accepted)
    <root>/<seq>/GT/<frame>.png        grey ground truth, foreground 255 (sparse for FBMS, YouTube-Objects)

Isomer pairs Flow and GT files *by position* after sorting, so every sequence must hold as many flow
images as GT files (one per frame where every frame is annotated). Here flow images are matched to frames
by name when the names agree and by position otherwise (against the frames if the counts match, else
against the GT files); :meth:`Dataset.check` reports counts that match neither.
Folder aliases seen in other releases are accepted: ``Frames``/``Imgs``/``JPEGImages`` for ``Frame``,
``GT_object_level``/``Annotations`` for ``GT``, ``flow``/``Flows`` for ``Flow``.
"""

from __future__ import annotations

from pathlib import Path

from vostok.data._files import list_images, list_subfolders, natural_key
from vostok.data.base import Dataset, Sequence
from vostok.data.registry import register_layout
from vostok.errors import LayoutError

FRAME_DIRS = ("Frame", "Frames", "Imgs", "JPEGImages")
FLOW_DIRS = ("Flow", "flow", "Flows")
GT_DIRS = ("GT", "GT_object_level", "Annotations")

# Sets whose ground truth covers every frame (check() reports gaps); the others annotate sparsely.
DENSE_SETS = {"davis2016-zvos", "segtrack-v2", "davsod", "visal", "mcl"}
VSOD_SETS = (
    "davis2016-zvos",
    "fbms",
    "youtube-objects",
    "segtrack-v2",
    "visal",
    "davsod",
    "long-videos",
    "mcl",
)


def _first_dir(seq_dir: Path, names: tuple[str, ...]) -> Path | None:
    for name in names:
        if (seq_dir / name).is_dir():
            return seq_dir / name
    return None


def _align_flows(frames: list[Path], gts: dict[str, Path], flows: list[Path]) -> list[Path | None] | None:
    """One flow path (or None) per frame; None overall when the sequence has no flow folder."""
    by_stem = {p.stem: p for p in flows}
    names = [p.stem for p in frames]
    if flows and all(n in by_stem for n in names):
        return [by_stem[n] for n in names]
    if len(flows) == len(frames):
        return list(flows)
    if len(flows) == len(gts):
        gt_names = [n for n in names if n in gts] if set(gts) <= set(names) else sorted(gts, key=natural_key)
        gt_flow = dict(zip(gt_names, flows, strict=True))
        return [gt_flow.get(n) for n in names]
    if by_stem.keys() & set(names):
        return [by_stem.get(n) for n in names]
    # e.g. forward flow only (one fewer than frames): pair from the start
    return [flows[i] if i < len(flows) else None for i in range(len(frames))]


def _open_isomer(root: Path, layout: str, dense: bool | None, require_flow: bool) -> Dataset:
    seq_names = list_subfolders(root)
    by_name: dict[str, Sequence] = {}
    problems: list[str] = []
    for name in seq_names:
        seq_dir = root / name
        frame_dir = _first_dir(seq_dir, FRAME_DIRS)
        gt_dir = _first_dir(seq_dir, GT_DIRS)
        flow_dir = _first_dir(seq_dir, FLOW_DIRS)
        if frame_dir is None:
            raise LayoutError(
                f"{layout} layout: {seq_dir} has no Frame/ folder (found: "
                f"{', '.join(list_subfolders(seq_dir)) or 'nothing'}). Expected <root>/<seq>/{{Frame,Flow,GT}}/; "
                "is the root one level too high or too low?"
            )
        if gt_dir is None:
            problems.append(f"sequence {name!r}: no GT/ folder.")
        if flow_dir is None and require_flow:
            problems.append(
                f"sequence {name!r}: no Flow/ folder (Isomer needs one RGB flow image per GT frame)."
            )
        frames = list_images(frame_dir)
        gts = {p.stem: p for p in list_images(gt_dir)} if gt_dir else {}
        flows = list_images(flow_dir) if flow_dir else []
        flow_paths = _align_flows(frames, gts, flows) if flow_dir else None
        if flow_dir is not None and len(flows) not in (len(frames), len(gts)):
            problems.append(
                f"sequence {name!r}: {len(flows)} flow images for {len(frames)} frames and {len(gts)} GT files; "
                "Isomer pairs flow and GT by position, so the counts must match."
            )
        by_name[name] = Sequence(
            name=name,
            frame_paths=frames,
            annotation_paths=gts,
            annotation_kind="grey",
            flow_paths=flow_paths,
            dense_annotations=layout in DENSE_SETS if dense is None else dense,
        )
    if not by_name:
        raise LayoutError(
            f"{layout} layout: no sequence folders in {root}; expected <root>/<seq>/{{Frame,Flow,GT}}/."
        )
    return Dataset(layout=layout, root=root, by_name=by_name, problems=problems)


def _make_reader(layout: str):
    def open_set(root: Path, dense: bool | None = None, require_flow: bool = True) -> Dataset:
        return _open_isomer(root, layout, dense, require_flow)

    open_set.__name__ = f"open_{layout.replace('-', '_')}"
    open_set.__doc__ = (
        f"{layout} in Isomer's layout. ``dense`` overrides whether every frame must have GT; "
        "``require_flow=False`` accepts sequences without Flow/."
    )
    return open_set


for _layout in VSOD_SETS:
    register_layout(_layout)(_make_reader(_layout))
register_layout("isomer", "zvos", "vsod")(_make_reader("isomer"))
