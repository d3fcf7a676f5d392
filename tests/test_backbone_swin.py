"""Swin-T (segmentation flavour): reference fidelity, padding behaviour, ImageNet file loading."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vostok.errors import CheckpointError
from vostok.nn.swin import load_imagenet_weights, relative_position_index, shifted_window_mask, swin_t
from vostok.reference_weights import rule_state_dict

MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def _reference_backbone(ref_dir, prefix: str):
    model = swin_t().eval()
    constructed = {prefix + k: v for k, v in model.state_dict().items()}
    state = rule_state_dict(ref_dir / "manifest.json", constructed=constructed)
    model.load_state_dict(
        {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}, strict=True
    )
    return model


@pytest.mark.parametrize("stream,prefix", [("image", "backbone_x."), ("flow", "backbone_y.")])
def test_stage_outputs_match_the_authors_swin(shared_ref, stream, prefix):
    ref = shared_ref / "isomer_swin_t"
    vectors = np.load(ref / "vectors.npz")
    model = _reference_backbone(ref, prefix)
    x = (torch.from_numpy(vectors[f"step_{stream}"]) - MEAN) / STD
    with torch.no_grad():
        outs = model(x)
    for i, out in enumerate(outs):
        expected = vectors[f"step_{stream}_stage{i + 1}"]
        np.testing.assert_allclose(out.numpy(), expected, atol=1e-4, rtol=0)


def test_relative_position_index_is_swins_layout():
    index = relative_position_index(7)
    assert index.shape == (49, 49)
    assert index[0, 0] == 6 * 13 + 6  # zero offset sits at the table centre
    assert index[0, 48] == 0  # (-6, -6)
    assert index[48, 0] == 168  # (+6, +6)


def test_shift_mask_separates_regions_of_the_padded_map():
    mask = shifted_window_mask(14, 14, window=7, shift=3, device=torch.device("cpu"))
    assert mask.shape == (4, 49, 49)
    assert torch.all(mask[0] == 0)  # the top-left window holds one region only
    assert set(mask[3].unique().tolist()) == {-100.0, 0.0}


def test_sizes_that_are_not_multiples_of_the_window_give_unpadded_outputs():
    model = swin_t().eval()
    with torch.no_grad():
        outs = model(torch.randn(1, 3, 70, 94))
    assert [tuple(o.shape[1:]) for o in outs] == [(96, 18, 24), (192, 9, 12), (384, 5, 6), (768, 3, 3)]
    assert all(torch.isfinite(o).all() for o in outs)


def test_imagenet_file_with_classifier_and_masks_loads(tmp_path):
    source = swin_t()
    state = dict(source.state_dict())
    state["norm.weight"] = torch.ones(768)
    state["head.weight"] = torch.zeros(1000, 768)
    state["layers.0.blocks.1.attn_mask"] = torch.zeros(64, 49, 49)
    torch.save({"model": state}, tmp_path / "swin_tiny_patch4_window7_224.pth")
    target = swin_t()
    load_imagenet_weights(target, tmp_path / "swin_tiny_patch4_window7_224.pth")
    key = "layers.2.blocks.3.attn.qkv.weight"
    assert torch.equal(target.state_dict()[key], source.state_dict()[key])


def test_a_file_of_another_backbone_is_refused(tmp_path):
    torch.save({"patch_embed1.proj.weight": torch.zeros(32, 3, 7, 7)}, tmp_path / "wrong.pth")
    with pytest.raises(CheckpointError, match="missing keys"):
        load_imagenet_weights(swin_t(), tmp_path / "wrong.pth")
