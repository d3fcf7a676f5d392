"""Dataset layouts on disk and the synthetic benchmark generator.

``open_dataset(layout, root, **options)`` reads any supported layout into the same
:class:`~vostok.data.base.Dataset` / :class:`~vostok.data.base.Sequence` contract; ``available_layouts()``
lists the names (``vostok datasets layouts`` prints them).

=======================  ==========================================  ===================================
layout                   root holds                                  options
=======================  ==========================================  ===================================
davis2017                JPEGImages/, Annotations/, ImageSets/       subset, resolution, unsupervised
davis2016                JPEGImages/, Annotations/ (0/255), Flow/    subset, resolution
youtube-vos-2018/2019    train/, valid/, valid_all_frames/           split, all_frames
static-images            <set>/x.jpg + x.png (or image/mask dirs)    sets
bl30k                    JPEGImages/, Annotations/
fbms, youtube-objects,   <seq>/{Frame,Flow,GT}/ (Isomer's layout)    dense, require_flow
segtrack-v2, visal,
davsod, long-videos,
mcl, davis2016-zvos,
isomer
=======================  ==========================================  ===================================

Referring layouts (ref-youtube-vos, ref-davis, a2d-sentences, jhmdb-sentences, refcoco) are planned: see
:mod:`vostok.data.registry` for where they plug in. :mod:`vostok.data.synthetic` renders synthetic videos
in each layout above.
"""

from vostok.data.base import Dataset, Sequence
from vostok.data.registry import PLANNED_LAYOUTS, available_layouts, open_dataset, register_layout

__all__ = ["PLANNED_LAYOUTS", "Dataset", "Sequence", "available_layouts", "open_dataset", "register_layout"]
