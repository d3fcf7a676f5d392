"""Video: folders of frames, arrays and video files, read lazily, with clear errors for bad input."""

from __future__ import annotations

import pickle
import warnings
from fractions import Fraction

import numpy as np
import pytest
from PIL import Image

from vostok.errors import InputError
from vostok.io.video_file import write_video
from vostok.video import Video


def _frames(count=4, h=12, w=16, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for _ in range(count)]


def _save_folder(folder, frames, names, ext="png"):
    folder.mkdir(exist_ok=True)
    for name, frame in zip(names, frames, strict=True):
        Image.fromarray(frame).save(folder / f"{name}.{ext}")
    return folder


def smooth_clip(count=12, h=64, w=96):
    """Moving sinusoidal gradients: easy for a codec, so a good encode is near-lossless."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    return [
        np.stack(
            [
                128 + 90 * np.sin((x + 2 * t) / 11),
                128 + 90 * np.cos((y - t) / 9),
                128 + 60 * np.sin((x + y + 3 * t) / 17),
            ],
            axis=-1,
        )
        .round()
        .astype(np.uint8)
        for t in range(count)
    ]


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 10 * np.log10(255**2 / max(mse, 1e-12))


# ----- folders ------------------------------------------------------------------------------------------
def test_folder_frames_are_in_natural_order_and_read_back_exactly(tmp_path):
    frames = _frames(3)
    folder = _save_folder(tmp_path / "seq", frames, ["frame10", "frame2", "frame1"])
    (folder / "notes.txt").write_text("not a frame")
    v = Video.open(folder)
    assert v.names == ["frame1", "frame2", "frame10"]
    assert len(v) == 3 and v.size == (12, 16) and v.fps is None
    np.testing.assert_array_equal(v[0], frames[2])
    np.testing.assert_array_equal(v[2], frames[0])
    assert [f.tobytes() for f in v] == [frames[2].tobytes(), frames[1].tobytes(), frames[0].tobytes()]
    assert v.frame_path(-1) == folder / "frame10.png"


@pytest.mark.parametrize("ext", ["png", "bmp", "webp", "jpg", "jpeg"])
def test_every_image_extension_is_read(tmp_path, ext):
    frame = np.full((8, 10, 3), (200, 40, 90), np.uint8)
    Image.fromarray(frame).save(tmp_path / f"00000.{ext.upper() if ext == 'jpg' else ext}", lossless=True)
    v = Video.open(tmp_path)
    tolerance = 3 if ext.startswith("jp") else 0
    assert np.abs(v[0].astype(int) - frame).max() <= tolerance


def test_grey_frames_become_rgb_without_a_warning(tmp_path):
    grey = np.arange(48, dtype=np.uint8).reshape(6, 8)
    Image.fromarray(grey, mode="L").save(tmp_path / "0.png")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame = Video.open(tmp_path)[0]
    assert frame.shape == (6, 8, 3)
    for c in range(3):
        np.testing.assert_array_equal(frame[..., c], grey)


def test_opaque_rgba_is_silent_but_transparency_is_reported(tmp_path):
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[..., 0], rgba[..., 3] = 77, 255
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "a.png")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(Video.open(tmp_path / "a.png")[0], rgba[..., :3])
    rgba[0, 0, 3] = 10
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "a.png")
    with pytest.warns(UserWarning, match="transparent"):
        Video.open(tmp_path / "a.png")


def test_16_bit_frames_are_reduced_to_8_bits_with_a_warning(tmp_path):
    Image.fromarray(np.array([[0, 65535]], np.uint16)).save(tmp_path / "deep.png")
    with pytest.warns(UserWarning, match="8 bits"):
        frame = Video.open(tmp_path)[0]
    np.testing.assert_array_equal(frame[0, :, 0], [0, 255])


def test_missing_path_is_reported(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        Video.open(tmp_path / "nowhere")


def test_empty_folder_is_reported(tmp_path):
    with pytest.raises(InputError, match="no frames found.*empty"):
        Video.open(tmp_path)


def test_folder_without_images_names_what_it_holds(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(InputError, match=r"\.txt"):
        Video.open(tmp_path)


def test_unsupported_file_extension_is_reported(tmp_path):
    (tmp_path / "clip.xyz").write_bytes(b"\x00" * 10)
    with pytest.raises(InputError, match="unsupported extension '.xyz'"):
        Video.open(tmp_path / "clip.xyz")


def test_corrupt_frame_is_named_when_read_not_at_open(tmp_path):
    folder = _save_folder(tmp_path / "seq", _frames(3), ["00000", "00001", "00002"])
    (folder / "00001.png").write_bytes(b"\x89PNG\r\n\x1a\ntruncated")
    v = Video.open(folder)  # lazy: only frame 0's header is read
    assert len(v) == 3
    v[0]
    with pytest.raises(InputError, match="00001.png"):
        list(v)


def test_mixed_frame_sizes_name_the_odd_frame(tmp_path):
    frames = _frames(2) + _frames(1, h=10)
    folder = _save_folder(tmp_path / "seq", frames, ["a", "b", "c"])
    with pytest.raises(InputError, match=r"frame 2 .*c\.png.* is 16x10 but the video is 16x12"):
        list(Video.open(folder))


def test_same_frame_name_with_two_extensions_is_ambiguous(tmp_path):
    _save_folder(tmp_path, _frames(1), ["00000"], ext="png")
    _save_folder(tmp_path, _frames(1), ["00000"], ext="bmp")
    with pytest.raises(InputError, match="'00000'"):
        Video.open(tmp_path)


def test_a_video_over_chosen_files_keeps_their_order_and_reads_lazily(tmp_path):
    frames = _frames(3)
    _save_folder(tmp_path, frames, ["b", "a", "c"])
    v = Video.from_paths([tmp_path / "c.png", tmp_path / "a.png"], fps=5)
    assert (v.names, v.fps, v.frame_path(1)) == (["c", "a"], 5, tmp_path / "a.png")
    np.testing.assert_array_equal(list(v)[0], frames[2])
    assert Video.from_paths([tmp_path / "b.png"], names=["x"]).names == ["x"]


# ----- arrays -------------------------------------------------------------------------------------------
def test_frames_in_memory_get_index_names_and_support_indexing_and_slices():
    frames = _frames(5)
    v = Video.from_frames(frames, fps=12.5)
    assert v.names == ["00000", "00001", "00002", "00003", "00004"]
    assert v.fps == 12.5 and v.path is None
    np.testing.assert_array_equal(v[-1], frames[4])
    part = v[1::2]
    assert part.names == ["00001", "00003"]
    np.testing.assert_array_equal(list(part)[1], frames[3])
    with pytest.raises(IndexError):
        v[5]


def test_an_array_of_frames_and_grey_frames_open_directly():
    stack = np.stack(_frames(3))
    v = Video.open(stack)
    assert len(v) == 3
    np.testing.assert_array_equal(v[1], stack[1])
    grey = Video.open(np.zeros((2, 5, 6), np.uint8) + 9)
    assert grey[0].shape == (5, 6, 3) and grey[0].min() == 9


def test_custom_names_must_match_the_frame_count():
    assert Video.from_frames(_frames(2), names=["a", "b"]).names == ["a", "b"]
    with pytest.raises(InputError, match="3 names given for 2 frames"):
        Video.from_frames(_frames(2), names=["a", "b", "c"])


@pytest.mark.parametrize(
    ("frames", "message"),
    [
        ([], "at least one frame"),
        ([np.zeros((4, 4, 3), np.float32)], "dtype float32"),
        ([np.zeros((4, 4, 2), np.uint8)], "shape"),
        ([np.zeros((4, 4, 3), np.uint8), np.zeros((4, 5, 3), np.uint8)], "frame 1 is 5x4"),
    ],
)
def test_bad_frames_in_memory_are_refused(frames, message):
    with pytest.raises(InputError, match=message):
        Video.from_frames(frames)


def test_unknown_source_type_is_refused():
    with pytest.raises(InputError, match="int"):
        Video.open(42)


def test_resized_view_bounds_the_longer_side():
    v = Video.from_frames([np.full((40, 100, 3), 50, np.uint8)]).resized(50)
    assert v.size == (20, 50)
    assert v[0].shape == (20, 50, 3) and int(v[0].mean()) == 50


# ----- video files --------------------------------------------------------------------------------------
def test_mp4_round_trip_is_near_lossless_and_knows_fps_count_and_size(tmp_path):
    clip = smooth_clip()
    write_video(tmp_path / "clip.mp4", clip, fps=24)
    v = Video.open(tmp_path / "clip.mp4")
    assert (len(v), v.size, v.fps) == (12, (64, 96), 24.0)
    assert v.names[:2] == ["00000", "00001"]
    decoded = list(v)
    assert len(decoded) == 12
    assert min(psnr(a, b) for a, b in zip(decoded, clip, strict=True)) > 35


@pytest.mark.parametrize("ext", ["mp4", "mkv", "webm", "avi", "mov"])
def test_random_access_matches_sequential_decoding(tmp_path, ext):
    clip = smooth_clip(count=20, h=32, w=48)
    write_video(tmp_path / f"c.{ext}", clip, fps=10)
    v = Video.open(tmp_path / f"c.{ext}")
    assert len(v) == 20  # mkv/webm do not declare a count: counted by decoding
    sequential = list(v)
    assert min(psnr(a, b) for a, b in zip(sequential, clip, strict=True)) > 30
    for i in [13, 2, 3, 19, 0, 18, 7]:  # forward, backward, near and far
        np.testing.assert_array_equal(v[i], sequential[i])
    np.testing.assert_array_equal(list(v[4:16:5])[2], sequential[14])


def test_odd_sizes_are_padded_by_one_edge_pixel(tmp_path):
    clip = [f[:31, :45] for f in smooth_clip(count=3)]
    write_video(tmp_path / "odd.mp4", clip, fps=5)
    v = Video.open(tmp_path / "odd.mp4")
    assert v.size == (32, 46)
    assert psnr(v[1][:31, :45], clip[1]) > 35


def test_garbage_video_file_is_reported_at_open(tmp_path):
    (tmp_path / "bad.mp4").write_bytes(b"this is not a video" * 100)
    with pytest.raises(InputError, match="cannot open .*bad.mp4"):
        Video.open(tmp_path / "bad.mp4")


def test_truncated_video_names_the_first_missing_frame(tmp_path):
    rng = np.random.default_rng(1)  # noise: frames are large, so cutting the file loses many
    write_video(tmp_path / "n.avi", [rng.integers(0, 256, (48, 64, 3), np.uint8) for _ in range(20)], fps=5)
    data = (tmp_path / "n.avi").read_bytes()
    (tmp_path / "cut.avi").write_bytes(data[: len(data) // 2])
    v = Video.open(tmp_path / "cut.avi")
    assert len(v) == 20  # what the header declares
    with pytest.raises(
        InputError, match=r"declares 20 frames but decoding stopped after \d+: frame \d+ is missing"
    ):
        list(v)


def test_video_files_pickle_without_their_open_decoder(tmp_path):
    write_video(tmp_path / "c.mp4", smooth_clip(count=4), fps=5)
    v = Video.open(tmp_path / "c.mp4")
    first = v[2]
    clone = pickle.loads(pickle.dumps(v))
    np.testing.assert_array_equal(clone[2], first)
    np.testing.assert_array_equal(v[3], clone[3])


def test_a_video_flagged_as_rotated_is_read_upright(tmp_path):
    import av

    clip = smooth_clip(count=3, h=32, w=48)
    with av.open(str(tmp_path / "r.mp4"), "w") as container:
        stream = container.add_stream("libx264", rate=5)
        stream.width, stream.height, stream.pix_fmt = 48, 32, "yuv420p"
        stream.set_display_rotation(90)  # shown turned 90 degrees counter-clockwise, as phones record
        for frame in clip:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        container.mux(stream.encode())
    v = Video.open(tmp_path / "r.mp4")
    assert v.size == (48, 32)
    assert psnr(v[1], np.rot90(clip[1])) > 35
    assert psnr(list(v)[2], np.rot90(clip[2])) > 35


def test_frames_hidden_by_an_mp4_edit_list_are_not_counted_or_returned(tmp_path):
    import av

    clip = smooth_clip(count=10, h=32, w=48)
    with av.open(str(tmp_path / "cut.mp4"), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 48, 32, "yuv420p"
        for t, frame in enumerate(clip):
            out = av.VideoFrame.from_ndarray(frame, format="rgb24")
            out.pts, out.time_base = t - 3, Fraction(1, 10)  # the first 3 frames lie before the start
            container.mux(stream.encode(out))
        container.mux(stream.encode())
    v = Video.open(tmp_path / "cut.mp4")
    assert len(v) == 7
    sequential = list(v)
    assert len(sequential) == 7 and psnr(sequential[0], clip[3]) > 35
    for i in [5, 0, 6, 3]:
        np.testing.assert_array_equal(v[i], sequential[i])


def test_iterating_an_mkv_settles_its_frame_count_in_the_same_pass(tmp_path, monkeypatch):
    import vostok.video as video_module

    write_video(tmp_path / "c.mkv", smooth_clip(count=6, h=16, w=16), fps=5)
    v = Video.open(tmp_path / "c.mkv")

    def no_second_pass(path):
        raise AssertionError("counted by a separate decoding pass")

    monkeypatch.setattr(video_module, "count_video_frames", no_second_pass)
    assert sum(1 for _ in v) == 6
    assert len(v) == 6 and v.names[-1] == "00005"
