"""Label maps and grey-level maps on disk.

* A **label map** is an ``(H, W) uint8`` array of object ids: 0 background, 1..254 objects, 255 void
  (where a dataset marks void). On disk it is a palette ("P" mode) PNG, the DAVIS convention; ids need not
  be contiguous and are kept as they are.
* A **grey map** is an ``(H, W) uint8`` array 0..255: a saliency / zero-shot foreground map.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image

from vostok.errors import InputError
from vostok.io.atomic import atomic_path

VOID_ID = 255
MAX_OBJECT_ID = 254


def _make_davis_palette() -> np.ndarray:
    """The PASCAL-VOC / DAVIS colour map: bit ``b`` of id ``i`` sets bit ``7 - j`` of one channel."""
    palette = np.zeros((256, 3), dtype=np.uint8)
    for i in range(256):
        c, r, g, b = i, 0, 0, 0
        for j in range(8):
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        palette[i] = (r, g, b)
    return palette


DAVIS_PALETTE: np.ndarray = _make_davis_palette()
"""(256, 3) uint8: colour of each id in DAVIS / YouTube-VOS annotation PNGs."""


def _open_image(path: str | os.PathLike) -> Image.Image:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"mask file {path} does not exist.")
    try:
        img = Image.open(path)
        img.load()
    except Exception as exc:  # PIL raises many types for corrupt files
        raise InputError(f"cannot read {path} as an image ({exc}); is the file complete?") from exc
    return img


def read_label_map(path: str | os.PathLike) -> np.ndarray:
    """Read a palette (or single-channel) PNG of object ids as an ``(H, W) uint8`` array.

    Palette images give their indices, not colours, so ids survive any palette. RGB images are refused:
    their colours would have to be mapped back to ids (see :func:`rgb_to_label_map`).
    """
    img = _open_image(path)
    if img.mode == "P":
        return np.array(img, dtype=np.uint8)
    if img.mode == "L":
        return np.array(img, dtype=np.uint8)
    if img.mode == "1":
        return np.array(img, dtype=np.uint8)
    if img.mode in ("I", "I;16", "I;16B", "I;16L"):
        arr = np.array(img)
        if arr.size and (arr.min() < 0 or arr.max() > 255):
            raise InputError(
                f"{path} is a 16/32-bit image with values up to {arr.max()}; object ids must be 0..255. "
                "Re-save it as an 8-bit palette PNG."
            )
        return arr.astype(np.uint8)
    raise InputError(
        f"{path} is an {img.mode} image, but a label map must be a palette ('P') or grey ('L') PNG whose "
        "pixel values are object ids. Convert it with vostok.io.masks.rgb_to_label_map(rgb, palette) "
        "(colours -> ids) and write it with vostok.io.masks.write_label_map."
    )


def write_label_map(
    path: str | os.PathLike,
    labels: np.ndarray,
    palette: np.ndarray | None = None,
    overwrite: bool = True,
) -> None:
    """Write an ``(H, W)`` array of ids 0..255 as a palette PNG (DAVIS palette by default), atomically."""
    labels = np.asarray(labels)
    if labels.ndim != 2:
        raise InputError(f"a label map must be 2-D (H, W); got shape {labels.shape}.")
    if labels.dtype != np.uint8:
        if np.issubdtype(labels.dtype, np.floating) and not np.array_equal(labels, np.round(labels)):
            raise InputError(
                "a label map holds integer object ids; got fractional values (threshold or argmax "
                "probabilities first)."
            )
        if labels.size and (labels.min() < 0 or labels.max() > 255):
            raise InputError(f"label ids must lie in 0..255; got {labels.min()}..{labels.max()}.")
        labels = labels.astype(np.uint8)
    pal = DAVIS_PALETTE if palette is None else np.asarray(palette, dtype=np.uint8).reshape(-1, 3)
    img = Image.fromarray(labels, mode="P")
    img.putpalette(pal.reshape(-1).tolist())
    with atomic_path(path, overwrite=overwrite) as tmp:
        img.save(tmp, format="PNG", compress_level=1)


def read_grey_map(path: str | os.PathLike) -> np.ndarray:
    """Read a grey-level map (saliency, probability x 255) as ``(H, W) uint8``.

    Binary ('1') images become 0/255; RGB images whose three channels are equal are accepted (several
    VSOD sets ship them), other RGB images are refused rather than silently mixed to luma.
    """
    img = _open_image(path)
    if img.mode == "L":
        return np.array(img, dtype=np.uint8)
    if img.mode == "1":
        return np.array(img, dtype=np.uint8) * 255
    if img.mode == "P":
        return np.array(img.convert("L"), dtype=np.uint8)
    if img.mode in ("RGB", "RGBA", "LA"):
        arr = np.array(img.convert("RGB"))
        if np.array_equal(arr[..., 0], arr[..., 1]) and np.array_equal(arr[..., 0], arr[..., 2]):
            return np.ascontiguousarray(arr[..., 0])
        raise InputError(f"{path} is a colour image; a grey map must have one channel (or three equal ones).")
    if img.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        raise InputError(f"{path} is a {img.mode} image; save grey maps as 8-bit PNGs (0..255).")
    raise InputError(f"{path} has unsupported image mode {img.mode}.")


def write_grey_map(path: str | os.PathLike, grey: np.ndarray, overwrite: bool = True) -> None:
    """Write a grey map atomically. ``uint8`` is written as is; floats must lie in [0, 1] and are scaled
    by 255 and truncated (the convention of the zero-shot methods' result writers)."""
    grey = np.asarray(grey)
    if grey.ndim != 2:
        raise InputError(f"a grey map must be 2-D (H, W); got shape {grey.shape}.")
    if grey.dtype != np.uint8:
        if np.issubdtype(grey.dtype, np.floating):
            if np.isnan(grey).any():
                raise InputError("the grey map contains NaN values; cannot write it.")
            if grey.size and (np.nanmin(grey) < 0 or np.nanmax(grey) > 1):
                raise InputError("a float grey map must lie in [0, 1].")
            grey = (grey * 255).astype(np.uint8)
        elif grey.dtype == bool:
            grey = grey.astype(np.uint8) * 255
        else:
            if grey.size and (grey.min() < 0 or grey.max() > 255):
                raise InputError("an integer grey map must lie in 0..255.")
            grey = grey.astype(np.uint8)
    with atomic_path(path, overwrite=overwrite) as tmp:
        Image.fromarray(grey, mode="L").save(tmp, format="PNG", compress_level=1)


def object_ids(labels: np.ndarray, void_id: int | None = VOID_ID) -> list[int]:
    """Sorted ids of the objects present in a label map (0 and the void id excluded)."""
    present = np.flatnonzero(np.bincount(np.asarray(labels, dtype=np.uint8).ravel(), minlength=256))
    return [int(i) for i in present if i != 0 and i != void_id]


def label_map_to_masks(labels: np.ndarray, ids: list[int] | None = None) -> tuple[list[int], np.ndarray]:
    """Split a label map into per-object boolean masks ``(K, H, W)``, in the order of ``ids``.

    ``ids`` defaults to the ids present; an id that is not present gives an all-False mask.
    """
    labels = np.asarray(labels)
    if ids is None:
        ids = object_ids(labels)
    if not ids:
        return [], np.zeros((0, *labels.shape), dtype=bool)
    masks = labels[None] == np.asarray(ids, dtype=labels.dtype)[:, None, None]
    return list(ids), masks


def masks_to_label_map(masks: np.ndarray, ids: list[int] | None = None) -> np.ndarray:
    """Merge ``(K, H, W)`` boolean masks into a label map; where masks overlap the later one wins.

    ``ids`` defaults to 1..K; non-contiguous ids are written as given.
    """
    masks = np.asarray(masks, dtype=bool)
    if masks.ndim != 3:
        raise InputError(f"masks must be (K, H, W); got shape {masks.shape}.")
    if ids is None:
        ids = list(range(1, masks.shape[0] + 1))
    if len(ids) != masks.shape[0]:
        raise InputError(f"{len(ids)} ids for {masks.shape[0]} masks.")
    if any(not 0 < i <= MAX_OBJECT_ID for i in ids):
        raise InputError(f"object ids must lie in 1..{MAX_OBJECT_ID}; got {ids}.")
    labels = np.zeros(masks.shape[1:], dtype=np.uint8)
    for i, m in zip(ids, masks, strict=True):
        labels[m] = i
    return labels


def rgb_to_label_map(rgb: np.ndarray, palette: np.ndarray | None = None) -> np.ndarray:
    """Map an ``(H, W, 3)`` colour-coded mask back to ids through ``palette`` (DAVIS by default).

    Raises if a colour is not in the palette, rather than guessing.
    """
    rgb = np.asarray(rgb, dtype=np.uint8)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise InputError(f"expected an (H, W, 3) colour mask; got shape {rgb.shape}.")
    pal = DAVIS_PALETTE if palette is None else np.asarray(palette, dtype=np.uint8).reshape(-1, 3)
    code = (rgb[..., 0].astype(np.int64) << 16) | (rgb[..., 1].astype(np.int64) << 8) | rgb[..., 2]
    pal_code = (pal[:, 0].astype(np.int64) << 16) | (pal[:, 1].astype(np.int64) << 8) | pal[:, 2]
    lookup = {}
    for idx in range(len(pal_code) - 1, -1, -1):  # first index wins for duplicate colours
        lookup[int(pal_code[idx])] = idx
    uniq, inv = np.unique(code, return_inverse=True)
    missing = [f"#{int(c):06x}" for c in uniq if int(c) not in lookup]
    if missing:
        raise InputError(f"colours {missing[:5]} are not in the palette; cannot map them to object ids.")
    ids = np.array([lookup[int(c)] for c in uniq], dtype=np.uint8)
    return ids[inv].reshape(rgb.shape[:2])
