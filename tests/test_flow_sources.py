"""Flow images for the zero-shot models: folders matched by frame name, and streamed RAFT flow."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from vostok.errors import InputError
from vostok.inference.flow import RaftFlow, flow_image_paths, raft_flow_images, read_flow_images
from vostok.io.flow import flow_to_color

NAMES = ["00000", "00001", "00002"]


def _write_flow_folder(folder, names, size=(20, 30)):
    folder.mkdir()
    for i, name in enumerate(names):
        Image.fromarray(np.full((*size, 3), 10 * i, np.uint8)).save(folder / f"{name}.png")
    return folder


def test_flow_images_are_matched_to_frames_by_name(tmp_path):
    folder = _write_flow_folder(tmp_path / "flow", NAMES[::-1])
    images = list(read_flow_images(flow_image_paths(folder, NAMES), size=(20, 30)))
    assert [int(im[0, 0, 0]) for im in images] == [20, 10, 0]  # written in reverse order


def test_missing_flow_folder_is_reported(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        flow_image_paths(tmp_path / "nope", NAMES)


def test_a_frame_without_flow_image_is_named(tmp_path):
    folder = _write_flow_folder(tmp_path / "flow", NAMES[:2])
    with pytest.raises(InputError, match="no image for 1 of 3 frames .*00002"):
        flow_image_paths(folder, NAMES)


def test_extra_flow_images_mean_another_sequence(tmp_path):
    folder = _write_flow_folder(tmp_path / "flow", [*NAMES, "00003"])
    with pytest.raises(InputError, match="holds 4 images for 3 frames"):
        flow_image_paths(folder, NAMES)


def test_flow_images_of_another_size_are_refused(tmp_path):
    folder = _write_flow_folder(tmp_path / "flow", NAMES, size=(10, 30))
    with pytest.raises(InputError, match="30x10 but the frames are 30x20"):
        list(read_flow_images(flow_image_paths(folder, NAMES), size=(20, 30)))


class _MeanShiftFlow(nn.Module):
    """Stand-in for RAFT: constant flow u = mean(second) - mean(first), v = 0; records its input sizes."""

    def __init__(self):
        super().__init__()
        self.anchor = nn.Parameter(torch.zeros(1))
        self.sizes = []

    def forward(self, a, b, num_flow_updates=12):
        self.sizes.append(tuple(a.shape[-2:]))
        u = (b.mean() - a.mean()).expand(a.shape[0], 1, *a.shape[-2:])
        return [torch.cat([u, torch.zeros_like(u)], 1)]


def test_raft_stream_gives_forward_flow_and_backward_flow_for_the_last_frame():
    levels = [0, 51, 153]
    frames = [np.full((12, 20, 3), v, np.uint8) for v in levels]
    consumed = []

    def stream():
        for f in frames:
            consumed.append(1)
            yield f

    model = _MeanShiftFlow()
    out = raft_flow_images(stream(), RaftFlow.from_model(model))
    first = next(out)
    assert len(consumed) == 2  # streamed: frame 0's flow needs frames 0 and 1 only
    rest = list(out)
    assert model.sizes[0] == (128, 128)  # padded to RAFT's minimum size
    to_flow = lambda d: np.dstack([np.full((12, 20), d / 127.5, np.float32), np.zeros((12, 20), np.float32)])  # noqa: E731
    expected = [to_flow(51), to_flow(102), to_flow(-102)]  # 0->1, 1->2, then 2->1
    for got, flow in zip([first, *rest], expected, strict=True):
        np.testing.assert_array_equal(got, flow_to_color(flow))


def test_a_single_frame_gets_the_zero_flow_image():
    out = list(raft_flow_images(iter([np.zeros((8, 8, 3), np.uint8)]), RaftFlow.from_model(_MeanShiftFlow())))
    assert len(out) == 1 and np.all(out[0] == 255)


def test_torchvision_raft_runs_on_small_sizes_not_divisible_by_eight():
    from torchvision.models.optical_flow import raft_small

    torch.manual_seed(0)
    raft = RaftFlow.from_model(raft_small(weights=None), iters=2)
    rng = np.random.default_rng(0)
    flow = raft.flow(*rng.integers(0, 256, (2, 36, 44, 3), dtype=np.uint8))
    assert flow.shape == (36, 44, 2) and flow.dtype == np.float32 and np.isfinite(flow).all()


def test_raft_weights_load_from_a_torchvision_file_and_a_wrong_file_is_named(tmp_path):
    from torchvision.models.optical_flow import raft_large

    from vostok.errors import CheckpointError

    torch.manual_seed(0)
    source = raft_large(weights=None)
    torch.save(source.state_dict(), tmp_path / "raft_large.pth")
    raft = RaftFlow(tmp_path / "raft_large.pth")
    key = "update_block.flow_head.conv2.weight"
    assert torch.equal(raft.model.state_dict()[key], source.state_dict()[key])
    torch.save({"fnet.conv1.weight": torch.zeros(1)}, tmp_path / "raft-things.pth")
    with pytest.raises(CheckpointError, match="RAFT-large"):
        RaftFlow(tmp_path / "raft-things.pth")
