"""Isomer's test-time procedure: resize frame and flow image to 512x512, run the network in batches,
resize the logits back to the frame size, sigmoid, and the authors' per-frame min-max stretch to uint8.
Frames are independent (no memory), so any batch size gives the same maps.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from itertools import islice

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from vostok.errors import InputError
from vostok.inference.flow import RaftFlow, flow_image_paths, frames_with_raft_flow, read_flow_images
from vostok.inference.frames import normalise
from vostok.inference.results import FrameResult
from vostok.models.isomer.network import IsomerNet

INPUT_SIZE = 512


def prepare_image(rgb: np.ndarray, size: int = INPUT_SIZE) -> torch.Tensor:
    """(H, W, 3) uint8 -> (3, size, size) normalised float32: PIL bilinear squash, as the authors' loader."""
    if rgb.shape[:2] != (size, size):
        rgb = np.asarray(Image.fromarray(rgb).resize((size, size), Image.BILINEAR))
    x = torch.from_numpy(np.array(rgb)).permute(2, 0, 1).float().div_(255.0)
    return normalise(x[None])[0]


def min_max_grey(prob: np.ndarray) -> np.ndarray:
    """The authors' saved map: (p - min) / (max - min + 1e-8) * 255, truncated to uint8.

    Note ZVOS evaluation binarises this at > 128, i.e. relative to each frame's range, not at p > 0.5.
    """
    lo, hi = prob.min(), prob.max()
    return ((prob - lo) / (hi - lo + np.float32(1e-8)) * np.float32(255)).astype(np.uint8)


def logits_to_probabilities(logits: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """(B, 1, h, w) logits -> (B, H, W) sigmoid at the frame size (bilinear, align_corners=False)."""
    if tuple(logits.shape[-2:]) != tuple(size):
        logits = F.interpolate(logits, size=size, mode="bilinear", align_corners=False)
    return torch.sigmoid(logits[:, 0])


def _batches(items: Iterable, n: int) -> Iterator[list]:
    it = iter(items)
    while batch := list(islice(it, n)):
        yield batch


class IsomerPredictor:
    """Zero-shot segmentation of a video from its frames and flow images (see :meth:`segment`)."""

    prompt = "none"  # the generic CLIs ask for no mask or text

    def __init__(
        self,
        network: IsomerNet,
        device: str | torch.device = "cpu",
        batch_size: int = 4,
        input_size: int = INPUT_SIZE,
    ) -> None:
        self.network = network.eval().to(device)
        self.device = torch.device(device)
        self.batch_size = batch_size
        self.input_size = input_size

    @torch.no_grad()
    def predict(self, frames: list[np.ndarray], flows: list[np.ndarray]) -> list[np.ndarray]:
        """Foreground probabilities (float32, frame size) for matching lists of RGB frames and flow images."""
        images = torch.stack([prepare_image(f, self.input_size) for f in frames]).to(self.device)
        flow_images = torch.stack([prepare_image(f, self.input_size) for f in flows]).to(self.device)
        logits = self.network(images, flow_images)
        out = []
        for i, frame in enumerate(frames):
            prob = logits_to_probabilities(logits[i : i + 1], frame.shape[:2])[0]
            out.append(prob.float().cpu().numpy())
        return out

    def segment(
        self,
        video,
        flow_dir: str | os.PathLike | None = None,
        flow: str | RaftFlow | None = None,
        raft_checkpoint: str | os.PathLike | None = None,
        flow_images: Iterable[np.ndarray] | None = None,
    ) -> Iterator[FrameResult]:
        """Yield a :class:`FrameResult` per frame with ``probabilities`` and ``saliency``.

        ``video``: a :class:`vostok.video.Video` or anything ``Video.open`` takes. Flow comes from exactly one
        of: ``flow_dir`` (flow images named like the frames), ``flow="raft"`` (with ``raft_checkpoint``) or a
        :class:`RaftFlow`, or ``flow_images`` (an iterable aligned with the frames).
        """
        from vostok.video import Video

        video = video if isinstance(video, Video) else Video.open(video)
        pairs = self._frames_and_flows(video, flow_dir, flow, raft_checkpoint, flow_images)
        names = video.names
        index = 0
        for batch in _batches(pairs, self.batch_size):
            frames = [f for f, _ in batch]
            for prob in self.predict(frames, [g for _, g in batch]):
                yield FrameResult(
                    index=index, name=names[index], probabilities=prob, saliency=min_max_grey(prob)
                )
                index += 1
        if index != len(video):
            raise InputError(f"the flow source gave {index} flow images for {len(video)} frames.")

    def _frames_and_flows(self, video, flow_dir, flow, raft_checkpoint, flow_images) -> Iterable[tuple]:
        """(frame, flow image) pairs, streamed; RAFT reads each frame once."""
        given = [x is not None for x in (flow_dir, flow, flow_images)]
        if sum(given) != 1:
            raise InputError(
                "Isomer needs optical flow from exactly one source: flow_dir=DIR (precomputed flow images), "
                "flow='raft' with raft_checkpoint=FILE, or flow_images=[...]."
            )
        if flow_dir is not None:
            flows = read_flow_images(flow_image_paths(flow_dir, video.names), video.size)
            return zip(video, flows, strict=False)
        if flow_images is not None:
            return zip(video, flow_images, strict=False)
        if isinstance(flow, str):
            if flow.lower() != "raft":
                raise InputError(f"unknown flow method {flow!r}; use 'raft' or give flow_dir.")
            flow = RaftFlow(raft_checkpoint, device=self.device)
        return frames_with_raft_flow(video, flow)
