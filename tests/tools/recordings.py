"""Recordings with known speech and pauses for the slicing, ASR and UI tests.

`noise_recording` lays noise bursts ("speech") between exact silences; `espeak_recording`
joins Russian espeak-ng sentences with chosen pauses and returns where each sentence's sound
starts and ends (its own leading and trailing silence trimmed).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

from tests.prepare.audio_fixtures import write_speech

SENTENCES = (
    "Сегодня хорошая погода, и мы пойдём гулять в парк у реки.",
    "Мы поехали на дачу в субботу утром.",
    "Завтра будет тёплый и солнечный день.",
    "Привет, как у тебя дела сегодня?",
    "Весной в лесу поют птицы, и тает последний снег.",
    "Мама мыла раму, а папа читал газету.",
)


@dataclass(frozen=True)
class Recording:
    path: Path
    sr: int
    speech: list[tuple[float, float]]  # seconds: where the sound of each phrase starts and ends
    seconds: float


def noise_signal(layout: list[tuple[str, float]], sr: int = 32000, seed: int = 0
                 ) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """`layout` is a list of ("speech" | "pause", seconds); speech is uniform noise of amplitude 0.3."""
    rng = np.random.default_rng(seed)
    parts, speech, at = [], [], 0.0
    for kind, seconds in layout:
        count = round(seconds * sr)
        parts.append(rng.uniform(-0.3, 0.3, count) if kind == "speech" else np.zeros(count))
        if kind == "speech":
            speech.append((at, at + count / sr))
        at += count / sr
    return np.concatenate(parts).astype(np.float32), speech


def noise_recording(path: Path, layout: list[tuple[str, float]], sr: int = 32000, seed: int = 0) -> Recording:
    audio, speech = noise_signal(layout, sr, seed)
    soundfile.write(path, audio, sr, subtype="PCM_16")
    return Recording(path, sr, speech, len(audio) / sr)


def _trimmed_sentence(folder: Path, index: int, text: str, sr: int) -> np.ndarray:
    import librosa

    wav = write_speech(folder / f"sentence{index}.wav", text)
    audio, _ = librosa.load(wav, sr=sr)
    loud = np.flatnonzero(np.abs(audio) > 1e-3)
    return audio[loud[0]:loud[-1] + 1]


def espeak_recording(path: Path, pauses: list[float], sentences: tuple[str, ...] = SENTENCES,
                     sr: int = 22050, lead: float = 0.7) -> Recording:
    """Sentences separated by `pauses` (seconds; one fewer than sentences), with `lead` s of silence around."""
    parts, speech, at = [np.zeros(round(lead * sr))], [], lead
    for index, text in enumerate(sentences):
        audio = _trimmed_sentence(path.parent, index, text, sr)
        parts.append(audio)
        speech.append((at, at + len(audio) / sr))
        at += len(audio) / sr
        gap = pauses[index] if index < len(pauses) else lead
        parts.append(np.zeros(round(gap * sr)))
        at += round(gap * sr) / sr
    soundfile.write(path, np.concatenate(parts), sr, subtype="PCM_16")
    return Recording(path, sr, speech, at)


def clip_bounds(name: str, sr: int) -> tuple[float, float]:
    """(start, end) in seconds from a slicer clip name `<source>_<start>_<end>.wav`."""
    start, end = name[:-len(".wav")].split("_")[-2:]
    return int(start) / sr, int(end) / sr
