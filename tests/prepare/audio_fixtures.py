"""Real audio files for stage tests: tones, noise and espeak-ng speech, written with soundfile."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import soundfile

from tests.external import require_espeak


def write_tone(path: Path, seconds: float = 1.0, sr: int = 44100, amplitude: float = 0.5,
               frequency: float = 220.0, subtype: str = "PCM_16") -> Path:
    t = np.arange(int(seconds * sr)) / sr
    soundfile.write(path, amplitude * np.sin(2 * np.pi * frequency * t), sr, subtype=subtype)
    return path


def write_noise(path: Path, seconds: float = 1.0, sr: int = 16000, amplitude: float = 0.3, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    soundfile.write(path, rng.uniform(-amplitude, amplitude, int(seconds * sr)), sr, subtype="PCM_16")
    return path


def write_speech(path: Path, text: str = "Привет, как дела?") -> Path:
    """Russian speech from espeak-ng (installed by .ci/run): the test skips locally without it and
    fails in CI (tests/external.py)."""
    binary = require_espeak()
    subprocess.run([binary, "-v", "ru", "-w", str(path), text], check=True, capture_output=True)
    return path
