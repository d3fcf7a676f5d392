"""Training data: triplet choice, curriculum, seeded augmentation, static pseudo-videos, bootstrapped CE."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from vostok.data import transforms as T
from vostok.data.training_clips import (
    ClipAugment,
    ClipSource,
    Curriculum,
    KeyedConcat,
    VideoClipDataset,
    pick_frames,
)
from vostok.data.training_static import StaticAugment, StaticPseudoVideoDataset
from vostok.io.masks import write_label_map
from vostok.training.losses import bootstrap_fraction, bootstrapped_cross_entropy
from vostok.training.sampling import SampleKey


def test_triplets_stay_within_the_max_jump_and_come_in_both_directions():
    rng = np.random.default_rng(0)
    forward = backward = 0
    for _ in range(300):
        idx = pick_frames(rng, 40, 5)
        steps = np.diff(idx)
        assert all(0 <= i < 40 for i in idx)
        assert np.all(np.abs(steps) <= 6)
        forward += bool(np.all(steps >= 0))
        backward += bool(np.all(steps <= 0))
    assert forward > 100 and backward > 100


def test_short_videos_give_valid_indices_even_with_a_long_jump():
    rng = np.random.default_rng(1)
    for _ in range(50):
        assert all(0 <= i < 2 for i in pick_frames(rng, 2, 25))


def test_max_skip_curriculum_follows_the_run_fractions():
    c = Curriculum()
    values = [c.max_skip(it, 1000) for it in (0, 99, 100, 250, 399, 400, 899, 900, 999)]
    assert values == [5, 5, 10, 15, 20, 25, 25, 5, 5]


@pytest.fixture
def tiny_video(tmp_path):
    frames, anns = [], []
    for t in range(8):
        img = np.full((40, 48, 3), 60, np.uint8)
        lab = np.zeros((40, 48), np.uint8)
        lab[5:20, 5 + t : 20 + t] = 1
        lab[22:36, 25:40] = 2
        img[lab == 1] = (220, 40, 40)
        img[lab == 2] = (40, 220, 40)
        frames.append(tmp_path / f"{t:05d}.jpg")
        anns.append(tmp_path / f"{t:05d}.png")
        Image.fromarray(img).save(frames[-1])
        write_label_map(anns[-1], lab)
    return ClipSource("v", frames, anns)


def test_a_clip_is_a_pure_function_of_its_key(tiny_video):
    ds = VideoClipDataset([tiny_video], total_iterations=100, augment=ClipAugment(size=32))
    a, b = ds[SampleKey(0, 7, 3)], ds[SampleKey(0, 7, 3)]
    c = ds[SampleKey(0, 8, 3)]
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["rgb"], c["rgb"])


def test_clip_labels_agree_with_the_two_object_masks(tiny_video):
    ds = VideoClipDataset([tiny_video], total_iterations=100, augment=ClipAugment(size=32))
    s = ds[SampleKey(0, 3, 0)]
    assert s["rgb"].shape == (3, 3, 32, 32) and s["gt"].shape == (3, 1, 32, 32)
    assert torch.equal(s["selector"], torch.tensor([1.0, 1.0]))
    assert torch.equal(s["cls_gt"] == 1, s["gt"][:, 0] > 0.5)
    assert torch.equal(s["cls_gt"] == 2, s["sec_gt"][:, 0] > 0.5)
    assert s["gt"][0].sum() > 0  # the target is present in the clip's first frame


def test_keyed_concat_repeats_datasets_and_passes_the_key_on():
    class Echo(torch.utils.data.Dataset):
        def __init__(self, tag, n):
            self.tag, self.n = tag, n

        def __len__(self):
            return self.n

        def __getitem__(self, key):
            return (self.tag, key.index, key.seed)

    cat = KeyedConcat([Echo("davis", 2), Echo("yt", 3)], [5, 1])
    assert len(cat) == 13
    assert cat[SampleKey(9, 4, 0)] == ("davis", 1, 4)
    assert cat[SampleKey(12, 4, 0)] == ("yt", 2, 4)


def test_static_pseudo_video_moves_the_object_between_frames_but_keeps_it(tmp_path):
    img = np.full((60, 80, 3), 90, np.uint8)
    mask = np.zeros((60, 80), np.uint8)
    mask[15:45, 20:60] = 255
    img[mask > 0] = (250, 200, 30)
    Image.fromarray(img).save(tmp_path / "a.jpg")
    Image.fromarray(mask).save(tmp_path / "a.png")
    ds = StaticPseudoVideoDataset([(tmp_path / "a.jpg", tmp_path / "a.png")], StaticAugment(size=48))
    s = ds[SampleKey(0, 11, 0)]
    areas = s["gt"].sum(dim=(1, 2, 3))
    assert s["rgb"].shape == (3, 3, 48, 48)
    assert torch.all(areas > 200)
    assert not torch.equal(s["gt"][0], s["gt"][1])
    assert torch.equal(s["selector"], torch.tensor([1.0, 0.0])) and s["sec_gt"].sum() == 0


def test_thin_plate_spline_without_displacement_is_the_identity():
    rng = np.random.default_rng(0)
    mask = np.zeros((32, 40), np.uint8)
    mask[8:20, 10:30] = 1
    image = np.repeat(mask[..., None] * 200, 3, axis=2).astype(np.uint8)
    _, (out,) = T.thin_plate_spline_warp(rng, image, [mask], sigma=0.0)
    assert np.array_equal(out, mask)


def test_affine_warp_moves_image_and_mask_together():
    rng = np.random.default_rng(2)
    mask = np.zeros((40, 40), np.uint8)
    mask[10:25, 12:30] = 1
    image = np.where(mask[..., None] > 0, 255, 0).astype(np.uint8).repeat(3, axis=2)
    m = T.sample_affine(rng, (40, 40), degrees=15, scale=(0.9, 1.1), shear=10)
    warped, (wmask,) = T.warp_affine(image, [mask], m)
    inside = warped[..., 0][wmask > 0]
    assert inside.mean() > 200  # the image's bright square lies under the warped mask


def test_bootstrap_fraction_schedule():
    assert bootstrap_fraction(0) == 1.0 and bootstrap_fraction(19999) == 1.0
    assert bootstrap_fraction(45000) == pytest.approx(0.15 + 0.85 * 0.5)
    assert bootstrap_fraction(70000) == pytest.approx(0.15) == bootstrap_fraction(10**6)


def test_bootstrapped_ce_averages_the_hardest_pixels():
    logits = torch.randn(1, 3, 4, 5, generator=torch.Generator().manual_seed(0))
    target = torch.randint(0, 3, (1, 4, 5), generator=torch.Generator().manual_seed(1))
    raw = F.cross_entropy(logits, target, reduction="none").flatten()
    assert bootstrapped_cross_entropy(logits, target, 1.0) == pytest.approx(raw.mean().item())
    assert bootstrapped_cross_entropy(logits, target, 0.25) == pytest.approx(
        raw.sort().values[-5:].mean().item()
    )
