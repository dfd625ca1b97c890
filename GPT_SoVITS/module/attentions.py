"""Transformer blocks of the SoVITS text/content encoder: relative-position self-attention
encoder (VITS family, window 4) and MRTE, the content-to-text cross-attention.

Everything works channel-first ([B, C, T]) with 1x1 convolutions as projections, because the
checkpoint stores them as Conv1d weights (`conv_q.weight` [C, C, 1]).
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

_MASK_VALUE = -1e4  # finite, so fully masked rows stay finite in fp16 too


class LayerNorm(nn.Module):
    """Layer norm over the channel axis of [B, C, T] with `gamma`/`beta` parameters."""

    def __init__(self, channels: int, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.gamma = nn.Parameter(torch.ones(channels))
        self.beta = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.layer_norm(x.transpose(1, -1), (x.size(1),), self.gamma, self.beta, self.eps)
        return x.transpose(1, -1)


def _relative_index(length: int, device: torch.device) -> torch.Tensor:
    """[T, T] index into 2T-1 relative offsets: entry (i, j) is (j - i) + (T - 1)."""
    positions = torch.arange(length, device=device)
    return positions.unsqueeze(0) - positions.unsqueeze(1) + (length - 1)


def _relative_to_absolute(rel: torch.Tensor) -> torch.Tensor:
    """[B, H, T, 2T-1] scores by offset -> [B, H, T, T] scores by key position."""
    b, h, t, _ = rel.shape
    index = _relative_index(t, rel.device).expand(b, h, t, t)
    return rel.gather(3, index)


def _absolute_to_relative(weights: torch.Tensor) -> torch.Tensor:
    """[B, H, T, T] attention weights -> [B, H, T, 2T-1] weights by offset (zeros elsewhere)."""
    b, h, t, _ = weights.shape
    index = _relative_index(t, weights.device).expand(b, h, t, t)
    out = weights.new_zeros(b, h, t, 2 * t - 1)
    return out.scatter(3, index, weights)


class MultiHeadAttention(nn.Module):
    """Multi-head attention with optional learned relative-position keys/values (Shaw et al.).

    With `window_size` set, offsets -window..window get their own key and value embeddings
    (`emb_rel_k`, `emb_rel_v`, shared by all heads), larger offsets get none.
    """

    def __init__(self, channels: int, out_channels: int, n_heads: int, p_dropout: float = 0.0,
                 window_size: int | None = None):
        super().__init__()
        if channels % n_heads:
            raise ValueError(f"channels {channels} not divisible by n_heads {n_heads}")
        self.n_heads = n_heads
        self.k_channels = channels // n_heads
        self.window_size = window_size
        self.conv_q = nn.Conv1d(channels, channels, 1)
        self.conv_k = nn.Conv1d(channels, channels, 1)
        self.conv_v = nn.Conv1d(channels, channels, 1)
        self.conv_o = nn.Conv1d(channels, out_channels, 1)
        self.drop = nn.Dropout(p_dropout)
        if window_size is not None:
            scale = self.k_channels ** -0.5
            self.emb_rel_k = nn.Parameter(torch.randn(1, 2 * window_size + 1, self.k_channels) * scale)
            self.emb_rel_v = nn.Parameter(torch.randn(1, 2 * window_size + 1, self.k_channels) * scale)
        for conv in (self.conv_q, self.conv_k, self.conv_v):
            nn.init.xavier_uniform_(conv.weight)

    def _relative_embeddings(self, table: torch.Tensor, length: int) -> torch.Tensor:
        """The [1, 2T-1, d] embeddings of offsets -(T-1)..T-1 (zero beyond the window)."""
        window = self.window_size
        if length - 1 > window:
            extra = length - 1 - window
            return F.pad(table, (0, 0, extra, extra))
        start = window - (length - 1)
        return table[:, start:start + 2 * length - 1]

    def forward(self, x: torch.Tensor, context: torch.Tensor, attn_mask: torch.Tensor | None = None) -> torch.Tensor:
        """x [B, C, Tq] attends to context [B, C, Tk]; attn_mask [B, 1, Tq, Tk] (nonzero = keep)."""
        query, key, value = self.conv_q(x), self.conv_k(context), self.conv_v(context)
        b, c, t_q = query.shape
        t_k = key.size(2)
        # [B, C, T] -> [B, H, T, d]
        query = query.view(b, self.n_heads, self.k_channels, t_q).transpose(2, 3)
        key = key.view(b, self.n_heads, self.k_channels, t_k).transpose(2, 3)
        value = value.view(b, self.n_heads, self.k_channels, t_k).transpose(2, 3)
        query = query / math.sqrt(self.k_channels)
        scores = torch.matmul(query, key.transpose(-2, -1))
        if self.window_size is not None:
            if t_q != t_k:
                raise ValueError("relative attention needs self-attention (equal query and key lengths)")
            rel_keys = self._relative_embeddings(self.emb_rel_k, t_k).to(query.dtype)
            scores = scores + _relative_to_absolute(torch.matmul(query, rel_keys.unsqueeze(0).transpose(-2, -1)))
        if attn_mask is not None:
            scores = scores.masked_fill(attn_mask == 0, _MASK_VALUE)
        weights = self.drop(F.softmax(scores, dim=-1))
        output = torch.matmul(weights, value)
        if self.window_size is not None:
            rel_values = self._relative_embeddings(self.emb_rel_v, t_k).to(weights.dtype)
            output = output + torch.matmul(_absolute_to_relative(weights), rel_values.unsqueeze(0))
        output = output.transpose(2, 3).reshape(b, c, t_q)
        return self.conv_o(output)


class FFN(nn.Module):
    """Position-wise feed-forward made of two 'same'-padded convolutions with ReLU."""

    def __init__(self, in_channels: int, out_channels: int, filter_channels: int, kernel_size: int,
                 p_dropout: float = 0.0):
        super().__init__()
        self.kernel_size = kernel_size
        self.conv_1 = nn.Conv1d(in_channels, filter_channels, kernel_size)
        self.conv_2 = nn.Conv1d(filter_channels, out_channels, kernel_size)
        self.drop = nn.Dropout(p_dropout)

    def _pad(self, x: torch.Tensor) -> torch.Tensor:
        if self.kernel_size == 1:
            return x
        left = (self.kernel_size - 1) // 2
        return F.pad(x, (left, self.kernel_size - 1 - left))

    def forward(self, x: torch.Tensor, x_mask: torch.Tensor) -> torch.Tensor:
        x = self.conv_1(self._pad(x * x_mask))
        x = self.drop(torch.relu(x))
        x = self.conv_2(self._pad(x * x_mask))
        return x * x_mask


class Encoder(nn.Module):
    """Post-norm transformer encoder with relative self-attention (window 4) over [B, C, T]."""

    def __init__(self, hidden_channels: int, filter_channels: int, n_heads: int, n_layers: int,
                 kernel_size: int = 1, p_dropout: float = 0.0, window_size: int = 4):
        super().__init__()
        self.drop = nn.Dropout(p_dropout)
        self.attn_layers = nn.ModuleList()
        self.norm_layers_1 = nn.ModuleList()
        self.ffn_layers = nn.ModuleList()
        self.norm_layers_2 = nn.ModuleList()
        for _ in range(n_layers):
            self.attn_layers.append(MultiHeadAttention(hidden_channels, hidden_channels, n_heads, p_dropout, window_size))
            self.norm_layers_1.append(LayerNorm(hidden_channels))
            self.ffn_layers.append(FFN(hidden_channels, hidden_channels, filter_channels, kernel_size, p_dropout))
            self.norm_layers_2.append(LayerNorm(hidden_channels))

    def forward(self, x: torch.Tensor, x_mask: torch.Tensor) -> torch.Tensor:
        """x [B, C, T], x_mask [B, 1, T] -> [B, C, T] (zero at padding)."""
        attn_mask = x_mask.unsqueeze(2) * x_mask.unsqueeze(-1)  # [B, 1, T, T]
        x = x * x_mask
        for attn, norm_1, ffn, norm_2 in zip(self.attn_layers, self.norm_layers_1, self.ffn_layers, self.norm_layers_2):
            x = norm_1(x + self.drop(attn(x, x, attn_mask)))
            x = norm_2(x + self.drop(ffn(x, x_mask)))
        return x * x_mask


class MRTE(nn.Module):
    """Multi-reference timbre encoder: content frames attend to the phone sequence.

    Content [B, 192, T] and text [B, 192, N] are lifted to 512 channels, the content queries
    the text with 4-head cross-attention, the global style vector `ge` [B, 512, 1] is added,
    and the sum is projected back to 192 channels.
    """

    def __init__(self, content_channels: int = 192, hidden_size: int = 512, out_channels: int = 192,
                 n_heads: int = 4):
        super().__init__()
        self.cross_attention = MultiHeadAttention(hidden_size, hidden_size, n_heads)
        self.c_pre = nn.Conv1d(content_channels, hidden_size, 1)
        self.text_pre = nn.Conv1d(content_channels, hidden_size, 1)
        self.c_post = nn.Conv1d(hidden_size, out_channels, 1)

    def forward(self, content: torch.Tensor, content_mask: torch.Tensor, text: torch.Tensor,
                text_mask: torch.Tensor, ge: torch.Tensor) -> torch.Tensor:
        attn_mask = text_mask.unsqueeze(2) * content_mask.unsqueeze(-1)  # [B, 1, T, N]
        content = self.c_pre(content * content_mask)
        text = self.text_pre(text * text_mask)
        x = self.cross_attention(content * content_mask, text * text_mask, attn_mask) + content + ge
        return self.c_post(x * content_mask)
