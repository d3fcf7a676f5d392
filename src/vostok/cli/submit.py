"""``vostok submit``: check results and write the zip an evaluation server takes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

submit_app = typer.Typer(
    help="Package results for benchmark servers (checked locally first).", no_args_is_help=True
)


@submit_app.command("youtube-vos")
def youtube_vos(
    results: Annotated[Path, typer.Option("--results", help="Folder of <video>/<frame>.png index PNGs.")],
    meta: Annotated[Path, typer.Option("--meta", help="The split's meta.json (e.g. valid/meta.json).")],
    out: Annotated[Path, typer.Option("--out", help="Zip to write, e.g. submission.zip.")],
    valid_dir: Annotated[
        Path | None, typer.Option("--valid-dir", help="The split's folder, to check sizes against its files.")
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing zip.")] = False,
) -> None:
    """Check every video and frame of meta.json (presence, size, ids) and write the server's zip layout.

    Example: vostok submit youtube-vos --results out/ytvos19 --meta valid/meta.json --out submission.zip
    """
    from vostok.cli._common import existing_path
    from vostok.evaluation.youtube import package_youtube_vos

    existing_path(results, "results folder")
    counts = package_youtube_vos(results, meta, out, valid_dir=valid_dir, overwrite=overwrite)
    typer.echo(
        f"wrote {out}: {counts['videos']} videos, {counts['frames']} frames (Annotations/<video>/<frame>.png)"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(submit_app, name="submit")
