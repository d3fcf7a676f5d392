"""Palette PNG label maps, grey maps and .flo flow: round trips and bad inputs."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from vostok.errors import InputError, OverwriteError
from vostok.io.flow import flow_to_color, read_flo, write_flo
from vostok.io.masks import (
    DAVIS_PALETTE,
    label_map_to_masks,
    masks_to_label_map,
    object_ids,
    read_grey_map,
    read_label_map,
    rgb_to_label_map,
    write_grey_map,
    write_label_map,
)


def test_davis_palette_first_colours_and_void():
    assert DAVIS_PALETTE[1].tolist() == [128, 0, 0]
    assert DAVIS_PALETTE[2].tolist() == [0, 128, 0]
    assert DAVIS_PALETTE[255].tolist() == [224, 224, 192]


def test_label_map_round_trip_keeps_non_contiguous_ids_and_palette(tmp_path):
    labels = np.zeros((7, 9), np.uint8)
    labels[1:3, 2:5] = 3
    labels[4:, :2] = 17
    labels[0, 0] = 255
    write_label_map(tmp_path / "m.png", labels)
    img = Image.open(tmp_path / "m.png")
    assert img.mode == "P"
    assert np.array(img.getpalette()[:6]).tolist() == [0, 0, 0, 128, 0, 0]
    np.testing.assert_array_equal(read_label_map(tmp_path / "m.png"), labels)
    assert object_ids(labels) == [3, 17]


def test_rgb_png_is_refused_with_conversion_hint(tmp_path):
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / "rgb.png")
    with pytest.raises(InputError, match="rgb_to_label_map"):
        read_label_map(tmp_path / "rgb.png")


def test_rgb_to_label_map_inverts_the_palette():
    labels = np.array([[0, 1], [2, 254]], np.uint8)
    np.testing.assert_array_equal(rgb_to_label_map(DAVIS_PALETTE[labels]), labels)


def test_masks_and_label_map_convert_both_ways():
    labels = np.array([[0, 5, 5], [9, 9, 0]], np.uint8)
    ids, masks = label_map_to_masks(labels)
    assert ids == [5, 9]
    assert masks.sum() == 4
    np.testing.assert_array_equal(masks_to_label_map(masks, ids), labels)


def test_missing_and_corrupt_mask_files_give_clear_errors(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_label_map(tmp_path / "nope.png")
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    with pytest.raises(InputError, match="cannot read"):
        read_label_map(tmp_path / "bad.png")


def test_grey_map_float_is_scaled_and_truncated(tmp_path):
    write_grey_map(tmp_path / "g.png", np.array([[0.0, 0.5], [0.999, 1.0]]))
    np.testing.assert_array_equal(read_grey_map(tmp_path / "g.png"), [[0, 127], [254, 255]])


def test_write_refuses_to_overwrite_when_asked(tmp_path):
    write_grey_map(tmp_path / "g.png", np.zeros((2, 2), np.uint8))
    with pytest.raises(OverwriteError):
        write_grey_map(tmp_path / "g.png", np.zeros((2, 2), np.uint8), overwrite=False)


def test_flo_round_trip_is_bit_exact(tmp_path):
    flow = np.random.default_rng(0).normal(size=(5, 11, 2)).astype(np.float32)
    write_flo(tmp_path / "f.flo", flow)
    np.testing.assert_array_equal(read_flo(tmp_path / "f.flo"), flow)


def test_truncated_flo_is_reported(tmp_path):
    write_flo(tmp_path / "f.flo", np.zeros((4, 4, 2), np.float32))
    data = (tmp_path / "f.flo").read_bytes()
    (tmp_path / "t.flo").write_bytes(data[:-8])
    with pytest.raises(InputError, match="truncated"):
        read_flo(tmp_path / "t.flo")


def test_flow_colours_follow_the_middlebury_wheel():
    flow = np.zeros((1, 5, 2), np.float32)
    flow[0, 1] = (1, 0)  # rightwards
    flow[0, 2] = (-1, 0)  # leftwards
    flow[0, 3] = (0, 1)  # downwards
    flow[0, 4] = (0.5, 0)  # rightwards at half the largest magnitude
    rgb = flow_to_color(flow).tolist()[0]
    assert rgb[0] == [255, 255, 255]  # no motion: white
    assert rgb[1] == [255, 0, 0]  # rightwards: red, fully saturated
    assert rgb[2] == [0, 209, 255]  # leftwards: wheel entry 27 (cyan-blue)
    assert rgb[3] == [255, 229, 0]  # downwards: between red and green (yellow)
    assert rgb[4] == [255, 127, 127]  # half magnitude: half-way to white


def test_fractional_label_ids_and_nan_grey_values_are_refused(tmp_path):
    with pytest.raises(InputError, match="fractional"):
        write_label_map(tmp_path / "m.png", np.array([[0.0, 1.5]]))
    write_label_map(tmp_path / "m.png", np.array([[0.0, 2.0]]))  # integral floats are fine
    np.testing.assert_array_equal(read_label_map(tmp_path / "m.png"), [[0, 2]])
    with pytest.raises(InputError, match="NaN"):
        write_grey_map(tmp_path / "g.png", np.array([[0.5, np.nan]]))
