"""``vostok datasets``: check a dataset folder against its layout; synthesise benchmark datasets."""

from __future__ import annotations

from pathlib import Path

import typer

from vostok.errors import InputError

datasets_app = typer.Typer(
    help="Check dataset folders and generate synthetic datasets.\n\n"
    "Example: vostok datasets synth --layout davis2017 --out synth-davis --videos 3 --frames 20",
    no_args_is_help=True,
)


def _parse_options(options: list[str]) -> dict[str, object]:
    """``key=value`` pairs -> reader options (true/false and integers converted)."""
    parsed: dict[str, object] = {}
    for item in options:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InputError(f"--option takes KEY=VALUE (e.g. subset=val); got {item!r}.")
        lowered = value.lower()
        parsed[key.replace("-", "_")] = (
            True
            if lowered == "true"
            else False
            if lowered == "false"
            else int(value)
            if value.isdigit()
            else value
        )
    return parsed


@datasets_app.command("check")
def check(
    path: Path = typer.Argument(..., help="Top folder of the dataset."),
    layout: str = typer.Option(..., "--layout", "-l", help="Layout name, e.g. davis2017, youtube-vos-2019."),
    option: list[str] = typer.Option(
        [], "--option", "-o", help="Reader option KEY=VALUE, e.g. subset=val, split=valid (repeatable)."
    ),
) -> None:
    """Read PATH as LAYOUT and print sequences, frames, annotated frames, objects and problems.

    Exits 1 when problems are found, 2 when the folder does not have the layout at all.

    Example: vostok datasets check DAVIS/2017/trainval --layout davis2017 -o subset=val
    """
    from vostok.data import open_dataset
    from vostok.progress import progress

    dataset = open_dataset(layout, path, **_parse_options(option))
    frames = annotated = objects = 0
    for seq in progress(dataset, total=len(dataset), desc="checking", unit="seq"):
        frames += len(seq.frame_paths)
        annotated += sum(1 for name in seq.frame_names if name in seq.annotation_paths)
        if seq.annotation_paths:
            objects += len(seq.first_frames)
    problems = dataset.check()
    typer.echo(f"{dataset.layout} dataset at {dataset.root}")
    typer.echo(f"  sequences:        {len(dataset)}")
    typer.echo(f"  frames:           {frames}")
    typer.echo(f"  annotated frames: {annotated}")
    typer.echo(f"  objects:          {objects}")
    typer.echo(f"  problems:         {len(problems)}")
    for problem in problems[:50]:
        typer.echo(f"    - {problem}")
    if len(problems) > 50:
        typer.echo(f"    ... and {len(problems) - 50} more")
    if problems:
        raise typer.Exit(1)


@datasets_app.command("synth")
def synth(
    layout: str = typer.Option(
        ..., "--layout", "-l", help="Layout to write (see `vostok datasets layouts`)."
    ),
    out: Path = typer.Option(..., "--out", help="Output folder (must be new or empty unless --overwrite)."),
    videos: int = typer.Option(3, "--videos", help="Number of videos (images, for static-images)."),
    frames: int = typer.Option(20, "--frames", help="Frames per video."),
    size: str = typer.Option("240x427", "--size", help="Frame size HxW, e.g. 480x854."),
    seed: int = typer.Option(0, "--seed", help="Random seed; the same seed gives byte-identical files."),
    difficulty: float = typer.Option(0.5, "--difficulty", min=0.0, max=1.0, help="0 easy .. 1 hard."),
    workers: int = typer.Option(0, "--workers", help="Processes (0: one per CPU, at most 4)."),
    write_flo: bool = typer.Option(False, "--flo", help="Also write .flo files beside flow images."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace a dataset this command made before."),
) -> None:
    """Generate a synthetic dataset in a real dataset's on-disk layout (exact labels and optical flow).

    Example: vostok datasets synth --layout davis2017 --out synth-davis --videos 30 --frames 70 --size 480x854 --seed 0
    """
    from vostok.cli._common import parse_size
    from vostok.data.synthetic import generate_dataset

    path = generate_dataset(
        layout,
        out,
        videos=videos,
        frames=frames,
        size=parse_size(size),
        seed=seed,
        difficulty=difficulty,
        overwrite=overwrite,
        workers=workers or None,
        write_flo=write_flo,
    )
    typer.echo(f"wrote {videos} {layout} video(s) of {frames} frames to {path}")


@datasets_app.command("layouts")
def layouts() -> None:
    """List the layouts `check` reads and `synth` writes.

    Example: vostok datasets layouts
    """
    from vostok.data import PLANNED_LAYOUTS, available_layouts
    from vostok.data.synthetic import SYNTH_LAYOUTS

    typer.echo(f"readable:    {', '.join(available_layouts())}")
    typer.echo(f"synthesised: {', '.join(SYNTH_LAYOUTS)}")
    typer.echo(f"planned:     {', '.join(PLANNED_LAYOUTS)}")


def register(app: typer.Typer) -> None:
    app.add_typer(datasets_app, name="datasets")
