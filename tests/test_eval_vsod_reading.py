"""VSOD evaluation reads every PNG kind to the same grey values as ``vostok.io.masks.read_grey_map``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from vostok.errors import InputError
from vostok.evaluation.vsod import _read_grey
from vostok.io.masks import read_grey_map


def _grey(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (9, 13), dtype=np.uint8)


def _save(tmp_path: Path, name: str, image: Image.Image, **kw) -> Path:
    path = tmp_path / name
    image.save(path, **kw)
    return path


@pytest.mark.parametrize(
    "make",
    [
        lambda g: (Image.fromarray(g, "L"), {}),
        lambda g: (Image.fromarray(g, "L"), {"transparency": 7}),
        lambda g: (Image.fromarray(g > 128).convert("1"), {}),
        lambda g: (Image.fromarray(np.repeat(g[..., None], 3, axis=2), "RGB"), {}),
        lambda g: (Image.fromarray(g, "L").convert("P"), {}),
    ],
    ids=["L", "L-transparency", "1-bit", "RGB-equal", "palette"],
)
def test_fast_png_reader_equals_read_grey_map(tmp_path: Path, make) -> None:
    image, kw = make(_grey())
    path = _save(tmp_path, "x.png", image, **kw)
    np.testing.assert_array_equal(_read_grey(path), read_grey_map(path))


def test_sixteen_bit_png_is_a_clear_error(tmp_path: Path) -> None:
    path = _save(tmp_path, "x.png", Image.fromarray(_grey().astype(np.uint16) * 257))
    with pytest.raises(InputError, match="8-bit"):
        _read_grey(path)


def test_truncated_png_is_a_clear_error(tmp_path: Path) -> None:
    path = _save(tmp_path, "x.png", Image.fromarray(_grey(), "L"))
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(InputError):
        _read_grey(path)
