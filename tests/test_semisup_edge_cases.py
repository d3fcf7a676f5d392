"""Edge cases of ``model.segment`` a demanding user hits, on STCN with random weights (values checked
where they are determined: prompt frames, frames before a prompt, ids, sizes)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import vostok


@pytest.fixture(scope="module")
def stcn():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield vostok.load_model("stcn", device="cpu")


def _frames(n, h=32, w=48, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for _ in range(n)]


def _box(h, w, value, y0, y1, x0, x1, labels=None):
    labels = np.zeros((h, w), np.uint8) if labels is None else labels.copy()
    labels[y0:y1, x0:x1] = value
    return labels


def _record_writes(model, monkeypatch) -> list[int]:
    writes: list[int] = []
    encode = model.encode_memory

    def recording(frame_index, *args):
        writes.append(frame_index)
        return encode(frame_index, *args)

    monkeypatch.setattr(model, "encode_memory", recording)
    return writes


def test_frames_before_the_prompt_frame_are_background(stcn, monkeypatch):
    writes = _record_writes(stcn, monkeypatch)
    mask = _box(32, 48, 3, 4, 20, 6, 30)
    results = list(stcn.segment(_frames(5), masks={2: mask}))
    assert [r.index for r in results] == [0, 1, 2, 3, 4]
    for r in results[:2]:
        assert not r.labels.any()
        assert np.all(r.probabilities[0] == 1) and np.all(r.probabilities[1] == 0)
    assert np.array_equal(results[2].labels, mask)
    assert writes == [2]  # memory starts at the prompt frame; frame 4 is last, never written


def test_a_second_prompt_for_the_same_object_replaces_its_prediction_and_joins_its_memory(stcn, monkeypatch):
    writes = _record_writes(stcn, monkeypatch)
    first = _box(32, 48, 1, 2, 12, 2, 12, _box(32, 48, 2, 20, 30, 30, 46))
    later = _box(32, 48, 1, 14, 28, 10, 24)  # object 1 moved; object 2 not mentioned
    results = list(stcn.segment(_frames(6), masks={0: first, 3: later}, mode="paper"))
    assert all(r.object_ids == [1, 2] for r in results)  # still two objects, not a third
    assert np.array_equal(results[3].labels == 1, later == 1)  # exactly the corrected object 1
    assert np.allclose(results[3].probabilities[1], later == 1, atol=1e-4)
    assert writes == [0, 3]  # the correction is written into memory (frame 5 is the last)


def test_object_ids_like_7_and_200_come_back_as_given(stcn):
    mask = _box(32, 48, 200, 16, 30, 20, 40, _box(32, 48, 7, 2, 12, 2, 12))
    results = list(stcn.segment(_frames(3), masks={0: mask}))
    assert np.array_equal(results[0].labels, mask)
    for r in results:
        assert r.object_ids == [7, 200]
        assert set(np.unique(r.labels)) <= {0, 7, 200}
        # channel i+1 is object_ids[i]: the argmax channel maps to the label
        channel = r.probabilities.argmax(0)
        assert np.array_equal(r.labels, np.array([0, 7, 200], np.uint8)[channel])


def test_a_single_frame_video_returns_its_prompt(stcn, monkeypatch):
    writes = _record_writes(stcn, monkeypatch)
    mask = _box(32, 48, 5, 8, 24, 8, 40)
    (result,) = list(stcn.segment(_frames(1), masks={0: mask}, mode="bounded"))
    assert result.index == 0 and np.array_equal(result.labels, mask)
    np.testing.assert_allclose(result.probabilities[1], mask == 5, atol=1e-6)
    assert writes == []  # nothing follows, so nothing is written to memory


def test_a_size_that_is_not_a_multiple_of_16_is_padded_and_cropped_back_exactly(stcn):
    h, w = 37, 53
    # objects touching every border: any misalignment of the centred padding would shift them
    mask = _box(h, w, 1, 0, 10, 0, 9, _box(h, w, 2, 30, 37, 45, 53))
    results = list(stcn.segment(_frames(3, h, w), masks={0: mask}))
    assert np.array_equal(results[0].labels, mask)
    for r in results:
        assert r.labels.shape == (h, w) and r.probabilities.shape == (3, h, w)
        np.testing.assert_allclose(r.probabilities.sum(0), 1, atol=1e-5)


def test_max_size_larger_than_the_frame_changes_nothing(stcn):
    frames = _frames(3, 36, 52, seed=1)
    mask = _box(36, 52, 4, 5, 25, 10, 30)
    native = list(stcn.segment(frames, masks={0: mask}))
    large = list(stcn.segment(frames, masks={0: mask}, max_size=4096))  # never upscaled
    for a, b in zip(native, large, strict=True):
        assert np.array_equal(a.probabilities, b.probabilities) and np.array_equal(a.labels, b.labels)
