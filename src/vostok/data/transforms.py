"""Training augmentations with explicit random generators, applied jointly to an image and its masks.

Every function draws from the ``numpy.random.Generator`` it is given (a training sample's own, see
:class:`vostok.training.sampling.SampleKey`), so augmentation is reproducible and independent of
DataLoader workers. Images are ``(H, W, 3) uint8`` RGB; masks are ``(H, W)`` arrays (label maps are
resampled with nearest neighbour, soft masks linearly). Geometry uses OpenCV (fast, exact bicubic);
colour uses torchvision's functional ops.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import torch
import torchvision.transforms.v2.functional as TF
from scipy.interpolate import RBFInterpolator

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
FILL_RGB = (124, 116, 104)  # the ImageNet mean in 0..255: what affine warps fill images with (as STCN does)


def _mask_interp(mask: np.ndarray) -> int:
    return cv2.INTER_LINEAR if mask.dtype.kind == "f" else cv2.INTER_NEAREST


# ----------------------------------------------------------------------------------- geometry
def sample_resized_crop(
    rng: np.random.Generator,
    size_hw: tuple[int, int],
    scale: tuple[float, float],
    ratio: tuple[float, float] = (3 / 4, 4 / 3),
) -> tuple[int, int, int, int]:
    """A crop box ``(top, left, height, width)`` as torchvision's RandomResizedCrop picks it."""
    h, w = size_hw
    area = h * w
    log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
    for _ in range(10):
        target = area * rng.uniform(*scale)
        aspect = math.exp(rng.uniform(*log_ratio))
        cw = int(round(math.sqrt(target * aspect)))
        ch = int(round(math.sqrt(target / aspect)))
        if 0 < cw <= w and 0 < ch <= h:
            return int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1)), ch, cw
    in_ratio = w / h
    if in_ratio < ratio[0]:
        cw, ch = w, int(round(w / ratio[0]))
    elif in_ratio > ratio[1]:
        ch, cw = h, int(round(h * ratio[1]))
    else:
        cw, ch = w, h
    return (h - ch) // 2, (w - cw) // 2, ch, cw


def crop_and_resize(
    image: np.ndarray, masks: list[np.ndarray], box: tuple[int, int, int, int], size: int
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Cut ``box`` from the image and masks and resize it to ``size x size`` (bicubic / nearest)."""
    top, left, h, w = box
    window = (slice(top, top + h), slice(left, left + w))
    image = cv2.resize(image[window], (size, size), interpolation=cv2.INTER_CUBIC)
    masks = [cv2.resize(m[window], (size, size), interpolation=_mask_interp(m)) for m in masks]
    return image, masks


def resize_short_side(image: np.ndarray, masks: list[np.ndarray], size: int) -> tuple[np.ndarray, list]:
    """Resize so that the shorter side is ``size`` (aspect kept)."""
    h, w = image.shape[:2]
    s = size / min(h, w)
    out = (max(1, round(w * s)), max(1, round(h * s)))
    image = cv2.resize(image, out, interpolation=cv2.INTER_CUBIC)
    return image, [cv2.resize(m, out, interpolation=_mask_interp(m)) for m in masks]


def random_crop(
    rng: np.random.Generator, image: np.ndarray, masks: list[np.ndarray], size: int
) -> tuple[np.ndarray, list[np.ndarray]]:
    """A ``size x size`` crop at a random place, padding first (image with FILL_RGB, masks with 0)."""
    h, w = image.shape[:2]
    ph, pw = max(0, size - h), max(0, size - w)
    if ph or pw:
        image = cv2.copyMakeBorder(image, 0, ph, 0, pw, cv2.BORDER_CONSTANT, value=FILL_RGB)
        masks = [cv2.copyMakeBorder(m, 0, ph, 0, pw, cv2.BORDER_CONSTANT, value=0) for m in masks]
        h, w = image.shape[:2]
    top, left = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
    window = (slice(top, top + size), slice(left, left + size))
    return image[window], [m[window] for m in masks]


def sample_affine(
    rng: np.random.Generator,
    size_hw: tuple[int, int],
    degrees: float = 0.0,
    scale: tuple[float, float] = (1.0, 1.0),
    shear: float = 0.0,
) -> np.ndarray:
    """A 2x3 matrix like torchvision's RandomAffine: rotation in (-degrees, degrees), isotropic scale,
    x-shear in (-shear, shear) degrees, about the image centre."""
    angle = math.radians(rng.uniform(-degrees, degrees)) if degrees else 0.0
    s = rng.uniform(*scale) if scale != (1.0, 1.0) else 1.0
    sh = math.radians(rng.uniform(-shear, shear)) if shear else 0.0
    h, w = size_hw
    cx, cy = (w - 1) * 0.5, (h - 1) * 0.5
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    shear_m = np.array([[1.0, -math.tan(sh)], [0.0, 1.0]])
    a = s * rot @ shear_m
    offset = np.array([cx, cy]) - a @ np.array([cx, cy])
    return np.hstack([a, offset[:, None]]).astype(np.float64)


def warp_affine(
    image: np.ndarray, masks: list[np.ndarray], matrix: np.ndarray
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Apply a 2x3 affine ``matrix``: image bicubic filled with FILL_RGB, masks nearest/linear filled 0."""
    h, w = image.shape[:2]
    image = cv2.warpAffine(
        image, matrix, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT, borderValue=FILL_RGB
    )
    masks = [
        cv2.warpAffine(
            m, matrix, (w, h), flags=_mask_interp(m), borderMode=cv2.BORDER_CONSTANT, borderValue=0
        )
        for m in masks
    ]
    return image, masks


def hflip(image: np.ndarray, masks: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
    return np.ascontiguousarray(image[:, ::-1]), [np.ascontiguousarray(m[:, ::-1]) for m in masks]


def thin_plate_spline_warp(
    rng: np.random.Generator,
    image: np.ndarray,
    masks: list[np.ndarray],
    points: int = 12,
    sigma: float = 0.02,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """A smooth random deformation: ``points`` random control points move by N(0, sigma) (in [0,1] image
    coordinates); a thin-plate spline through them gives the sampling map, applied with ``cv2.remap``.

    The 16-centre spline costs O(pixels x centres) to evaluate, a few milliseconds at 384 x 384.
    """
    h, w = image.shape[:2]
    dst = rng.uniform(0, 1, (points, 2))
    src = dst + rng.normal(0, sigma, (points, 2))
    # anchor the corners so the warp stays inside the frame and the spline is well posed
    corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    spline = RBFInterpolator(np.vstack([dst, corners]), np.vstack([src, corners]), kernel="thin_plate_spline")
    gy, gx = np.meshgrid(np.arange(h) / max(1, h - 1), np.arange(w) / max(1, w - 1), indexing="ij")
    warped = spline(np.stack([gx.ravel(), gy.ravel()], 1)).reshape(h, w, 2)
    map_x = (warped[..., 0] * (w - 1)).astype(np.float32)
    map_y = (warped[..., 1] * (h - 1)).astype(np.float32)
    image = cv2.remap(image, map_x, map_y, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
    masks = [cv2.remap(m, map_x, map_y, _mask_interp(m), borderMode=cv2.BORDER_REFLECT) for m in masks]
    return image, masks


# ----------------------------------------------------------------------------------- colour
def color_jitter(
    rng: np.random.Generator,
    image: np.ndarray,
    brightness: float = 0.0,
    contrast: float = 0.0,
    saturation: float = 0.0,
    hue: float = 0.0,
) -> np.ndarray:
    """torchvision's ColorJitter (random order of the four adjustments), with factors drawn from ``rng``."""
    t = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)
    ops = []
    if brightness:
        ops.append((TF.adjust_brightness, rng.uniform(max(0, 1 - brightness), 1 + brightness)))
    if contrast:
        ops.append((TF.adjust_contrast, rng.uniform(max(0, 1 - contrast), 1 + contrast)))
    if saturation:
        ops.append((TF.adjust_saturation, rng.uniform(max(0, 1 - saturation), 1 + saturation)))
    if hue:
        ops.append((TF.adjust_hue, rng.uniform(-hue, hue)))
    for i in rng.permutation(len(ops)):
        fn, factor = ops[i]
        t = fn(t, float(factor))
    return t.permute(1, 2, 0).numpy()


def random_grayscale(rng: np.random.Generator, image: np.ndarray, p: float) -> np.ndarray:
    """With probability ``p``, the image's luma in all three channels."""
    if rng.random() >= p:
        return image
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    return np.repeat(grey[..., None], 3, axis=2)


def to_normalised_tensor(image: np.ndarray) -> torch.Tensor:
    """``(H,W,3) uint8`` -> ``(3,H,W) float32`` ImageNet-normalised."""
    x = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1).float() / 255.0
    mean = torch.tensor(IMAGENET_MEAN).view(3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(3, 1, 1)
    return (x - mean) / std


def denormalise(x: torch.Tensor) -> torch.Tensor:
    """Inverse of the normalisation, for showing training inputs: ``(...,3,H,W)`` -> values in [0,1]."""
    mean = torch.tensor(IMAGENET_MEAN, device=x.device).view(3, 1, 1)
    std = torch.tensor(IMAGENET_STD, device=x.device).view(3, 1, 1)
    return (x * std + mean).clamp(0, 1)
