"""The synthesised audio as it leaves the program: 16-bit PCM at the model's level, peak normalisation on request.

The CLI's WAV and the web UI's player get the same samples from `output_pcm16`: the model's
float audio clipped to [-1, 1] and scaled by 32767, or, when the user asks for it, first
scaled so its loudest sample sits at `NORMALIZED_PEAK_DBFS`. Nothing else changes the level.
`wav_bytes` / `write_wav` make the 16-bit mono WAV the CLI, the tools and the HTTP server hand
out; `wav_stream_header` starts a WAV whose length is not known yet (chunked streaming).
"""

from __future__ import annotations

import io
import os
import struct

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


def wav_bytes(sample_rate: int, audio: np.ndarray) -> bytes:
    """Float audio (-1..1) or int16 samples as a complete 16-bit PCM mono WAV file, at their level."""
    import soundfile as sf

    pcm = audio if audio.dtype == np.int16 else to_pcm16(audio)
    buffer = io.BytesIO()
    sf.write(buffer, pcm, sample_rate, subtype="PCM_16", format="WAV")
    return buffer.getvalue()


def write_wav(path: str | os.PathLike, sample_rate: int, audio: np.ndarray) -> None:
    """`wav_bytes` written atomically to `path` (built in memory, so a full disk is reported as
    such rather than as libsndfile's "error opening")."""
    from GPT_SoVITS.atomic import write_bytes_atomic

    write_bytes_atomic(path, wav_bytes(sample_rate, audio))


STREAM_DATA_SIZE = 0xFFFFFFFF - 36  # "unknown length": the largest size a RIFF header can state


def wav_stream_header(sample_rate: int) -> bytes:
    """The 44-byte header of a 16-bit mono WAV of unknown length, to send before raw PCM16
    chunks (its size fields are placeholders, as upstream's streaming server sends them)."""
    byte_rate = sample_rate * 2
    return (b"RIFF" + struct.pack("<I", STREAM_DATA_SIZE + 36) + b"WAVE"
            + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, sample_rate, byte_rate, 2, 16)
            + b"data" + struct.pack("<I", STREAM_DATA_SIZE))
