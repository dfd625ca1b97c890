"""The synthesised audio as it leaves the program: 16-bit PCM at the model's level, peak normalisation on request.

The CLI's WAV and the web UI's player get the same samples from `output_pcm16`: the model's
float audio clipped to [-1, 1] and scaled by 32767, or, when the user asks for it, first
scaled so its loudest sample sits at `NORMALIZED_PEAK_DBFS`. Nothing else changes the level.
"""

from __future__ import annotations

import numpy as np

NORMALIZED_PEAK_DBFS = -1.0
PCM16_FULL_SCALE = 32767.0


def normalize_peak(audio: np.ndarray, peak_dbfs: float = NORMALIZED_PEAK_DBFS) -> np.ndarray:
    """`audio` scaled so that its largest absolute sample is `peak_dbfs` (silence stays silence)."""
    peak = float(np.abs(audio).max()) if audio.size else 0.0
    if peak == 0.0:
        return audio.astype(np.float32)
    return (audio * (10.0 ** (peak_dbfs / 20.0) / peak)).astype(np.float32)


def to_pcm16(audio: np.ndarray) -> np.ndarray:
    """Float audio (-1..1) as int16 samples, clipped, at the same level."""
    return (np.clip(audio, -1.0, 1.0) * PCM16_FULL_SCALE).round().astype(np.int16)


def output_pcm16(audio: np.ndarray, normalize: bool = False) -> np.ndarray:
    """What the CLI writes and the UI plays: the model's level, or peak-normalised when `normalize`."""
    return to_pcm16(normalize_peak(audio) if normalize else audio)
