"""Layout names -> reader functions.

A reader is ``open(root: Path, **options) -> Dataset`` registered with ``@register_layout("name")``.
Layout modules register themselves when imported; :func:`open_dataset` imports them on first use.

Referring layouts (``ref-youtube-vos``, ``ref-davis``, ``a2d-sentences``, ``jhmdb-sentences``,
``refcoco``) come with the referring issue: add a module ``vostok/data/<layout>.py`` with a registered
reader returning the same :class:`~vostok.data.base.Dataset` (its sequences may carry expressions as extra
attributes) and add the module name to ``_LAYOUT_MODULES`` below. They are listed in ``PLANNED_LAYOUTS`` so
that asking for one today says so instead of "unknown layout".
"""

from __future__ import annotations

import importlib
import inspect
import os
from collections.abc import Callable
from pathlib import Path

from vostok.data.base import Dataset
from vostok.errors import InputError, LayoutError

Reader = Callable[..., Dataset]

_READERS: dict[str, Reader] = {}
_LAYOUT_MODULES = ("davis", "youtube_vos", "static_images", "bl30k", "vsod")
PLANNED_LAYOUTS = ("ref-youtube-vos", "ref-davis", "a2d-sentences", "jhmdb-sentences", "refcoco")


def register_layout(*names: str) -> Callable[[Reader], Reader]:
    """Decorator: register a reader under one or more layout names (lower case, dashes)."""

    def wrap(reader: Reader) -> Reader:
        for name in names:
            if name in _READERS and _READERS[name] is not reader:
                raise ValueError(f"layout {name!r} is registered twice")
            _READERS[name] = reader
        return reader

    return wrap


def _load_layout_modules() -> None:
    for module in _LAYOUT_MODULES:
        importlib.import_module(f"vostok.data.{module}")


def available_layouts() -> list[str]:
    """Every layout name :func:`open_dataset` accepts."""
    _load_layout_modules()
    return sorted(_READERS)


def _normalise(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def open_dataset(layout: str, root: str | os.PathLike, **options) -> Dataset:
    """Open the dataset at ``root`` read in ``layout`` (see :func:`available_layouts`).

    ``options`` go to the layout's reader (e.g. ``subset="val"``, ``resolution="480p"`` for DAVIS,
    ``split="valid"`` for YouTube-VOS). A folder that does not match the layout raises
    :class:`~vostok.errors.LayoutError` saying which folder or file is missing and what was expected.
    """
    _load_layout_modules()
    name = _normalise(layout)
    if name in PLANNED_LAYOUTS:
        raise InputError(f"layout {layout!r} is not supported yet (it comes with the referring models).")
    reader = _READERS.get(name)
    if reader is None:
        raise InputError(f"unknown dataset layout {layout!r}; known layouts: {', '.join(sorted(_READERS))}.")
    root = Path(root).expanduser()
    if not root.is_dir():
        state = "is a file" if root.exists() else "does not exist"
        raise LayoutError(f"dataset root {root} {state}; expected the top folder of a {name} dataset.")
    accepted = [p for p in inspect.signature(reader).parameters if p != "root"]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise InputError(
            f"layout {name!r} does not take option(s) {', '.join(unknown)}; it takes: {', '.join(accepted)}."
        )
    return reader(root, **options)
