"""On the shared reference corpus (small size + edge set), every number equals the official tools' to 1e-9.

The corpus is rebuilt into a temporary folder from the real DAVIS-2017 val masks by the shared generator;
its pixel digest must equal the one the references were computed on.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from vostok.evaluation import evaluate_davis, evaluate_vsod
from vostok.evaluation.statistics import object_statistics

TOL = 1e-9
KEYS = {
    "J_M": "J-Mean",
    "J_R": "J-Recall",
    "J_D": "J-Decay",
    "F_M": "F-Mean",
    "F_R": "F-Recall",
    "F_D": "F-Decay",
}
KEYS_GLOBAL = {**KEYS, "JF": "J&F-Mean"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, shared_ref: Path, shared_data: Path) -> Path:
    out = tmp_path_factory.mktemp("evalcorpus") / "small"
    script = shared_ref.parent / "tools" / "make_eval_corpus.py"
    args = [
        "--num-seqs",
        "6",
        "--frames",
        "25",
        "--height",
        "240",
        "--width",
        "427",
        "--edge",
        "--seed",
        "2017",
    ]
    cmd = [
        sys.executable,
        str(script),
        "--toolkit",
        str(shared_data / "davis2017-val-examples"),
        "--out",
        str(out),
    ]
    subprocess.run(cmd + args, check=True, capture_output=True)
    return out


@pytest.fixture(scope="module")
def reference(shared_ref: Path) -> dict:
    return json.loads((shared_ref / "eval" / "evalbench_reference.json").read_text())["corpora"]


@pytest.fixture(scope="module")
def per_frame(shared_ref: Path) -> dict:
    return json.loads((shared_ref / "eval" / "evalbench_perframe.json").read_text())


def test_rebuilt_corpus_has_the_reference_pixels(corpus: Path, reference: dict) -> None:
    manifest = json.loads((corpus / "manifest.json").read_text())
    text = json.dumps(manifest)
    assert reference["small"]["corpus"]["digests"]["all"]["sha256"] in text


def _assert_objects_equal(ours: dict, ref_objects: dict, ref_frames: dict) -> None:
    assert sorted(ours) == sorted(ref_objects)
    for name, ref in ref_objects.items():
        for k, ours_key in KEYS.items():
            if not np.isnan(ref[k]):
                assert ours[name][ours_key] == pytest.approx(ref[k], abs=TOL), (name, k)
        np.testing.assert_allclose(ours[name]["J"], ref_frames[name]["J"], rtol=0, atol=TOL)
        np.testing.assert_allclose(ours[name]["F"], ref_frames[name]["F"], rtol=0, atol=TOL)


def test_semi_supervised_equals_davis2017_evaluation(corpus: Path, reference: dict, per_frame: dict) -> None:
    ours = evaluate_davis(corpus / "davis", corpus / "results/semi/perturbed", workers=2, show_progress=False)
    ref = reference["small"]["tools"]["davis_semi"]
    for k, key in KEYS_GLOBAL.items():
        assert ours["global"][key] == pytest.approx(ref["global"][k], abs=TOL)
    _assert_objects_equal(ours["objects"], ref["per_object"], per_frame["small/davis_semi"])


def test_edge_semi_supervised_equals_official_except_the_long_video_decay(
    corpus: Path, reference: dict, per_frame: dict
) -> None:
    edge = corpus / "edge"
    ours = evaluate_davis(edge / "davis", edge / "results/semi/edge", workers=1, show_progress=False)
    ref = reference["edge"]["tools"]["davis_semi"]
    _assert_objects_equal(ours["objects"], ref["per_object"], per_frame["edge/davis_semi"])
    # The official Decay of the 298-frame object is NaN (uint8 overflow); vostok gives the intended value.
    long_obj = ours["objects"]["e06-long-300_1"]
    assert np.isnan(ref["per_object"]["e06-long-300_1"]["J_D"])
    j = np.array(per_frame["edge/davis_semi"]["e06-long-300_1"]["J"])
    bins = [0, 74, 149, 223, 297]
    assert long_obj["J-Decay"] == pytest.approx(
        j[bins[0] : bins[1] + 1].mean() - j[bins[3] : bins[4] + 1].mean()
    )
    assert not np.isnan(ours["global"]["J-Decay"]) and not np.isnan(ours["global"]["F-Decay"])
    for k in ("J_M", "J_R", "F_M", "F_R", "JF"):
        assert ours["global"][KEYS_GLOBAL[k]] == pytest.approx(ref["global"][k], abs=TOL)


def _by_values(objects: dict) -> list[tuple]:
    return sorted(
        (name.rsplit("_", 1)[0], round(o["J-Mean"], 12), round(o["F-Mean"], 12))
        for name, o in objects.items()
    )


@pytest.mark.parametrize("corpus_name", ["small", "edge"])
def test_unsupervised_equals_davis2017_evaluation_with_objects_named_by_gt_id(
    corpus: Path, reference: dict, per_frame: dict, corpus_name: str
) -> None:
    if corpus_name == "small":
        root, results = corpus / "davis", corpus / "results/unsup/rvos"
    else:
        root, results = corpus / "edge/davis", corpus / "edge/results/unsup/edge"
    ours = evaluate_davis(root, results, task="unsupervised", workers=2, show_progress=False)
    ref = reference[corpus_name]["tools"]["davis_unsup"]
    for k, key in KEYS_GLOBAL.items():
        if not np.isnan(ref["global"][k]):
            assert ours["global"][key] == pytest.approx(ref["global"][k], abs=TOL)
    # The official names follow proposal order; as multisets per sequence the objects are the same.
    ref_objects = {n: {"J-Mean": o["J_M"], "F-Mean": o["F_M"]} for n, o in ref["per_object"].items()}
    assert _by_values(ours["objects"]) == _by_values(ref_objects)
    ref_frames = per_frame[f"{corpus_name}/davis_unsup"]
    ref_curves = sorted(tuple(np.round(v["J"], 12)) for v in ref_frames.values())
    assert sorted(tuple(np.round(o["J"], 12)) for o in ours["objects"].values()) == ref_curves


def test_statistics_of_reference_frames_reproduce_reference_objects(reference: dict, per_frame: dict) -> None:
    ref = reference["small"]["tools"]["davis_semi"]["per_object"]["blackswan_1"]
    frames = per_frame["small/davis_semi"]["blackswan_1"]
    assert object_statistics(np.array(frames["J"])) == pytest.approx(
        (ref["J_M"], ref["J_R"], ref["J_D"]), abs=TOL
    )


@pytest.mark.parametrize("per_video", [False, True])
def test_vsod_equals_pysodmetrics(corpus: Path, reference: dict, per_video: bool) -> None:
    ours = evaluate_vsod(corpus / "vsod/GT", corpus / "vsod/pred/perturbed", per_video=per_video, workers=2)
    ref = reference["small"]["tools"]["pysod"]
    for video, values in ref["per_sequence"].items():
        for k, v in values.items():
            assert ours["videos"][video][k] == pytest.approx(v, abs=TOL), (video, k)
    if per_video:
        expected = {k: np.mean([v[k] for v in ref["per_sequence"].values()]) for k in ours["global"]}
    else:
        expected = ref["pooled_over_frames"]
    for k, v in expected.items():
        assert ours["global"][k] == pytest.approx(v, abs=TOL), k
