"""Result folders, video writing, overlays and COCO-RLE JSON: round trips on values, and refusals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pycocotools import mask as coco_mask

from vostok.errors import InputError, OverwriteError
from vostok.io.masks import DAVIS_PALETTE, read_grey_map, read_label_map
from vostok.io.overlay import OverlayWriter, overlay_grey, overlay_labels
from vostok.io.results import ResultFolder
from vostok.io.rle import (
    decode_label_map,
    decode_mask,
    encode_label_map,
    encode_mask,
    read_rle_json,
    read_rle_label_maps,
    write_rle_json,
)
from vostok.io.video_file import VideoWriter, write_video
from vostok.video import Video


def _labels():
    labels = np.zeros((9, 12), np.uint8)
    labels[1:4, 1:5] = 3
    labels[5:8, 6:11] = 17
    labels[0, 11] = 255
    return labels


# ----- result folders -----------------------------------------------------------------------------------
def test_result_folder_writes_benchmark_layout_palette_and_grey_pngs(tmp_path):
    out = ResultFolder(tmp_path / "out")
    out.write_labels("bear", "00000", _labels())
    out.write_grey("bear", "00001", np.array([[0.0, 1.0]]))
    assert sorted(p.name for p in (tmp_path / "out" / "bear").iterdir()) == ["00000.png", "00001.png"]
    assert Image.open(tmp_path / "out/bear/00000.png").mode == "P"
    np.testing.assert_array_equal(read_label_map(tmp_path / "out/bear/00000.png"), _labels())
    np.testing.assert_array_equal(read_grey_map(tmp_path / "out/bear/00001.png"), [[0, 255]])
    assert out.sequences() == ["bear"]


def test_result_folder_refuses_an_earlier_runs_sequence_unless_overwrite(tmp_path):
    ResultFolder(tmp_path).write_labels("bear", "00000", _labels())
    again = ResultFolder(tmp_path)
    again.write_labels("cows", "00000", _labels())  # a new sequence is fine
    with pytest.raises(OverwriteError, match="overwrite"):
        again.write_labels("bear", "00000", np.zeros((9, 12), np.uint8))
    ResultFolder(tmp_path, overwrite=True).write_labels("bear", "00000", np.ones((9, 12), np.uint8))
    assert read_label_map(tmp_path / "bear/00000.png").max() == 1


def test_result_folder_rejects_names_that_escape_the_folder(tmp_path):
    out = ResultFolder(tmp_path)
    with pytest.raises(InputError, match="plain file name"):
        out.write_labels("../elsewhere", "00000", _labels())
    with pytest.raises(InputError, match="plain file name"):
        out.write_grey("bear", "a/b", np.zeros((2, 2), np.uint8))


def test_result_pngs_leave_no_temporary_files(tmp_path):
    out = ResultFolder(tmp_path)
    for i in range(3):
        out.write_labels("s", f"{i:05d}", _labels())
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == ["00000.png", "00001.png", "00002.png"]


def test_a_write_that_dies_half_way_leaves_neither_a_png_nor_a_temporary(tmp_path, monkeypatch):
    def crash_mid_write(self, fp, *args, **kwargs):
        Path(fp).write_bytes(b"\x89PNG half")
        raise KeyboardInterrupt  # as if the process were stopped mid-write

    monkeypatch.setattr(Image.Image, "save", crash_mid_write)
    with pytest.raises(KeyboardInterrupt):
        ResultFolder(tmp_path).write_labels("s", "00000", _labels())
    assert list((tmp_path / "s").iterdir()) == []


# ----- video writer -------------------------------------------------------------------------------------
def test_video_writer_refuses_unknown_extension_and_bad_fps(tmp_path):
    with pytest.raises(InputError, match="unsupported extension '.flv'"):
        write_video(tmp_path / "a.flv", [np.zeros((4, 4, 3), np.uint8)])
    with pytest.raises(InputError, match="fps must be positive"):
        write_video(tmp_path / "a.mp4", [np.zeros((4, 4, 3), np.uint8)], fps=0)


def test_video_writer_refuses_a_frame_of_another_size_and_leaves_no_file(tmp_path):
    frames = [np.zeros((8, 8, 3), np.uint8), np.zeros((8, 10, 3), np.uint8)]
    with pytest.raises(InputError, match="frame 1 is 10x8 but the video is 8x8"):
        write_video(tmp_path / "a.mp4", frames)
    assert list(tmp_path.iterdir()) == []


def test_video_writer_with_no_frames_is_an_error(tmp_path):
    with pytest.raises(InputError, match="no frames"):
        write_video(tmp_path / "a.mp4", [])
    assert list(tmp_path.iterdir()) == []


def test_video_writer_can_refuse_to_overwrite(tmp_path):
    write_video(tmp_path / "a.mp4", [np.zeros((4, 4, 3), np.uint8)])
    with pytest.raises(OverwriteError):
        VideoWriter(tmp_path / "a.mp4", overwrite=False)


# ----- overlays -----------------------------------------------------------------------------------------
def test_label_overlay_blends_palette_colour_and_draws_an_opaque_contour():
    frame = np.full((9, 12, 3), 200, np.uint8)
    out = overlay_labels(frame, _labels(), alpha=0.5, contour=1)
    inside, border = out[6, 8], out[5, 6]
    np.testing.assert_array_equal(inside, np.round((200 + DAVIS_PALETTE[17].astype(float)) / 2))
    np.testing.assert_array_equal(border, DAVIS_PALETTE[17])
    np.testing.assert_array_equal(out[0, 0], frame[0, 0])  # background untouched
    np.testing.assert_array_equal(out[0, 11], frame[0, 11])  # void untouched


def test_grey_overlay_leaves_zero_untouched_and_colours_high_values():
    frame = np.full((1, 2, 3), 100, np.uint8)
    out = overlay_grey(frame, np.array([[0, 255]], np.uint8), alpha=1.0)
    np.testing.assert_array_equal(out[0, 0], [100, 100, 100])
    assert out[0, 1, 0] > 100 and out[0, 1, 2] < 100  # jet at 1.0 is red


def test_overlay_refuses_a_mask_of_another_size():
    with pytest.raises(InputError, match="resize it"):
        overlay_labels(np.zeros((4, 4, 3), np.uint8), np.zeros((5, 4), np.uint8))


def test_overlay_mp4_is_browser_friendly_and_shows_the_object(tmp_path):
    frame = np.full((31, 41, 3), 220, np.uint8)
    labels = np.zeros((31, 41), np.uint8)
    labels[8:24, 10:30] = 1
    with OverlayWriter(tmp_path / "o.mp4", fps=8) as ov:
        for _ in range(3):
            ov.add(frame, labels=labels)
    v = Video.open(tmp_path / "o.mp4")
    assert (len(v), v.size, v.fps) == (3, (32, 42), 8.0)  # even dimensions for yuv420p
    centre = v[1][16, 20].astype(int)
    expected = np.round((220 + DAVIS_PALETTE[1].astype(float)) / 2)
    assert np.abs(centre - expected).max() <= 6
    import av

    with av.open(str(tmp_path / "o.mp4")) as c:
        stream = c.streams.video[0]
        assert (stream.codec_context.name, stream.codec_context.pix_fmt) == ("h264", "yuv420p")


def test_overlay_gif_loops_at_the_frame_rate(tmp_path):
    frames = [np.full((6, 8, 3), v, np.uint8) for v in (0, 120, 240)]
    with OverlayWriter(tmp_path / "o.gif", fps=10) as ov:
        for f in frames:
            ov.add(f, grey=np.zeros((6, 8), np.uint8))
    gif = Image.open(tmp_path / "o.gif")
    assert gif.n_frames == 3 and gif.info["duration"] == 100 and gif.info["loop"] == 0
    gif.seek(1)
    assert abs(int(np.array(gif.convert("RGB"))[0, 0, 0]) - 120) <= 4


def test_overlay_refuses_existing_file_and_unknown_format(tmp_path):
    (tmp_path / "o.gif").write_bytes(b"x")
    with pytest.raises(OverwriteError):
        OverlayWriter(tmp_path / "o.gif")
    with pytest.raises(InputError, match=".mp4 or .gif"):
        OverlayWriter(tmp_path / "o.avi")


def test_failed_overlay_leaves_no_file(tmp_path):
    with pytest.raises(RuntimeError), OverlayWriter(tmp_path / "o.mp4") as ov:
        ov.add(np.zeros((4, 4, 3), np.uint8))
        raise RuntimeError("model crashed")
    assert list(tmp_path.iterdir()) == []


# ----- COCO RLE -----------------------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pycocotools vs numpy 2, in its own decode
def test_mask_rle_is_standard_coco_with_string_counts():
    mask = np.zeros((4, 3), bool)
    mask[1:3, 1] = True
    rle = encode_mask(mask)
    assert rle["size"] == [4, 3] and isinstance(rle["counts"], str)
    assert coco_mask.area(rle) == 2
    np.testing.assert_array_equal(coco_mask.decode({**rle, "counts": rle["counts"].encode()}), mask)
    np.testing.assert_array_equal(decode_mask(rle), mask)


def test_label_map_rle_round_trip_is_exact_and_skips_void():
    objects = encode_label_map(_labels())
    assert sorted(objects) == [3, 17]
    np.testing.assert_array_equal(decode_label_map(objects), np.where(_labels() == 255, 0, _labels()))


def test_rle_json_round_trip_per_frame_and_object(tmp_path):
    rng = np.random.default_rng(0)
    maps = {f"{i:05d}": rng.choice([0, 2, 5, 9], size=(20, 30)).astype(np.uint8) for i in range(3)}
    maps["00003"] = np.zeros((20, 30), np.uint8)  # an empty frame is kept
    write_rle_json(tmp_path / "r.json", {k: encode_label_map(v) for k, v in maps.items()}, size=(20, 30))
    back = read_rle_label_maps(tmp_path / "r.json")
    assert list(back) == list(maps)
    for name, labels in maps.items():
        np.testing.assert_array_equal(back[name], labels)
    raw = json.loads((tmp_path / "r.json").read_text())
    first = raw[0]["objects"][0]
    assert first["object_id"] == 2 and first["area"] == int((maps["00000"] == 2).sum())
    assert sorted(read_rle_json(tmp_path / "r.json")["00001"]) == [2, 5, 9]


def test_rle_json_refuses_overwrite_and_reports_bad_files(tmp_path):
    write_rle_json(tmp_path / "r.json", {"0": {}}, size=(2, 2))
    with pytest.raises(OverwriteError):
        write_rle_json(tmp_path / "r.json", {"0": {}}, size=(2, 2))
    (tmp_path / "bad.json").write_text('{"not": "a list"}')
    with pytest.raises(InputError, match="not a vostok RLE JSON"):
        read_rle_json(tmp_path / "bad.json")
    with pytest.raises(InputError, match="not a valid COCO RLE"):
        decode_mask({"size": [2, 2]})


def test_written_files_get_the_usual_permissions_not_private_temp_ones(tmp_path):
    import os

    umask = os.umask(0)
    os.umask(umask)
    ResultFolder(tmp_path).write_labels("s", "00000", _labels())
    assert (tmp_path / "s/00000.png").stat().st_mode & 0o777 == 0o666 & ~umask
