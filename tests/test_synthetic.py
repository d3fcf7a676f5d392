"""The synthetic video generator: determinism, exact labels and exact optical flow."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from vostok.data.synthetic import make_scene, synthesize_video
from vostok.data.synthetic.render import render_frame
from vostok.errors import InputError


def _boundary(labels: np.ndarray) -> np.ndarray:
    """Pixels within 3 px of a label boundary (edges are alpha-blended, so colours mix there)."""
    grad = cv2.morphologyEx(labels, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
    return cv2.dilate(grad.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0


def _follow(frames, labels, flow, t):
    """Frame t+1 and its labels sampled at x + flow_t(x), and the pixels where that is meaningful."""
    h, w = labels.shape[1:]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    mx, my = xs + flow[t, ..., 0], ys + flow[t, ..., 1]
    warped = cv2.remap(frames[t + 1].astype(np.float32), mx, my, cv2.INTER_LINEAR, borderValue=(-1, -1, -1))
    warped_labels = cv2.remap(labels[t + 1], mx, my, cv2.INTER_NEAREST, borderValue=255)
    far_edge = cv2.remap(_boundary(labels[t + 1]).astype(np.uint8), mx, my, cv2.INTER_NEAREST, borderValue=1)
    visible = (warped_labels == labels[t]) & (warped[..., 0] >= 0) & ~_boundary(labels[t]) & (far_edge == 0)
    return warped, warped_labels, visible


def test_same_seed_gives_identical_video_and_other_seeds_differ():
    a = synthesize_video(frames=4, size=(64, 80), num_objects=2, seed=7)
    b = synthesize_video(frames=4, size=(64, 80), num_objects=2, seed=7)
    c = synthesize_video(frames=4, size=(64, 80), num_objects=2, seed=8)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], c[0])


def test_every_object_is_clearly_visible_in_the_first_frame():
    for seed in range(5):
        _, labels, _ = synthesize_video(frames=3, size=(96, 128), num_objects=3, seed=seed, with_flow=False)
        counts = np.bincount(labels[0].ravel(), minlength=4)
        assert (counts[1:4] >= 0.003 * 96 * 128).all(), counts


def test_warping_the_next_frame_by_the_true_flow_reproduces_the_frame_where_nothing_is_occluded():
    frames, labels, flow = synthesize_video(frames=5, size=(120, 160), num_objects=3, seed=2, difficulty=1.0)
    for t in range(4):
        warped, _, visible = _follow(frames, labels, flow, t)
        assert visible.mean() > 0.8
        error = np.abs(warped - frames[t])[visible].mean()
        unmoved = np.abs(frames[t + 1].astype(np.float32) - frames[t])[visible].mean()
        reversed_flow = -flow
        wrong, _, wrong_visible = _follow(frames, labels, reversed_flow, t)
        wrong_error = np.abs(wrong - frames[t])[wrong_visible].mean()
        # only interpolation error remains: far below doing nothing or following the wrong motion
        assert error < 2.5
        assert error < 0.5 * unmoved
        assert error < 0.4 * wrong_error


def test_flow_carries_each_object_label_onto_the_same_object_in_the_next_frame():
    frames, labels, flow = synthesize_video(frames=4, size=(120, 160), num_objects=3, seed=4, difficulty=0.8)
    for t in range(3):
        h, w = labels.shape[1:]
        ys, xs = np.mgrid[0:h, 0:w]
        tx = np.rint(xs + flow[t, ..., 0]).astype(int)
        ty = np.rint(ys + flow[t, ..., 1]).astype(int)
        inside = (tx >= 0) & (tx < w) & (ty >= 0) & (ty < h) & ~_boundary(labels[t])
        for obj in range(1, 4):
            here = inside & (labels[t] == obj)
            landed = labels[t + 1][ty[here], tx[here]]
            if here.sum() > 50:
                # the object's pixels land on itself unless something now covers them (then a higher id)
                assert np.mean((landed == obj) | (landed > obj)) > 0.97


def test_the_last_frame_has_backward_flow_to_the_previous_frame():
    frames, labels, flow = synthesize_video(frames=3, size=(96, 128), num_objects=1, seed=1, difficulty=1.0)
    h, w = labels.shape[1:]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    back = cv2.remap(
        frames[1].astype(np.float32), xs + flow[2, ..., 0], ys + flow[2, ..., 1], cv2.INTER_LINEAR
    )
    interior = ~_boundary(labels[2]) & ~_boundary(labels[1])
    interior[:8], interior[-8:], interior[:, :8], interior[:, -8:] = False, False, False, False
    assert np.abs(back - frames[2])[interior].mean() < 3.0
    assert np.abs(flow[2]).max() > 0.5


def test_late_objects_enter_after_the_first_frame_and_some_leave():
    entered_late = left_early = False
    for seed in range(6):
        scene = make_scene(np.random.default_rng(seed), 30, (96, 128), 4, late_objects=True)
        for k, obj in enumerate(scene.objects):
            visible = np.flatnonzero(obj.visible)
            entered_late |= visible[0] > 0
            left_early |= visible[-1] < 29
            labels = render_frame(scene, int(visible[0])).labels
            assert (labels == k + 1).sum() > 0
    assert entered_late and left_early


def test_objects_are_textured_not_flat_colours():
    frames, labels, _ = synthesize_video(frames=1, size=(120, 160), num_objects=2, seed=3, with_flow=False)
    for obj in (1, 2):
        pixels = frames[0][labels[0] == obj].astype(np.float32)
        assert pixels.std(axis=0).max() > 5


def test_difficulty_moves_objects_faster():
    def mean_object_speed(difficulty):
        speeds = []
        for seed in range(4):
            _, labels, flow = synthesize_video(
                frames=3, size=(96, 128), num_objects=2, seed=seed, difficulty=difficulty
            )
            speeds.append(np.linalg.norm(flow[0][labels[0] > 0], axis=-1).mean())
        return np.mean(speeds)

    assert mean_object_speed(1.0) > 1.5 * mean_object_speed(0.0)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(frames=0), "at least 1 frame"),
        (dict(size=(8, 8)), "16x16"),
        (dict(num_objects=0), "num_objects"),
        (dict(difficulty=1.5), "difficulty"),
    ],
)
def test_bad_settings_are_refused_with_a_clear_message(kwargs, message):
    with pytest.raises(InputError, match=message):
        synthesize_video(**kwargs)


def _colour_model_iou(difficulty: float, seed: int) -> float:
    """IoU of a foreground/background colour-histogram classifier fit on frame 0 and applied to frame 2."""
    frames, labels, _ = synthesize_video(
        frames=3, size=(120, 160), num_objects=3, seed=seed, difficulty=difficulty, with_flow=False
    )
    q = frames.astype(np.int64) // 16
    code = q[..., 0] * 256 + q[..., 1] * 16 + q[..., 2]
    fg = np.bincount(code[0][labels[0] > 0], minlength=4096) + 1e-3
    bg = np.bincount(code[0][labels[0] == 0], minlength=4096) + 1e-3
    prior = (labels[0] > 0).mean()
    predicted = (fg / fg.sum() * prior > bg / bg.sum() * (1 - prior))[code[2]]
    truth = labels[2] > 0
    return (predicted & truth).sum() / (predicted | truth).sum()


def test_difficulty_makes_colour_alone_a_worse_segmenter():
    easy = np.mean([_colour_model_iou(0.0, seed) for seed in range(6)])
    hard = np.mean([_colour_model_iou(1.0, seed) for seed in range(6)])
    assert easy > 0.9
    assert hard < easy - 0.1
