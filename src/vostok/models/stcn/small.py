"""A small STCN-family network (ResNet-18 keys, narrow values and decoder; ~5.6 M parameters).

Same interface as :class:`~vostok.models.stcn.network.STCNNetwork` (``encode_query``, ``encode_value``,
``decode``), so STCN's predictor and training recipe run it unchanged. The value path encodes only the
masks with a light strided conv stack and fuses them with the frame's f16, which the key encoder already
computed; that keeps the model small enough to ship inside the package as the demo model.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
import torchvision
from torch import nn

from vostok.models.registry import register_model
from vostok.models.stcn.network import KeyProjection, QueryFeatures
from vostok.nn.memory_blocks import FeatureFusionBlock, ResBlock, UpsampleBlock


class ResNet18Trunk(nn.Module):
    """torchvision ResNet-18 conv1..layer3 -> (f16 256 ch, f8 128 ch, f4 64 ch)."""

    def __init__(self) -> None:
        super().__init__()
        net = torchvision.models.resnet18(weights=None)
        self.conv1, self.bn1, self.relu, self.maxpool = net.conv1, net.bn1, net.relu, net.maxpool
        self.layer1, self.layer2, self.layer3 = net.layer1, net.layer2, net.layer3

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        f4 = self.layer1(self.maxpool(self.relu(self.bn1(self.conv1(x)))))
        f8 = self.layer2(f4)
        return self.layer3(f8), f8, f4


class MaskEncoder(nn.Module):
    """[object mask, other objects] at full resolution -> stride-16 features (four stride-2 convs)."""

    def __init__(self, out_ch: int) -> None:
        super().__init__()
        chans = [2, 16, 32, 64, out_ch]
        layers: list[nn.Module] = []
        for a, b in zip(chans[:-1], chans[1:], strict=True):
            layers += [nn.Conv2d(a, b, 3, stride=2, padding=1), nn.ReLU(inplace=True)]
        self.body = nn.Sequential(*layers[:-1])

    def forward(self, masks: torch.Tensor) -> torch.Tensor:
        return self.body(masks)


class SmallDecoder(nn.Module):
    """STCN's decoder at reduced width: readout + query value -> f8 -> f4 -> one logit per pixel."""

    def __init__(self, in_ch: int, width: int = 128) -> None:
        super().__init__()
        self.compress = ResBlock(in_ch, width)
        self.up_16_8 = UpsampleBlock(128, width, width // 2)
        self.up_8_4 = UpsampleBlock(64, width // 2, width // 2)
        self.pred = nn.Conv2d(width // 2, 1, 3, padding=1)

    def forward(self, x: torch.Tensor, f8: torch.Tensor, f4: torch.Tensor) -> torch.Tensor:
        n = x.shape[0]
        x = self.compress(x)
        x = self.up_16_8(f8.expand(n, -1, -1, -1), x)
        x = self.up_8_4(f4.expand(n, -1, -1, -1), x)
        x = self.pred(F.relu(x))
        return F.interpolate(x, scale_factor=4, mode="bilinear", align_corners=False)


class SmallSTCNNetwork(nn.Module):
    """STCN with a ResNet-18 key encoder, 64-d keys and ``value_dim``-d values."""

    key_dim = 64

    def __init__(self, value_dim: int = 128) -> None:
        super().__init__()
        self.key_encoder = ResNet18Trunk()
        self.key_proj = KeyProjection(256, self.key_dim)
        self.key_comp = nn.Conv2d(256, value_dim, 3, padding=1)
        self.mask_encoder = MaskEncoder(64)
        self.fuser = FeatureFusionBlock(64 + 256, value_dim)
        self.decoder = SmallDecoder(2 * value_dim)

    def encode_query(self, image: torch.Tensor) -> QueryFeatures:
        """``image (N,3,H,W)`` normalised, H and W multiples of 16."""
        f16, f8, f4 = self.key_encoder(image)
        return QueryFeatures(self.key_proj(f16), self.key_comp(f16), f16, f8, f4)

    def encode_value(self, image: torch.Tensor, f16: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        """Per-object values ``(K,value_dim,h,w)`` from soft masks ``(K,H,W)`` and the frame's f16."""
        k = masks.shape[0]
        others = masks.sum(0, keepdim=True) - masks if k > 1 else torch.zeros_like(masks)
        feats = self.mask_encoder(torch.stack([masks, others], dim=1))
        return self.fuser(feats, f16.expand(k, -1, -1, -1))

    def decode(self, readout: torch.Tensor, query: QueryFeatures) -> torch.Tensor:
        """Per-object logits ``(K,1,H,W)``."""
        qv = query.value.expand(readout.shape[0], -1, -1, -1)
        return self.decoder(torch.cat([readout, qv], dim=1), query.f8, query.f4)


def load_small_weights(network: SmallSTCNNetwork, checkpoint: str, allow_pickle: bool = False) -> None:
    """Load a trainer checkpoint (``model_final.pt``, keys under ``network.``) or a bare state dict."""
    from vostok.checkpoint import load_checkpoint_file, load_state_dict_strict, strip_prefix
    from vostok.models.stcn.checkpoint import unwrap_checkpoint

    state = load_checkpoint_file(checkpoint, allow_pickle=allow_pickle)
    state = strip_prefix(unwrap_checkpoint(state), "network.")
    state = {k: v.float() if v.is_floating_point() else v for k, v in state.items()}
    load_state_dict_strict(network, state, "stcn-small", source=str(checkpoint))


def export_weights(checkpoint: str, out: str | Path | None = None) -> Path:
    """Write a run's ``model_final.pt`` as the fp16 network-only file the package ships (~11 MB).

    ``python -c "from vostok.models.stcn.small import export_weights; export_weights('runs/X/model_final.pt')"``
    """
    network = SmallSTCNNetwork()
    load_small_weights(network, checkpoint)
    out = Path(out) if out is not None else PACKAGED_WEIGHTS
    out.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.half() if v.is_floating_point() else v for k, v in network.state_dict().items()}
    torch.save(state, out)
    return out


PACKAGED_WEIGHTS = Path(__file__).parent / "weights" / "stcn_small_synth.pt"
"""Weights trained on synthetic videos by the four ``configs/demo/stcn_small_synth*.yaml`` stages (fp16), when
shipped."""


@register_model("stcn-small")
def load(checkpoint: str | None = None, device: str | None = None, **options):
    """The small STCN with STCN's inference procedure; ``checkpoint`` is a run's ``model_final.pt``
    (default: the packaged synthetic-data weights, when this build ships them)."""
    import warnings

    from vostok.models.stcn.predictor import STCNPredictor

    allow_pickle = options.pop("allow_pickle", False)
    network = SmallSTCNNetwork()
    if checkpoint is None and PACKAGED_WEIGHTS.is_file():
        checkpoint = str(PACKAGED_WEIGHTS)
    if checkpoint is None:
        warnings.warn(
            "stcn-small has no checkpoint: its weights are random (pass checkpoint=...).", stacklevel=3
        )
    else:
        load_small_weights(network, checkpoint, allow_pickle=allow_pickle)
    return STCNPredictor(network, device=device, **options)
