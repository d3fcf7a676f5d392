"""Each dataset reader on synthetic data written in that dataset's exact layout."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from vostok.data import open_dataset
from vostok.data.synthetic import SYNTH_LAYOUTS, generate_dataset, scene_for_video
from vostok.data.synthetic.render import render_scene
from vostok.io.flow import flow_to_color, read_flo

SIZE = (48, 64)
FRAMES = 12
SEED = 5


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """Generate a layout once per module; returns its root."""
    cache: dict[str, Path] = {}
    root = tmp_path_factory.mktemp("synth")

    def make(layout: str, videos: int = 3) -> Path:
        if layout not in cache:
            cache[layout] = generate_dataset(
                layout, root / layout, videos=videos, frames=FRAMES, size=SIZE, seed=SEED, workers=1
            )
        return cache[layout]

    return make


def _rendered(layout: str, index: int, with_flow: bool = False):
    return list(render_scene(scene_for_video(layout, SEED, index, FRAMES, SIZE), with_flow))


def test_davis2017_reads_every_frame_and_its_palette_annotation(made):
    ds = open_dataset("davis2017", made("davis2017"))
    assert ds.sequences == ["synth-000", "synth-001", "synth-002"]
    assert ds.check() == []
    seq = ds.sequence("synth-001")
    assert seq.frame_names == [f"{t:05d}" for t in range(FRAMES)]
    assert seq.frame_paths[0].parts[-3:] == ("480p", "synth-001", "00000.jpg")
    truth = _rendered("davis2017", 1)
    for t in (0, 7):
        np.testing.assert_array_equal(seq.read_annotation(f"{t:05d}"), truth[t].labels)
    assert Image.open(seq.annotation_paths["00000"]).mode == "P"
    ids = sorted(int(i) for i in np.unique(truth[0].labels) if i)
    assert seq.first_frames == dict.fromkeys(ids, "00000")


def test_davis2017_subsets_come_from_imagesets(made):
    root = made("davis2017")
    assert open_dataset("davis2017", root, subset="train").sequences == ["synth-000", "synth-001"]
    assert open_dataset("davis2017", root, subset="val").sequences == ["synth-002"]
    assert (root / "ImageSets" / "2017" / "val.txt").read_text() == "synth-002\n"


def test_davis2017_video_streams_the_jpeg_frames(made):
    seq = open_dataset("davis2017", made("davis2017")).sequence("synth-000")
    video = seq.video()
    assert len(video) == FRAMES and video.names[:2] == ["00000", "00001"]
    first = next(iter(video))
    np.testing.assert_array_equal(first, np.array(Image.open(seq.frame_paths[0]).convert("RGB")))
    assert np.abs(first.astype(int) - _rendered("davis2017", 0)[0].image).mean() < 8  # JPEG q90, grainy 48x64


def test_davis2016_has_binary_annotations_and_rendered_true_flow(made):
    root = made("davis2016")
    ds = open_dataset("davis2016", root, subset="val")
    assert ds.sequences == ["synth-002"] and ds.check() == []
    seq = ds.sequence("synth-002")
    truth = _rendered("davis2016", 2, with_flow=True)
    raw = np.array(Image.open(seq.annotation_paths["00003"]))
    assert set(np.unique(raw)) <= {0, 255}
    np.testing.assert_array_equal(seq.read_annotation("00003"), (truth[3].labels > 0).astype(np.uint8))
    assert len(seq.flow_paths) == FRAMES and seq.flow_paths[4].parts[-4:] == (
        "Flow",
        "480p",
        "synth-002",
        "00004.png",
    )
    flow_image = np.array(Image.open(seq.flow_paths[4]).convert("RGB"))
    np.testing.assert_array_equal(flow_image, flow_to_color(truth[4].flow))
    first_line = (root / "ImageSets" / "480p" / "train.txt").read_text().splitlines()[0]
    assert first_line == "/JPEGImages/480p/synth-000/00000.jpg /Annotations/480p/synth-000/00000.png"


def test_youtube_vos_train_keeps_every_fifth_frame_all_annotated(made):
    root = made("youtube-vos-2019")
    ds = open_dataset("youtube-vos-2019", root, split="train")
    assert ds.check() == []
    assert len(ds) == 2  # videos 0 and 1; video 2 goes to valid
    seq = ds.sequence(ds.sequences[0])
    assert seq.frame_names == ["00000", "00005", "00010"]
    assert sorted(seq.annotation_paths) == ["00000", "00005", "00010"]
    meta = json.loads((root / "train" / "meta.json").read_text())["videos"][seq.name]["objects"]
    assert {int(k): v["frames"][0] for k, v in meta.items()} == seq.first_frames
    assert all(
        v["category"] in ("ellipse", "polygon", "star", "rectangle", "blob", "ring") for v in meta.values()
    )
    assert seq.categories == {int(k): v["category"] for k, v in meta.items()}


def test_youtube_vos_valid_annotates_only_first_appearances(made):
    root = made("youtube-vos-2019")
    ds = open_dataset("youtube-vos-2019", root, split="valid")
    assert ds.check() == []
    seq = ds.sequence(ds.sequences[0])
    truth = _rendered("youtube-vos-2019", 2)
    first_seen: dict[int, str] = {}
    for f in truth[::5]:
        for obj in np.unique(f.labels):
            if obj:
                first_seen.setdefault(int(obj), f"{f.index:05d}")
    assert seq.first_frames == first_seen
    assert sorted(seq.annotation_paths) == sorted(set(first_seen.values()))
    for name in seq.annotation_paths:
        newcomers = {o for o, f in first_seen.items() if f == name}
        assert set(np.unique(seq.read_annotation(name))) - {0} == newcomers
    all_frames = open_dataset("youtube-vos-2019", root, split="valid", all_frames=True).sequence(seq.name)
    assert len(all_frames.frame_paths) == FRAMES
    assert all_frames.first_frames == first_seen


def test_youtube_vos_objects_can_appear_after_the_first_frame(tmp_path):
    root = generate_dataset(
        "youtube-vos-2018", tmp_path / "yt", videos=6, frames=21, size=SIZE, seed=1, workers=1
    )
    late = [
        f
        for split in ("train", "valid")
        for seq in open_dataset("youtube-vos-2018", root, split=split)
        for f in seq.first_frames.values()
        if f != "00000"
    ]
    assert late


def test_bl30k_reads_dense_palette_annotations(made):
    ds = open_dataset("bl30k", made("bl30k"))
    assert len(ds) == 3 and ds.check() == []
    seq = ds.sequence("synth-002")
    assert seq.frame_paths[0].parts[-3:] == ("JPEGImages", "synth-002", "00000.jpg")
    np.testing.assert_array_equal(seq.read_annotation("00011"), _rendered("bl30k", 2)[11].labels)


def test_static_images_are_one_frame_sequences_with_binary_masks(made):
    ds = open_dataset("static-images", made("static-images", videos=4))
    assert ds.sequences == [f"DUTS-TR/synth-00{i}" for i in range(4)]
    seq = ds.sequence("DUTS-TR/synth-003")
    assert len(seq.frame_paths) == 1
    truth = _rendered("static-images", 3)[0].labels
    np.testing.assert_array_equal(seq.read_annotation("synth-003"), (truth > 0).astype(np.uint8))
    assert seq.first_frames == {1: "synth-003"}
    assert len(seq.video()) == 1


def test_static_images_accept_image_and_mask_folders(tmp_path):
    (tmp_path / "DUTS-TR" / "DUTS-TR-Image").mkdir(parents=True)
    (tmp_path / "DUTS-TR" / "DUTS-TR-Mask").mkdir()
    Image.new("RGB", (8, 6), (10, 20, 30)).save(tmp_path / "DUTS-TR" / "DUTS-TR-Image" / "a.jpg")
    mask = np.zeros((6, 8), np.uint8)
    mask[2:4, 3:6] = 255
    Image.fromarray(mask).save(tmp_path / "DUTS-TR" / "DUTS-TR-Mask" / "a.png")
    seq = open_dataset("static-images", tmp_path).sequence("DUTS-TR/a")
    np.testing.assert_array_equal(seq.read_annotation("a"), mask // 255)


def test_fbms_has_sparse_grey_gt_and_one_flow_per_gt_frame(made):
    ds = open_dataset("fbms", made("fbms"))
    assert ds.check() == []
    seq = ds.sequence("synth-000")
    assert sorted(seq.gt_paths) == ["00000", "00010"]
    assert [p is not None for p in seq.flow_paths] == [t % 10 == 0 for t in range(FRAMES)]
    truth = _rendered("fbms", 0)
    np.testing.assert_array_equal(seq.read_grey("00010"), np.where(truth[10].labels > 0, 255, 0))
    np.testing.assert_array_equal(seq.read_annotation("00010"), (truth[10].labels > 0).astype(np.uint8))


def test_dense_vsod_sets_have_gt_and_flow_for_every_frame(made):
    ds = open_dataset("davsod", made("davsod"))
    assert ds.check() == []
    seq = ds.sequence("synth-001")
    assert len(seq.gt_paths) == FRAMES and all(p is not None for p in seq.flow_paths)
    assert seq.frame_paths[0].parent.name == "Frame" and seq.flow_paths[0].parent.name == "Flow"


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_generation_is_byte_identical_for_a_seed_whatever_the_worker_count(tmp_path):
    a = generate_dataset("davis2016", tmp_path / "a", videos=3, frames=4, size=SIZE, seed=9, workers=1)
    b = generate_dataset("davis2016", tmp_path / "b", videos=3, frames=4, size=SIZE, seed=9, workers=2)
    c = generate_dataset("davis2016", tmp_path / "c", videos=3, frames=4, size=SIZE, seed=10, workers=1)
    assert _digest(a) == _digest(b)
    assert _digest(a) != _digest(c)


def test_davis2017_test_dev_needs_only_first_frame_annotations(made, tmp_path):
    root = shutil.copytree(made("davis2017"), tmp_path / "test-dev")
    for folder in (root / "Annotations" / "480p").iterdir():
        for png in sorted(folder.iterdir())[1:]:
            png.unlink()
    sets = root / "ImageSets" / "2017"
    (sets / "test-dev.txt").write_text("synth-000\nsynth-001\nsynth-002\n")
    (sets / "train.txt").unlink()
    (sets / "val.txt").unlink()
    for ds in (open_dataset("davis2017", root), open_dataset("davis2017", root, subset="test-dev")):
        assert len(ds) == 3 and ds.check() == []
        seq = ds.sequence("synth-000")
        assert list(seq.annotation_paths) == ["00000"] and len(seq.frame_paths) == FRAMES
        assert set(seq.first_frames.values()) == {"00000"}


def test_flo_files_hold_the_exact_flow_when_asked_for(tmp_path):
    root = generate_dataset(
        "davis2016", tmp_path / "d", videos=1, frames=3, size=SIZE, seed=2, workers=1, write_flo=True
    )
    truth = list(render_scene(scene_for_video("davis2016", 2, 0, 3, SIZE), with_flow=True))
    for t in range(3):
        flo = read_flo(root / "Flow" / "480p" / "synth-000" / f"{t:05d}.flo")
        np.testing.assert_array_equal(flo, truth[t].flow)
    assert open_dataset("davis2016", root).check() == []


def test_davis2017_also_serves_the_unsupervised_task_and_the_2016_lists(made):
    root = made("davis2017")
    unsup = open_dataset("davis2017", root, unsupervised=True)
    semi = open_dataset("davis2017", root)
    assert unsup.check() == []
    np.testing.assert_array_equal(
        unsup.sequence("synth-000").read_annotation("00003"),
        semi.sequence("synth-000").read_annotation("00003"),
    )
    single = open_dataset("davis2016", root, subset="val")
    assert single.sequences == ["synth-002"]
    labels = semi.sequence("synth-002").read_annotation("00000")
    np.testing.assert_array_equal(
        single.sequence("synth-002").read_annotation("00000"), (labels > 0).astype(np.uint8)
    )


@pytest.mark.parametrize("layout", SYNTH_LAYOUTS)
def test_every_synthesised_layout_reads_back_without_problems(layout, tmp_path):
    root = generate_dataset(layout, tmp_path / layout, videos=3, frames=6, size=(32, 40), seed=1, workers=1)
    ds = open_dataset(layout, root)
    assert len(ds) == (2 if layout.startswith("youtube-vos") else 3)  # YouTube-VOS: 1 of 3 is in valid
    assert ds.check() == []
    for seq in ds:
        assert seq.annotation_paths and seq.first_frames


def test_png_frames_are_read_where_a_sequence_has_no_jpegs(made, tmp_path):
    root = shutil.copytree(made("bl30k"), tmp_path / "bl30k")
    folder = root / "JPEGImages" / "synth-000"
    for jpg in folder.iterdir():
        Image.open(jpg).save(jpg.with_suffix(".png"))
        jpg.unlink()
    seq = open_dataset("bl30k", root).sequence("synth-000")
    assert [p.name for p in seq.frame_paths[:2]] == ["00000.png", "00001.png"]


def test_static_images_read_fss_class_folders_beside_flat_sets(tmp_path):
    mask = np.zeros((6, 8), np.uint8)
    mask[1:3, 2:5] = 255
    for folder, stem in (
        (tmp_path / "fss" / "cat", "1"),
        (tmp_path / "fss" / "dog", "1"),
        (tmp_path / "ecssd", "0001"),
    ):
        folder.mkdir(parents=True)
        Image.new("RGB", (8, 6), (90, 20, 30)).save(folder / f"{stem}.jpg")
        Image.fromarray(mask).save(folder / f"{stem}.png")
    ds = open_dataset("static-images", tmp_path)
    assert ds.sequences == ["ecssd/0001", "fss/cat/1", "fss/dog/1"]
    np.testing.assert_array_equal(ds.sequence("fss/dog/1").read_annotation("1"), mask // 255)
    assert open_dataset("static-images", tmp_path, sets=["fss"]).sequences == ["fss/cat/1", "fss/dog/1"]
    assert open_dataset("static-images", tmp_path, sets="ecssd, fss").sequences == ds.sequences
