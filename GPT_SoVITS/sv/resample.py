"""32 kHz -> 16 kHz for the speaker encoder's input, as upstream resamples it (V2PRO_NOTES §4).

Upstream calls torchaudio's `Resample(32000, 16000)` with its defaults (windowed sinc, Hann
window, 6 zero crossings, rolloff 0.99); the vectors the Pro models were trained on come from
it, so the stage and synthesis use this same 28-tap filter rather than librosa's resampler.
torchaudio itself is not a dependency: the filter is the notes' formula, in a strided conv1d.
"""

from __future__ import annotations

import math
from functools import lru_cache

import torch
from torch.nn import functional as F

SOURCE_RATE = 32000
TARGET_RATE = 16000
_RATIO = SOURCE_RATE // TARGET_RATE  # 2 input samples per output sample
_ROLLOFF = 0.99
_ZERO_CROSSINGS = 6
_REACH = math.ceil(_ZERO_CROSSINGS * _RATIO / _ROLLOFF)  # 13 input samples before the centre tap


@lru_cache(maxsize=1)
def halving_kernel() -> torch.Tensor:
    """The 28 taps h_k, k = -13..14: sinc(t) * cos(pi t / 12)^2 * 0.495 with t = clamp(0.99 k / 2, -6, 6).

    Computed in float64 and returned in float32, as upstream computes and uses it.
    """
    offsets = torch.arange(-_REACH, _REACH + _RATIO, dtype=torch.float64) / _RATIO
    t = (offsets * _ROLLOFF).clamp(-_ZERO_CROSSINGS, _ZERO_CROSSINGS)
    window = torch.cos(t * math.pi / _ZERO_CROSSINGS / 2) ** 2
    scaled = t * math.pi
    sinc = torch.where(scaled == 0, torch.ones_like(scaled), torch.sin(scaled) / scaled)
    return (sinc * window * (_ROLLOFF / _RATIO)).to(torch.float32)


def resampled_length(samples: int) -> int:
    """Output samples for `samples` input samples: ceil(N / 2)."""
    return -(-samples // _RATIO)


def resample_to_16k(wave: torch.Tensor) -> torch.Tensor:
    """32 kHz float audio [N] or [B, N] -> 16 kHz [ceil(N/2)] / [B, ceil(N/2)] in float32.

    y[m] = sum_k h_k x[2m + k], zeros outside the signal. Rows of a batch are filtered
    independently, so a zero-padded row gives its own clip's samples followed by the filter's tail.
    """
    rows = wave.reshape(-1, wave.shape[-1]).to(torch.float32)
    kernel = halving_kernel().to(rows.device).view(1, 1, -1)
    padded = F.pad(rows.unsqueeze(1), (_REACH, _REACH + _RATIO))
    out = F.conv1d(padded, kernel, stride=_RATIO)[:, 0, : resampled_length(wave.shape[-1])]
    return out.reshape(*wave.shape[:-1], out.shape[-1])
