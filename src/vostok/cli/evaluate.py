"""``vostok evaluate``: DAVIS J&F (semi-supervised, unsupervised, 2016) and VSOD metrics of result folders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

evaluate_app = typer.Typer(
    help="Evaluate a method's result folders with the official benchmark numbers (much faster).",
    no_args_is_help=True,
)


@evaluate_app.command("davis")
def davis(
    root: Annotated[Path, typer.Option("--root", help="DAVIS root (holds ImageSets and Annotations).")],
    results: Annotated[Path, typer.Option("--results", help="Folder of <sequence>/<frame>.png results.")],
    split: Annotated[str, typer.Option(help="ImageSets split, e.g. val.")] = "val",
    year: Annotated[str, typer.Option(help="2017 (multi-object) or 2016 (binary).")] = "2017",
    task: Annotated[str, typer.Option(help="semi-supervised or unsupervised (also Ref-DAVIS17).")] = (
        "semi-supervised"
    ),
    frames: Annotated[
        str, typer.Option(help="auto (semi: drop first/last; unsupervised: all), all (zero-shot), inner.")
    ] = "auto",
    resolution: Annotated[str, typer.Option(help="Annotation folder: 480p or Full-Resolution.")] = "480p",
    workers: Annotated[int | None, typer.Option(help="Parallel processes (default: CPU cores).")] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write every number to this JSON.")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace existing CSVs / JSON.")] = False,
    per_object: Annotated[bool, typer.Option(help="Also print the per-object table.")] = False,
) -> None:
    """J&F of a results folder, equal to davis2017-evaluation; writes its two CSVs into the results folder.

    Example: vostok evaluate davis --root DAVIS/2017/trainval --results out/davis17 --split val
    """
    from vostok.cli._common import existing_path
    from vostok.evaluation import evaluate_davis
    from vostok.evaluation.davis import GLOBAL_KEYS
    from vostok.evaluation.reports import (
        check_writable,
        davis_csv_paths,
        render_table,
        write_davis_csvs,
        write_json,
    )

    existing_path(root, "DAVIS root")
    existing_path(results, "results folder")
    check_writable([*davis_csv_paths(results, split), *([json_path] if json_path else [])], overwrite)
    result = evaluate_davis(
        root,
        results,
        split=split,
        year=year,
        task=task,
        workers=workers,
        frames=frames,
        resolution=resolution,
    )
    write_davis_csvs(result, results, split, overwrite)
    if json_path:
        write_json(result, json_path, overwrite)
    if per_object:
        render_table("per object", ["J-Mean", "F-Mean"], list(result["objects"].items()))
    render_table(
        f"DAVIS {year} {split}, {task}, {len(result['objects'])} objects",
        list(GLOBAL_KEYS),
        [("global", result["global"])],
    )


@evaluate_app.command("vsod")
def vsod(
    gt: Annotated[Path, typer.Option("--gt", help="Ground truth: <video>/<frame>.png, > 128 is foreground.")],
    pred: Annotated[Path, typer.Option("--pred", help="Grey maps: <video>/<frame>.png, 0..255.")],
    per_video: Annotated[bool, typer.Option(help="Average per video, then over videos.")] = False,
    skip_first_last: Annotated[
        bool, typer.Option(help="Leave out each video's first and last frame.")
    ] = False,
    workers: Annotated[int | None, typer.Option(help="Parallel processes (default: CPU cores).")] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write every number to this JSON.")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing JSON.")] = False,
) -> None:
    """MAE, S-measure, weighted F, max/mean/adaptive F and E, equal to PySODMetrics 1.6.2.

    Example: vostok evaluate vsod --gt DAVSOD/GT --pred out/davsod --per-video
    """
    from vostok.cli._common import existing_path
    from vostok.evaluation import evaluate_vsod
    from vostok.evaluation.reports import check_writable, render_table, write_json
    from vostok.evaluation.vsod import METRICS

    existing_path(gt, "ground-truth folder")
    existing_path(pred, "prediction folder")
    if json_path:
        check_writable([json_path], overwrite)
    result = evaluate_vsod(gt, pred, per_video=per_video, skip_first_last=skip_first_last, workers=workers)
    if json_path:
        write_json(result, json_path, overwrite)
    render_table(
        f"{result['frames']} frames, averaged over {result['averaging']}",
        list(METRICS),
        [("all", result["global"])],
    )


def register(app: typer.Typer) -> None:
    app.add_typer(evaluate_app, name="evaluate")
