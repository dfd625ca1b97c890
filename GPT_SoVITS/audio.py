"""The one audio loader: any file librosa can decode -> mono float32 at a chosen rate.

Stage 2, the s2 data loader and synthesis read audio through `load_audio`, so every part of
the project decodes and resamples the same way. It does not scale or filter the signal.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from GPT_SoVITS.errors import DataError

logger = logging.getLogger(__name__)


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
    try:
        # No warnings.catch_warnings here: it is not thread-safe, and stage 2 decodes in threads.
        audio, _ = librosa.load(path, sr=sr, mono=True)
    except Exception as error:  # decoders raise many unrelated types (soundfile, audioread, EOF)
        reason = str(error).strip() or type(error).__name__
        raise DataError(f"{path}: cannot decode audio ({reason}); convert it to WAV/FLAC/MP3/OGG") from error
    return np.ascontiguousarray(audio, dtype=np.float32)
