"""Small pure tensor helpers shared by the SoVITS sub-networks (masks, slicing, padding, init).

No parameters live here; every function is shape-in, shape-out.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


def init_weights(module: nn.Module, mean: float = 0.0, std: float = 0.01) -> None:
    """HiFi-GAN style init for convolutions: small normal weights (used via `Module.apply`)."""
    if "Conv" in type(module).__name__:
        module.weight.data.normal_(mean, std)


def get_padding(kernel_size: int, dilation: int = 1) -> int:
    """'Same' padding of a stride-1 convolution with an odd kernel."""
    return (kernel_size * dilation - dilation) // 2


def group_frames(x: torch.Tensor, stride: int) -> torch.Tensor:
    """The frames a stride-s, kernel-s conv reads together, side by side:
    [B, C, T] -> [B, T // s, C * s] (channel-major, like the conv weight; a trailing partial
    group is dropped, as the conv does)."""
    b, c, t = x.shape
    groups = x[:, :, : t // stride * stride].reshape(b, c, t // stride, stride)
    return groups.permute(0, 2, 1, 3).reshape(b, t // stride, c * stride)


def sequence_mask(lengths: torch.Tensor, max_len: int | None = None) -> torch.Tensor:
    """Boolean mask [B, max_len], True where position < length."""
    if max_len is None:
        max_len = int(lengths.max())
    positions = torch.arange(max_len, dtype=lengths.dtype, device=lengths.device)
    return positions.unsqueeze(0) < lengths.unsqueeze(1)


def slice_segments(x: torch.Tensor, ids_str: torch.Tensor, segment_size: int) -> torch.Tensor:
    """Cut `segment_size` frames from each item: [B, C, T] -> [B, C, segment_size].

    Items shorter than start + segment_size are zero-padded at the end, so a short utterance
    still yields a full (partly silent) segment instead of an indexing error.
    """
    needed = int(ids_str.max()) + segment_size if ids_str.numel() else segment_size
    if needed > x.size(2):
        x = F.pad(x, (0, needed - x.size(2)))
    offsets = torch.arange(segment_size, device=x.device)
    index = (ids_str.to(x.device).long().unsqueeze(1) + offsets.unsqueeze(0))  # [B, S]
    index = index.unsqueeze(1).expand(-1, x.size(1), -1)
    return x.gather(2, index)


def rand_slice_segments(
    x: torch.Tensor, lengths: torch.Tensor, segment_size: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """A random window of `segment_size` frames inside each item's valid length.

    Returns the slices [B, C, segment_size] and the start frames [B] (LongTensor).
    """
    max_start = (lengths.to(x.device) - segment_size + 1).clamp(min=1)
    ids_str = (torch.rand(x.size(0), device=x.device) * max_start).long()
    return slice_segments(x, ids_str, segment_size), ids_str


def fused_add_tanh_sigmoid_multiply(a: torch.Tensor, b: torch.Tensor, n_channels: int) -> torch.Tensor:
    """WaveNet gate: tanh(first half of a+b) * sigmoid(second half)."""
    summed = a + b
    return torch.tanh(summed[:, :n_channels]) * torch.sigmoid(summed[:, n_channels:])


def match_length(x: torch.Tensor, length: int) -> torch.Tensor:
    """Trim or extend (repeating the last frame) [B, C, T] to exactly `length` frames."""
    if x.size(2) == length:
        return x
    if x.size(2) > length:
        return x[:, :, :length]
    return F.pad(x, (0, length - x.size(2)), mode="replicate")
