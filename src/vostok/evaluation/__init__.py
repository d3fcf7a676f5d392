"""Benchmark evaluation that equals the official toolkits: DAVIS J&F, VSOD metrics, submission packaging.

Imports no model. Entry points: :func:`evaluate_davis`, :func:`evaluate_vsod`,
:func:`package_youtube_vos`.
"""

from __future__ import annotations

from vostok.evaluation.davis import evaluate_davis

__all__ = ["evaluate_davis"]
