"""A tiny prepared experiment folder (stage 1-3 outputs) generated in a temp dir for s2 tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile
import torch

from GPT_SoVITS.text.symbols import SymbolTable

SAMPLE_RATE = 32000
HOP = 640


def write_wav(path: Path, seconds: float, seed: int) -> None:
    """A few harmonic tones plus a little noise, int16 at 32 kHz: learnable, not silence."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    f0 = 110 + (40 * seed) % 200
    wave = sum(0.3 / k * np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 6)) for k in range(1, 5))
    wave = wave * (0.6 + 0.4 * np.sin(2 * np.pi * 2 * t)) + 0.01 * rng.standard_normal(t.size)
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(str(path), (wave * 16000).astype(np.int16), SAMPLE_RATE, subtype="PCM_16")


def write_ssl(path: Path, seconds: float, seed: int) -> None:
    """Random SSL features [1, 768, T] with T one frame short of the spectrogram, as HuBERT gives."""
    frames = int(seconds * SAMPLE_RATE) // HOP - 1
    generator = torch.Generator().manual_seed(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(torch.randn(1, 768, frames, generator=generator), path)


def make_experiment(root: Path, table: SymbolTable, count: int = 4, seconds: tuple[float, ...] = (1.3, 1.7, 2.1, 2.5),
                    phones_per_item: int = 12) -> Path:
    """Write `count` utterances (wav, ssl .pt, a 2-name2text.txt line each) under `root`; returns root."""
    rng = np.random.default_rng(0)
    usable = [s for s in table.symbols[1:] if s not in ("_", "UNK")]
    lines = []
    for index in range(count):
        name = f"utt{index}.wav"
        length = seconds[index % len(seconds)]
        write_wav(root / "5-wav32k" / name, length, seed=index)
        write_ssl(root / "4-cnhubert" / f"{name}.pt", length, seed=index)
        phones = [usable[int(i)] for i in rng.integers(0, len(usable), phones_per_item)]
        lines.append(f"{name}\t{' '.join(phones)}\tNone\ttext {index}")
    (root / "2-name2text.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def append_line(root: Path, line: str) -> None:
    with (root / "2-name2text.txt").open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")
