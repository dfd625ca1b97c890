"""Linear and mel spectrograms at SoVITS's framing (32 kHz: n_fft 2048, hop 640, 1025 bins).

Matches upstream's numerics: reflect padding of (n_fft - hop) / 2 on each side, `center=False`,
Hann window, magnitude sqrt(re^2 + im^2 + 1e-8); the mel filter bank is librosa's (Slaney).
Windows and filter banks are cached per (size, device, dtype). No log compression is applied
to the linear spectrogram (the model takes it raw); `mel` helpers apply log(clamp(x, 1e-5)).
"""

from __future__ import annotations

import threading

import torch
from torch.nn import functional as F

# Added to re^2 + im^2 before the square root, in the linear and (through it) the mel
# spectrogram: upstream's current value (1e-6 before April 2025), which the Pro models and
# every later upstream run use; docs/training.md says why we follow it.
MAGNITUDE_FLOOR = 1e-8
_CACHE: dict[tuple, torch.Tensor] = {}
_LOCK = threading.Lock()


def _cached(key: tuple, build) -> torch.Tensor:
    """The cached constant for `key`, built on first use.

    Built outside inference mode: a constant first made under `torch.inference_mode()`
    (synthesis, stage 3) could not be used by a later training forward in the same process.
    """
    with _LOCK:
        value = _CACHE.get(key)
        if value is None:
            with torch.inference_mode(False):
                value = _CACHE[key] = build()
        return value


def _window(win_length: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    return _cached(("hann", win_length, str(device), dtype),
                   lambda: torch.hann_window(win_length, device=device, dtype=dtype))


def _mel_basis(n_fft: int, n_mels: int, sampling_rate: int, fmin: float, fmax: float | None,
               device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    def build() -> torch.Tensor:
        import librosa  # local: only needed for mels, and slow to import

        basis = librosa.filters.mel(sr=sampling_rate, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)
        return torch.from_numpy(basis).to(device=device, dtype=dtype)

    return _cached(("mel", n_fft, n_mels, sampling_rate, fmin, fmax, str(device), dtype), build)


def dynamic_range_compression(x: torch.Tensor, clip_val: float = 1e-5) -> torch.Tensor:
    """log(clamp(x)): the mel loss works on log magnitudes."""
    return torch.log(torch.clamp(x, min=clip_val))


def spectrogram(y: torch.Tensor, n_fft: int = 2048, hop_size: int = 640, win_size: int = 2048) -> torch.Tensor:
    """Magnitude spectrogram: y [B, S] (float, -1..1) -> [B, n_fft//2+1, frames].

    frames = (S + n_fft - hop - n_fft) // hop + 1 = S // hop for S a multiple of hop.
    """
    if y.dim() == 3:
        y = y.squeeze(1)
    pad = (n_fft - hop_size) // 2
    y = F.pad(y.unsqueeze(1), (pad, pad), mode="reflect").squeeze(1)
    # STFT in float32 even under autocast: fp16 FFTs are inaccurate and limited to powers of 2.
    spec = torch.stft(
        y.float(), n_fft, hop_length=hop_size, win_length=win_size,
        window=_window(win_size, y.device, torch.float32),
        center=False, pad_mode="reflect", normalized=False, onesided=True, return_complex=True,
    )
    return torch.sqrt(spec.real.pow(2) + spec.imag.pow(2) + MAGNITUDE_FLOOR)


def spec_to_mel(spec: torch.Tensor, n_fft: int = 2048, n_mels: int = 128, sampling_rate: int = 32000,
                fmin: float = 0.0, fmax: float | None = None) -> torch.Tensor:
    """Linear magnitude [B, n_fft//2+1, T] -> log-mel [B, n_mels, T]."""
    basis = _mel_basis(n_fft, n_mels, sampling_rate, fmin, fmax, spec.device, spec.dtype)
    return dynamic_range_compression(torch.matmul(basis, spec))


def mel_spectrogram(y: torch.Tensor, n_fft: int = 2048, n_mels: int = 128, sampling_rate: int = 32000,
                    hop_size: int = 640, win_size: int = 2048, fmin: float = 0.0,
                    fmax: float | None = None) -> torch.Tensor:
    """Waveform y [B, S] -> log-mel [B, n_mels, frames] (spectrogram, then `spec_to_mel`)."""
    return spec_to_mel(spectrogram(y, n_fft, hop_size, win_size), n_fft, n_mels, sampling_rate, fmin, fmax)
