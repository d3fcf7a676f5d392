"""``vostok infer`` on a synthetic YouTube-VOS valid split (objects entering late, all frames at 30 fps)
and ``vostok submit youtube-vos`` on its results: the right frames, with the right ids, in the zip."""

from __future__ import annotations

import json
import warnings
import zipfile

import numpy as np
import pytest

from vostok.cli import main
from vostok.io.masks import read_label_map


@pytest.fixture(scope="module", autouse=True)
def _random_weights_are_expected():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*random.*")
        yield


@pytest.fixture(scope="module")
def youtube_run(tmp_path_factory):
    """One synthetic YouTube-VOS 2019 set (video 2 of 3 is the valid one) and STCN's results on it."""
    from vostok.data.synthetic.generate import generate_dataset

    tmp = tmp_path_factory.mktemp("yt")
    root = generate_dataset("youtube-vos-2019", tmp / "yt", videos=3, frames=16, size=(44, 60), workers=1)
    out = tmp / "res"
    args = ["infer", "--model", "stcn", "--dataset", "youtube-vos-2019", "--root", str(root)]
    assert main([*args, "--out", str(out), "--device", "cpu", "-o", "top_k=5"]) == 0
    meta = json.loads((root / "valid" / "meta.json").read_text())["videos"]
    return root, out, meta


def test_the_synthetic_valid_split_has_objects_entering_late(youtube_run):
    _, _, meta = youtube_run
    firsts = {obj["frames"][0] for video in meta.values() for obj in video["objects"].values()}
    assert len(firsts) > 1 and "00000" in firsts


def test_infer_writes_only_the_listed_frames_from_the_first_annotation_on(youtube_run):
    root, out, meta = youtube_run
    assert sorted(p.name for p in out.iterdir()) == sorted(meta)
    for video, entry in meta.items():
        listed = sorted({f for obj in entry["objects"].values() for f in obj["frames"]})
        first = min(obj["frames"][0] for obj in entry["objects"].values())
        written = sorted(p.stem for p in (out / video).glob("*.png"))
        assert written == [f for f in listed if f >= first]
        all_frames = sorted(p.stem for p in (root / "valid_all_frames" / "JPEGImages" / video).glob("*.jpg"))
        assert len(all_frames) == 16 and set(written) < set(all_frames)  # 30 fps frames are not written


def test_each_object_is_absent_before_it_appears_and_given_where_it_appears(youtube_run):
    root, out, meta = youtube_run
    for video, entry in meta.items():
        ids = {int(k) for k in entry["objects"]}
        for frame_file in sorted((out / video).glob("*.png")):
            labels = read_label_map(frame_file)
            assert labels.shape == (44, 60)
            seen = {int(k) for k, obj in entry["objects"].items() if obj["frames"][0] <= frame_file.stem}
            assert set(np.unique(labels)) - {0} <= seen <= ids
            annotation = root / "valid" / "Annotations" / video / frame_file.name
            if annotation.exists():  # a first appearance: the new objects come back exactly as given
                given = read_label_map(annotation)
                assert given.any()
                assert np.array_equal(labels[given > 0], given[given > 0])


def test_submit_zips_exactly_the_listed_frames_byte_for_byte(youtube_run, tmp_path, capsys):
    root, out, meta = youtube_run
    zip_path = tmp_path / "submission.zip"
    args = ["submit", "youtube-vos", "--results", str(out), "--meta", str(root / "valid" / "meta.json")]
    assert main([*args, "--out", str(zip_path), "--valid-dir", str(root / "valid")]) == 0
    expected = sorted(
        f"Annotations/{video}/{f}.png"
        for video, entry in meta.items()
        for f in {f for obj in entry["objects"].values() for f in obj["frames"]}
    )
    with zipfile.ZipFile(zip_path) as zf:
        assert sorted(zf.namelist()) == expected
        for name in expected:
            assert zf.read(name) == (out / name.removeprefix("Annotations/")).read_bytes()
    assert f"{len(expected)} frames" in capsys.readouterr().out


def test_youtube_vos_2018_layout_is_accepted_too(tmp_path):
    from vostok.data.synthetic.generate import generate_dataset
    from vostok.inference.benchmarks import open_benchmark

    root = generate_dataset(
        "youtube-vos-2018", tmp_path / "yt18", videos=3, frames=11, size=(32, 48), workers=1
    )
    names, load = open_benchmark("youtube-vos-2018", root, "valid")
    item = load(names[0])
    meta = json.loads((root / "valid" / "meta.json").read_text())["videos"][names[0]]["objects"]
    starts = sorted({int(obj["frames"][0]) for obj in meta.values()})
    assert sorted(item.masks) == starts and len(item.frame_names) == 11
    for t, mask in item.masks.items():  # each prompt holds only the objects that start there
        starting = {int(k) for k, obj in meta.items() if int(obj["frames"][0]) == t}
        assert set(np.unique(mask)) - {0} == starting
