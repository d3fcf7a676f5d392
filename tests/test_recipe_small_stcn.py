"""The small STCN (demo model): trains through the STCN recipe and its run's weights load into the predictor."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vostok.training.config import build_config
from vostok.training.trainer import train


@pytest.fixture(scope="module")
def synth_davis(tmp_path_factory):
    from vostok.data.synthetic import generate_dataset

    root = tmp_path_factory.mktemp("synth") / "davis2017"
    return generate_dataset(
        "davis2017", root, videos=3, frames=6, size=(48, 64), seed=5, workers=1, show_progress=False
    )


def test_small_stcn_trains_and_its_final_weights_segment_a_video(synth_davis, tmp_path):
    import vostok

    overrides = [
        f"trainer.run_dir={tmp_path}", "trainer.iterations=2", "trainer.batch_size=2", "trainer.num_workers=0",
        "trainer.log_every=1", "trainer.cpu_threads=1", f"data.davis_root={synth_davis}", "data.size=32", "model.variant=small",
    ]  # fmt: skip
    final = train(build_config({"recipe": "stcn", "stage": 3}, overrides))
    trained = torch.load(final, weights_only=True)

    predictor = vostok.load_model("stcn-small", checkpoint=str(final), device="cpu")
    for name, value in predictor.network.state_dict().items():
        assert torch.equal(value, trained[f"network.{name}"]), name

    frames = [np.full((32, 48, 3), 40 * t, np.uint8) for t in range(3)]
    first = np.zeros((32, 48), np.uint8)
    first[8:20, 10:30] = 1
    results = list(predictor.segment(vostok.Video.from_frames(frames), masks={0: first}))
    assert len(results) == 3
    assert np.array_equal(results[0].labels, first)  # the prompt frame returns its own mask
    assert set(np.unique(results[2].labels)) <= {0, 1}


def test_an_unknown_model_variant_is_refused():
    from vostok.errors import InputError
    from vostok.models.stcn.recipe import STCNRecipe

    recipe = STCNRecipe(build_config({"recipe": "stcn"}, ["model.variant=huge"]))
    with pytest.raises(InputError, match="model.variant"):
        recipe.build_model()
