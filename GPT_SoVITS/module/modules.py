"""Convolutional building blocks of SoVITS: the WaveNet stack (WN), HiFi-GAN residual blocks,
the affine coupling layer of the flow, and the mel-style (reference) encoder.

Weight-normed convolutions go through `norms.weight_norm` so the checkpoint keys are the
legacy `weight_g`/`weight_v` pairs.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from GPT_SoVITS.module import commons
from GPT_SoVITS.module.norms import has_weight_norm, remove_weight_norm, weight_norm

LRELU_SLOPE = 0.1


class WN(nn.Module):
    """Non-causal WaveNet: gated dilated convolutions with residual and skip outputs.

    `cond_layer` maps the global conditioning g [B, gin, 1] to a per-layer bias for every gate.
    """

    def __init__(self, hidden_channels: int, kernel_size: int, dilation_rate: int, n_layers: int,
                 gin_channels: int = 0, p_dropout: float = 0.0):
        super().__init__()
        self.hidden_channels = hidden_channels
        self.n_layers = n_layers
        self.drop = nn.Dropout(p_dropout)
        self.in_layers = nn.ModuleList()
        self.res_skip_layers = nn.ModuleList()
        if gin_channels:
            self.cond_layer = weight_norm(nn.Conv1d(gin_channels, 2 * hidden_channels * n_layers, 1))
        for i in range(n_layers):
            dilation = dilation_rate ** i
            padding = (kernel_size * dilation - dilation) // 2
            self.in_layers.append(weight_norm(nn.Conv1d(
                hidden_channels, 2 * hidden_channels, kernel_size, dilation=dilation, padding=padding)))
            # The last layer only feeds the skip sum, so it has half the outputs.
            out = 2 * hidden_channels if i < n_layers - 1 else hidden_channels
            self.res_skip_layers.append(weight_norm(nn.Conv1d(hidden_channels, out, 1)))

    def forward(self, x: torch.Tensor, x_mask: torch.Tensor, g: torch.Tensor | None = None) -> torch.Tensor:
        """x [B, H, T], x_mask [B, 1, T], g [B, gin, 1] -> skip sum [B, H, T]."""
        h = self.hidden_channels
        output = torch.zeros_like(x)
        cond = self.cond_layer(g) if g is not None and hasattr(self, "cond_layer") else None
        for i, (in_layer, res_skip_layer) in enumerate(zip(self.in_layers, self.res_skip_layers)):
            x_in = in_layer(x)
            g_l = cond[:, 2 * h * i: 2 * h * (i + 1)] if cond is not None else torch.zeros_like(x_in)
            acts = self.drop(commons.fused_add_tanh_sigmoid_multiply(x_in, g_l, h))
            res_skip = res_skip_layer(acts)
            if i < self.n_layers - 1:
                x = (x + res_skip[:, :h]) * x_mask
                output = output + res_skip[:, h:]
            else:
                output = output + res_skip
        return output * x_mask

    def remove_weight_norm(self) -> None:
        for layer in [*self.in_layers, *self.res_skip_layers, getattr(self, "cond_layer", None)]:
            if layer is not None and has_weight_norm(layer):
                remove_weight_norm(layer)


class ResBlock1(nn.Module):
    """HiFi-GAN residual block type "1": pairs of (dilated conv, plain conv) with skips."""

    def __init__(self, channels: int, kernel_size: int = 3, dilation: tuple[int, ...] = (1, 3, 5)):
        super().__init__()
        self.convs1 = nn.ModuleList([
            weight_norm(nn.Conv1d(channels, channels, kernel_size, dilation=d, padding=commons.get_padding(kernel_size, d)))
            for d in dilation
        ])
        self.convs2 = nn.ModuleList([
            weight_norm(nn.Conv1d(channels, channels, kernel_size, padding=commons.get_padding(kernel_size, 1)))
            for _ in dilation
        ])
        self.convs1.apply(commons.init_weights)
        self.convs2.apply(commons.init_weights)

    def forward(self, x: torch.Tensor, x_mask: torch.Tensor | None = None) -> torch.Tensor:
        for conv1, conv2 in zip(self.convs1, self.convs2):
            xt = F.leaky_relu(x, LRELU_SLOPE)
            xt = conv1(xt if x_mask is None else xt * x_mask)
            xt = F.leaky_relu(xt, LRELU_SLOPE)
            xt = conv2(xt if x_mask is None else xt * x_mask)
            x = x + xt
        return x if x_mask is None else x * x_mask

    def remove_weight_norm(self) -> None:
        for conv in [*self.convs1, *self.convs2]:
            remove_weight_norm(conv)


class ResBlock2(nn.Module):
    """HiFi-GAN residual block type "2": single dilated convolutions with skips."""

    def __init__(self, channels: int, kernel_size: int = 3, dilation: tuple[int, ...] = (1, 3)):
        super().__init__()
        self.convs = nn.ModuleList([
            weight_norm(nn.Conv1d(channels, channels, kernel_size, dilation=d, padding=commons.get_padding(kernel_size, d)))
            for d in dilation
        ])
        self.convs.apply(commons.init_weights)

    def forward(self, x: torch.Tensor, x_mask: torch.Tensor | None = None) -> torch.Tensor:
        for conv in self.convs:
            xt = F.leaky_relu(x, LRELU_SLOPE)
            x = x + conv(xt if x_mask is None else xt * x_mask)
        return x if x_mask is None else x * x_mask

    def remove_weight_norm(self) -> None:
        for conv in self.convs:
            remove_weight_norm(conv)


class ResidualCouplingLayer(nn.Module):
    """Affine (mean-only) coupling: the second half of the channels is shifted by a WaveNet
    function of the first half, which makes the layer exactly invertible with log-det 0."""

    def __init__(self, channels: int, hidden_channels: int, kernel_size: int, dilation_rate: int,
                 n_layers: int, p_dropout: float = 0.0, gin_channels: int = 0, mean_only: bool = True):
        super().__init__()
        if channels % 2:
            raise ValueError("coupling needs an even channel count")
        self.half_channels = channels // 2
        self.mean_only = mean_only
        self.pre = nn.Conv1d(self.half_channels, hidden_channels, 1)
        self.enc = WN(hidden_channels, kernel_size, dilation_rate, n_layers, gin_channels=gin_channels, p_dropout=p_dropout)
        self.post = nn.Conv1d(hidden_channels, self.half_channels * (2 - mean_only), 1)
        # Zero-init: every coupling starts as the identity, which keeps early training stable.
        self.post.weight.data.zero_()
        self.post.bias.data.zero_()

    def forward(self, x: torch.Tensor, x_mask: torch.Tensor, g: torch.Tensor | None = None,
                reverse: bool = False) -> torch.Tensor:
        x0, x1 = torch.split(x, [self.half_channels] * 2, dim=1)
        h = self.enc(self.pre(x0) * x_mask, x_mask, g=g)
        stats = self.post(h) * x_mask
        if self.mean_only:
            m, logs = stats, torch.zeros_like(stats)
        else:
            m, logs = torch.split(stats, [self.half_channels] * 2, dim=1)
        if reverse:
            x1 = (x1 - m) * torch.exp(-logs) * x_mask
        else:
            x1 = m + x1 * torch.exp(logs) * x_mask
        return torch.cat([x0, x1], dim=1)


class Flip(nn.Module):
    """Reverse the channel order so the next coupling transforms the other half."""

    def forward(self, x: torch.Tensor, *args, **kwargs) -> torch.Tensor:
        return torch.flip(x, [1])


# --- reference (style) encoder ----------------------------------------------------------


class LinearNorm(nn.Module):
    """Linear layer (Xavier init) wrapped as `.fc` to match the checkpoint's key names."""

    def __init__(self, in_dim: int, out_dim: int, bias: bool = True):
        super().__init__()
        self.fc = nn.Linear(in_dim, out_dim, bias)
        nn.init.xavier_uniform_(self.fc.weight)
        if bias:
            nn.init.zeros_(self.fc.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x)


class ConvNorm(nn.Module):
    """'Same' Conv1d wrapped as `.conv` to match the checkpoint's key names."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int):
        super().__init__()
        self.conv = nn.Conv1d(in_channels, out_channels, kernel_size, padding=(kernel_size - 1) // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class Conv1dGLU(nn.Module):
    """Gated (GLU) 'same' convolution with a residual connection; keys `conv1.conv.*`."""

    def __init__(self, channels: int, kernel_size: int, dropout: float):
        super().__init__()
        self.conv1 = ConvNorm(channels, 2 * channels, kernel_size)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a, b = self.conv1(x).chunk(2, dim=1)
        return x + self.drop(a * torch.sigmoid(b))


class StyleSelfAttention(nn.Module):
    """Multi-head self-attention on [B, T, C] with a residual (keys `w_qs`, `w_ks`, `w_vs`, `fc`)."""

    def __init__(self, n_heads: int, d_model: int, dropout: float):
        super().__init__()
        self.n_heads = n_heads
        self.d_head = d_model // n_heads
        self.w_qs = nn.Linear(d_model, n_heads * self.d_head)
        self.w_ks = nn.Linear(d_model, n_heads * self.d_head)
        self.w_vs = nn.Linear(d_model, n_heads * self.d_head)
        self.fc = nn.Linear(n_heads * self.d_head, d_model)
        # The style encoder's original formulation scales scores by sqrt(d_model), not sqrt(d_head).
        self.temperature = math.sqrt(d_model)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, pad_mask: torch.Tensor | None = None) -> torch.Tensor:
        """x [B, T, C]; pad_mask [B, T] True at padding."""
        b, t, _ = x.shape

        def heads(proj: nn.Linear) -> torch.Tensor:  # [B, T, C] -> [B, H, T, d]
            return proj(x).view(b, t, self.n_heads, self.d_head).transpose(1, 2)

        scores = torch.matmul(heads(self.w_qs), heads(self.w_ks).transpose(-2, -1)) / self.temperature
        if pad_mask is not None:
            scores = scores.masked_fill(pad_mask[:, None, None, :], -1e4)
        weights = self.drop(torch.softmax(scores, dim=-1))
        out = torch.matmul(weights, heads(self.w_vs)).transpose(1, 2).reshape(b, t, -1)
        return self.drop(self.fc(out)) + x


class Mish(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.tanh(F.softplus(x))


class MelStyleEncoder(nn.Module):
    """Reference encoder: spectrogram frames -> one global style vector [B, out, 1].

    Spectral MLP, two gated temporal convolutions, self-attention, projection, then a masked
    mean over time. v2 feeds it the first 704 of the 1025 linear-spectrogram bins.
    """

    def __init__(self, n_mel_channels: int = 704, style_hidden: int = 128, style_vector_dim: int = 512,
                 style_kernel_size: int = 5, style_head: int = 2, dropout: float = 0.1):
        super().__init__()
        self.spectral = nn.Sequential(
            LinearNorm(n_mel_channels, style_hidden), Mish(), nn.Dropout(dropout),
            LinearNorm(style_hidden, style_hidden), Mish(), nn.Dropout(dropout),
        )
        self.temporal = nn.Sequential(
            Conv1dGLU(style_hidden, style_kernel_size, dropout),
            Conv1dGLU(style_hidden, style_kernel_size, dropout),
        )
        self.slf_attn = StyleSelfAttention(style_head, style_hidden, dropout)
        self.fc = LinearNorm(style_hidden, style_vector_dim)

    def forward(self, spec: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """spec [B, n_mel, T], mask [B, 1, T] (1 = valid) -> [B, style_vector_dim, 1]."""
        pad = None if mask is None else (mask.squeeze(1) == 0)  # [B, T] True at padding
        x = self.spectral(spec.transpose(1, 2))
        x = self.temporal(x.transpose(1, 2)).transpose(1, 2)
        if pad is not None:
            x = x.masked_fill(pad.unsqueeze(-1), 0)
        x = self.fc(self.slf_attn(x, pad))
        if pad is None:
            return x.mean(dim=1).unsqueeze(-1)
        x = x.masked_fill(pad.unsqueeze(-1), 0)
        lengths = (~pad).sum(dim=1, keepdim=True).clamp(min=1).to(x.dtype)
        return (x.sum(dim=1) / lengths).unsqueeze(-1)
