"""Benchmark evaluation that equals the official toolkits: DAVIS J&F, VSOD metrics, submission packaging.

Imports no model. Entry points: :func:`evaluate_davis` (davis2017-evaluation numbers),
:func:`evaluate_vsod` (PySODMetrics numbers), :func:`package_youtube_vos` (server zip).
See docs/evaluation.md for every place where vostok deliberately differs from the official tools.
"""

from __future__ import annotations

from vostok.evaluation.davis import evaluate_davis
from vostok.evaluation.vsod import evaluate_vsod
from vostok.evaluation.youtube import package_youtube_vos

__all__ = ["evaluate_davis", "evaluate_vsod", "package_youtube_vos"]
