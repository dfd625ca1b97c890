"""`SynthesizerTrn.decode_batch`: pieces of different lengths rendered as one padded batch equal
each piece rendered alone by `decode` with the same generator (v2 and Pro, speed 1 and not)."""

from __future__ import annotations

import pytest
import torch

from GPT_SoVITS.module.models import build_generator
from tests.module.tiny import tiny_s2_config

# (25 Hz codes, phones) per piece: different code and text lengths, the longest not first.
LENGTHS = [(7, 5), (13, 11), (4, 9), (13, 3)]


def _trained_like(version: str) -> torch.nn.Module:
    """A tiny generator whose zero-initialised parts (the flow's `post`) are random too, so
    every stage that could leak padding into a row actually transforms it."""
    torch.manual_seed(0)
    model = build_generator(tiny_s2_config(version=version), "v2").eval()
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.05)
    return model


def _pieces(seed: int = 1):
    generator = torch.Generator().manual_seed(seed)
    codes = [torch.randint(0, 1024, (n,), generator=generator) for n, _ in LENGTHS]
    texts = [torch.randint(1, 732, (m,), generator=generator) for _, m in LENGTHS]
    return codes, texts


def _relative_l2(a: torch.Tensor, b: torch.Tensor) -> float:
    assert a.shape == b.shape
    return float((a - b).norm() / b.norm())


@pytest.mark.parametrize("version", ["v2", "v2ProPlus"])
@pytest.mark.parametrize("speed", [1.0, 1.3])
def test_each_row_of_a_padded_batch_equals_the_piece_alone(version, speed):
    model = _trained_like(version)
    codes, texts = _pieces()
    refer = [torch.rand(1, 1025, 30), torch.rand(1, 1025, 22)]
    sv = [torch.randn(1, 20480), torch.randn(1, 20480)] if version != "v2" else None
    generators = [torch.Generator().manual_seed(100 + i) for i in range(len(codes))]
    batched = model.decode_batch(codes, texts, refer, generators, noise_scale=0.6, speed=speed, sv_emb=sv)
    for i, (piece_codes, piece_text) in enumerate(zip(codes, texts)):
        alone = model.decode(piece_codes.view(1, 1, -1), piece_text.view(1, -1), refer, noise_scale=0.6, speed=speed,
                             sv_emb=sv, generator=torch.Generator().manual_seed(100 + i))[0, 0]
        frames = 2 * piece_codes.numel() if speed == 1.0 else int(2 * piece_codes.numel() / speed) + 1
        assert batched[i].shape == (640 * frames,)
        assert _relative_l2(batched[i], alone) < 1e-5, f"piece {i} differs from its rendering alone"


def test_the_decoder_mask_is_what_keeps_rows_apart():
    """Without `x_mask` the decoder's convolutions read the padding: the short row changes."""
    model = _trained_like("v2")
    z = torch.randn(2, 16, 20)
    lengths = torch.tensor([20, 8])
    mask = (torch.arange(20).unsqueeze(0) < lengths.unsqueeze(1)).unsqueeze(1).float()
    g = torch.randn(2, 32, 1)
    with torch.no_grad():
        alone = model.dec(z[1:, :, :8], g=g[1:])[0, 0]
        masked = model.dec(z * mask, g=g, x_mask=mask)[1, 0, :8 * 640]
        unmasked = model.dec(z * mask, g=g)[1, 0, :8 * 640]
    assert _relative_l2(masked, alone) < 1e-5
    assert _relative_l2(unmasked, alone) > 1e-3


def test_one_generator_per_piece_is_required():
    model = _trained_like("v2")
    codes, texts = _pieces()
    with pytest.raises(ValueError, match="one text and one generator per piece: 4 codes, 4 texts, 1 generators"):
        model.decode_batch(codes, texts, torch.rand(1, 1025, 30), [torch.Generator()])
