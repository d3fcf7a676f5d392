"""``vostok segment``: segment your own video (file or frame folder) from a mask, with any model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vostok.cli._common import (
    AllowPickleOpt,
    CheckpointOpt,
    DeviceOpt,
    FlowOpt,
    ModelOptionsOpt,
    RaftCheckpointOpt,
    RawProbabilitiesOpt,
)


def segment(
    video: Annotated[Path, typer.Argument(help="Video file (.mp4, ...) or folder of frames.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for <video name>/<frame>.png results.")],
    mask: Annotated[
        Path | None, typer.Option("--mask", help="Label-map PNG of the objects (palette PNG, ids 1..254).")
    ] = None,
    mask_frame: Annotated[int, typer.Option("--mask-frame", help="Frame index the mask belongs to.")] = 0,
    model: Annotated[str, typer.Option(help="Model name (vostok info lists them).")] = "stcn",
    checkpoint: CheckpointOpt = None,
    overlay: Annotated[Path | None, typer.Option(help="Also write an overlay video (.mp4 or .gif).")] = None,
    rle: Annotated[Path | None, typer.Option(help="Also write COCO-RLE JSON of every frame.")] = None,
    mode: Annotated[
        str, typer.Option(help="bounded (flat memory, default) or paper (the paper's schedule).")
    ] = ("bounded"),
    max_size: Annotated[
        int | None,
        typer.Option("--max-size", help="Run with the shorter side at most N pixels (480 = 480p)."),
    ] = None,
    device: DeviceOpt = None,
    option: ModelOptionsOpt = None,
    overwrite: Annotated[bool, typer.Option(help="Replace existing results / files.")] = False,
    allow_pickle: AllowPickleOpt = False,
    flow_dir: Annotated[
        Path | None, typer.Option("--flow-dir", help="Zero-shot models: flow images named like the frames.")
    ] = None,
    flow: FlowOpt = None,
    raft_checkpoint: RaftCheckpointOpt = None,
    raw_probabilities: RawProbabilitiesOpt = False,
) -> None:
    """Segment VIDEO from a first-frame (or --mask-frame) mask and write palette PNGs.

    Example: vostok segment clip.mp4 --mask first.png --model stcn --checkpoint stcn.pth --out results
    """
    from vostok.api import load_model
    from vostok.cli._common import existing_path
    from vostok.errors import InputError
    from vostok.inference.runner import RunStats, parse_options, run_predictor
    from vostok.io.masks import read_label_map
    from vostok.io.results import ResultFolder
    from vostok.progress import progress
    from vostok.video import Video

    existing_path(video, "video")
    clip = Video.open(video)
    masks = None
    if mask is not None:
        existing_path(mask, "mask")
        if not 0 <= mask_frame < len(clip):
            raise InputError(f"--mask-frame {mask_frame} is outside the video (frames 0..{len(clip) - 1}).")
        masks = {mask_frame: read_label_map(mask)}
    options = parse_options(option)
    if allow_pickle:
        options["allow_pickle"] = True
    predictor = load_model(
        model, checkpoint=str(checkpoint) if checkpoint else None, device=device, **options
    )
    if masks is None and getattr(predictor, "prompt", "mask") == "mask":
        raise InputError(f"model {model!r} needs a mask of the objects: pass --mask FIRST.png.")
    sequence = video.stem if video.is_file() else video.name
    folder = ResultFolder(out, overwrite=overwrite)
    recent: dict[int, object] = {}  # frames read but not yet reported (for the overlay), usually one

    def frames():
        for i, frame in enumerate(clip):
            if overlay is not None:
                recent[i] = frame
            yield frame

    if getattr(predictor, "prompt", "mask") == "none":  # zero-shot (Isomer): frames + optical flow
        results = predictor.segment(clip, flow_dir=flow_dir, flow=flow, raft_checkpoint=raft_checkpoint)
    else:
        results = run_predictor(predictor, frames(), masks, mode, max_size)
    stats = RunStats()
    rle_items = {}
    overlay_writer = None
    if overlay is not None:
        from vostok.io.overlay import OverlayWriter

        overlay_writer = OverlayWriter(overlay, fps=clip.fps or 25.0, overwrite=overwrite)
    try:
        for result in progress(results, total=len(clip), desc=f"{model} {sequence}"):
            name = clip.names[result.index]
            if result.labels is not None:
                folder.write_labels(sequence, name, result.labels)
            elif result.saliency is not None:
                raw = raw_probabilities and result.probabilities is not None
                folder.write_grey(sequence, name, result.probabilities if raw else result.saliency)
            if overlay_writer is not None:
                frame = recent.pop(result.index) if result.index in recent else clip[result.index]
                for old in [i for i in recent if i < result.index]:
                    del recent[old]
                overlay_writer.add(frame, labels=result.labels, grey=result.saliency)
            if rle is not None and result.labels is not None:
                from vostok.io.rle import encode_label_map

                rle_items[name] = encode_label_map(result.labels)
            stats.tick()
    except BaseException:
        if overlay_writer is not None:
            overlay_writer.abort()
        raise
    if overlay_writer is not None:
        overlay_writer.close()
    if rle is not None:
        from vostok.io.rle import write_rle_json

        write_rle_json(rle, rle_items, size=clip.size, overwrite=overwrite)
    typer.echo(f"wrote {out / sequence}; {stats.summary()}")


def register(app: typer.Typer) -> None:
    app.command("segment")(segment)
