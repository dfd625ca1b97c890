"""Tiny random GPT, SoVITS and HuBERT files saved like real ones, and reference clips.

The GPT and SoVITS files go through `weights_compat.save_checkpoint` (upstream format plus
`symbols`), the HuBERT folder through `save_pretrained`, so synthesis loads them exactly as it
loads trained weights. Everything builds in about a second on CPU.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
import yaml

from GPT_SoVITS import weights_compat as wc
from GPT_SoVITS.AR.models.t2s_model import build_text2semantic
from GPT_SoVITS.module.models import build_generator
from GPT_SoVITS.text.symbols import SymbolTable, get_table
from tests.conftest import REPO_ROOT
from tests.feature_extractor.tiny_hubert import tiny_hubert
from tests.module.tiny import tiny_s2_config

RU_TABLE = "v2+ru"


def tiny_gpt_config(table: SymbolTable) -> dict:
    """configs/s1longer-v2.yaml with a 2-layer, 32-wide model and one phoneme row per symbol."""
    config = yaml.safe_load((REPO_ROOT / "configs" / "s1longer-v2.yaml").read_text(encoding="utf-8"))
    config = copy.deepcopy(config)
    config["model"].update(embedding_dim=32, hidden_dim=32, head=2, n_layer=2, linear_units=64,
                           phoneme_vocab_size=len(table))
    return config


def save_tiny_gpt(path: Path, table: str | SymbolTable = RU_TABLE, seed: int = 0, store_symbols: bool = True) -> Path:
    """A random tiny GPT exported like the s1 trainer does (`model.` prefix, fp16)."""
    table = get_table(table) if isinstance(table, str) else table
    torch.manual_seed(seed)
    config = tiny_gpt_config(table)
    model = build_text2semantic(config, table)
    weight = {f"model.{key}": value for key, value in model.state_dict().items()}
    wc.save_checkpoint(path, weight, config=config, info="GPT-e1", table=table if store_symbols else None)
    return path


def save_tiny_sovits(path: Path, table: str | SymbolTable = RU_TABLE, seed: int = 0, store_symbols: bool = True) -> Path:
    """A random tiny SoVITS generator exported in inference format (no `enc_q`, fp16)."""
    table = get_table(table) if isinstance(table, str) else table
    torch.manual_seed(seed)
    config = tiny_s2_config()
    model = build_generator(config, table)
    wc.save_checkpoint(path, model.state_dict(), config=config.to_dict(), info="1epoch_10iteration",
                       table=table if store_symbols else None, exclude=("enc_q.*",))
    return path


def save_tiny_hubert(folder: Path) -> Path:
    """A tiny HubertModel (hidden 768, real conv strides) saved with `save_pretrained`."""
    tiny_hubert(seed=0).save_pretrained(folder)
    return folder


def write_reference(path: Path, seconds: float = 4.0, rate: int = 22050, seed: int = 0) -> Path:
    """A speech-like test clip: a gliding tone with harmonics, amplitude-modulated, plus noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    pitch = 140 + 40 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / rate
    voice = sum(np.sin(k * phase) / k for k in range(1, 6)) * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t) ** 2)
    audio = 0.25 * voice / np.abs(voice).max() + 0.01 * rng.standard_normal(len(t))
    sf.write(path, audio.astype(np.float32), rate, subtype="PCM_16")
    return path
