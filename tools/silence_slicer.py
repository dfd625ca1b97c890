"""Silence-based slicing with upstream's parameters: RMS per hop, silent runs, cuts placed in them.

Pure arithmetic on a mono signal that returns clip spans in samples; decoding, normalising and
writing clips is `tools.slice`'s job. It knows nothing of speech (that is `tools.vad_slicer`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from GPT_SoVITS.errors import ConfigError


@dataclass(frozen=True)
class SilenceParams:
    """Upstream's slicer settings, under upstream's names and defaults."""

    threshold: float = -34.0  # dB below full scale: quieter frames are silence
    min_length: int = 4000  # ms: a clip grows at least this long before it may be cut
    min_interval: int = 300  # ms: the shortest silence a cut may be placed in
    hop_size: int = 10  # ms: step of the RMS frames
    max_sil_kept: int = 500  # ms: the most silence kept at either edge of a clip

    def check(self) -> None:
        """Refuse settings the algorithm cannot honour, naming the parameters."""
        if self.hop_size <= 0:
            raise ConfigError(f"hop_size {self.hop_size} ms: expected a positive number of milliseconds")
        if not self.min_length >= self.min_interval >= self.hop_size:
            raise ConfigError(
                f"slicer: expected min_length >= min_interval >= hop_size, got {self.min_length} >= "
                f"{self.min_interval} >= {self.hop_size} ms")
        if self.max_sil_kept < self.hop_size:
            raise ConfigError(f"slicer: max_sil_kept {self.max_sil_kept} ms must be at least hop_size {self.hop_size} ms")


def frame_rms(audio: np.ndarray, hop: int, window: int) -> np.ndarray:
    """RMS of `window`-sample frames centred every `hop` samples: [n_frames]."""
    import librosa

    window = max(window, hop)
    return librosa.feature.rms(y=audio, frame_length=window, hop_length=hop, center=True, pad_mode="constant")[0]


def silent_runs(silent: np.ndarray) -> list[tuple[int, int]]:
    """Maximal runs of True in a boolean mask, as [start, end) index pairs."""
    edges = np.diff(np.concatenate(([0], silent.astype(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    return list(zip(starts.tolist(), ends.tolist()))


def _quietest(rms: np.ndarray, start: int, end: int) -> int:
    """The middle of the quietest frames of [start, end): a cut there is furthest from sound."""
    run = rms[start:end]
    quiet = np.flatnonzero(run <= run.min() + 1e-9)
    return start + int(quiet[len(quiet) // 2])


def place_cuts(rms: np.ndarray, runs: list[tuple[int, int]], hop: int, window: int, total: int, min_length: int,
               min_interval: int, max_kept: int) -> list[tuple[int, int]]:
    """Clip spans in samples from the silent frame runs; the lengths are in samples.

    A run of frames [first, last) is silence from half a window before its first centre to
    half a window after its last. Leading and trailing silence keep at most `max_kept`. A
    silence inside the signal holds a cut when it is at least `min_interval` long and the clip
    so far at least `min_length`: a short one is cut once at its quietest frame, a long one
    keeps `max_kept` on each side and its middle is dropped.
    """
    spans: list[tuple[int, int]] = []
    clip_start, clip_end = 0, total
    for first, last in runs:
        start = 0 if first == 0 else max(0, first * hop - window // 2)
        end = total if last == len(rms) else min(total, (last - 1) * hop + window // 2)
        if first == 0:
            clip_start = max(0, end - max_kept)
            continue
        if last == len(rms):
            clip_end = min(total, start + max_kept)
            break
        if end - start < min_interval or start - clip_start < min_length:
            continue
        if end - start <= 2 * max_kept:
            cut = _quietest(rms, first, last) * hop
            spans.append((clip_start, cut))
            clip_start = cut
        else:
            spans.append((clip_start, start + max_kept))
            clip_start = end - max_kept
    spans.append((clip_start, clip_end))
    return [(start, end) for start, end in spans if end > start]


def silence_spans(audio: np.ndarray, sr: int, params: SilenceParams) -> list[tuple[int, int]]:
    """Clip spans [start, end) in samples of `audio`; [] when every frame is below the threshold."""
    params.check()
    hop = max(1, round(sr * params.hop_size / 1000))
    # The frame must be shorter than the shortest pause it has to find.
    window = min(round(sr * params.min_interval / 1000), 4 * hop)
    rms = frame_rms(audio, hop, window)
    silent = rms < 10 ** (params.threshold / 20)
    if silent.all():
        return []

    def samples(ms: int) -> int:
        return round(sr * ms / 1000)

    return place_cuts(rms, silent_runs(silent), hop, window, len(audio), samples(params.min_length),
                      samples(params.min_interval), samples(params.max_sil_kept))
