"""The one audio loader: any file librosa can decode -> mono float32 at a chosen rate.

Stage 2, the s2 data loader and synthesis read audio through `load_audio`, so every part of
the project decodes and resamples the same way. It does not scale or filter the signal, and
librosa's warnings about falling back from soundfile to audioread are silenced: a file neither
decodes is one `DataError`, and a file audioread decodes needs no warning.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

import numpy as np

from GPT_SoVITS.errors import DataError, describe_non_file

logger = logging.getLogger(__name__)

#: The shortest utterance any dataset stage accepts (docs/dataset.md): shorter clips give HuBERT
#: and the speaker encoder a handful of frames at most, and a few semantic tokens to train on.
MIN_AUDIO_SECONDS = 0.3


def check_min_duration(path: str | os.PathLike, samples: int, sr: int) -> None:
    """`DataError` naming `path` when `samples` at `sr` Hz are shorter than `MIN_AUDIO_SECONDS`."""
    if samples < MIN_AUDIO_SECONDS * sr:
        raise DataError(f"{path}: too short ({samples / sr * 1000:.0f} ms); every utterance needs at least "
                        f"{MIN_AUDIO_SECONDS * 1000:.0f} ms of audio")

# librosa warns on each file soundfile cannot open (then tries audioread), and audioread's loader
# is deprecated there: category and message of both.
LIBROSA_FALLBACK_WARNINGS = (
    (UserWarning, r"PySoundFile failed\. Trying audioread instead"),
    (FutureWarning, r"librosa\.core\.audio\.__audioread_load"),
)


def _ignore_fallback_warnings() -> None:
    """Put the ignore filters at the front of the warning filters (idempotent: `filterwarnings`
    drops an equal filter before inserting). Called per load rather than at import, because
    `catch_warnings` blocks (pytest's, a caller's) restore the filter list when they end."""
    for category, message in LIBROSA_FALLBACK_WARNINGS:
        warnings.filterwarnings("ignore", message=message, category=category)


def load_audio(path: str | os.PathLike, sr: int) -> np.ndarray:
    """Decode `path` to a mono float32 array at `sr` Hz (librosa, default soxr_hq resampling).

    Raises `DataError` naming the file when it is missing, is not a regular file (a folder, a
    FIFO, a device: never opened), cannot be decoded or holds NaN/infinite samples.
    An empty file decodes to an empty array; callers decide whether that is an error.
    """
    import librosa

    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: audio file not found; check the wav path in the .list (or --wav-dir)")
    if not path.is_file():
        raise DataError(f"{path}: {describe_non_file(path)}, not an audio file; check the wav path in the .list")
    _ignore_fallback_warnings()  # not warnings.catch_warnings: it is not thread-safe, and stage 2 decodes in threads
    try:
        audio, _ = librosa.load(path, sr=sr, mono=True)
    except Exception as error:  # decoders raise many unrelated types (soundfile, audioread, EOF)
        reason = str(error).strip() or type(error).__name__
        if "not finite" in reason:  # librosa's resampler refusing NaN/inf
            raise _invalid_samples(path) from None
        raise DataError(f"{path}: cannot decode audio ({reason}); convert it to WAV/FLAC/MP3/OGG") from error
    if not np.isfinite(audio).all():  # a float WAV may store NaN/inf, which poison every later step
        raise _invalid_samples(path)
    return np.ascontiguousarray(audio, dtype=np.float32)


def _invalid_samples(path: Path) -> DataError:
    return DataError(f"{path}: the file holds invalid samples (NaN or infinite values); re-export it from the "
                     f"original recording")
