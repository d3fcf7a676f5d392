"""The few public entry points: :func:`load_model`, :func:`segment`, :func:`evaluate`."""

from __future__ import annotations

from typing import Any

from vostok.models.registry import available_models, get_loader

__all__ = ["load_model", "available_models"]


def load_model(name: str, checkpoint: str | None = None, device: str | None = None, **options: Any) -> Any:
    """Build the predictor of system ``name`` ("stcn", "imsfr", "isomer", ...).

    ``checkpoint`` is a path to the authors' released file or one of ours; ``None`` gives random weights
    (a warning says so). ``device`` defaults to CUDA when available. Options are the system's own
    (e.g. ``backbone="mit_b0"`` for Isomer).
    """
    return get_loader(name)(checkpoint=checkpoint, device=device, **options)
