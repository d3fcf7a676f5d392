"""Frame preparation shared by the memory networks: uint8 RGB -> normalised tensor, resizing for
``max_size``, centred zero-padding to a multiple of 16 and its inverse."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def frame_to_tensor(frame: np.ndarray, device: torch.device | str = "cpu") -> torch.Tensor:
    """``(H,W,3) uint8`` RGB -> ``(1,3,H,W)`` float32, /255 then ImageNet-normalised (as ToTensor+Normalize).

    Float frames are taken as already in [0, 1] (the reference clips are float).
    """
    frame = np.ascontiguousarray(frame)
    if not frame.flags.writeable:  # decoded frames may be read-only views; torch wants writable memory
        frame = frame.copy()
    x = torch.from_numpy(frame).to(device).permute(2, 0, 1)
    x = x.float() if x.is_floating_point() else x.float().div_(255.0)
    return normalise(x[None])


def normalise(x: torch.Tensor) -> torch.Tensor:
    """ImageNet normalisation of ``(N,3,H,W)`` values in [0, 1]."""
    mean = torch.tensor(IMAGENET_MEAN, device=x.device, dtype=x.dtype)[:, None, None]
    std = torch.tensor(IMAGENET_STD, device=x.device, dtype=x.dtype)[:, None, None]
    return (x - mean) / std


def working_size(size: tuple[int, int], max_size: int | None) -> tuple[int, int]:
    """The size the network runs at: the frame's own, or scaled so the shorter side is ``max_size``
    (480 gives the papers' 480p) when it is larger."""
    h, w = size
    if max_size is None or min(h, w) <= max_size:
        return h, w
    s = max_size / min(h, w)
    return max(1, round(h * s)), max(1, round(w * s))


def resize_image(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Bicubic resize of a normalised image batch (what the authors do for YouTube-VOS' 480p)."""
    if tuple(x.shape[-2:]) == tuple(size):
        return x
    return F.interpolate(x, size=size, mode="bicubic", align_corners=False)


def resize_masks(m: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Nearest resize of ``(K,H,W)`` masks."""
    if tuple(m.shape[-2:]) == tuple(size):
        return m
    return F.interpolate(m[None], size=size, mode="nearest")[0]


def pad_divide_by(x: torch.Tensor, d: int = 16) -> tuple[torch.Tensor, tuple[int, int, int, int]]:
    """Zero-pad the last two dims up to multiples of ``d``, centred (left = pad // 2).

    Returns the padded tensor and ``(left, right, top, bottom)`` for :func:`unpad`.
    """
    h, w = x.shape[-2:]
    ph, pw = (-h) % d, (-w) % d
    pads = (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2)
    if ph or pw:
        x = F.pad(x, pads)
    return x, pads


def unpad(x: torch.Tensor, pads: tuple[int, int, int, int]) -> torch.Tensor:
    """Inverse of :func:`pad_divide_by` on the last two dims."""
    left, right, top, bottom = pads
    h, w = x.shape[-2:]
    return x[..., top : h - bottom, left : w - right]
