"""Model-generic glue for the CLI runners: prompting a predictor, timing and peak-memory reporting.

A predictor is anything with ``segment(video, masks=..., mode=..., max_size=...) -> Iterator[FrameResult]``
(semi-supervised) or ``segment(video, ...)`` without masks (zero-shot: results carry ``saliency``).
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import torch

from vostok.errors import InputError
from vostok.inference.results import FrameResult


def parse_options(pairs: list[str] | None) -> dict[str, Any]:
    """``["top_k=20", "precision=bf16"]`` -> ``{"top_k": 20, "precision": "bf16"}`` (ints/floats/bools parsed)."""
    out: dict[str, Any] = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise InputError(f"model option {pair!r} must look like name=value (e.g. top_k=20).")
        key, raw = pair.split("=", 1)
        value: Any = raw
        if raw.lower() in ("true", "false"):
            value = raw.lower() == "true"
        else:
            for cast in (int, float):
                try:
                    value = cast(raw)
                    break
                except ValueError:
                    pass
        out[key.strip().replace("-", "_")] = value
    return out


def run_predictor(
    predictor: Any, video: Any, masks: Mapping[int, Any] | None, mode: str, max_size: int | None, **extra: Any
) -> Iterator[FrameResult]:
    """Call the predictor with a prompt when it takes one (semi-supervised) and without otherwise."""
    kwargs: dict[str, Any] = {"max_size": max_size, **extra}
    if masks is not None:
        kwargs.update(masks=masks, mode=mode)
    return predictor.segment(video, **kwargs)


@dataclass
class RunStats:
    """Frames/s and peak memory of a run (GPU memory on CUDA, else the process's peak resident size)."""

    frames: int = 0
    seconds: float = 0.0

    def __post_init__(self) -> None:
        self._start = time.perf_counter()
        if torch.cuda.is_available():
            torch.cuda.reset_peak_memory_stats()

    def tick(self, n: int = 1) -> None:
        self.frames += n
        self.seconds = time.perf_counter() - self._start

    def summary(self) -> str:
        fps = self.frames / self.seconds if self.seconds > 0 else float("nan")
        return f"{self.frames} frames in {self.seconds:.1f} s ({fps:.2f} frames/s); peak memory {peak_memory_text()}"


def peak_memory_text() -> str:
    """Peak GPU memory allocated (CUDA) or peak resident memory of this process."""
    parts = []
    if torch.cuda.is_available():
        parts.append(f"GPU {torch.cuda.max_memory_allocated() / 2**20:.0f} MiB")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rss_mib = rss / 2**20 if sys.platform == "darwin" else rss / 1024
    parts.append(f"RSS {rss_mib:.0f} MiB")
    return ", ".join(parts)
