"""Bad dataset folders and options give precise messages (what is missing, what was expected)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from PIL import Image

from vostok.data import open_dataset
from vostok.data.synthetic import generate_dataset
from vostok.errors import InputError, LayoutError, OverwriteError

SIZE = (32, 48)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """Small generated datasets to copy and break."""
    root = tmp_path_factory.mktemp("pristine")
    for layout in ("davis2017", "youtube-vos-2019", "davsod"):
        generate_dataset(layout, root / layout, videos=3, frames=6, size=SIZE, seed=0, workers=1)
    return root


@pytest.fixture
def copy(pristine, tmp_path):
    def make(layout: str):
        return shutil.copytree(pristine / layout, tmp_path / layout)

    return make


def test_missing_root_says_so(tmp_path):
    with pytest.raises(LayoutError, match="does not exist"):
        open_dataset("davis2017", tmp_path / "nowhere")


def test_davis_without_frames_names_the_expected_folder(tmp_path):
    (tmp_path / "Annotations" / "480p").mkdir(parents=True)
    with pytest.raises(
        LayoutError, match=r"JPEGImages/480p.* is missing.*JPEGImages/480p/<sequence>/00000.jpg"
    ):
        open_dataset("davis2017", tmp_path)


def test_davis_without_annotations_names_the_expected_folder(copy):
    root = copy("davis2017")
    shutil.rmtree(root / "Annotations")
    with pytest.raises(LayoutError, match=r"annotation folder .*Annotations/480p is missing"):
        open_dataset("davis2017", root)


def test_davis_other_resolution_is_reported_missing(copy):
    with pytest.raises(LayoutError, match="Full-Resolution"):
        open_dataset("davis2017", copy("davis2017"), resolution="Full-Resolution")


def test_davis_missing_subset_list_names_the_file_and_lists_what_exists(copy):
    with pytest.raises(LayoutError, match=r"ImageSets/2017/test-dev.txt.*Lists present: .*train.txt"):
        open_dataset("davis2017", copy("davis2017"), subset="test-dev")


def test_a_listed_sequence_without_folder_is_a_problem(copy):
    root = copy("davis2017")
    shutil.rmtree(root / "JPEGImages" / "480p" / "synth-002")
    problems = open_dataset("davis2017", root, subset="val").check()
    assert any("synth-002" in p and "no folder" in p for p in problems)


def test_a_missing_annotation_in_a_dense_layout_is_a_problem(copy):
    root = copy("davis2017")
    (root / "Annotations" / "480p" / "synth-001" / "00004.png").unlink()
    problems = open_dataset("davis2017", root).check()
    assert problems == [
        "sequence 'synth-001': 1 of 6 frames have no annotation (00004); this layout annotates every frame."
    ]


def test_an_annotation_without_frame_is_a_problem(copy):
    root = copy("davis2017")
    (root / "JPEGImages" / "480p" / "synth-000" / "00005.jpg").unlink()
    problems = open_dataset("davis2017", root).check()
    assert any("annotations without a frame: 00005" in p for p in problems)


def test_an_annotation_of_the_wrong_size_is_a_problem(copy):
    root = copy("davis2017")
    Image.fromarray(np.zeros((10, 10), np.uint8), mode="P").save(
        root / "Annotations/480p/synth-000/00000.png"
    )
    problems = open_dataset("davis2017", root).check()
    assert any("is 10x10 but the frames are 48x32" in p for p in problems)


def test_youtube_valid_without_meta_json_is_refused(copy):
    root = copy("youtube-vos-2019")
    (root / "valid" / "meta.json").unlink()
    with pytest.raises(LayoutError, match=r"valid/meta.json is missing.*where each object first appears"):
        open_dataset("youtube-vos-2019", root, split="valid")


def test_youtube_malformed_meta_json_shows_the_expected_schema(copy):
    root = copy("youtube-vos-2019")
    (root / "train" / "meta.json").write_text(json.dumps({"video": {}}))
    with pytest.raises(LayoutError, match=r"not a YouTube-VOS meta.json.*\"videos\""):
        open_dataset("youtube-vos-2019", root, split="train")


def test_youtube_meta_listing_absent_videos_is_a_problem(copy):
    root = copy("youtube-vos-2019")
    meta = json.loads((root / "train" / "meta.json").read_text())
    meta["videos"]["ghost00000"] = {"objects": {"1": {"category": "x", "frames": ["00000"]}}}
    (root / "train" / "meta.json").write_text(json.dumps(meta))
    problems = open_dataset("youtube-vos-2019", root, split="train").check()
    assert any("ghost00000" in p for p in problems)


def test_youtube_all_frames_without_the_folder_names_both_places(copy):
    with pytest.raises(LayoutError, match=r"train_all_frames/JPEGImages.*all_frames/train_all_frames"):
        open_dataset("youtube-vos-2019", copy("youtube-vos-2019"), split="train", all_frames=True)


def test_isomer_layout_one_level_too_high_says_so(copy, tmp_path):
    root = copy("davsod")
    nested = tmp_path / "TestSet"
    nested.mkdir()
    shutil.move(root, nested / "DAVSOD")
    with pytest.raises(LayoutError, match=r"no Frame/ folder .*found: DAVSOD.*one level too high"):
        open_dataset("davsod", tmp_path)


def test_isomer_flow_count_that_matches_neither_frames_nor_gt_is_a_problem(copy):
    root = copy("davsod")
    (root / "synth-000" / "Flow" / "00002.png").unlink()
    (root / "synth-000" / "Flow" / "00003.png").unlink()
    problems = open_dataset("davsod", root).check()
    assert any("4 flow images for 6 frames and 6 GT files" in p for p in problems)


def test_static_folder_without_pairs_is_refused(tmp_path):
    Image.new("RGB", (4, 4)).save(tmp_path / "lonely.jpg")
    with pytest.raises(LayoutError, match="no image \\+ mask pairs"):
        open_dataset("static-images", tmp_path)


def test_unknown_layout_lists_the_known_ones(tmp_path):
    with pytest.raises(InputError, match=r"unknown dataset layout 'davis2018'.*davis2017"):
        open_dataset("davis2018", tmp_path)


def test_referring_layouts_are_announced_as_not_yet_supported(tmp_path):
    with pytest.raises(InputError, match="not supported yet"):
        open_dataset("ref-youtube-vos", tmp_path)


def test_unknown_reader_option_lists_the_accepted_ones(pristine):
    with pytest.raises(InputError, match=r"does not take option\(s\) split; it takes: subset, resolution"):
        open_dataset("davis2017", pristine / "davis2017", split="val")


def test_unknown_sequence_suggests_close_names(pristine):
    ds = open_dataset("davis2017", pristine / "davis2017")
    with pytest.raises(InputError, match="Did you mean synth-001"):
        ds.sequence("synth-01")


def test_unannotated_frame_read_names_the_annotated_frames(pristine):
    ds = open_dataset("youtube-vos-2019", pristine / "youtube-vos-2019", split="valid")
    seq = ds.sequence(ds.sequences[0])
    with pytest.raises(InputError, match="has no annotation for frame '00003'; annotated frames: 00000"):
        seq.read_annotation("00003")


def test_generator_refuses_a_non_empty_folder_and_replaces_its_own_with_overwrite(tmp_path):
    out = tmp_path / "out"
    generate_dataset("bl30k", out, videos=1, frames=2, size=SIZE, workers=1)
    with pytest.raises(OverwriteError, match="not empty; pass --overwrite"):
        generate_dataset("bl30k", out, videos=1, frames=2, size=SIZE, workers=1)
    generate_dataset("bl30k", out, videos=2, frames=2, size=SIZE, workers=1, overwrite=True)
    assert sorted(p.name for p in (out / "JPEGImages").iterdir()) == ["synth-000", "synth-001"]


def test_generator_never_deletes_a_folder_it_did_not_make(tmp_path):
    (tmp_path / "precious.txt").write_text("keep")
    with pytest.raises(OverwriteError, match="not made by `vostok datasets synth`"):
        generate_dataset("bl30k", tmp_path, videos=1, frames=2, size=SIZE, workers=1, overwrite=True)
    assert (tmp_path / "precious.txt").read_text() == "keep"


def test_generator_rejects_unknown_layouts(tmp_path):
    with pytest.raises(InputError, match="cannot synthesise layout 'kitti'"):
        generate_dataset("kitti", tmp_path / "x")
