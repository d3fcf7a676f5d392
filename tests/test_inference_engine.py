"""The streaming memory engine: chunked readout, aggregation, padding, memory schedule and streaming."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from vostok.errors import InputError
from vostok.inference.frames import pad_divide_by, unpad, working_size
from vostok.inference.memory import MemoryBank, MemoryEntry, MemorySampler
from vostok.inference.propagation import Schedule, propagate
from vostok.inference.readout import l2_affinity, softmax_readout, topk_readout
from vostok.nn.memory_blocks import soft_aggregate


def _dense_topk_readout(mk, mv, qk, k):
    aff = l2_affinity(mk, qk)
    val, idx = aff.topk(k, dim=0)
    w = torch.zeros_like(aff).scatter_(0, idx, torch.softmax(val, dim=0))
    return mv @ w


def test_chunked_topk_readout_equals_the_dense_one():
    g = torch.Generator().manual_seed(0)
    mk, qk = torch.randn(8, 300, generator=g), torch.randn(8, 70, generator=g)
    mv = torch.randn(3, 5, 300, generator=g)
    dense = _dense_topk_readout(mk, mv, qk, 20)
    for block in (50, 400, 10**9):  # memory and query both chunked / query only / none
        torch.testing.assert_close(
            topk_readout(mk, mv, qk, 20, block_elements=block), dense, atol=1e-5, rtol=0
        )


def test_readout_of_per_frame_blocks_equals_the_readout_of_their_concatenation():
    g = torch.Generator().manual_seed(2)
    widths = [37, 100, 1, 62]  # chunk edges fall inside blocks and across them
    mk = [torch.randn(8, n, generator=g) for n in widths]
    mv = [torch.randn(3, 5, n, generator=g) for n in widths]
    qk = torch.randn(8, 70, generator=g)
    dense = _dense_topk_readout(torch.cat(mk, -1), torch.cat(mv, -1), qk, 20)
    for block in (50, 400, 10**9):
        torch.testing.assert_close(
            topk_readout(mk, mv, qk, 20, block_elements=block), dense, atol=1e-5, rtol=0
        )
    full = softmax_readout(torch.cat(mk, -1), torch.cat(mv, -1), qk)
    torch.testing.assert_close(softmax_readout(mk, mv, qk, block_elements=300), full, atol=1e-6, rtol=0)


def test_topk_larger_than_memory_is_a_full_softmax():
    g = torch.Generator().manual_seed(1)
    mk, qk, mv = (
        torch.randn(4, 10, generator=g),
        torch.randn(4, 6, generator=g),
        torch.randn(2, 3, 10, generator=g),
    )
    full = softmax_readout(mk, mv, qk, block_elements=20)
    torch.testing.assert_close(topk_readout(mk, mv, qk, 50), full, atol=1e-6, rtol=0)
    torch.testing.assert_close(full, mv @ torch.softmax(l2_affinity(mk, qk), 0), atol=1e-6, rtol=0)


def test_l2_affinity_is_negative_squared_distance_up_to_the_query_norm():
    mk, qk = torch.tensor([[1.0, 0.0], [0.0, 2.0]]), torch.tensor([[1.0], [1.0]])
    # columns: m0 = (1, 0), m1 = (0, 2); q = (1, 1): 2 m.q - |m|^2 = 2*1-1 = 1 and 2*2-4 = 0; / sqrt(2)
    torch.testing.assert_close(l2_affinity(mk, qk), torch.tensor([[1.0], [0.0]]) / 2**0.5)


def test_soft_aggregation_background_is_product_of_complements():
    logits, prob = soft_aggregate(torch.tensor([[0.5], [0.5]]))
    # background 0.25, objects 0.5: softmax of logits log(p/(1-p)) = [log(1/3), 0, 0]
    expected = torch.tensor([1 / 3, 1, 1]) / (1 / 3 + 2)
    torch.testing.assert_close(prob[:, 0], expected)
    assert torch.allclose(prob.sum(0), torch.ones(1))


def test_padding_is_centred_to_multiples_of_16_and_undone():
    x = torch.arange(20 * 30, dtype=torch.float32).view(1, 1, 20, 30)
    padded, pads = pad_divide_by(x)
    assert padded.shape[-2:] == (32, 32) and pads == (1, 1, 6, 6)
    assert torch.equal(unpad(padded, pads), x)
    assert working_size((480, 854), None) == (480, 854)
    assert working_size((720, 1280), 480) == (480, 853)


def test_bounded_bank_keeps_first_and_latest_frames():
    bank = MemoryBank(capacity=3)
    for t in range(6):
        bank.add(MemoryEntry(t, torch.full((2, 4), float(t)), {"value": torch.zeros(1, 3, 4)}))
    assert [e.frame_index for e in bank.entries] == [0, 4, 5]
    assert torch.equal(torch.cat(bank.keys(), -1)[0], torch.tensor([0.0] * 4 + [4.0] * 4 + [5.0] * 4))


def test_memory_sampler_is_seeded_and_keeps_the_rule_frames():
    a, b = MemorySampler(seed=3), MemorySampler(seed=3)
    assert a(5) is None  # at most 10 frames: everything
    picks = a(20)
    assert picks == b(20)
    assert picks[:5] == [1, 15, 16, 17, 18]  # frame 1, then T-5..T-2
    assert len(picks) == 5 + 12 and max(picks[5:]) < 19  # int(0.6*T) drawn from 0..T-2


class _SpyModel:
    """A stand-in memory network: records memory writes; logits favour object channels equally."""

    def __init__(self):
        self.writes: list[int] = []
        self.next_seen: list[float] = []
        self.bank_sizes: list[int] = []

    def encode_query(self, image):
        return F.avg_pool2d(image, 16)

    def encode_memory(self, frame_index, image, next_image, query, masks):
        self.writes.append(frame_index)
        self.next_seen.append(float(next_image.mean()))
        value = F.avg_pool2d(masks[:, None], 16).flatten(2)
        return MemoryEntry(frame_index, query[0].flatten(1), {"value": value})

    def segment_step(self, query, bank):
        self.bank_sizes.append(len(bank))
        k = bank.values()[0].shape[0]
        h, w = query.shape[-2:]
        return torch.zeros(k, 1, h * 16, w * 16)


def _frames(n, h=32, w=48):
    return [np.full((h, w, 3), i % 256, dtype=np.uint8) for i in range(n)]


def _labels(h=32, w=48, **boxes):
    lab = np.zeros((h, w), np.uint8)
    for name, (y0, y1, x0, x1) in boxes.items():
        lab[y0:y1, x0:x1] = int(name[1:])
    return lab


def test_paper_schedule_writes_every_5th_frame_never_the_last_and_keeps_all():
    spy = _SpyModel()
    list(propagate(spy, _frames(16), {0: _labels(o1=(0, 8, 0, 8))}, Schedule(mem_every=5)))
    assert spy.writes == [0, 5, 10]  # 15 is a memory frame too but no frame follows it
    assert spy.bank_sizes[-1] == 3
    assert spy.next_seen[0] == pytest.approx(spy.next_seen[0])  # written once frame 1 was read


def test_bounded_schedule_caps_memory_and_keeps_the_first_frame():
    spy = _SpyModel()
    list(propagate(spy, _frames(40), {0: _labels(o1=(0, 8, 0, 8))}, Schedule(mem_every=2, capacity=3)))
    assert max(spy.bank_sizes) == 3
    assert spy.writes[-1] == 38


def test_objects_may_first_appear_on_later_frames():
    spy = _SpyModel()
    masks = {0: _labels(o3=(0, 8, 0, 8)), 4: _labels(o7=(16, 32, 24, 48))}
    results = list(propagate(spy, _frames(8), masks, Schedule(mem_every=5)))
    assert all(r.object_ids == [3, 7] for r in results)
    assert results[2].probabilities.shape == (3, 32, 48)
    assert np.all(results[2].probabilities[2] == 0)  # object 7 not there yet
    assert 7 not in results[3].labels and results[4].labels[20, 30] == 7
    assert results[4].probabilities[1, 2, 2] > 0.3  # object 3 still propagated (spy: p = 0.5 everywhere)
    assert spy.writes == [0, 4]  # the labelled frame is written for every object group


def test_single_object_mode_merges_all_ids():
    spy = _SpyModel()
    masks = {0: _labels(o1=(0, 8, 0, 8), o2=(10, 20, 10, 20))}
    results = list(propagate(spy, _frames(3), masks, Schedule(single_object=True)))
    assert results[0].object_ids == [1]
    assert set(np.unique(results[0].labels)) == {0, 1}


def test_frames_before_the_first_mask_are_background():
    spy = _SpyModel()
    results = list(propagate(spy, _frames(4), {2: _labels(o1=(0, 8, 0, 8))}, Schedule()))
    assert not results[0].labels.any() and np.all(results[1].probabilities[0] == 1)
    assert results[2].labels[0, 0] == 1


def test_a_mask_after_the_end_of_an_iterable_video_is_an_error():
    with pytest.raises(InputError, match="only 3 frames"):
        list(propagate(_SpyModel(), iter(_frames(3)), {5: _labels(o1=(0, 8, 0, 8))}, Schedule()))


class _Frame(np.ndarray):
    """ndarray subclass so the test can hold weak references to frames."""


def test_streaming_keeps_no_frame_it_no_longer_needs():
    refs = []

    def frames():
        for f in _frames(12):
            f = f.view(_Frame)
            refs.append(weakref.ref(f))
            yield f

    spy = _SpyModel()
    for r in propagate(spy, frames(), {0: _labels(o1=(0, 8, 0, 8))}, Schedule(mem_every=2)):
        alive = [i for i, ref in enumerate(refs) if ref() is not None]
        if alive not in ([r.index], []):  # maybe only unreachable cycles hold it: collect and look again
            gc.collect()
            alive = [i for i, ref in enumerate(refs) if ref() is not None]
        assert alive in ([r.index], []), f"frames {alive} still referenced at frame {r.index}"


def test_bank_hands_out_its_frames_in_place_so_memory_is_never_held_twice():
    bank = MemoryBank(capacity=3)
    added = []
    for t in range(6):
        entry = MemoryEntry(t, torch.full((2, 4), float(t)), {"value": torch.full((1, 3, 4), float(t))})
        bank.add(entry)
        added.append(entry)
        keys, values = bank.keys(), bank.values()
        # the blocks the readout gets are the tensors that were added, not copies
        assert [k.data_ptr() for k in keys] == [e.key.data_ptr() for e in bank.entries]
        assert [v.data_ptr() for v in values] == [e.values["value"].data_ptr() for e in bank.entries]
    assert [e.frame_index for e in bank.entries] == [0, 4, 5]
    assert bank.entries[1] is added[4] and bank.entries[1].key.data_ptr() == added[4].key.data_ptr()
    assert torch.equal(torch.cat(bank.values(), -1)[0, 0], torch.tensor([0.0] * 4 + [4.0] * 4 + [5.0] * 4))
    assert torch.equal(torch.cat(bank.values("value", [2, 0]), -1)[0, 0], torch.tensor([5.0] * 4 + [0.0] * 4))
