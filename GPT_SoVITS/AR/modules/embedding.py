"""Token embeddings and sinusoidal positions with a learned scale, as the GPT's state dict names them.

`TokenEmbedding.word_embeddings` and `SinePositionalEmbedding.alpha` are the parameter names of
upstream checkpoints (`model.ar_text_embedding.word_embeddings.weight`, `model.ar_text_position.alpha`).
Positions are computed from explicit position ids so that left-padded sequences can start
counting at their first real token, exactly as an unpadded sequence does at inference.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class TokenEmbedding(nn.Module):
    """A lookup table of `vocab_size` rows of width `dim`, followed by (embedding) dropout."""

    def __init__(self, dim: int, vocab_size: int, dropout: float = 0.0):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab_size, dim)
        self.dropout = nn.Dropout(dropout)

    @property
    def vocab_size(self) -> int:
        return self.word_embeddings.num_embeddings

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        # [B, L] -> [B, L, dim]
        return self.dropout(self.word_embeddings(ids))


def sinusoid(positions: torch.Tensor, dim: int) -> torch.Tensor:
    """The Transformer's fixed sine/cosine code: even channels sin, odd channels cos.

    positions: [B, L] (any integer or float dtype) -> [B, L, dim] float32.
    """
    half = torch.arange(0, dim, 2, device=positions.device, dtype=torch.float32)
    inv_freq = torch.exp(half * (-math.log(10000.0) / dim))  # [dim/2]
    angles = positions.to(torch.float32).unsqueeze(-1) * inv_freq  # [B, L, dim/2]
    code = torch.stack((angles.sin(), angles.cos()), dim=-1)  # [B, L, dim/2, 2]
    return code.flatten(-2)


class SinePositionalEmbedding(nn.Module):
    """Adds `alpha * sinusoid(position)` to its input; `alpha` is learned (initialised to 1).

    Upstream builds both GPT position modules without input scaling and with a fixed dropout
    of 0.1 after the sum; we match that.
    """

    def __init__(self, dim: int, dropout: float = 0.1):
        super().__init__()
        self.dim = dim
        self.alpha = nn.Parameter(torch.ones(1))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, positions: torch.Tensor | None = None) -> torch.Tensor:
        # x: [B, L, dim]; positions: [B, L] or None for 0..L-1
        if positions is None:
            positions = torch.arange(x.shape[1], device=x.device).unsqueeze(0)
        code = sinusoid(positions, self.dim).to(x.dtype)
        return self.dropout(x + self.alpha.to(x.dtype) * code)
