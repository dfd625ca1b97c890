"""Speech-aware slicing: silero-vad finds the phrases, clips are cut only in the pauses between them.

`speech_segments` runs the VAD (its model ships inside the silero-vad wheel; nothing is
downloaded); `group_phrases` chooses the pauses to cut at so clips fall in [min_clip, max_clip]
seconds, preferring long pauses (sentence ends); `clip_spans` adds the kept silence. Decoding
and writing clips is `tools.slice`'s job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

VAD_SR = 16000
# A cut costs this many seconds minus the pause it sits in: pauses longer than this are worth
# cutting at whenever clip lengths allow, shorter ones only when a clip would grow too long.
CUT_BASE_S = 0.5
# Cost per second outside [min_clip, max_clip]: far above any pause reward, so the target
# range wins over the choice of pause.
LENGTH_COST_PER_S = 10.0
# Shorter sounds are not speech to the VAD. silero's default is 250 ms, which can miss a lone
# "Да." between long pauses; clicks rarely reach its speech probability anyway.
MIN_SPEECH_MS = 100


@dataclass(frozen=True)
class VadParams:
    """How phrases are found and joined."""

    min_pause: int = 300  # ms: silence that separates two phrases (shorter gaps stay inside one)
    speech_pad: int = 200  # ms: silence kept at each clip edge, at most half the pause there
    threshold: float = 0.5  # silero speech probability above which a window is speech
    max_inner_pause: float = 1.0  # s: a clip never holds a longer pause inside


def load_vad_model() -> Any:
    """The silero VAD model from its wheel (TorchScript, CPU)."""
    import torch

    threads = torch.get_num_threads()
    from silero_vad import load_silero_vad  # importing it sets torch to one thread: keep ours

    torch.set_num_threads(threads)
    return load_silero_vad()


def speech_segments(audio_16k: np.ndarray, model: Any, params: VadParams, max_clip: float) -> list[tuple[int, int]]:
    """Phrases as [start, end) sample pairs at 16 kHz.

    A phrase with no pause for longer than `max_clip` seconds is split by silero at its last
    pause of at least ~0.1 s (or, with none, at `max_clip`).
    """
    import torch
    from silero_vad import get_speech_timestamps

    stamps = get_speech_timestamps(
        torch.from_numpy(np.ascontiguousarray(audio_16k, dtype=np.float32)), model, threshold=params.threshold,
        sampling_rate=VAD_SR, min_speech_duration_ms=MIN_SPEECH_MS, min_silence_duration_ms=params.min_pause,
        speech_pad_ms=0,
        max_speech_duration_s=max_clip)
    return [(int(stamp["start"]), int(stamp["end"])) for stamp in stamps]


def _length_cost(seconds: float, min_clip: float, max_clip: float) -> float:
    if seconds < min_clip:
        return (min_clip - seconds) * LENGTH_COST_PER_S
    if seconds > max_clip:
        return (seconds - max_clip) * LENGTH_COST_PER_S
    return 0.0


def group_phrases(segments: list[tuple[int, int]], sr: int, min_clip: float, max_clip: float,
                  max_inner_pause: float) -> list[tuple[int, int]]:
    """Runs of consecutive phrases, as (first, last) index pairs, that become one clip each.

    Dynamic programming over the cut positions: minimises the length cost of every clip plus
    `CUT_BASE_S - pause` per cut. A pause longer than `max_inner_pause` is always cut.
    """
    count = len(segments)
    pauses = [(segments[k + 1][0] - segments[k][1]) / sr for k in range(count - 1)]
    best = [0.0] + [float("inf")] * count  # best[j]: cost of clips covering phrases 0..j-1
    first_of_last = [0] * (count + 1)
    for end in range(1, count + 1):
        for start in range(end - 1, -1, -1):
            if start < end - 1 and pauses[start] > max_inner_pause:
                break
            seconds = (segments[end - 1][1] - segments[start][0]) / sr
            if start < end - 1 and seconds > 2 * max_clip:
                break
            cut = CUT_BASE_S - pauses[start - 1] if start > 0 else 0.0
            cost = best[start] + _length_cost(seconds, min_clip, max_clip) + cut
            if cost < best[end]:
                best[end], first_of_last[end] = cost, start
    groups = []
    end = count
    while end > 0:
        start = first_of_last[end]
        groups.append((start, end - 1))
        end = start
    return groups[::-1]


def clip_spans(segments: list[tuple[int, int]], groups: list[tuple[int, int]], pad: int,
               total: int) -> list[tuple[int, int]]:
    """Sample spans of the grouped phrases with up to `pad` samples of silence at each edge.

    The pad never takes more than half of the pause it extends into, so clips never overlap.
    """
    spans = []
    for first, last in groups:
        before = segments[first][0] - (segments[first - 1][1] if first > 0 else 0)
        after = (segments[last + 1][0] if last + 1 < len(segments) else total) - segments[last][1]
        head = before if first == 0 else before // 2
        tail = after if last + 1 == len(segments) else after // 2
        spans.append((segments[first][0] - min(pad, head), segments[last][1] + min(pad, tail)))
    return spans


def vad_spans(audio: np.ndarray, sr: int, model: Any, params: VadParams, min_clip: float,
              max_clip: float) -> list[tuple[int, int]]:
    """Clip spans [start, end) in samples of `audio` (rate `sr`); [] when the VAD hears no speech."""
    import librosa

    audio_16k = audio if sr == VAD_SR else librosa.resample(audio, orig_sr=sr, target_sr=VAD_SR)
    scale = sr / VAD_SR
    segments = [(round(start * scale), min(len(audio), round(end * scale)))
                for start, end in speech_segments(audio_16k, model, params, max_clip)]
    if not segments:
        return []
    groups = group_phrases(segments, sr, min_clip, max_clip, params.max_inner_pause)
    return clip_spans(segments, groups, round(sr * params.speech_pad / 1000), len(audio))
