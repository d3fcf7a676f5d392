"""``vostok isomer``: zero-shot segmentation with Isomer, of one video or of a dataset in its layout.

Kept as its own command until the model-generic ``vostok segment`` / ``vostok infer`` exist.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

isomer_app = typer.Typer(
    help="Zero-shot VOS / video salient object detection with Isomer.", no_args_is_help=True
)

Checkpoint = Annotated[Path | None, typer.Option(help="Isomer checkpoint (the authors' isomer.pth or ours).")]
Backbone = Annotated[str | None, typer.Option(help="swin_t or mit_b0 (default: the checkpoint's).")]
FlowDir = Annotated[
    Path | None, typer.Option("--flow-dir", help="Precomputed flow images named like frames.")
]
Flow = Annotated[str | None, typer.Option("--flow", help="'raft' to compute flow with RAFT-large.")]
RaftCkpt = Annotated[
    Path | None, typer.Option("--raft-checkpoint", help="torchvision raft_large weights file.")
]
Raw = Annotated[
    bool, typer.Option("--raw-probabilities", help="Write sigmoid x 255 instead of min-max maps.")
]
Masks = Annotated[
    bool, typer.Option("--masks", help="Write binary masks (min-max map > 128) as palette PNGs.")
]
Device = Annotated[str | None, typer.Option(help="cpu, cuda, cuda:1 ... (default: CUDA when available).")]
Batch = Annotated[int, typer.Option(help="Frames per network call.")]
Size = Annotated[int, typer.Option(help="Square network input size (512 as trained).")]


@isomer_app.command("infer")
def infer(
    layout: Annotated[
        str, typer.Option(help="Dataset layout, e.g. davis2016, davis2016-zvos, fbms, davsod.")
    ],
    root: Annotated[Path, typer.Option(help="Dataset root folder.")],
    out: Annotated[Path, typer.Option(help="Output folder: <out>/<seq>/<frame>.png.")],
    checkpoint: Checkpoint = None,
    backbone: Backbone = None,
    flow: Flow = None,
    raft_checkpoint: RaftCkpt = None,
    raw_probabilities: Raw = False,
    masks: Masks = False,
    annotated_only: Annotated[
        bool, typer.Option(help="Only frames with ground truth (as the authors).")
    ] = False,
    device: Device = None,
    batch_size: Batch = 4,
    input_size: Size = 512,
    overwrite: Annotated[bool, typer.Option(help="Write into existing sequence folders.")] = False,
) -> None:
    """Segment every sequence of a dataset with the dataset's flow images (or RAFT) and write grey maps.

    Example: vostok isomer infer --layout davis2016 --root DAVIS --out out/davis16 --checkpoint isomer.pth
    """
    import vostok
    from vostok.models.isomer.datasets import output_kind, run_isomer_on_dataset

    kind = output_kind(raw_probabilities, masks)
    model = vostok.load_model(
        "isomer",
        checkpoint=str(checkpoint) if checkpoint else None,
        device=device,
        backbone=backbone,
        batch_size=batch_size,
        input_size=input_size,
    )
    summary = run_isomer_on_dataset(
        model,
        layout,
        root,
        out,
        flow="raft" if flow == "raft" else "dataset",
        raft_checkpoint=raft_checkpoint,
        output=kind,
        annotated_only=annotated_only,
        overwrite=overwrite,
    )
    typer.echo(
        f"{summary.frames} frames of {summary.sequences} sequences written to {out} "
        f"({summary.frames_per_second:.2f} frames/s including flow and writing)."
    )


@isomer_app.command("segment")
def segment(
    video: Annotated[Path, typer.Argument(help="A video file or a folder of frames.")],
    out: Annotated[Path, typer.Option(help="Output folder: <out>/<video name>/<frame>.png.")],
    checkpoint: Checkpoint = None,
    backbone: Backbone = None,
    flow_dir: FlowDir = None,
    flow: Flow = None,
    raft_checkpoint: RaftCkpt = None,
    raw_probabilities: Raw = False,
    masks: Masks = False,
    device: Device = None,
    batch_size: Batch = 4,
    input_size: Size = 512,
    overwrite: Annotated[bool, typer.Option(help="Write into an existing result folder.")] = False,
) -> None:
    """Segment one video with no prompt (flow from --flow-dir, or --flow raft --raft-checkpoint FILE).

    Example: vostok isomer segment clip.mp4 --out out --checkpoint isomer.pth --flow raft --raft-checkpoint raft_large.pth
    """
    import vostok
    from vostok.cli._common import existing_path
    from vostok.io.results import ResultFolder
    from vostok.models.isomer.datasets import ZVOS_THRESHOLD, output_kind
    from vostok.progress import progress
    from vostok.video import Video

    kind = output_kind(raw_probabilities, masks)
    clip = Video.open(existing_path(video, "video"))
    model = vostok.load_model(
        "isomer",
        checkpoint=str(checkpoint) if checkpoint else None,
        device=device,
        backbone=backbone,
        batch_size=batch_size,
        input_size=input_size,
    )
    results = ResultFolder(out, overwrite=overwrite)
    name = video.stem if video.is_file() else video.name
    stream = model.segment(clip, flow_dir=flow_dir, flow=flow, raft_checkpoint=raft_checkpoint)
    for r in progress(stream, total=len(clip), desc="isomer", unit="frame"):
        if kind == "masks":
            results.write_labels(name, r.name, (r.saliency > ZVOS_THRESHOLD).astype("uint8"))
        else:
            results.write_grey(name, r.name, r.probabilities if kind == "probabilities" else r.saliency)
    typer.echo(f"{len(clip)} frames written to {out / name}.")


def register(app: typer.Typer) -> None:
    app.add_typer(isomer_app, name="isomer")
