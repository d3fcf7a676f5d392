"""Isomer network behaviour: key layout of the authors' checkpoint, SGST modes, head shapes, predictor."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from torch import nn

from vostok.errors import CheckpointError, InputError
from vostok.models.isomer import IsomerConfig, IsomerNet, IsomerPredictor, build_network
from vostok.models.isomer.checkpoint import convert_authors_state
from vostok.models.isomer.fusion import SemanticGatheringScatteringTransformer
from vostok.models.isomer.predictor import min_max_grey
from vostok.video import Video


@pytest.mark.parametrize("backbone,entries", [("swin_t", 492), ("mit_b0", 482)])
def test_authors_keys_map_one_to_one_onto_ours(shared_ref, backbone, entries):
    manifest = json.loads((shared_ref / f"isomer_{backbone}" / "manifest.json").read_text())
    authors = {name: torch.zeros(shape) for name, shape, _ in manifest["keys"]}
    ours = IsomerNet(IsomerConfig(backbone=backbone)).state_dict()
    converted = convert_authors_state({"module." + k: v for k, v in authors.items()})
    assert len(converted) == len(ours) == entries
    assert set(converted) == set(ours)
    assert all(tuple(converted[k].shape) == tuple(v.shape) for k, v in ours.items())


def test_authors_sgst_returns_its_projection_and_leaves_dead_weights_unused():
    torch.manual_seed(0)
    sgst = SemanticGatheringScatteringTransformer(16, merged_tokens=5, heads=2, mode="authors")
    x, y = torch.randn(2, 16, 6, 6), torch.randn(2, 16, 6, 6)
    out = sgst(x, y)
    assert torch.equal(out, sgst.project(torch.cat([x, y], 1)))
    out.sum().backward()
    live = {n for n, p in sgst.named_parameters() if p.grad is not None}
    assert live == {"project.weight", "project.bias"}


class _KeepQueries(nn.Module):
    def forward(self, queries, memory):
        return queries


class _Double(nn.Module):
    def forward(self, tokens, h, w):
        return 2 * tokens


def test_paper_sgst_scatters_every_token_back_to_its_own_position():
    torch.manual_seed(0)
    sgst = SemanticGatheringScatteringTransformer(8, merged_tokens=3, heads=2, mode="paper").eval()
    sgst.fg_attn = sgst.bg_attn = _KeepQueries()
    sgst.fg_ffn = sgst.bg_ffn = _Double()
    x, y = torch.randn(1, 8, 5, 7), torch.randn(1, 8, 5, 7)
    projected = sgst.project(torch.cat([x, y], 1))
    heat = torch.sigmoid(sgst.heat_map(projected))
    assert (heat >= 0.5).any() and (heat < 0.5).any()  # both regions present, so the refinement runs
    torch.testing.assert_close(sgst(x, y), 2 * projected)


def test_paper_mode_trains_the_semantic_path():
    torch.manual_seed(1)
    sgst = SemanticGatheringScatteringTransformer(8, merged_tokens=3, heads=2, mode="paper")
    with torch.no_grad():
        sgst.heat_map.weight.zero_()
        sgst.heat_map.bias.zero_()
        sgst.heat_map.weight[0, 0] = 5.0  # split on the sign of channel 0
    x = torch.randn(1, 8, 4, 4)
    out = sgst(x, torch.randn(1, 8, 4, 4))
    assert not torch.allclose(out, sgst.project(torch.cat([x, torch.zeros_like(x)], 1)))
    out.square().mean().backward()
    assert sgst.fg_soft_weights.weight.grad.abs().sum() > 0
    assert sgst.bg_ffn.linear1.weight.grad.abs().sum() > 0


def test_unknown_sgst_mode_is_refused():
    with pytest.raises(ValueError, match="sgst mode"):
        SemanticGatheringScatteringTransformer(8, 3, mode="intended")


def test_non_square_inputs_give_logits_at_input_size():
    net = IsomerNet(IsomerConfig(backbone="mit_b0")).eval()
    with torch.no_grad():
        logits = net(torch.randn(1, 3, 96, 64), torch.randn(1, 3, 96, 64))
    assert logits.shape == (1, 1, 96, 64)


def test_min_max_grey_stretches_each_frame_and_truncates():
    prob = np.array([[0.40, 0.45], [0.50, 0.60]], np.float32)
    grey = min_max_grey(prob)
    assert grey.tolist() == [[0, 63], [127, 254]]  # 254: the 1e-8 in the denominator, then truncation


def _tiny_predictor(batch_size: int) -> IsomerPredictor:
    torch.manual_seed(0)
    net = IsomerNet(IsomerConfig(backbone="mit_b0"))
    return IsomerPredictor(net, device="cpu", batch_size=batch_size, input_size=64)


def test_results_do_not_depend_on_the_batch_size():
    rng = np.random.default_rng(0)
    frames = list(rng.integers(0, 256, (3, 40, 48, 3), dtype=np.uint8))
    flows = list(rng.integers(0, 256, (3, 40, 48, 3), dtype=np.uint8))
    one = list(_tiny_predictor(1).segment(Video.from_frames(frames), flow_images=flows))
    three = list(_tiny_predictor(2).segment(Video.from_frames(frames), flow_images=flows))
    assert [r.index for r in three] == [0, 1, 2]
    assert three[2].probabilities.shape == (40, 48)
    for a, b in zip(one, three, strict=True):
        np.testing.assert_allclose(a.probabilities, b.probabilities, atol=1e-5)


def test_segment_without_any_flow_source_says_how_to_give_one():
    frames = [np.zeros((32, 32, 3), np.uint8)]
    with pytest.raises(InputError, match="flow_dir"):
        list(_tiny_predictor(1).segment(Video.from_frames(frames)))


def test_raft_without_weights_is_a_clear_error():
    frames = [np.zeros((32, 32, 3), np.uint8)] * 2
    with pytest.raises(CheckpointError, match="raft-checkpoint"):
        list(_tiny_predictor(1).segment(Video.from_frames(frames), flow="raft"))


def test_checkpoint_of_the_other_backbone_is_refused(tmp_path):
    torch.save(
        {"network": {"module.backbone_x.patch_embed1.proj.weight": torch.zeros(32, 3, 7, 7)}},
        tmp_path / "a.pth",
    )
    with pytest.raises(CheckpointError, match="mit_b0 checkpoint"):
        build_network(tmp_path / "a.pth", backbone="swin_t")


class _ConstantFlow(nn.Module):
    """Stand-in for RAFT: one pixel to the right everywhere."""

    def __init__(self):
        super().__init__()
        self.anchor = nn.Parameter(torch.zeros(1))

    def forward(self, a, b, num_flow_updates=12):
        flow = torch.zeros(a.shape[0], 2, *a.shape[-2:])
        flow[:, 0] = 1.0
        return [flow]


def test_raft_flow_is_computed_on_the_fly_and_equals_the_same_flow_given_as_images():
    from vostok.inference.flow import RaftFlow, raft_flow_images

    rng = np.random.default_rng(1)
    frames = list(rng.integers(0, 256, (3, 40, 48, 3), dtype=np.uint8))
    raft = RaftFlow.from_model(_ConstantFlow())
    predictor = _tiny_predictor(2)
    streamed = list(predictor.segment(Video.from_frames(frames), flow=raft))
    given = list(
        predictor.segment(Video.from_frames(frames), flow_images=raft_flow_images(iter(frames), raft))
    )
    assert [r.index for r in streamed] == [0, 1, 2]
    for a, b in zip(streamed, given, strict=True):
        np.testing.assert_array_equal(a.probabilities, b.probabilities)


def test_authors_init_draws_convs_from_a_narrow_normal_and_resets_batchnorm():
    from vostok.models.isomer.network import authors_init_

    torch.manual_seed(0)
    net = authors_init_(IsomerNet(IsomerConfig(backbone="mit_b0")))
    conv = net.fusion[0].context.channel_add_conv[0].weight.detach()
    assert abs(float(conv.std()) - 0.01) < 0.001
    assert torch.equal(net.head.linear_fuse.bn.weight, torch.ones(64))
    linear = net.fusion[2].fg_ffn.linear1.weight.detach()  # xavier-uniform bound sqrt(6 / (fan_in + fan_out))
    assert float(linear.abs().max()) <= (6 / (160 + 1280)) ** 0.5


@pytest.mark.parametrize(
    "backbone,total,live", [("swin_t", 89_219_575, 59_364_423), ("mit_b0", 10_930_851, 7_149_907)]
)
def test_parameter_counts_equal_the_authors_model(backbone, total, live):
    net = IsomerNet(IsomerConfig(backbone=backbone))
    dead = sum(
        p.numel() for f in net.fusion[2:] for n, p in f.named_parameters() if not n.startswith("project.")
    )
    assert sum(p.numel() for p in net.parameters()) == total
    assert total - dead == live  # what authors mode runs


def test_dead_sgst_norms_are_reported_at_init_only_when_untouched(shared_ref):
    from vostok.models.isomer.checkpoint import dead_sgst_norms_at_init, rule_authors_state

    fresh = IsomerNet(IsomerConfig(backbone="mit_b0")).state_dict()
    assert dead_sgst_norms_at_init(fresh) == (16, 16)
    filled = convert_authors_state(rule_authors_state(shared_ref / "isomer_mit_b0" / "manifest.json"))
    assert dead_sgst_norms_at_init(filled) == (0, 16)


def test_paper_mode_with_a_checkpoint_whose_sgst_was_never_trained_warns(tmp_path):
    torch.save(IsomerNet(IsomerConfig(backbone="mit_b0")).state_dict(), tmp_path / "ours.pth")
    with pytest.warns(UserWarning, match="never trained"):
        build_network(tmp_path / "ours.pth", sgst_mode="paper")
