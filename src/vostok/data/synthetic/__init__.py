"""Synthetic VOS benchmarks: textured objects moving, scaling, rotating and occluding each other over a
moving textured background, with exact labels and exact optical flow, written in real dataset layouts.

* :func:`synthesize_video` returns one video in memory (frames, labels, flow) for tests.
* :func:`generate_dataset` writes a whole dataset (DAVIS 2016/2017, YouTube-VOS, static images, BL30K,
  the Isomer zero-shot / VSOD sets); ``vostok datasets synth`` is its command line.
"""

from vostok.data.synthetic.generate import SYNTH_LAYOUTS, generate_dataset, scene_for_video
from vostok.data.synthetic.video import make_scene, synthesize_video

__all__ = ["SYNTH_LAYOUTS", "generate_dataset", "make_scene", "scene_for_video", "synthesize_video"]
