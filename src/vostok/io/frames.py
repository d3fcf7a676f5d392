"""Image frames on disk: finding them in natural order and reading them as RGB ``uint8``."""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

import numpy as np
from PIL import Image

from vostok.errors import InputError

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp")

_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple:
    """Sort key that orders digit runs by value: ``frame2 < frame10``; ties broken by the plain name."""
    parts = _DIGITS.split(name)
    return (tuple((0, int(p), "") if p.isdigit() else (1, 0, p.lower()) for p in parts if p), name)


def list_frames(folder: str | os.PathLike) -> list[Path]:
    """The image files directly inside ``folder``, in natural order of their names.

    Hidden files (``.name``, e.g. macOS ``._`` resource forks) are skipped. Raises if the folder is missing
    or holds no image.
    """
    folder = Path(folder)
    if not folder.exists():
        raise InputError(f"frame folder {folder} does not exist.")
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder.")
    paths = [
        p
        for p in folder.iterdir()
        if p.suffix.lower() in IMAGE_EXTENSIONS and not p.name.startswith(".") and p.is_file()
    ]
    if not paths:
        others = sorted({p.suffix.lower() for p in folder.iterdir() if p.is_file() and p.suffix})
        hint = f" (it holds {', '.join(others)} files)" if others else " (it is empty)"
        raise InputError(
            f"no frames found in {folder}{hint}; expected images with one of the extensions "
            f"{', '.join(IMAGE_EXTENSIONS)}."
        )
    return sorted(paths, key=lambda p: natural_key(p.name))


def image_size(path: str | os.PathLike) -> tuple[int, int]:
    """``(H, W)`` of an image from its header only (no decoding)."""
    path = Path(path)
    try:
        with Image.open(path) as img:
            width, height = img.size
    except FileNotFoundError as exc:
        raise InputError(f"frame {path} does not exist.") from exc
    except Exception as exc:  # PIL raises many types for unreadable files
        raise InputError(f"cannot read frame {path} as an image ({exc}).") from exc
    return height, width


def to_rgb(img: Image.Image, source: str = "image") -> np.ndarray:
    """Convert any Pillow image to ``(H, W, 3) uint8`` RGB.

    Grey and palette images are expanded silently (nothing is lost). Transparency is dropped, with a
    warning only when some pixel is not fully opaque (then the colour under it may be meaningless);
    16-bit images are reduced to 8 bits with a warning.
    """
    mode = img.mode
    if mode == "RGB":
        return np.asarray(img, dtype=np.uint8)
    if mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(img).astype(np.int64)
        warnings.warn(f"{source} is a {mode} (16/32-bit) image; reduced to 8 bits.", stacklevel=3)
        top = 65535 if arr.max(initial=0) > 255 else 255
        grey = (arr.clip(0, top) * 255 // top).astype(np.uint8)
        return np.repeat(grey[..., None], 3, axis=2)
    if mode in ("RGBA", "LA", "PA", "La", "RGBa") or (mode == "P" and "transparency" in img.info):
        rgba = np.asarray(img.convert("RGBA"), dtype=np.uint8)
        if rgba[..., 3].min(initial=255) < 255:
            warnings.warn(
                f"{source} has transparent pixels; the alpha channel is dropped and their colour used as is.",
                stacklevel=3,
            )
        return np.ascontiguousarray(rgba[..., :3])
    return np.asarray(img.convert("RGB"), dtype=np.uint8)


def read_frame(path: str | os.PathLike) -> np.ndarray:
    """Read one image file as ``(H, W, 3) uint8`` RGB (see :func:`to_rgb` for grey/RGBA/16-bit input)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"frame {path} does not exist.")
    try:
        with Image.open(path) as img:
            img.load()
            return to_rgb(img, source=str(path))
    except InputError:
        raise
    except Exception as exc:  # PIL raises many types for corrupt files
        raise InputError(f"cannot read frame {path} as an image ({exc}); is the file complete?") from exc
