"""The SoVITS discriminator `s2D` (`MultiPeriodDiscriminator`): one scale discriminator over the raw
waveform and one period discriminator per period of the version, as in HiFi-GAN. Training only;
parameter names and shapes equal upstream's `s2D` checkpoints (`tests/data/manifests/s2D_*`).
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from GPT_SoVITS.module import commons, modules
from GPT_SoVITS.module.norms import spectral_norm, weight_norm
from GPT_SoVITS.versions import discriminator_periods


def _norm(use_spectral_norm: bool):
    return spectral_norm if use_spectral_norm else weight_norm


def _score_with_feature_maps(convs: nn.ModuleList, conv_post: nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Run a discriminator's conv stack: (flattened scores, every layer's output for feature matching)."""
    fmap = []
    for conv in convs:
        x = F.leaky_relu(conv(x), modules.LRELU_SLOPE)
        fmap.append(x)
    x = conv_post(x)
    fmap.append(x)
    return torch.flatten(x, 1, -1), fmap


class DiscriminatorP(nn.Module):
    """Period discriminator: audio folded into [B, 1, T / p, p] and scanned by 2-D convolutions."""

    def __init__(self, period: int, kernel_size: int = 5, stride: int = 3, use_spectral_norm: bool = False):
        super().__init__()
        self.period = period
        norm = _norm(use_spectral_norm)
        pad = (commons.get_padding(kernel_size), 0)
        channels = [1, 32, 128, 512, 1024]
        self.convs = nn.ModuleList([
            norm(nn.Conv2d(channels[i], channels[i + 1], (kernel_size, 1), (stride, 1), padding=pad))
            for i in range(4)
        ])
        self.convs.append(norm(nn.Conv2d(1024, 1024, (kernel_size, 1), 1, padding=pad)))
        self.conv_post = norm(nn.Conv2d(1024, 1, (3, 1), 1, padding=(1, 0)))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        b, c, t = x.shape
        if t % self.period:
            x = F.pad(x, (0, self.period - t % self.period), mode="reflect")
        return _score_with_feature_maps(self.convs, self.conv_post, x.view(b, c, -1, self.period))


class DiscriminatorS(nn.Module):
    """Scale discriminator: grouped strided 1-D convolutions over the raw waveform."""

    def __init__(self, use_spectral_norm: bool = False):
        super().__init__()
        norm = _norm(use_spectral_norm)
        self.convs = nn.ModuleList([
            norm(nn.Conv1d(1, 16, 15, 1, padding=7)),
            norm(nn.Conv1d(16, 64, 41, 4, groups=4, padding=20)),
            norm(nn.Conv1d(64, 256, 41, 4, groups=16, padding=20)),
            norm(nn.Conv1d(256, 1024, 41, 4, groups=64, padding=20)),
            norm(nn.Conv1d(1024, 1024, 41, 4, groups=256, padding=20)),
            norm(nn.Conv1d(1024, 1024, 5, 1, padding=2)),
        ])
        self.conv_post = norm(nn.Conv1d(1024, 1, 3, 1, padding=1))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        return _score_with_feature_maps(self.convs, self.conv_post, x)


class MultiPeriodDiscriminator(nn.Module):
    """`s2D`: the scale discriminator (index 0) then one period discriminator per period of
    `version` (`versions.discriminator_periods`: 2, 3, 5, 7, 11 for v2); `periods` overrides them."""

    def __init__(self, use_spectral_norm: bool = False, periods: Sequence[int] | None = None,
                 version: str | None = None):
        super().__init__()
        if periods is None:
            periods = discriminator_periods(version)
        discs = [DiscriminatorS(use_spectral_norm)]
        discs += [DiscriminatorP(p, use_spectral_norm=use_spectral_norm) for p in periods]
        self.discriminators = nn.ModuleList(discs)

    def forward(self, y: torch.Tensor, y_hat: torch.Tensor):
        """Real y and generated y_hat [B, 1, S] -> (real_outputs, fake_outputs, real_fmaps, fake_fmaps)."""
        real_outputs, fake_outputs, real_fmaps, fake_fmaps = [], [], [], []
        for disc in self.discriminators:
            real, real_fmap = disc(y)
            fake, fake_fmap = disc(y_hat)
            real_outputs.append(real)
            fake_outputs.append(fake)
            real_fmaps.append(real_fmap)
            fake_fmaps.append(fake_fmap)
        return real_outputs, fake_outputs, real_fmaps, fake_fmaps
