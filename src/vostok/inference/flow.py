"""Optical-flow images for the zero-shot models: computed with RAFT (torchvision) or read from a folder.

Both sources yield one ``(H, W, 3) uint8`` colour-wheel image per frame, in frame order, streamed: RAFT
keeps only the previous frame. Frame t gets the forward flow t -> t+1 and the last frame the backward flow
T-1 -> T-2, so every frame has one (the convention of HFAN, which Isomer follows).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from vostok.errors import CheckpointError, InputError
from vostok.io.flow import flow_to_color

FLOW_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


def flow_image_paths(folder: str | os.PathLike, frame_names: Sequence[str]) -> list[Path]:
    """The flow image of each frame in ``folder``, matched by name (``00000.png`` for frame ``00000``).

    Raises :class:`InputError` naming what is wrong when the folder is missing, a frame has no flow image,
    or the folder holds a different number of images than there are frames.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(
            f"flow folder {folder} does not exist; give a folder of flow images (--flow-dir) "
            "or compute flow with RAFT (--flow raft --raft-checkpoint FILE)."
        )
    images = {p.stem: p for p in sorted(folder.iterdir()) if p.suffix.lower() in FLOW_IMAGE_SUFFIXES}
    missing = [n for n in frame_names if n not in images]
    if missing:
        raise InputError(
            f"flow folder {folder} has no image for {len(missing)} of {len(frame_names)} frames "
            f"(e.g. {', '.join(missing[:3])}); flow images must be named like the frames "
            f"({frame_names[0]}.png ...)."
        )
    if len(images) != len(frame_names):
        extra = sorted(set(images) - set(frame_names))
        raise InputError(
            f"flow folder {folder} holds {len(images)} images for {len(frame_names)} frames "
            f"(extra: {', '.join(extra[:3])}); is it the flow of another sequence?"
        )
    return [images[n] for n in frame_names]


def read_flow_images(paths: Sequence[Path], size: tuple[int, int] | None = None) -> Iterator[np.ndarray]:
    """Yield the flow images as ``(H, W, 3) uint8`` RGB; each must be ``size`` (H, W) when given."""
    for path in paths:
        with Image.open(path) as im:
            if size is not None and (im.height, im.width) != tuple(size):
                raise InputError(
                    f"flow image {path} is {im.width}x{im.height} but the frames are {size[1]}x{size[0]}; "
                    "the flow must be computed on the frames at their own size."
                )
            yield np.asarray(im.convert("RGB"))


class RaftFlow:
    """torchvision's RAFT-large with weights from a local file; ``flow(a, b)`` -> (H, W, 2) float32."""

    def __init__(
        self, checkpoint: str | os.PathLike | None, device: str | torch.device = "cpu", iters: int = 20
    ):
        from torchvision.models.optical_flow import raft_large

        from vostok.checkpoint import load_checkpoint_file, load_state_dict_strict, strip_prefix

        self.device = torch.device(device)
        self.iters = iters
        self.model = raft_large(weights=None, progress=False)
        if checkpoint is None:
            raise CheckpointError(
                "RAFT needs weights: pass a torchvision raft_large file (--raft-checkpoint raft_large.pth; "
                "Raft_Large_Weights.C_T_V1 is the original raft-things model the zero-shot methods used), "
                "or give precomputed flow images (--flow-dir)."
            )
        state = load_checkpoint_file(checkpoint)
        state = state.get("state_dict", state) if isinstance(state.get("state_dict"), dict) else state
        load_state_dict_strict(
            self.model, strip_prefix(state, "module."), "RAFT-large (torchvision)", str(checkpoint)
        )
        self.model.eval().to(self.device)

    @classmethod
    def from_model(cls, model: torch.nn.Module, iters: int = 20) -> RaftFlow:
        """Wrap an already built RAFT (tests, or weights loaded another way)."""
        self = cls.__new__(cls)
        self.model, self.iters = model.eval(), iters
        self.device = next(model.parameters()).device
        return self

    @torch.no_grad()
    def flow(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """Flow from RGB uint8 frame ``first`` to ``second`` (same size)."""
        pair = [torch.from_numpy(np.ascontiguousarray(f)).permute(2, 0, 1)[None] for f in (first, second)]
        a, b = (p.to(self.device).float().div(127.5).sub(1.0) for p in pair)  # RAFT expects [-1, 1]
        h, w = a.shape[-2:]
        # centred replicate padding to multiples of 8 (as RAFT's demo), and to RAFT's 128-pixel minimum
        ph, pw = max(128, h + (-h) % 8) - h, max(128, w + (-w) % 8) - w
        pads = (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2)
        a, b = (F.pad(t, pads, mode="replicate") for t in (a, b))
        flow = self.model(a, b, num_flow_updates=self.iters)[-1][0]
        flow = flow[:, pads[2] : pads[2] + h, pads[0] : pads[0] + w]
        return flow.permute(1, 2, 0).cpu().numpy().astype(np.float32)


def frames_with_raft_flow(
    frames: Iterable[np.ndarray], raft: RaftFlow
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(frame, colour-wheel flow image) pairs in one pass over ``frames``, holding two frames at most:
    forward flow t -> t+1, backward flow for the last frame. A one-frame video gets the zero-flow image."""
    previous = before = None
    for frame in frames:
        if previous is not None:
            yield previous, flow_to_color(raft.flow(previous, frame))
        before, previous = previous, frame
    if previous is None:
        return
    if before is None:
        yield previous, flow_to_color(np.zeros((*previous.shape[:2], 2), np.float32))
    else:
        yield previous, flow_to_color(raft.flow(previous, before))


def raft_flow_images(frames: Iterable[np.ndarray], raft: RaftFlow) -> Iterator[np.ndarray]:
    """The flow image of each frame (see :func:`frames_with_raft_flow`)."""
    for _, flow_image in frames_with_raft_flow(frames, raft):
        yield flow_image
