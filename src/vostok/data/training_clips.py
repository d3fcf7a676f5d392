"""Training clips from annotated videos (DAVIS, YouTube-VOS, BL30K): STCN's frame triplets.

A clip is ``num_frames`` annotated frames at most ``max_jump`` apart, in random direction, with up to two
objects (a target and, when the first frame has one, a second), augmented with one crop/flip/colour draw
per clip and a small affine + colour draw per frame. ``max_jump`` follows the max-skip curriculum over the
run (5 -> 10 -> 15 -> 20 -> 25 -> 5 by default), read from the iteration in the sample key, so no loader
has to be rebuilt and a resumed run sees the same curriculum.
"""

from __future__ import annotations

from collections.abc import Sequence as Seq
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset

from vostok.data import transforms as T
from vostok.io.masks import read_label_map
from vostok.training.sampling import SampleKey


@dataclass
class ClipSource:
    """One video's annotated frames, in playback order (YouTube-VOS train: every 5th raw frame)."""

    name: str
    frames: list[Path]
    annotations: list[Path]


def clip_sources(dataset) -> list[ClipSource]:
    """The annotated frames of every sequence of a :mod:`vostok.data` dataset with at least 2 of them."""
    out = []
    for name in dataset.sequences:
        seq = dataset.sequence(name)
        pairs = [(p, seq.annotation_paths[p.stem]) for p in seq.frame_paths if p.stem in seq.annotation_paths]
        if len(pairs) >= 2:
            out.append(ClipSource(name, [f for f, _ in pairs], [a for _, a in pairs]))
    return out


@dataclass
class Curriculum:
    """Max-skip schedule: ``values[i]`` applies from fraction ``[0] + fractions`` [i] of the run."""

    values: list[int] = field(default_factory=lambda: [5, 10, 15, 20, 25, 5])
    fractions: list[float] = field(default_factory=lambda: [0.1, 0.2, 0.3, 0.4, 0.9])

    def max_skip(self, iteration: int, total_iterations: int) -> int:
        progress = iteration / max(1, total_iterations)
        return self.values[sum(1 for f in self.fractions if progress >= f)]


def pick_frames(rng: np.random.Generator, length: int, max_jump: int, num_frames: int = 3) -> list[int]:
    """STCN's rule: frames in order, each within ``max_jump`` (+1) of the previous, reversed with p=0.5."""
    mj = max(1, min(length, max_jump))
    idx = [int(rng.integers(0, length - mj + 1))]
    for i in range(1, num_frames):
        # as STCN: frame i stays at or before len - mj / 2^(i-1); short videos may repeat a frame
        idx.append(min(idx[-1] + int(rng.integers(1, mj + 2)), length - mj // 2 ** (i - 1), length - 1))
    if rng.random() < 0.5:
        idx.reverse()
    return idx


@dataclass
class ClipAugment:
    """STCN's video-clip augmentation parameters."""

    size: int = 384
    crop_scale: tuple[float, float] = (0.36, 1.0)
    clip_jitter: tuple[float, float, float, float] = (0.1, 0.03, 0.03, 0.0)
    grayscale: float = 0.05
    frame_degrees: float = 15.0
    frame_shear: float = 10.0
    frame_jitter: tuple[float, float, float, float] = (0.01, 0.01, 0.01, 0.0)


def _read_rgb(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def clip_tensors(
    images: list[np.ndarray], target: list[np.ndarray], second: list[np.ndarray] | None
) -> dict[str, torch.Tensor]:
    """The sample dict every memory-network recipe reads.

    ``rgb (T,3,S,S)`` normalised; ``gt``/``sec_gt (T,1,S,S)`` float; ``cls_gt (T,S,S)`` int64 with 0
    background, 1 target, 2 second object; ``selector (2,)`` = [1, 1 if a second object exists].
    """
    gt = torch.from_numpy(np.stack(target)).float()[:, None]
    sec = torch.from_numpy(np.stack(second)).float()[:, None] if second is not None else torch.zeros_like(gt)
    cls = torch.zeros(gt.shape[0], *gt.shape[2:], dtype=torch.int64)
    cls[gt[:, 0] > 0.5] = 1
    cls[sec[:, 0] > 0.5] = 2
    return {
        "rgb": torch.stack([T.to_normalised_tensor(im) for im in images]),
        "gt": gt,
        "sec_gt": sec,
        "cls_gt": cls,
        "selector": torch.tensor([1.0, 1.0 if second is not None else 0.0]),
    }


class VideoClipDataset(Dataset):
    """Augmented clips of ``num_frames`` annotated frames with up to two objects, addressed by SampleKey."""

    def __init__(
        self,
        sources: Seq[ClipSource],
        total_iterations: int,
        curriculum: Curriculum | None = None,
        jump_divisor: int = 1,
        augment: ClipAugment | None = None,
        num_frames: int = 3,
        bl30k_filter: bool = False,
    ) -> None:
        self.sources = list(sources)
        self.total_iterations = total_iterations
        self.curriculum = curriculum or Curriculum()
        self.jump_divisor = jump_divisor
        self.augment = augment or ClipAugment()
        self.num_frames = num_frames
        self.bl30k_filter = bl30k_filter

    def __len__(self) -> int:
        return len(self.sources)

    def max_jump(self, iteration: int) -> int:
        return max(1, self.curriculum.max_skip(iteration, self.total_iterations) // self.jump_divisor)

    def _objects(self, rng: np.random.Generator, labels: list[np.ndarray]) -> list[int]:
        ids = [int(i) for i in np.unique(labels[0]) if i not in (0, 255)]
        if self.bl30k_filter:  # drop specks, and small objects that blow up later (BL30K render artefacts)
            keep = []
            for i in ids:
                area = int((labels[0] == i).sum())
                if area > 10**2 and (
                    area > 30**2 or all(int((lab == i).sum()) < 20**2 for lab in labels[1:])
                ):
                    keep.append(i)
            ids = keep
        return [int(i) for i in rng.permutation(ids)]

    def __getitem__(self, key: SampleKey) -> dict[str, torch.Tensor]:
        rng = key.rng()
        src = self.sources[key.index]
        mj = self.max_jump(key.iteration)
        for _ in range(5):  # retry when the first frame of the clip has no usable object
            idx = pick_frames(rng, len(src.frames), mj, self.num_frames)
            labels = [read_label_map(src.annotations[i]) for i in idx]
            objects = self._objects(rng, labels)
            if objects:
                break
        images = [_read_rgb(src.frames[i]) for i in idx]
        a = self.augment
        # per clip: one crop box, one flip, one colour draw for all frames
        box = T.sample_resized_crop(rng, labels[0].shape, a.crop_scale)
        flip = rng.random() < 0.5
        clip_colour = rng.integers(0, 2**31)
        out_images, out_labels = [], []
        for image, lab in zip(images, labels, strict=True):
            image, (lab,) = T.crop_and_resize(image, [lab], box, a.size)
            if flip:
                image, (lab,) = T.hflip(image, [lab])
            crng = np.random.default_rng(clip_colour)
            image = T.random_grayscale(crng, T.color_jitter(crng, image, *a.clip_jitter), a.grayscale)
            m = T.sample_affine(rng, (a.size, a.size), a.frame_degrees, shear=a.frame_shear)
            image, (lab,) = T.warp_affine(image, [lab], m)
            image = T.color_jitter(rng, image, *a.frame_jitter)
            out_images.append(image)
            out_labels.append(lab)
        target = [
            (lab == objects[0]).astype(np.uint8) if objects else np.zeros_like(lab) for lab in out_labels
        ]
        second = [(lab == objects[1]).astype(np.uint8) for lab in out_labels] if len(objects) > 1 else None
        return clip_tensors(out_images, target, second)


class KeyedConcat(Dataset):
    """Several keyed datasets as one, each repeated ``repeats[i]`` times (STCN: DAVIS x5 + YouTube-VOS)."""

    def __init__(self, datasets: Seq[Dataset], repeats: Seq[int] | None = None) -> None:
        self.datasets = list(datasets)
        repeats = list(repeats or [1] * len(self.datasets))
        self.table = [
            (d, i)
            for d, r in zip(self.datasets, repeats, strict=True)
            for _ in range(r)
            for i in range(len(d))
        ]

    def __len__(self) -> int:
        return len(self.table)

    def __getitem__(self, key: SampleKey):
        dataset, index = self.table[key.index]
        return dataset[key._replace(index=index)]
