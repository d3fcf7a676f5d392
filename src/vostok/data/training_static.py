"""Stage-0 pseudo-videos: three frames made from one still image and its mask (STCN's static pre-training).

Each clip draws one affine (scale 0.8-1.5) + flip + colour draw for all three frames, then per frame a
further small affine (20 deg, scale 0.9-1.1, shear 10), a resize to ``size`` on the short side, a random
``size`` crop, a light colour jitter, and with probability 1/3 a thin-plate-spline deformation. The mask is
warped as a soft mask and thresholded at 0.5 (STCN warps it bicubically; linear avoids overshoot).
"""

from __future__ import annotations

from collections.abc import Sequence as Seq
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset

from vostok.data import transforms as T
from vostok.data.training_clips import clip_tensors
from vostok.training.sampling import SampleKey


@dataclass
class StaticAugment:
    size: int = 384
    clip_scale: tuple[float, float] = (0.8, 1.5)
    clip_jitter: tuple[float, float, float, float] = (0.1, 0.05, 0.05, 0.05)
    grayscale: float = 0.05
    frame_degrees: float = 20.0
    frame_scale: tuple[float, float] = (0.9, 1.1)
    frame_shear: float = 10.0
    frame_jitter: tuple[float, float, float, float] = (0.1, 0.05, 0.05, 0.0)
    tps_probability: float = 0.33
    tps_points: int = 12
    tps_sigma: float = 0.02


def static_pairs(dataset) -> list[tuple[Path, Path]]:
    """(image, mask) file pairs of a ``static-images`` dataset (each sequence is one image)."""
    out = []
    for name in dataset.sequences:
        seq = dataset.sequence(name)
        frame = seq.frame_paths[0]
        if frame.stem in seq.annotation_paths:
            out.append((frame, seq.annotation_paths[frame.stem]))
    return out


def _read_pair(image_path: Path, mask_path: Path) -> tuple[np.ndarray, np.ndarray]:
    with Image.open(image_path) as im:
        image = np.asarray(im.convert("RGB"))
    with Image.open(mask_path) as m:
        raw = np.asarray(m.convert("L"))
    if raw.max(initial=0) <= 1:  # 0/1 label masks
        raw = raw * 255
    return image, (raw >= 128).astype(np.float32)


class StaticPseudoVideoDataset(Dataset):
    """Single-object three-frame clips synthesised from still images, addressed by SampleKey."""

    def __init__(
        self, pairs: Seq[tuple[Path, Path]], augment: StaticAugment | None = None, num_frames: int = 3
    ):
        self.pairs = list(pairs)
        self.augment = augment or StaticAugment()
        self.num_frames = num_frames

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitem__(self, key: SampleKey) -> dict[str, torch.Tensor]:
        rng = key.rng()
        a = self.augment
        image, mask = _read_pair(*self.pairs[key.index])
        m = T.sample_affine(rng, image.shape[:2], scale=a.clip_scale)
        image, (mask,) = T.warp_affine(image, [mask], m)
        if rng.random() < 0.5:
            image, (mask,) = T.hflip(image, [mask])
        clip_colour = rng.integers(0, 2**31)
        frames, masks = [], []
        for _ in range(self.num_frames):
            crng = np.random.default_rng(clip_colour)
            im = T.random_grayscale(crng, T.color_jitter(crng, image, *a.clip_jitter), a.grayscale)
            m = T.sample_affine(rng, im.shape[:2], a.frame_degrees, a.frame_scale, a.frame_shear)
            im, (mk,) = T.warp_affine(im, [mask], m)
            im, (mk,) = T.resize_short_side(im, [mk], a.size)
            im, (mk,) = T.random_crop(rng, im, [mk], a.size)
            im = T.color_jitter(rng, im, *a.frame_jitter)
            if rng.random() < a.tps_probability:
                im, (mk,) = T.thin_plate_spline_warp(rng, im, [mk], a.tps_points, a.tps_sigma)
            frames.append(im)
            masks.append((mk > 0.5).astype(np.uint8))
        return clip_tensors(frames, masks, None)
