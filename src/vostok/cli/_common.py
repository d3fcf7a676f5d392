"""Pieces shared by the CLI subcommands."""

from __future__ import annotations

from pathlib import Path

from vostok.errors import InputError


def existing_path(path: Path, what: str) -> Path:
    """Return ``path`` if it exists, else raise an InputError naming ``what`` it should have been."""
    if not path.exists():
        raise InputError(f"{what} {path} does not exist.")
    return path
