"""The few public entry points: :func:`load_model`, :func:`segment`, :func:`evaluate`."""

from __future__ import annotations

from typing import Any

from vostok.models.registry import available_models, get_loader

__all__ = ["load_model", "segment", "evaluate", "available_models"]


def load_model(name: str, checkpoint: str | None = None, device: str | None = None, **options: Any) -> Any:
    """Build the predictor of system ``name`` ("stcn", "imsfr", "isomer", ...).

    ``checkpoint`` is a path to the authors' released file or one of ours; ``None`` gives random weights
    (a warning says so). ``device`` defaults to CUDA when available. Options are the system's own
    (e.g. ``backbone="mit_b0"`` for Isomer).
    """
    return get_loader(name)(checkpoint=checkpoint, device=device, **options)


def segment(
    video: Any,
    model: str = "stcn",
    checkpoint: str | None = None,
    masks: dict | None = None,
    device: str | None = None,
    **options: Any,
) -> Any:
    """Load ``model`` and segment ``video`` in one call; returns the predictor's iterator of FrameResults.

    Semi-supervised models need ``masks={frame_index: label_map}``; zero-shot models take none (pass their
    inputs, e.g. ``flow_dir=...``, as options). For several videos, load the model once with
    :func:`load_model` and call its ``segment`` instead.
    """
    predictor = load_model(model, checkpoint=checkpoint, device=device)
    if masks is None:
        return predictor.segment(video, **options)
    return predictor.segment(video, masks=masks, **options)


def evaluate(benchmark: str, results: str, **options: Any) -> dict:
    """Evaluate a results folder: ``"davis"`` (``root=`` the DAVIS folder; J&F as davis2017-evaluation) or
    ``"vsod"`` (``gt=`` the ground-truth folder; PySODMetrics' numbers). Options are those of
    :func:`vostok.evaluation.evaluate_davis` / :func:`~vostok.evaluation.evaluate_vsod`."""
    from vostok.errors import InputError
    from vostok.evaluation import evaluate_davis, evaluate_vsod

    if benchmark == "davis":
        if "root" not in options:
            raise InputError("evaluate('davis', results, root=DAVIS_FOLDER, ...) needs the DAVIS root.")
        return evaluate_davis(options.pop("root"), results, **options)
    if benchmark == "vsod":
        if "gt" not in options:
            raise InputError("evaluate('vsod', results, gt=GT_FOLDER, ...) needs the ground-truth folder.")
        return evaluate_vsod(options.pop("gt"), results, **options)
    raise InputError(f"unknown benchmark {benchmark!r}; use 'davis' or 'vsod'.")
