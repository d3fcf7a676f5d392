"""Dataset layouts on disk and the synthetic benchmark generator.

``open_dataset(layout, root, **options)`` reads any supported layout into the same
:class:`~vostok.data.base.Dataset` / :class:`~vostok.data.base.Sequence` contract; ``available_layouts()``
lists the names. :mod:`vostok.data.synthetic` renders synthetic videos in each layout.
"""

from vostok.data.base import Dataset, Sequence
from vostok.data.registry import PLANNED_LAYOUTS, available_layouts, open_dataset, register_layout

__all__ = ["PLANNED_LAYOUTS", "Dataset", "Sequence", "available_layouts", "open_dataset", "register_layout"]
