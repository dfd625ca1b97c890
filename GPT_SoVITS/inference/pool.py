"""Several voices in one process: loaded GPT + SoVITS pairs kept by file identity, at most N.

`ModelPool.get(gpt, sovits)` returns the pair's `TTS`, loading it on first use. Pairs are keyed
by the files' identity (resolved path, size, mtime), so a re-exported file loads again; the
least recently used pair is dropped when more than `max_pairs` are loaded (a request still
using it finishes; its memory is freed after). HuBERT and the speaker encoder are loaded once
and shared by every pair (they hold no per-voice state). Each `TTS` has its own lock, so
requests for different pairs run concurrently and those for the same pair in turn; its small
LRU of reference clips (`max_references`) is kept per pair, because the prompt tokens come
from that pair's SoVITS quantizer. Nothing global changes when a request names other weights.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path

import torch

from GPT_SoVITS.errors import ConfigError, DataError
from GPT_SoVITS.inference.loading import check_same_table, load_gpt, load_sovits, load_sv_for
from GPT_SoVITS.inference.precision import apply_cpu_precision, check_cpu_precision
from GPT_SoVITS.inference.reference import file_identity
from GPT_SoVITS.inference.tts import TTS, default_device

logger = logging.getLogger(__name__)


class ModelPool:
    """Up to `max_pairs` loaded GPT + SoVITS pairs sharing one HuBERT and one speaker encoder."""

    def __init__(self, max_pairs: int = 2, *, hubert_dir: str | os.PathLike | None = None, device: str | None = None,
                 half: bool = False, sv_path: str | os.PathLike | None = None, cpu_precision: str = "fp32",
                 max_references: int = 8):
        if max_pairs < 1:
            raise ConfigError(f"max_pairs must be >= 1, got {max_pairs}")
        if max_references < 1:
            raise ConfigError(f"max_references must be >= 1, got {max_references}")
        self.max_pairs, self.max_references = int(max_pairs), int(max_references)
        self.device = device or default_device()
        self.half = half and torch.device(self.device).type == "cuda"
        self.hubert_dir, self.sv_path = hubert_dir, sv_path
        self.cpu_precision = check_cpu_precision(cpu_precision)
        self._pairs: OrderedDict[tuple, TTS] = OrderedDict()
        self._lock = threading.Lock()  # the table of pairs and the shared models
        self._loading: dict[tuple, threading.Lock] = {}  # one loader per key at a time
        self._hubert: torch.nn.Module | None = None
        self._speaker_encoder: torch.nn.Module | None = None

    @staticmethod
    def key(gpt_path: str | os.PathLike, sovits_path: str | os.PathLike) -> tuple:
        """The pair's identity; `DataError` naming a path that is not a file."""
        keys = []
        for path, what in ((gpt_path, "GPT weights"), (sovits_path, "SoVITS weights")):
            identity = file_identity(path)
            if identity is None:
                raise DataError(f"{path}: {what} file not found")
            keys.append(identity)
        return tuple(keys)

    def __len__(self) -> int:
        return len(self._pairs)

    def loaded(self) -> list[tuple[Path, Path]]:
        """(GPT, SoVITS) paths of the loaded pairs, least recently used first."""
        with self._lock:
            return [(tts.gpt_path, tts.sovits_path) for tts in self._pairs.values()]

    def get(self, gpt_path: str | os.PathLike, sovits_path: str | os.PathLike) -> TTS:
        """The `TTS` of this pair, loaded once and reused while its files are unchanged."""
        key = self.key(gpt_path, sovits_path)
        with self._lock:
            if key in self._pairs:
                self._pairs.move_to_end(key)
                return self._pairs[key]
            loader = self._loading.setdefault(key, threading.Lock())
        with loader:  # a second request for the same new pair waits for the first load
            with self._lock:
                if key in self._pairs:
                    self._pairs.move_to_end(key)
                    return self._pairs[key]
            try:
                tts = self._load(gpt_path, sovits_path)
            finally:
                with self._lock:
                    self._loading.pop(key, None)
            with self._lock:
                self._pairs[key] = tts
                while len(self._pairs) > self.max_pairs:
                    _, dropped = self._pairs.popitem(last=False)
                    logger.info("unloaded synthesis models %s + %s (pool of %d)", dropped.gpt_path.name,
                                dropped.sovits_path.name, self.max_pairs)
            return tts

    def _load(self, gpt_path, sovits_path) -> TTS:
        gpt = apply_cpu_precision(load_gpt(gpt_path, self.device, self.half), self.cpu_precision, self.device)
        sovits = load_sovits(sovits_path, self.device, self.half)
        check_same_table(gpt, sovits)
        hubert = self._shared_hubert()
        encoder = self._shared_speaker_encoder(sovits) if sovits.needs_speaker_vector else None
        logger.info("loaded synthesis models %s + %s on %s", Path(gpt_path).name, Path(sovits_path).name, self.device)
        return TTS(gpt, sovits, hubert, self.device, encoder, max_references=self.max_references)

    def _shared_hubert(self) -> torch.nn.Module:
        with self._lock:
            if self._hubert is None:
                from GPT_SoVITS.feature_extractor.cnhubert import load_cnhubert
                from GPT_SoVITS.pretrained import pretrained_path

                self._hubert = load_cnhubert(self.hubert_dir or pretrained_path("cnhubert"), device=self.device,
                                             half=self.half)
            return self._hubert

    def _shared_speaker_encoder(self, sovits) -> torch.nn.Module:
        with self._lock:
            if self._speaker_encoder is None:
                self._speaker_encoder = load_sv_for(sovits, self.sv_path, self.device, self.half)
            return self._speaker_encoder

    def clear(self) -> None:
        """Drop every loaded pair (the shared HuBERT and speaker encoder stay)."""
        with self._lock:
            self._pairs.clear()
