"""Progress bars for long work (one style everywhere: tqdm on stderr)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")


def progress(
    iterable: Iterable[T],
    total: int | None = None,
    desc: str = "",
    disable: bool | None = None,
    unit: str = "it",
) -> Iterator[T]:
    """Wrap ``iterable`` in a progress bar. Disabled when ``VOSTOK_NO_PROGRESS=1`` or ``disable=True``."""
    if disable is None:
        disable = os.environ.get("VOSTOK_NO_PROGRESS") == "1"
    return iter(
        tqdm(iterable, total=total, desc=desc, disable=disable, unit=unit, dynamic_ncols=True, leave=False)
    )
