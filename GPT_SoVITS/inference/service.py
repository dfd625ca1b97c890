"""What the web UI calls: the exported weights to choose from, a cached `TTS`, one-call synthesis.

Loading a GPT + SoVITS pair takes seconds, so the last loaded pair is kept and reused while the
user keeps the same files selected; choosing another pair replaces it (one pair in memory).
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import numpy as np

from GPT_SoVITS.inference.loading import list_weights
from GPT_SoVITS.inference.params import SynthesisParams
from GPT_SoVITS.inference.tts import TTS, default_device

logger = logging.getLogger(__name__)

__all__ = ["clear_cache", "get_tts", "list_weights", "synthesize"]

_LOCK = threading.Lock()
_CACHED: tuple[tuple, TTS] | None = None


def _file_key(path: str | os.PathLike) -> tuple:
    """A file's identity: its resolved path plus mtime/size, so a re-exported file reloads."""
    path = Path(path).resolve()
    stat = path.stat() if path.is_file() else None
    return (str(path), stat.st_mtime_ns if stat else None, stat.st_size if stat else None)


def get_tts(gpt_path: str | os.PathLike, sovits_path: str | os.PathLike, hubert_dir: str | os.PathLike | None = None,
            *, device: str | None = None, half: bool = False, sv_path: str | os.PathLike | None = None) -> TTS:
    """The `TTS` for this pair of files, loaded once and reused while the same pair is asked for.

    `sv_path`: the speaker encoder for v2Pro/v2ProPlus SoVITS files (default: its pretrained place).
    """
    global _CACHED
    device = device or default_device()
    key = (_file_key(gpt_path), _file_key(sovits_path), str(hubert_dir), device, half, str(sv_path))
    with _LOCK:
        if _CACHED is not None and _CACHED[0] == key:
            return _CACHED[1]
        _CACHED = None  # free the previous pair before loading the next one
        tts = TTS.from_files(gpt_path, sovits_path, hubert_dir, device=device, half=half, sv_path=sv_path)
        _CACHED = (key, tts)
        logger.info("loaded synthesis models %s + %s on %s", Path(gpt_path).name, Path(sovits_path).name, device)
        return tts


def clear_cache() -> None:
    """Forget the cached pair (frees its memory)."""
    global _CACHED
    with _LOCK:
        _CACHED = None


def synthesize(gpt_path: str | os.PathLike, sovits_path: str | os.PathLike, ref_audio: str | os.PathLike,
               ref_text: str, text: str, *, language: str = "ru", ref_language: str = "ru",
               params: SynthesisParams | None = None, hubert_dir: str | os.PathLike | None = None,
               device: str | None = None, half: bool = False,
               sv_path: str | os.PathLike | None = None) -> tuple[int, np.ndarray]:
    """(sample rate, float32 mono audio) for `text` in the voice of `ref_audio` (gradio's audio format)."""
    tts = get_tts(gpt_path, sovits_path, hubert_dir, device=device, half=half, sv_path=sv_path)
    result = tts.synthesize(ref_audio, ref_text, text, language=language, ref_language=ref_language, params=params)
    return result.sample_rate, result.audio
