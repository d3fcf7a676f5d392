"""``vostok infer``: run a model over a benchmark split and write what ``vostok evaluate`` / ``submit`` read."""

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


def infer(
    model: Annotated[str, typer.Option(help="Model name (vostok info lists them).")],
    dataset: Annotated[str, typer.Option(help="davis2017, davis2016, youtube-vos-2018 or youtube-vos-2019.")],
    root: Annotated[
        Path, typer.Option(help="Dataset root (DAVIS: the trainval folder; YouTube-VOS: the year).")
    ],
    out: Annotated[Path, typer.Option(help="Results folder: <out>/<sequence>/<frame>.png.")],
    checkpoint: CheckpointOpt = None,
    split: Annotated[
        str, typer.Option(help="DAVIS ImageSets split (val, test-dev) or YouTube-VOS split.")
    ] = "val",
    mode: Annotated[str, typer.Option(help="paper (default here) or bounded memory.")] = "paper",
    max_size: Annotated[
        int | None, typer.Option("--max-size", help="Shorter side at most N (default: 480 for YouTube-VOS).")
    ] = None,
    sequences: Annotated[str | None, typer.Option(help="Comma-separated subset of sequences.")] = None,
    device: DeviceOpt = None,
    option: ModelOptionsOpt = None,
    overwrite: Annotated[bool, typer.Option(help="Replace existing results.")] = False,
    allow_pickle: AllowPickleOpt = False,
    flow: FlowOpt = None,
    raft_checkpoint: RaftCheckpointOpt = None,
    raw_probabilities: RawProbabilitiesOpt = False,
    binary_masks: Annotated[
        bool, typer.Option(help="Zero-shot models: write binary masks (map > 128) as palette PNGs.")
    ] = False,
    annotated_only: Annotated[
        bool, typer.Option(help="Zero-shot models: only frames with ground truth (as the authors).")
    ] = False,
) -> None:
    """Segment every sequence of a benchmark split with the paper's procedure; report frames/s and memory.

    Example: vostok infer --model stcn --checkpoint stcn.pth --dataset davis2017 --root DAVIS/2017/trainval
    --split val --out results/stcn_d17

    Zero-shot: vostok infer --model isomer --checkpoint isomer.pth --dataset davis2016 --root DAVIS --out out/z
    (any DAVIS-16 / zero-shot / VSOD layout; flow from the dataset's Flow/ images, or --flow raft).
    """
    from vostok.api import load_model
    from vostok.cli._common import existing_path
    from vostok.inference.benchmarks import family, iter_benchmark, open_benchmark
    from vostok.inference.runner import RunStats, parse_options, run_predictor
    from vostok.io.results import ResultFolder
    from vostok.progress import progress

    existing_path(root, "dataset root")
    if model == "isomer":  # zero-shot: any DAVIS-16 / ZVOS / VSOD layout, flow from the dataset or RAFT
        from vostok.models.isomer.datasets import dataset_options, output_kind, run_isomer_on_dataset

        predictor = load_model(
            "isomer",
            checkpoint=str(checkpoint) if checkpoint else None,
            device=device,
            allow_pickle=allow_pickle,
            **parse_options(option),
        )
        summary = run_isomer_on_dataset(
            predictor,
            dataset,
            root,
            out,
            flow="raft" if flow == "raft" else "dataset",
            raft_checkpoint=raft_checkpoint,
            output=output_kind(raw_probabilities, binary_masks),
            annotated_only=annotated_only,
            overwrite=overwrite,
            sequences=[s.strip() for s in sequences.split(",")] if sequences else None,
            **dataset_options(dataset, split),
        )
        typer.echo(
            f"wrote {out}; {summary.frames} frames in {summary.seconds:.1f} s "
            f"({summary.frames_per_second:.2f} frames/s, flow and writing included)"
        )
        return
    if split == "val" and dataset.startswith("youtube"):
        split = "valid"
    if max_size is None and dataset.startswith("youtube"):
        max_size = 480
    names, _ = open_benchmark(dataset, root, split)  # fails early on a bad layout
    wanted = [s.strip() for s in sequences.split(",") if s.strip()] if sequences else None
    options = parse_options(option)
    if allow_pickle:
        options["allow_pickle"] = True
    predictor = load_model(
        model, checkpoint=str(checkpoint) if checkpoint else None, device=device, **options
    )
    if hasattr(predictor, "configure_for"):  # the authors' per-benchmark settings; -o options win
        applied = predictor.configure_for(family(dataset), keep=set(options), split=split)
        if applied:
            typer.echo(
                f"{model} settings for {dataset} {split}: "
                + ", ".join(f"{k}={v}" for k, v in applied.items())
            )
    folder = ResultFolder(out, overwrite=overwrite)
    stats = RunStats()
    for item in progress(
        iter_benchmark(dataset, root, split, wanted), total=len(wanted or names), desc=model
    ):
        results = run_predictor(predictor, item.video, item.masks, mode, max_size, **item.options)
        for result in results:
            name = item.frame_names[result.index]
            if item.write is None or name in item.write:
                if result.labels is not None:
                    folder.write_labels(item.name, name, result.labels)
                else:
                    folder.write_grey(item.name, name, result.saliency)
            stats.tick()
    typer.echo(f"wrote {out}; {stats.summary()}")


def register(app: typer.Typer) -> None:
    app.command("infer")(infer)
