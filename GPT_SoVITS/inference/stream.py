"""Streaming modes 2 and 3: audio chunks rendered from the GPT's tokens while it is still decoding.

A piece is decoded alone; every `min_chunk_length` new tokens (and at its end) SoVITS renders a
chunk with the piece's whole phone text. Mode 2 renders each chunk with the previous
`overlap_length` tokens in front, so the convolutions see the left context, holds back the
audio of its own last `overlap_length` tokens, and cross-fades that tail with the next chunk's
rendering of the same tokens (linearly, over those tokens' samples). Both sides render the same
tokens, so they are close in phase and the linear fade leaves no click; trimming at a zero
crossing would instead change the length and still jump where the two renders' waveforms
differ. Mode 3 renders each chunk alone and butts them together: less work per chunk, audible
joins possible (upstream's "lower quality"). A mode-2 or mode-3 stream is as long as the
non-streamed audio at speed 1; its samples differ (chunks have their own edges and noise),
by the bound tests/inference/test_stream.py measures.
"""

from __future__ import annotations

import threading
from typing import Iterator

import numpy as np
import torch

from GPT_SoVITS.errors import ConfigError


def check_stream_options(mode: int, min_chunk_length: int, overlap_length: int) -> None:
    problems = []
    if mode not in (1, 2, 3):
        problems.append(f"mode must be 1, 2 or 3, got {mode!r}")
    if min_chunk_length < 1:
        problems.append(f"min_chunk_length must be >= 1, got {min_chunk_length}")
    if not 0 <= overlap_length < max(min_chunk_length, 1):
        problems.append(f"overlap_length must be >= 0 and below min_chunk_length ({min_chunk_length}), got {overlap_length}")
    if problems:
        raise ConfigError("streaming: " + "; ".join(problems))


def crossfade(tail: np.ndarray, head: np.ndarray) -> np.ndarray:
    """`tail` fading out while `head` fades in, over the shorter one; the longer one's rest follows."""
    n = min(len(tail), len(head))
    if n == 0:
        return np.concatenate([tail, head])
    ramp = (np.arange(1, n + 1, dtype=np.float32) / (n + 1))
    mixed = tail[:n] * (1.0 - ramp) + head[:n] * ramp
    return np.concatenate([mixed, head[n:] if len(head) > n else tail[n:]]).astype(np.float32)


class _PieceChunker:
    """Turns the growing token list of one piece into audio chunks (mode 2 or 3)."""

    def __init__(self, tts, job, index: int, mode: int, overlap: int):
        self.tts, self.job, self.index = tts, job, index
        self.overlap = overlap if mode == 2 else 0
        self.done = 0  # tokens already rendered (the held tail included)
        self.held = np.zeros(0, dtype=np.float32)

    def chunk(self, codes: list[int], final: bool) -> np.ndarray:
        """Audio for tokens [done, len(codes)); mode 2 keeps the last `overlap` tokens' audio back
        unless `final`."""
        start = max(0, self.done - self.overlap)
        window = codes[start:]
        with torch.inference_mode():
            audio = self.tts.render(window, self.job.pieces[self.index][2], self.job.references, self.job.params,
                                    self.job.seed + self.index)
        per_token = len(audio) / max(len(window), 1)
        head = int(round((self.done - start) * per_token))
        out = crossfade(self.held, audio[:head]) if head else self.held
        body = audio[head:]
        keep = 0 if final or self.overlap == 0 else int(round(self.overlap * per_token))
        self.held = body[len(body) - keep:] if keep else np.zeros(0, dtype=np.float32)
        self.done = len(codes)
        return np.concatenate([out, body[:len(body) - keep]]).astype(np.float32)


def stream_token_chunks(tts, job, mode: int, min_chunk_length: int, overlap_length: int, pause: np.ndarray,
                        cancel: threading.Event | None = None) -> Iterator[np.ndarray]:
    """Chunks of every piece in text order (a piece's first chunk carries the pause before it)."""
    generator = torch.Generator(device=tts.device).manual_seed(job.seed)
    for index in range(len(job.pieces)):
        chunker = _PieceChunker(tts, job, index, mode, overlap_length)
        codes: list[int] = []
        lead = pause if index else np.zeros(0, dtype=np.float32)
        with torch.inference_mode():
            steps = tts.decode_steps(job, [index], generator)
        while True:
            if cancel is not None and cancel.is_set():
                return
            with torch.inference_mode():
                step = next(steps, None)
            token = None if step is None else step.tokens[0]
            if token is not None:
                codes.append(token)
                if len(codes) - chunker.done < min_chunk_length:
                    continue
            if not codes or (token is None and len(codes) == chunker.done and not len(chunker.held)):
                break
            chunk = chunker.chunk(codes, final=token is None)
            yield np.concatenate([lead, chunk]) if len(lead) else chunk
            lead = np.zeros(0, dtype=np.float32)
            if token is None:
                break
