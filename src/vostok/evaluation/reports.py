"""Writing evaluation results: the official DAVIS CSVs, full-precision JSON, and console tables."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from vostok.errors import OverwriteError
from vostok.evaluation.davis import GLOBAL_KEYS
from vostok.io.atomic import atomic_path

PER_OBJECT_KEYS = ("J-Mean", "F-Mean")


def davis_csv_paths(results_dir: str | os.PathLike, split: str) -> tuple[Path, Path]:
    """``global_results-<split>.csv`` and ``per-sequence_results-<split>.csv`` in the results folder."""
    root = Path(results_dir)
    return root / f"global_results-{split}.csv", root / f"per-sequence_results-{split}.csv"


def check_writable(paths: list[Path], overwrite: bool) -> None:
    """Refuse, before any work is done, to replace existing result files unless ``overwrite``."""
    existing = [str(p) for p in paths if p.exists()]
    if existing and not overwrite:
        raise OverwriteError(
            f"{', '.join(existing)} already exist(s); pass --overwrite to replace them with the new numbers "
            "(vostok never reuses old CSVs: it always evaluates)."
        )


def _fmt(value: float) -> str:
    return "nan" if math.isnan(value) else f"{value:.3f}"


def write_davis_csvs(
    result: dict[str, Any], results_dir: str | os.PathLike, split: str, overwrite: bool
) -> None:
    """Write the two CSVs of davis2017-evaluation (same columns, ``%.3f``)."""
    global_csv, per_object_csv = davis_csv_paths(results_dir, split)
    g = result["global"]
    with atomic_path(global_csv, overwrite=overwrite) as tmp:
        tmp.write_text(",".join(GLOBAL_KEYS) + "\n" + ",".join(_fmt(g[k]) for k in GLOBAL_KEYS) + "\n")
    lines = ["Sequence," + ",".join(PER_OBJECT_KEYS)]
    lines += [
        name + "," + ",".join(_fmt(o[k]) for k in PER_OBJECT_KEYS) for name, o in result["objects"].items()
    ]
    with atomic_path(per_object_csv, overwrite=overwrite) as tmp:
        tmp.write_text("\n".join(lines) + "\n")


def write_json(result: dict[str, Any], path: str | os.PathLike, overwrite: bool) -> None:
    """Every number at full precision (``repr`` floats; NaN written as ``NaN``)."""
    with atomic_path(path, overwrite=overwrite) as tmp:
        tmp.write_text(json.dumps(result, indent=1))


def render_table(title: str, columns: list[str], rows: list[tuple[str, dict[str, float]]]) -> None:
    """Print a compact table with rich (3 decimals, like the official console output)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    table.add_column("")
    for c in columns:
        table.add_column(c, justify="right")
    for name, values in rows:
        table.add_row(name, *(_fmt(values[c]) for c in columns))
    Console().print(table)
