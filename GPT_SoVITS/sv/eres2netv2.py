"""ERes2NetV2, the speaker-verification network of the Pro versions, up to its 20480-dim pooled map.

Parameter names and shapes equal upstream's `pretrained_eres2netv2w24s4ep4.ckpt`
(`tests/data/manifests/sv_eres2netv2_manifest.tsv`). Input is Kaldi fbank [B, T, 80] (see
`fbank.py`); this module knows nothing of audio files or checkpoints.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn
from torch.nn import functional as F

BLOCK_CLAMP = 20.0  # activations inside the blocks are clamped to [0, 20] ("ReLU20"), not plain ReLU


def _clamp(x: torch.Tensor) -> torch.Tensor:
    return F.hardtanh(x, 0.0, BLOCK_CLAMP)


def _masked(x: torch.Tensor, valid: torch.Tensor | None) -> torch.Tensor:
    """Zero the time steps past each row's length, so a 3x3 conv sees what its zero padding
    would show it on that row alone (padded batches then equal one-by-one results)."""
    return x if valid is None else x * valid


def _halved(valid: torch.Tensor | None) -> torch.Tensor | None:
    """The validity mask after a stride-2 conv: output j reads input 2j, ceil(T/2) of them."""
    return None if valid is None else valid[..., ::2]


class AFF(nn.Module):
    """Attentional feature fusion of two maps of c channels: x*m + y*(2-m), m = 1 + tanh(att)."""

    def __init__(self, channels: int, reduction: int = 4):
        super().__init__()
        inter = channels // reduction
        self.local_att = nn.Sequential(
            nn.Conv2d(2 * channels, inter, 1, bias=True),
            nn.BatchNorm2d(inter),
            nn.SiLU(),
            nn.Conv2d(inter, channels, 1, bias=True),
            nn.BatchNorm2d(channels),
        )

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        m = 1.0 + torch.tanh(self.local_att(torch.cat((x, y), dim=1)))  # in (0, 2)
        return x * m + y * (2.0 - m)


class Res2Block(nn.Module):
    """One ERes2NetV2 bottleneck: 1x1 conv (carrying the stride), `scale` chained 3x3 convs over
    channel chunks, 1x1 conv to `planes * expansion`, plus a shortcut.

    Chunk i > 0 is combined with the previous chunk's output before its conv: by addition in
    the plain block, by `AFF(previous output, chunk)` in the fused block (layers 3-4).
    """

    def __init__(self, in_channels: int, planes: int, stride: int, fused: bool,
                 base_width: int, scale: int, expansion: int):
        super().__init__()
        width = planes * base_width // 64
        out_channels = planes * expansion
        self.width = width
        self.stride = stride
        self.conv1 = nn.Conv2d(in_channels, width * scale, 1, stride=stride, bias=False)
        self.bn1 = nn.BatchNorm2d(width * scale)
        self.convs = nn.ModuleList(nn.Conv2d(width, width, 3, padding=1, bias=False) for _ in range(scale))
        self.bns = nn.ModuleList(nn.BatchNorm2d(width) for _ in range(scale))
        self.fuse_models = nn.ModuleList(AFF(width) for _ in range(scale - 1)) if fused else None
        self.conv3 = nn.Conv2d(width * scale, out_channels, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_channels)
        self.shortcut = None
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False), nn.BatchNorm2d(out_channels))

    def forward(self, x: torch.Tensor, valid: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """x [B, C_in, F, T] -> ([B, 4P, F/s, T/s], the mask at the output's time resolution)."""
        out_valid = _halved(valid) if self.stride == 2 else valid
        chunks = torch.split(_clamp(self.bn1(self.conv1(x))), self.width, dim=1)
        outputs: list[torch.Tensor] = []
        for i, chunk in enumerate(chunks):
            if i == 0:
                merged = chunk
            elif self.fuse_models is None:
                merged = outputs[-1] + chunk
            else:
                merged = self.fuse_models[i - 1](outputs[-1], chunk)
            outputs.append(_clamp(self.bns[i](self.convs[i](_masked(merged, out_valid)))))
        out = self.bn3(self.conv3(torch.cat(outputs, dim=1)))
        residual = x if self.shortcut is None else self.shortcut(x)
        return _clamp(out + residual), out_valid


class ERes2NetV2(nn.Module):
    """ERes2NetV2 as upstream builds it: `ERes2NetV2(baseWidth=24, scale=4, expansion=4)`.

    `pooled_embedding` is upstream's `forward3`, the only path GPT-SoVITS uses. `seg_1` (the
    192-dim speaker head after mean+std pooling) is never run here but is part of the pretrained
    file, which upstream loads strictly, so it stays for the state dict to match.
    """

    def __init__(self, base_width: int = 24, scale: int = 4, expansion: int = 4, m_channels: int = 64,
                 num_blocks: Sequence[int] = (3, 4, 6, 3), feat_dim: int = 80, embedding_size: int = 192):
        super().__init__()
        self.conv1 = nn.Conv2d(1, m_channels, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(m_channels)
        channels = m_channels
        layers = []
        for index, (blocks, stride) in enumerate(zip(num_blocks, (1, 2, 2, 2))):
            planes = m_channels * 2 ** index
            fused = index >= 2  # layers 3 and 4 fuse their chunks with AFF
            layer = nn.ModuleList()
            for block in range(blocks):
                layer.append(Res2Block(channels, planes, stride if block == 0 else 1, fused, base_width, scale, expansion))
                channels = planes * expansion
            layers.append(layer)
        self.layer1, self.layer2, self.layer3, self.layer4 = layers
        layer3_channels = m_channels * 4 * expansion
        self.layer3_ds = nn.Conv2d(layer3_channels, channels, 3, stride=2, padding=1, bias=False)  # no BN after it
        self.fuse34 = AFF(channels, reduction=4)
        self.pooled_dim = channels * (feat_dim // 8)
        self.seg_1 = nn.Linear(self.pooled_dim * 2, embedding_size)

    @staticmethod
    def _run(layer: nn.ModuleList, x: torch.Tensor, valid: torch.Tensor | None):
        for block in layer:
            x, valid = block(x, valid)
        return x, valid

    def pooled_embedding(self, feats: torch.Tensor, frames: torch.Tensor | None = None) -> torch.Tensor:
        """Fbank feats [B, T, 80] -> [B, 20480]: the fused layer-3/4 map, time-averaged.

        `frames` [B] gives each row's number of real frames when a batch is padded; the result
        then equals running each row alone (up to float rounding). Without it every frame counts.
        """
        x = feats.transpose(1, 2).unsqueeze(1)  # [B, T, F] -> [B, 1, F, T]: frequency is the height
        valid = None
        if frames is not None:
            steps = torch.arange(x.size(-1), device=x.device)
            valid = (steps < frames.to(x.device)[:, None]).to(x.dtype)[:, None, None, :]  # [B, 1, 1, T]
        x = F.relu(self.bn1(self.conv1(_masked(x, valid))))  # the stem's ReLU is not clamped
        x, valid = self._run(self.layer1, x, valid)
        x, valid = self._run(self.layer2, x, valid)
        out3, valid3 = self._run(self.layer3, x, valid)
        out4, valid4 = self._run(self.layer4, out3, valid3)
        fused = self.fuse34(out4, self.layer3_ds(_masked(out3, valid3)))  # [B, 2048, 10, T4]
        flat = fused.flatten(1, 2)  # [B, 20480, T4], index = channel * 10 + frequency row
        if valid4 is None:
            return flat.mean(dim=-1)
        weights = valid4[:, 0]  # [B, 1, T4]
        return (flat * weights).sum(dim=-1) / weights.sum(dim=-1)
