"""The streaming driver of memory-based semi-supervised VOS (STCN, IMSFR, and later SimVOS).

Frames are read one at a time; for each frame the query features are computed, every object group's
memory is read, probabilities are soft-aggregated, and the frame may be written to memory. Writes are
deferred until the next frame arrives: the last frame is never written (as in the papers) and IMSFR's
value gate gets its one-frame look-ahead without keeping more than two frames. Objects may first
appear on any frame (YouTube-VOS); each group of objects that appears together gets its own memory
bank, which is what the authors' per-object YouTube banks compute (keys do not depend on objects).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import torch
import torch.nn.functional as F

from vostok.errors import InputError
from vostok.inference.frames import (
    frame_to_tensor,
    pad_divide_by,
    resize_image,
    resize_masks,
    unpad,
    working_size,
)
from vostok.inference.memory import MemoryBank, MemoryEntry
from vostok.inference.results import FrameResult
from vostok.nn.memory_blocks import soft_aggregate


class MemoryModel(Protocol):
    """What a memory network exposes to the driver (see the STCN and IMSFR predictors)."""

    def encode_query(self, image: torch.Tensor) -> object: ...

    def encode_memory(
        self,
        frame_index: int,
        image: torch.Tensor,
        next_image: torch.Tensor,
        query: object,
        masks: torch.Tensor,
    ) -> MemoryEntry: ...

    def segment_step(self, query: object, bank: MemoryBank) -> torch.Tensor:
        """Per-object logits ``(K_group, 1, H, W)`` of the bank's objects."""
        ...


@dataclass
class Schedule:
    """When to write memory and how much to keep.

    ``mem_every``: a frame is written when this many frames passed since the last write (relative, as
    on YouTube-VOS; on DAVIS with one annotated first frame it equals the absolute ``t % mem_every``).
    ``capacity``: None keeps all memory frames (the papers), else first frame + latest ``capacity-1``.
    ``single_object``: DAVIS-2016 mode, every non-zero label is one object (id 1).
    """

    mem_every: int = 5
    capacity: int | None = None
    single_object: bool = False


@dataclass
class _Group:
    object_positions: list[int]  # indices into the object list
    bank: MemoryBank


@dataclass
class _PendingWrite:
    frame_index: int
    image: torch.Tensor
    query: object
    probs: torch.Tensor  # (K_all, Hp, Wp) object probabilities after aggregation
    groups: list[_Group] = field(default_factory=list)


def prepare_masks(
    masks: dict[int, np.ndarray], single_object: bool
) -> tuple[dict[int, np.ndarray], list[int]]:
    """Collapse to one object in single-object mode; return the masks and the sorted object ids."""
    if single_object:
        masks = {t: (np.asarray(m) > 0).astype(np.uint8) for t, m in masks.items()}
    ids: set[int] = set()
    for m in masks.values():
        ids.update(int(i) for i in np.unique(m) if i != 0)
    return masks, sorted(ids)


def propagate(
    model: MemoryModel,
    frames: Iterable[np.ndarray],
    masks: dict[int, np.ndarray],
    schedule: Schedule,
    device: torch.device | str = "cpu",
    max_size: int | None = None,
    autocast_dtype: torch.dtype | None = None,
    names: list[str] | None = None,
) -> Iterator[FrameResult]:
    """Segment ``frames`` (``(H,W,3) uint8`` each) from label-map prompts ``masks`` (frame index -> (H,W)).

    Yields one :class:`FrameResult` per frame: ``probabilities (K+1,H,W)`` over all object ids of all
    prompts (background first; objects not yet seen are 0) and the ``labels`` argmax in the user's ids.
    """
    device = torch.device(device)
    masks, ids = prepare_masks(masks, schedule.single_object)
    lut = np.array([0, *ids], dtype=np.uint8)
    k_all = len(ids)
    groups: list[_Group] = []
    enabled: list[int] = []
    pending: _PendingWrite | None = None
    last_write = None
    amp = (
        torch.autocast(device.type, dtype=autocast_dtype)
        if autocast_dtype is not None and device.type == "cuda"
        else contextlib.nullcontext()
    )

    count = 0
    for t, frame in enumerate(frames):
        with torch.inference_mode():  # exited before yielding, so callers are unaffected
            frame = np.asarray(frame)
            size = tuple(frame.shape[:2])
            work = working_size(size, max_size)
            image, pads = pad_divide_by(resize_image(frame_to_tensor(frame, device), work))
            del frame

            if pending is not None:
                with amp:
                    _write(model, pending, image)
                pending = None

            probs = torch.zeros((k_all,) + tuple(image.shape[-2:]), device=device)
            query = None
            if groups or t in masks:
                with amp:
                    query = model.encode_query(image)
            for g in groups:
                with amp:
                    logits = model.segment_step(query, g.bank)
                probs[g.object_positions] = torch.sigmoid(logits.float()[:, 0])

            new_groups: list[_Group] = []
            if t in masks:
                gt = _one_hot(masks[t], ids, size, t)
                gt, _ = pad_divide_by(resize_masks(torch.from_numpy(gt).to(device), work))
                present = [i for i in range(k_all) if bool(gt[i].any())]
                probs[:, gt.sum(0) > 0.5] = 0
                probs[present] = gt[present]
                fresh = [i for i in present if i not in enabled]
                if fresh:
                    enabled = sorted(enabled + fresh)
                    new_groups.append(_Group(fresh, MemoryBank(schedule.capacity)))
            if enabled:
                agg = torch.zeros((k_all + 1,) + tuple(probs.shape[-2:]), device=device)
                agg[[0] + [i + 1 for i in enabled]] = soft_aggregate(probs[enabled])[1]
            else:
                agg = torch.zeros((k_all + 1,) + tuple(probs.shape[-2:]), device=device)
                agg[0] = 1

            if enabled and (t in masks or (last_write is not None and t - last_write >= schedule.mem_every)):
                groups.extend(new_groups)
                pending = _PendingWrite(t, image, query, agg[1:], list(groups))
                last_write = t

            out = unpad(agg, pads)
            if tuple(out.shape[-2:]) != size:
                out = F.interpolate(out[None], size=size, mode="bilinear", align_corners=False)[0]
            prob_np = out.float().cpu().numpy()
            labels = lut[prob_np.argmax(0)]
            name = names[t] if names is not None and t < len(names) else None
            result = FrameResult(
                index=t, name=name, labels=labels, probabilities=prob_np, object_ids=list(ids)
            )

        yield result
        count = t + 1
    if masks and max(masks) >= count:
        raise InputError(
            f"a mask was given for frame {max(masks)}, but the video has only {count} frames (indices start at 0)."
        )


def _write(model: MemoryModel, p: _PendingWrite, next_image: torch.Tensor) -> None:
    """Encode the pending frame with its own probabilities and add it to every group's bank."""
    all_pos = sorted({i for g in p.groups for i in g.object_positions})
    entry = model.encode_memory(p.frame_index, p.image, next_image, p.query, p.probs[all_pos])
    for g in p.groups:
        rows = [all_pos.index(i) for i in g.object_positions]
        values = {k: v[rows] for k, v in entry.values.items()}
        g.bank.add(MemoryEntry(entry.frame_index, entry.key, values))


def _one_hot(labels: np.ndarray, ids: list[int], size: tuple[int, ...], t: int) -> np.ndarray:
    if tuple(labels.shape) != tuple(size):
        raise InputError(
            f"the mask for frame {t} is {labels.shape[1]}x{labels.shape[0]} but the frame is {size[1]}x{size[0]}; "
            "give a label map of the frame's size."
        )
    return np.stack([(labels == i) for i in ids]).astype(np.float32)
