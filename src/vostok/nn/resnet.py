"""ResNet trunks used as VOS encoders: torchvision's bottleneck ResNets cut after layer3, and the
ResNet-18 value encoder with biased convolutions and extra mask input channels (STCN's ``mod_resnet``)."""

from __future__ import annotations

import torch
import torchvision
from torch import nn


class ResNetTrunk(nn.Module):
    """torchvision ResNet-50/101 up to layer3; returns the stride-16, 8 and 4 features (f16, f8, f4).

    Built from torchvision (weights=None) so its parameter names are torchvision's; layer4 and the head
    are dropped because no memory network uses them.
    """

    def __init__(self, depth: int = 50) -> None:
        super().__init__()
        builders = {50: torchvision.models.resnet50, 101: torchvision.models.resnet101}
        if depth not in builders:
            raise ValueError(f"ResNetTrunk supports depth 50 or 101, not {depth}")
        net = builders[depth](weights=None)
        self.conv1, self.bn1, self.relu, self.maxpool = net.conv1, net.bn1, net.relu, net.maxpool
        self.layer1, self.layer2, self.layer3 = net.layer1, net.layer2, net.layer3

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        f4 = self.layer1(x)
        f8 = self.layer2(f4)
        f16 = self.layer3(f8)
        return f16, f8, f4


class BiasedBasicBlock(nn.Module):
    """ResNet basic block whose convolutions (downsample included) carry a bias, as in STCN's mod_resnet."""

    def __init__(self, in_ch: int, out_ch: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, stride, 1)
        self.bn1 = nn.BatchNorm2d(out_ch)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, 1, 1)
        self.bn2 = nn.BatchNorm2d(out_ch)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or in_ch != out_ch:
            self.downsample = nn.Sequential(nn.Conv2d(in_ch, out_ch, 1, stride), nn.BatchNorm2d(out_ch))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class BiasedResNet18Trunk(nn.Module):
    """ResNet-18 conv1..layer3 (256 channels at stride 16) with ``in_channels`` inputs and biased convs.

    torchvision's resnet18 has bias-free convs, so this small module is our own.
    """

    def __init__(self, in_channels: int = 5) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 64, 7, 2, 3)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = nn.Sequential(BiasedBasicBlock(64, 64), BiasedBasicBlock(64, 64))
        self.layer2 = nn.Sequential(BiasedBasicBlock(64, 128, 2), BiasedBasicBlock(128, 128))
        self.layer3 = nn.Sequential(BiasedBasicBlock(128, 256, 2), BiasedBasicBlock(256, 256))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        return self.layer3(self.layer2(self.layer1(x)))
