"""MiT-b0 (SegFormer): reference fidelity and ImageNet file loading."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vostok.errors import CheckpointError
from vostok.nn.mit import load_imagenet_weights, mit_b0
from vostok.reference_weights import rule_state_dict

MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


@pytest.mark.parametrize("stream,prefix", [("image", "backbone_x."), ("flow", "backbone_y.")])
def test_stage_outputs_match_the_authors_mit_b0(shared_ref, stream, prefix):
    ref = shared_ref / "isomer_mit_b0"
    vectors = np.load(ref / "vectors.npz")
    model = mit_b0().eval()
    state = rule_state_dict(ref / "manifest.json")
    model.load_state_dict(
        {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}, strict=True
    )
    x = (torch.from_numpy(vectors[f"step_{stream}"]) - MEAN) / STD
    with torch.no_grad():
        outs = model(x)
    for i, out in enumerate(outs):
        np.testing.assert_allclose(out.numpy(), vectors[f"step_{stream}_stage{i + 1}"], atol=1e-4, rtol=0)


def test_stage_outputs_are_layer_normalised():
    model = mit_b0().eval()
    with torch.no_grad():
        outs = model(torch.randn(1, 3, 64, 96))
    assert [tuple(o.shape[1:]) for o in outs] == [(32, 16, 24), (64, 8, 12), (160, 4, 6), (256, 2, 3)]
    per_token = outs[2].permute(0, 2, 3, 1)
    assert torch.allclose(per_token.mean(-1), torch.zeros(1), atol=1e-4)  # default LN affine is identity


def test_imagenet_file_with_head_loads(tmp_path):
    source = mit_b0()
    state = dict(source.state_dict())
    state["head.weight"] = torch.zeros(1000, 256)
    state["head.bias"] = torch.zeros(1000)
    torch.save(state, tmp_path / "mit_b0.pth")
    target = mit_b0()
    load_imagenet_weights(target, tmp_path / "mit_b0.pth")
    key = "block3.1.attn.kv.weight"
    assert torch.equal(target.state_dict()[key], source.state_dict()[key])


def test_a_swin_file_is_refused(tmp_path):
    torch.save({"model": {"patch_embed.proj.weight": torch.zeros(96, 3, 4, 4)}}, tmp_path / "swin.pth")
    with pytest.raises(CheckpointError, match="MiT-b0"):
        load_imagenet_weights(mit_b0(), tmp_path / "swin.pth")
