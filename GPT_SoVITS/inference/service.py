"""What the web UI calls: the exported weights to choose from, a pooled `TTS`, one-call synthesis.

A thin user of one default `ModelPool`: loading a GPT + SoVITS pair takes seconds, so pairs stay
loaded (up to `max_pairs`, least recently used dropped) while the user switches between voices.
The pool is rebuilt only when the shared settings change (HuBERT folder, device, half, speaker
encoder, CPU precision, pool size).
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Sequence

import numpy as np

from GPT_SoVITS.inference.loading import list_weights
from GPT_SoVITS.inference.params import SynthesisParams
from GPT_SoVITS.inference.pool import ModelPool
from GPT_SoVITS.inference.tts import TTS, default_device

logger = logging.getLogger(__name__)

__all__ = ["clear_cache", "default_pool", "get_tts", "list_weights", "synthesize"]

DEFAULT_MAX_PAIRS = 2
_LOCK = threading.Lock()
_POOL: tuple[tuple, ModelPool] | None = None


def default_pool(hubert_dir: str | os.PathLike | None = None, *, device: str | None = None, half: bool = False,
                 sv_path: str | os.PathLike | None = None, cpu_precision: str = "fp32",
                 max_pairs: int = DEFAULT_MAX_PAIRS) -> ModelPool:
    """The process's pool for these shared settings (a new one, dropping the old, when they change)."""
    global _POOL
    device = device or default_device()
    settings = (str(hubert_dir), device, half, str(sv_path), cpu_precision, max_pairs)
    with _LOCK:
        if _POOL is None or _POOL[0] != settings:
            _POOL = None  # free the previous pairs before loading new ones
            _POOL = (settings, ModelPool(max_pairs, hubert_dir=hubert_dir, device=device, half=half, sv_path=sv_path,
                                         cpu_precision=cpu_precision))
        return _POOL[1]


def get_tts(gpt_path: str | os.PathLike, sovits_path: str | os.PathLike, hubert_dir: str | os.PathLike | None = None,
            *, device: str | None = None, half: bool = False, sv_path: str | os.PathLike | None = None,
            cpu_precision: str = "fp32", max_pairs: int = DEFAULT_MAX_PAIRS) -> TTS:
    """The `TTS` for this pair of files from the default pool, loaded once and reused while the
    files are unchanged. `sv_path`: the speaker encoder for SoVITS files of a Pro version."""
    pool = default_pool(hubert_dir, device=device, half=half, sv_path=sv_path, cpu_precision=cpu_precision,
                        max_pairs=max_pairs)
    return pool.get(gpt_path, sovits_path)


def clear_cache() -> None:
    """Forget the default pool and its pairs (frees their memory)."""
    global _POOL
    with _LOCK:
        _POOL = None


def synthesize(gpt_path: str | os.PathLike, sovits_path: str | os.PathLike, ref_audio: str | os.PathLike,
               ref_text: str, text: str, *, language: str = "ru", ref_language: str = "ru",
               params: SynthesisParams | None = None, hubert_dir: str | os.PathLike | None = None,
               device: str | None = None, half: bool = False, sv_path: str | os.PathLike | None = None,
               aux_refs: Sequence[str | os.PathLike] = ()) -> tuple[int, np.ndarray]:
    """(sample rate, float32 mono audio) for `text` in the voice of `ref_audio` (gradio's audio format)."""
    tts = get_tts(gpt_path, sovits_path, hubert_dir, device=device, half=half, sv_path=sv_path)
    result = tts.synthesize(ref_audio, ref_text, text, language=language, ref_language=ref_language, params=params,
                            aux_refs=aux_refs)
    return result.sample_rate, result.audio
