"""Listing and checking files in dataset folders (shared by every layout reader)."""

from __future__ import annotations

import re
from pathlib import Path

from vostok.errors import LayoutError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")
_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> list[object]:
    """Sort key that orders ``frame2`` before ``frame10`` (digit runs compare as numbers)."""
    return [int(part) if part.isdigit() else part.lower() for part in _DIGITS.split(name)]


def list_images(folder: Path, suffixes: tuple[str, ...] = IMAGE_SUFFIXES) -> list[Path]:
    """Image files directly in ``folder`` (hidden files skipped), in natural order."""
    if not folder.is_dir():
        return []
    files = [
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in suffixes
    ]
    return sorted(files, key=lambda p: natural_key(p.name))


def list_frames(folder: Path) -> list[Path]:
    """Frame images of a sequence folder: its JPEGs (the datasets' format), else whatever images it has."""
    images = list_images(folder)
    jpegs = [p for p in images if p.suffix.lower() in (".jpg", ".jpeg")]
    return jpegs or images


def list_subfolders(folder: Path) -> list[str]:
    """Names of the visible sub-folders of ``folder``, in natural order."""
    if not folder.is_dir():
        return []
    names = [p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")]
    return sorted(names, key=natural_key)


def require_dir(path: Path, what: str, layout: str, hint: str = "") -> Path:
    """Return ``path`` if it is a folder; else raise a LayoutError naming what was expected there."""
    if not path.is_dir():
        state = "is a file, not a folder" if path.exists() else "is missing"
        extra = f" {hint}" if hint else ""
        raise LayoutError(f"{layout} layout: {what} {path} {state}.{extra}")
    return path


def require_file(path: Path, what: str, layout: str, hint: str = "") -> Path:
    """Return ``path`` if it is a file; else raise a LayoutError naming what was expected there."""
    if not path.is_file():
        extra = f" {hint}" if hint else ""
        raise LayoutError(f"{layout} layout: {what} {path} is missing.{extra}")
    return path


def read_name_list(path: Path) -> list[str]:
    """Sequence names from an ImageSets-style text file: first token of each non-empty line."""
    names = []
    for line in path.read_text().splitlines():
        token = line.strip().split()[0] if line.strip() else ""
        if token:
            names.append(token)
    return names
