"""Post-norm transformer layers with a key/value cache, named like `nn.TransformerEncoderLayer`.

The parameter names (`self_attn.in_proj_weight`, `self_attn.out_proj`, `linear1`, `linear2`,
`norm1`, `norm2`, stacked as `layers.N`) are those of upstream checkpoints. The attention is
written here instead of using `nn.MultiheadAttention` so incremental decoding can keep the
keys and values of earlier positions (`KVCache`) rather than recomputing them every token.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class KVCache:
    """Per-layer keys and values of every position decoded so far, each [B, heads, L, head_dim]."""

    keys: list[torch.Tensor | None] = field(default_factory=list)
    values: list[torch.Tensor | None] = field(default_factory=list)

    @classmethod
    def empty(cls, n_layers: int) -> "KVCache":
        return cls([None] * n_layers, [None] * n_layers)

    @property
    def length(self) -> int:
        return 0 if not self.keys or self.keys[0] is None else self.keys[0].shape[2]


class SelfAttention(nn.Module):
    """Multi-head self-attention with packed q/k/v projections (torch's MHA parameter layout)."""

    def __init__(self, dim: int, heads: int, dropout: float):
        super().__init__()
        if dim % heads:
            raise ValueError(f"width {dim} is not divisible by {heads} heads")
        self.heads = heads
        self.dropout = dropout
        self.in_proj_weight = nn.Parameter(torch.empty(3 * dim, dim))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * dim))
        self.out_proj = nn.Linear(dim, dim)
        nn.init.xavier_uniform_(self.in_proj_weight)
        nn.init.zeros_(self.out_proj.bias)

    def _split(self, t: torch.Tensor) -> torch.Tensor:
        # [B, L, dim] -> [B, heads, L, head_dim]
        b, length, dim = t.shape
        return t.view(b, length, self.heads, dim // self.heads).transpose(1, 2)

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor | None, cache: KVCache | None = None, index: int = 0
    ) -> torch.Tensor:
        """x: [B, L, dim]; mask: bool [B|1, 1, L, L_past+L], True = may attend (None = all).

        With a cache, the keys/values of `x` are appended to layer `index`'s entries first.
        """
        q, k, v = (self._split(t) for t in F.linear(x, self.in_proj_weight, self.in_proj_bias).chunk(3, dim=-1))
        if cache is not None:
            if cache.keys[index] is not None:
                k = torch.cat((cache.keys[index], k), dim=2)
                v = torch.cat((cache.values[index], v), dim=2)
            cache.keys[index], cache.values[index] = k, v
        drop = self.dropout if self.training else 0.0
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=drop)
        b, _, length, _ = out.shape
        return self.out_proj(out.transpose(1, 2).reshape(b, length, -1))


class TransformerLayer(nn.Module):
    """One post-norm block: x = norm1(x + attn(x)); x = norm2(x + ffn(x)), ReLU feed-forward."""

    def __init__(self, dim: int, heads: int, ffn_dim: int, dropout: float = 0.1):
        super().__init__()
        self.self_attn = SelfAttention(dim, heads, dropout)
        self.linear1 = nn.Linear(dim, ffn_dim)
        self.linear2 = nn.Linear(ffn_dim, dim)
        self.norm1 = nn.LayerNorm(dim)
        self.norm2 = nn.LayerNorm(dim)
        self.dropout = nn.Dropout(dropout)  # inside the feed-forward
        self.dropout1 = nn.Dropout(dropout)  # on the attention branch
        self.dropout2 = nn.Dropout(dropout)  # on the feed-forward branch

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor | None, cache: KVCache | None = None, index: int = 0
    ) -> torch.Tensor:
        x = self.norm1(x + self.dropout1(self.self_attn(x, mask, cache, index)))
        ffn = self.linear2(self.dropout(F.relu(self.linear1(x))))
        return self.norm2(x + self.dropout2(ffn))


class TransformerStack(nn.Module):
    """`layers.0 .. layers.{n-1}` applied in order; upstream stores it as `h`."""

    def __init__(self, n_layers: int, dim: int, heads: int, ffn_dim: int, dropout: float = 0.1):
        super().__init__()
        self.layers = nn.ModuleList(TransformerLayer(dim, heads, ffn_dim, dropout) for _ in range(n_layers))

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None, cache: KVCache | None = None) -> torch.Tensor:
        for index, layer in enumerate(self.layers):
            x = layer(x, mask, cache, index)
        return x
