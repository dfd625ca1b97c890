"""The reference clip: its 32 kHz linear spectrogram (timbre for SoVITS) and its semantic
tokens (the prompt the GPT continues).

Follows upstream inference: the 16 kHz audio goes to HuBERT as decoded (the first conv layer's
group norm makes the input level irrelevant) with a short silence appended, so the prompt ends
in a pause and the continuation starts cleanly; the 32 kHz audio is scaled down only when it
peaks above 1. For v2Pro/v2ProPlus the reference's speaker vector comes from that same 32 kHz,
peak-limited audio, resampled to 16 kHz with upstream's filter (V2PRO_NOTES §4). Text and
models are not loaded here.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from GPT_SoVITS.audio import load_audio
from GPT_SoVITS.errors import DataError
from GPT_SoVITS.inference.params import REF_MAX_SECONDS, REF_MIN_SECONDS

logger = logging.getLogger(__name__)

HUBERT_RATE = 16000
# Upstream appends `zeros(int(0.3 * hps.data.sampling_rate))` = 9600 samples (sized for 32 kHz)
# to the *16 kHz* audio, i.e. 0.6 s of silence; the pretrained GPT is prompted that way.
PROMPT_TAIL_SECONDS = 0.6


@dataclass(frozen=True, eq=False)
class Reference:
    """What synthesis needs from the reference clip (tensors on the models' device)."""

    path: Path
    seconds: float
    spec: torch.Tensor  # [1, 1025, frames] linear magnitude spectrogram at 32 kHz
    prompt: torch.Tensor  # [1, P] semantic tokens (25 Hz), LongTensor
    sv: torch.Tensor | None = None  # [1, 20480] speaker vector (v2Pro/v2ProPlus models only)


def file_identity(path: str | os.PathLike) -> tuple | None:
    """A file's identity for caches: resolved path, mtime and size (a re-written file is new);
    None when `path` is not a file (nothing to cache; reading it reports the problem)."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        return None
    if not path.is_file():
        return None
    return str(path.resolve()), stat.st_mtime_ns, stat.st_size


def check_reference_length(samples: int, rate: int, path: Path) -> float:
    """Seconds of audio; `DataError` with the measured length when outside 3-10 s."""
    seconds = samples / rate
    if not REF_MIN_SECONDS <= seconds <= REF_MAX_SECONDS:
        raise DataError(
            f"{path}: the reference audio is {seconds:.2f} s long; it must be {REF_MIN_SECONDS:g}-"
            f"{REF_MAX_SECONDS:g} s (cut a clip of one or two clean sentences)"
        )
    return seconds


def limit_peak(wav32k: np.ndarray) -> torch.Tensor:
    """[S] float audio -> [1, S]; clipped or float files louder than full scale are brought back
    into range (divided by min(2, peak)), as upstream does before the spectrogram and the sv vector."""
    audio = torch.from_numpy(wav32k).unsqueeze(0)
    peak = float(audio.abs().max()) if audio.numel() else 0.0
    return audio / min(2.0, peak) if peak > 1.0 else audio


def reference_spectrogram(wav32k: np.ndarray, data_config) -> torch.Tensor:
    """[S] float audio at 32 kHz -> [1, 1025, frames] with the training spectrogram settings."""
    from GPT_SoVITS.module.mel_processing import spectrogram

    return spectrogram(limit_peak(wav32k), data_config.filter_length, data_config.hop_length, data_config.win_length)


def reference_speaker_vector(wav32k: np.ndarray, encoder: torch.nn.Module) -> torch.Tensor:
    """[S] float audio at 32 kHz -> its speaker vector [1, 20480] (the encoder's dtype and device):
    peak-limited as for the spectrogram, resampled to 16 kHz (upstream's filter), embedded."""
    from GPT_SoVITS.sv.resample import resample_to_16k

    wave16k = resample_to_16k(limit_peak(wav32k))  # [1, ceil(S/2)]
    return encoder.embed(wave16k.to(next(encoder.parameters()).device))


def prompt_tokens(wav16k: np.ndarray, hubert: torch.nn.Module, sovits: torch.nn.Module) -> torch.Tensor:
    """[S] audio at 16 kHz -> semantic tokens [1, P] via HuBERT and the SoVITS quantizer."""
    from GPT_SoVITS.feature_extractor.cnhubert import ssl_features

    tail = np.zeros(int(PROMPT_TAIL_SECONDS * HUBERT_RATE), dtype=np.float32)
    ssl = ssl_features(hubert, torch.from_numpy(np.concatenate([wav16k, tail])))  # [1, 768, T]
    parameter = next(sovits.parameters())
    codes = sovits.extract_latent(ssl.to(device=parameter.device, dtype=parameter.dtype))  # [1, 1, T//2]
    return codes[0].to(torch.long)  # [1, P]


def load_reference(path: str | os.PathLike, hubert: torch.nn.Module, sovits: torch.nn.Module,
                   data_config, device: torch.device, dtype: torch.dtype,
                   speaker_encoder: torch.nn.Module | None = None) -> Reference:
    """Decode the clip (3-10 s), then spectrogram, prompt tokens and (given `speaker_encoder`, for
    v2Pro/v2ProPlus) the speaker vector on `device`."""
    path = Path(path)
    wav16k = load_audio(path, HUBERT_RATE)
    seconds = check_reference_length(len(wav16k), HUBERT_RATE, path)
    if not np.any(wav16k):
        raise DataError(f"{path}: the reference audio is silent; use a clip of clear speech")
    wav32k = load_audio(path, data_config.sampling_rate)
    spec = reference_spectrogram(wav32k, data_config).to(device=device, dtype=dtype)
    prompt = prompt_tokens(wav16k, hubert, sovits).to(device)
    sv = None
    if speaker_encoder is not None:
        sv = reference_speaker_vector(wav32k, speaker_encoder).to(device=device, dtype=dtype)
    logger.debug("reference %s: %.2f s, %d spectrogram frames, %d prompt tokens", path, seconds, spec.shape[2], prompt.shape[1])
    return Reference(path, seconds, spec, prompt, sv)
