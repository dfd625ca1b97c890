"""Losses of SoVITS GAN training: least-squares adversarial losses, feature matching and the
KL term between the posterior (flowed to the prior space) and the text/content prior.

The mel L1 reconstruction term is a one-liner in the trainer (`F.l1_loss(mel, mel_hat)`).
"""

from __future__ import annotations

from typing import Sequence

import torch


def feature_loss(real_fmaps: Sequence[Sequence[torch.Tensor]], fake_fmaps: Sequence[Sequence[torch.Tensor]]) -> torch.Tensor:
    """Feature matching: 2 x sum over discriminators and layers of mean |real - fake|.

    Real features are detached: this loss trains the generator only.
    """
    loss = 0.0
    for real_layers, fake_layers in zip(real_fmaps, fake_fmaps):
        for real, fake in zip(real_layers, fake_layers):
            loss = loss + torch.mean(torch.abs(real.float().detach() - fake.float()))
    return loss * 2


def discriminator_loss(
    real_outputs: Sequence[torch.Tensor], fake_outputs: Sequence[torch.Tensor]
) -> tuple[torch.Tensor, list[float], list[float]]:
    """LSGAN discriminator loss: sum of mean (1 - D(real))^2 + mean D(fake)^2.

    Returns the total and the per-discriminator real and fake parts (as floats, for logging).
    """
    loss = 0.0
    real_losses, fake_losses = [], []
    for real, fake in zip(real_outputs, fake_outputs):
        real_loss = torch.mean((1 - real.float()) ** 2)
        fake_loss = torch.mean(fake.float() ** 2)
        loss = loss + real_loss + fake_loss
        real_losses.append(real_loss.item())
        fake_losses.append(fake_loss.item())
    return loss, real_losses, fake_losses


def generator_loss(fake_outputs: Sequence[torch.Tensor]) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """LSGAN generator loss: sum of mean (1 - D(fake))^2; also the per-discriminator terms."""
    loss = 0.0
    per_disc = []
    for fake in fake_outputs:
        term = torch.mean((1 - fake.float()) ** 2)
        per_disc.append(term)
        loss = loss + term
    return loss, per_disc


def kl_loss(z_p: torch.Tensor, logs_q: torch.Tensor, m_p: torch.Tensor, logs_p: torch.Tensor,
            z_mask: torch.Tensor) -> torch.Tensor:
    """KL(q || p) estimated at the sample z_p: summed over channels, averaged over valid frames.

    z_p, logs_q: the posterior sample after the flow and its log-std [B, C, T];
    m_p, logs_p: the prior mean and log-std [B, C, T]; z_mask [B, 1, T].
    """
    z_p, logs_q, m_p, logs_p, z_mask = (t.float() for t in (z_p, logs_q, m_p, logs_p, z_mask))
    kl = logs_p - logs_q - 0.5
    kl = kl + 0.5 * ((z_p - m_p) ** 2) * torch.exp(-2.0 * logs_p)
    return torch.sum(kl * z_mask) / torch.sum(z_mask).clamp(min=1.0)
