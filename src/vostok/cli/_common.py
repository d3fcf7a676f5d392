"""Pieces shared by the CLI subcommands."""

from __future__ import annotations

from pathlib import Path

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
