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

from GPT_SoVITS.errors import DataError

logger = logging.getLogger(__name__)

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

    Raises `DataError` naming the file when it is missing, is a folder, or cannot be decoded.
    An empty file decodes to an empty array; callers decide whether that is an error.
    """
    import librosa

    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: audio file not found; check the wav path in the .list (or --wav-dir)")
    if not path.is_file():
        raise DataError(f"{path}: is not a file")
    _ignore_fallback_warnings()  # not warnings.catch_warnings: it is not thread-safe, and stage 2 decodes in threads
    try:
        audio, _ = librosa.load(path, sr=sr, mono=True)
    except Exception as error:  # decoders raise many unrelated types (soundfile, audioread, EOF)
        reason = str(error).strip() or type(error).__name__
        raise DataError(f"{path}: cannot decode audio ({reason}); convert it to WAV/FLAC/MP3/OGG") from error
    return np.ascontiguousarray(audio, dtype=np.float32)
