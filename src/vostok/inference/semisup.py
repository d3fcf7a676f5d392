"""The predictor shared by the memory networks: input checking, video handling, modes and precision.

A model subpackage subclasses :class:`MemoryPredictor` and supplies the three :class:`MemoryModel`
methods (query encoding, memory encoding, readout + decoding) and its paper defaults.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from vostok.errors import InputError
from vostok.inference.propagation import Schedule, propagate
from vostok.inference.results import FrameResult

MODES = ("paper", "bounded")
PRECISIONS = {"fp32": None, "float32": None, "bf16": torch.bfloat16, "fp16": torch.float16}


def resolve_device(device: str | torch.device | None) -> torch.device:
    """``None`` -> CUDA when available, else CPU."""
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        return torch.device(device)
    except RuntimeError as exc:
        raise InputError(f"unknown device {device!r} (use cpu, cuda or cuda:N).") from exc


def check_prompt_masks(
    masks: Mapping[int, Any], num_frames: int | None, size: tuple[int, int] | None
) -> dict:
    """Validate ``{frame index: label map}``; return it with integer keys and uint8 ``(H,W)`` arrays."""
    if not isinstance(masks, Mapping) or not masks:
        raise InputError(
            "masks must be a non-empty dict {frame_index: label_map}, e.g. {0: first_frame_labels}."
        )
    out: dict[int, np.ndarray] = {}
    for t, m in masks.items():
        if not isinstance(t, (int, np.integer)) or isinstance(t, bool):
            raise InputError(f"mask keys are frame indices (int); got {t!r}.")
        t = int(t)
        if t < 0 or (num_frames is not None and t >= num_frames):
            limit = f"0..{num_frames - 1}" if num_frames is not None else ">= 0"
            raise InputError(f"a mask was given for frame {t}, outside the video (frame indices {limit}).")
        arr = np.asarray(m)
        if arr.ndim == 3:
            raise InputError(
                f"the mask for frame {t} has shape {arr.shape}: it looks like an RGB image. Give an (H, W) label "
                "map of object ids (read palette PNGs with vostok.io.masks.read_label_map, or convert colour masks "
                "with vostok.io.masks.rgb_to_label_map)."
            )
        if arr.ndim != 2:
            raise InputError(f"the mask for frame {t} has shape {arr.shape}; expected an (H, W) label map.")
        if arr.dtype.kind == "f" and not np.all(arr == np.round(arr)):
            raise InputError(f"the mask for frame {t} holds non-integer values; give integer object ids.")
        if arr.size and (arr.min() < 0 or arr.max() > 254):
            raise InputError(
                f"the mask for frame {t} has ids outside 0..254 (found {int(arr.min())}..{int(arr.max())}); object "
                "ids must be 1..254 with 0 as background (255 is reserved for void)."
            )
        arr = arr.astype(np.uint8)
        if not arr.any():
            raise InputError(
                f"the mask for frame {t} has no object (all background); give at least one id 1..254."
            )
        if size is not None and tuple(arr.shape) != tuple(size):
            raise InputError(
                f"the mask for frame {t} is {arr.shape[1]}x{arr.shape[0]} (WxH) but the video is {size[1]}x{size[0]}."
            )
        out[t] = arr
    return out


def open_frames(
    video: Any,
) -> tuple[Iterable[np.ndarray], int | None, tuple[int, int] | None, list[str] | None]:
    """``(frames, length, size, names)`` from a Video, a path, a list/array of frames or any iterable."""
    from vostok.video import Video

    if isinstance(video, (str, os.PathLike)):
        if not Path(video).exists():
            raise InputError(f"video {video} does not exist.")
        video = Video.open(video)
    elif isinstance(video, (list, tuple, np.ndarray)):
        video = Video.open(list(video) if isinstance(video, tuple) else video)
    if isinstance(video, Video):
        return video, len(video), tuple(video.size), list(video.names)
    if isinstance(video, Iterable):
        return video, None, None, None
    raise InputError(
        f"cannot read frames from a {type(video).__name__}; give a Video, a path or a list of frames."
    )


class MemoryPredictor:
    """Semi-supervised VOS with a memory network; subclasses set the paper defaults below."""

    name = "memory"
    prompt = "mask"  # what the CLI must give: a mask of the objects (zero-shot models say "none")
    default_top_k = 20
    default_mem_every = 5
    bounded_capacity = 8

    def __init__(
        self,
        network: torch.nn.Module,
        device: str | torch.device | None = None,
        precision: str = "fp32",
        top_k: int | None = None,
        mem_every: int | None = None,
        memory_frames: int | None = None,
    ) -> None:
        if precision not in PRECISIONS:
            raise InputError(f"precision must be one of {', '.join(PRECISIONS)}; got {precision!r}.")
        self.device = resolve_device(device)
        self.network = network.to(self.device).eval()
        self.autocast_dtype = PRECISIONS[precision]
        self.top_k = top_k or self.default_top_k
        self.mem_every = mem_every or self.default_mem_every
        self.memory_frames = memory_frames or self.bounded_capacity

    # benchmark family ("davis2016", "davis2017", "youtube"), or "family/split" for a split that differs
    # (e.g. "davis2017/test-dev") -> the authors' settings for it (see configure_for)
    benchmark_settings: dict[str, dict[str, Any]] = {}

    def settings_for(self, benchmark: str, split: str | None = None) -> dict[str, Any]:
        """The authors' settings for ``benchmark``, with those of ``benchmark/split`` on top."""
        settings = dict(self.benchmark_settings.get(benchmark, {}))
        if split:
            settings.update(self.benchmark_settings.get(f"{benchmark}/{split}", {}))
        return settings

    def configure_for(
        self, benchmark: str, keep: set[str] | frozenset[str] = frozenset(), split: str | None = None
    ) -> dict[str, Any]:
        """Apply the authors' settings for ``benchmark`` ("davis2016", "davis2017", "youtube") and ``split``,
        except the option names in ``keep`` (those the user set explicitly); returns what was applied."""
        applied = {k: v for k, v in self.settings_for(benchmark, split).items() if k not in keep}
        for key, value in applied.items():
            setattr(self, key, value)
        self.reset()
        return applied

    def schedule(self, mode: str, single_object: bool = False) -> Schedule:
        if mode not in MODES:
            raise InputError(f"mode must be 'paper' or 'bounded'; got {mode!r}.")
        capacity = self.memory_frames if mode == "bounded" else None
        return Schedule(mem_every=self.mem_every, capacity=capacity, single_object=single_object)

    def reset(self) -> None:
        """Called before each video (IMSFR reseeds its sampler here)."""

    def segment(
        self,
        video: Any,
        masks: Mapping[int, Any],
        mode: str = "paper",
        max_size: int | None = None,
        single_object: bool = False,
    ) -> Iterator[FrameResult]:
        """Segment ``video`` from ``masks`` ({frame index: (H,W) label map}); yields a FrameResult per frame.

        ``mode="paper"`` keeps every memory frame as the paper does; ``"bounded"`` keeps the first frame and
        the latest ones (flat memory on long videos). ``max_size`` runs the network with the shorter side
        at most that many pixels (480 = the papers' 480p); results are at the frames' own size.
        ``single_object`` merges every id into one object (DAVIS-2016).

        Frames before the first prompt are background (probability 1). A prompt on a later frame adds the
        objects new there (each group with its own memory) and replaces the prediction of the objects it
        shows, which are written to their memory as a correction; objects it does not show keep their
        prediction outside its pixels. The last frame is never written to memory.
        """
        frames, length, size, names = open_frames(video)
        prompts = check_prompt_masks(masks, length, size)
        schedule = self.schedule(mode, single_object)
        if max_size is not None and max_size < 16:
            raise InputError(f"max_size must be at least 16 pixels; got {max_size}.")
        return self._run(frames, prompts, schedule, max_size, names)

    def _run(self, frames, prompts, schedule, max_size, names) -> Iterator[FrameResult]:
        self.reset()
        yield from propagate(
            self, frames, prompts, schedule, self.device, max_size, self.autocast_dtype, names=names
        )
