"""A seeded full-size speaker encoder saved as upstream's file is (a bare fp16 state dict), for the
tests of the encoder, stage 2-get-sv, the Pro trainer and Pro synthesis. Builds in about a second."""

from __future__ import annotations

from pathlib import Path

import torch

from GPT_SoVITS.sv import SpeakerEncoder


def perturb_batchnorms(model: torch.nn.Module, seed: int) -> None:
    """Non-trivial BN statistics and affine terms (a fresh BN is the identity in eval)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                size = module.num_features
                module.running_mean.copy_(torch.randn(size, generator=generator) * 0.1)
                module.running_var.copy_(torch.rand(size, generator=generator) + 0.5)
                module.weight.copy_(torch.rand(size, generator=generator) + 0.5)
                module.bias.copy_(torch.randn(size, generator=generator) * 0.1)


def save_seeded_sv(path: Path, seed: int = 0) -> dict[str, torch.Tensor]:
    """Write a seeded ERes2NetV2 to `path` like `pretrained_eres2netv2w24s4ep4.ckpt`; returns its state."""
    torch.manual_seed(seed)
    model = SpeakerEncoder()
    perturb_batchnorms(model, seed=seed + 1)
    state = {k: v.half() if v.is_floating_point() else v for k, v in model.state_dict().items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(state, path)
    return state
