"""Pieces shared by the CLI subcommands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vostok.errors import InputError


def existing_path(path: Path, what: str) -> Path:
    """Return ``path`` if it exists, else raise an InputError naming ``what`` it should have been."""
    if not path.exists():
        raise InputError(f"{what} {path} does not exist.")
    return path


def parse_size(size: str) -> tuple[int, int]:
    """Parse an ``HxW`` option (e.g. ``480x854``) into ``(height, width)``."""
    height, sep, width = size.lower().partition("x")
    if not sep or not height.isdigit() or not width.isdigit() or int(height) < 1 or int(width) < 1:
        raise InputError(f"--size takes HxW in pixels, e.g. 480x854; got {size!r}.")
    return int(height), int(width)


# Options shared by `vostok segment` and `vostok infer` (one definition, one help text).
CheckpointOpt = Annotated[Path | None, typer.Option(help="The authors' released checkpoint file.")]
DeviceOpt = Annotated[str | None, typer.Option(help="cpu, cuda or cuda:N (default: CUDA when available).")]
ModelOptionsOpt = Annotated[
    list[str] | None, typer.Option("--option", "-o", help="Model option name=value (e.g. top_k=20).")
]
AllowPickleOpt = Annotated[bool, typer.Option(help="Load checkpoints that need pickle (trusted files only).")]
FlowOpt = Annotated[str | None, typer.Option(help="Zero-shot models: 'raft' computes the flow.")]
RaftCheckpointOpt = Annotated[
    Path | None, typer.Option(help="torchvision raft_large weights for --flow raft.")
]
RawProbabilitiesOpt = Annotated[
    bool, typer.Option(help="Zero-shot models: write sigmoid x 255, not min-max maps.")
]
