"""The GPU check's inputs, made on the spot: seeded models saved in upstream format (GPT, SoVITS G
and D, a HuBERT folder) and a small generated Russian dataset. Nothing is downloaded.

Audio comes from espeak-ng when it is installed, else from seeded speech-like tones (pitch glides
with harmonics and syllable-rate loudness): the texts are Russian either way, so stage 1 and the
trainers see real phones. The check is about code paths and numbers, not voice quality.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile
import torch

from bench import synthesis
from bench.gpucheck.context import Context
from bench.gpucheck.report import StepRecord
from GPT_SoVITS import weights_compat as wc
from GPT_SoVITS.module.config import S2Config
from GPT_SoVITS.module.discriminators import MultiPeriodDiscriminator

CLIPS = {"full": 40, "tiny": 6}
SPEAKER = "gpucheck"
SYNTHETIC_RATE = 22050  # espeak-ng's rate too: stage 2 resamples either way
CHARS_PER_SECOND = 14.0  # about the pace of read Russian speech, so the s1 phones-per-second filter keeps the clips

_SUBJECTS = ("Мама", "Мой старший брат", "Старый учитель", "Наша соседка", "Маленький мальчик", "Весёлая девочка",
             "Бабушка", "Молодой врач")
_VERBS = ("читает", "покупает", "приносит", "ищет", "рисует")
_OBJECTS = ("новую книгу", "свежий хлеб", "старые письма", "красивые цветы", "тёплую куртку")
_TAILS = ("утром.", "каждый вечер.", "в субботу.", "после работы.", "с большой радостью.")


@dataclass(frozen=True)
class Models:
    """Seeded model files of one size, saved as the trainers and stages expect them."""

    size: str
    gpt: Path  # s1 .ckpt (upstream format, table v2+ru)
    sovits: Path  # s2G .pth (inference format: no enc_q; a seeded codebook)
    discriminator: Path  # s2D .pth
    hubert: Path  # chinese-hubert-base-like folder (save_pretrained)
    s2_config: Path  # configs/s2.json with the size's model section (the stages' s2config_path)


@dataclass(frozen=True)
class Dataset:
    """A .list of generated clips (absolute paths) and where their audio came from."""

    list_path: Path
    source: str  # "espeak-ng" or "synthetic tones"
    clips: int


def discriminator_for(size: str, config: S2Config) -> torch.nn.Module:
    """The s2 trainer's discriminator; the tiny size keeps the scale and one period discriminator
    (the real five cost seconds a step on a CPU, and the dry run only needs the code path)."""
    if size == "tiny":
        return MultiPeriodDiscriminator(config.model.use_spectral_norm, periods=(2,))
    return MultiPeriodDiscriminator(config.model.use_spectral_norm)


def build_models(folder: Path, size: str) -> Models:
    """Random weights seeded as in `bench/synthesis.py`, written through weights_compat's saving."""
    folder.mkdir(parents=True, exist_ok=True)
    gpt, sovits, hubert = synthesis.build_files(folder, size)
    values = synthesis.s2_values(size)
    s2_config = folder / "s2.json"
    s2_config.write_text(json.dumps(values, ensure_ascii=False, indent=2), encoding="utf-8")
    torch.manual_seed(1)
    discriminator = folder / "s2D.pth"
    model = discriminator_for(size, S2Config.from_dict(values))
    wc.save_checkpoint(discriminator, model.state_dict(), config=values, info="gpu_check D", table=None)
    return Models(size, gpt, sovits, discriminator, hubert, s2_config)


def sentences(count: int) -> list[str]:
    """`count` distinct Russian sentences (subject and verb cycle with coprime periods 8 and 5)."""
    return [f"{_SUBJECTS[i % 8]} {_VERBS[i % 5]} {_OBJECTS[(i // 8) % 5]} {_TAILS[(i // 3) % 5]}" for i in range(count)]


def speech_like(seconds: float, seed: int, rate: int = SYNTHETIC_RATE) -> np.ndarray:
    """A seeded voice-like signal: a gliding pitch with five harmonics, loudness at syllable rate, a little noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    pitch = rng.uniform(100, 220) * (1 + 0.15 * np.sin(2 * np.pi * rng.uniform(0.3, 1.0) * t))
    phase = 2 * np.pi * np.cumsum(pitch) / rate
    voice = sum(np.sin(k * phase + rng.uniform(0, 6)) / k for k in range(1, 6))
    syllables = 0.55 + 0.45 * np.sin(2 * np.pi * rng.uniform(3.0, 5.0) * t) ** 2
    audio = voice * syllables + 0.05 * rng.standard_normal(t.size)
    return (0.5 * audio / np.abs(audio).max()).astype(np.float32)


def _espeak(text: str, path: Path) -> bool:
    """Speak `text` into `path` with espeak-ng's Russian voice; False when it is absent or fails."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        return False
    result = subprocess.run([espeak, "-v", "ru", "-w", str(path), text], capture_output=True, timeout=60, check=False)
    return result.returncode == 0 and path.is_file() and path.stat().st_size > 1000


def write_dataset(folder: Path, count: int) -> Dataset:
    """`count` clips and their .list; all espeak-ng, or (if it is missing or fails once) all synthetic."""
    wavs = folder / "wavs"
    wavs.mkdir(parents=True, exist_ok=True)
    texts = sentences(count)
    paths = [wavs / f"utt{index:03d}.wav" for index in range(count)]
    source = "espeak-ng"
    if not all(_espeak(text, path) for text, path in zip(texts, paths)):
        source = "synthetic tones"
        for index, (text, path) in enumerate(zip(texts, paths)):
            seconds = min(6.0, max(1.5, len(text) / CHARS_PER_SECOND))
            soundfile.write(path, speech_like(seconds, seed=index), SYNTHETIC_RATE, subtype="PCM_16")
    list_path = folder / "data.list"
    list_path.write_text("".join(f"{p}|{SPEAKER}|ru|{t}\n" for p, t in zip(paths, texts)), encoding="utf-8")
    return Dataset(list_path, source, count)


def shared_models(ctx: Context) -> Models:
    """The run's models, built on first use."""
    return ctx.shared("models", lambda: build_models(ctx.work / "models", ctx.size))


def shared_dataset(ctx: Context) -> Dataset:
    """The run's dataset, written on first use."""
    return ctx.shared("dataset", lambda: write_dataset(ctx.work / "dataset", CLIPS[ctx.size]))


def run_assets_step(ctx: Context, record: StepRecord) -> None:
    """The step: build the models and the dataset now (timed), and say what they are."""
    models = shared_models(ctx)
    record.figure("model size", models.size)
    for path, kind in ((models.gpt, "s1"), (models.sovits, "s2G"), (models.discriminator, "s2D")):
        info = wc.identify(wc.read_checkpoint(path))
        record.check(f"{path.name} reads back as an upstream-format {kind}", info.kind == kind,
                     f"{info.kind} {info.version}, table {info.table.name if info.table else '-'}")
        record.figure(f"{kind} file MB", round(path.stat().st_size / 1e6, 1))
    record.figure("hubert layers", json.loads((models.hubert / "config.json").read_text())["num_hidden_layers"])
    dataset = shared_dataset(ctx)
    record.figure("clips", dataset.clips)
    record.figure("audio", dataset.source)
