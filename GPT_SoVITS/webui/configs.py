"""The training configs the UI writes: `TEMP/tmp_s2.json` and `TEMP/tmp_s1.yaml`.

Built from the base configs (`configs/s2.json`, `configs/s1longer-v2.yaml`) plus the user's
choices, under upstream's key names (UPSTREAM_NOTES §1 "Training buttons"). Paths are written
absolute (under the UI's root), so the trainers do not depend on their working folder.
Unlike upstream, the batch size is not halved without half precision: what the user asks is
what the trainer gets.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from GPT_SoVITS.atomic import write_text_atomic
from GPT_SoVITS.config_files import read_s1_config, read_s2_config

TMP_S2 = "tmp_s2.json"
TMP_S1 = "tmp_s1.yaml"


@dataclass(frozen=True)
class SoVITSChoices:
    """What the SoVITS training button sends."""

    exp_name: str
    batch_size: int
    epochs: int
    text_low_lr_rate: float
    save_every_epoch: int
    if_save_latest: bool
    if_save_every_weights: bool
    pretrained_s2G: str  # "" = random start
    pretrained_s2D: str
    gpu_numbers: list[str]
    half: bool  # fp16_run; only honoured with CUDA


@dataclass(frozen=True)
class GPTChoices:
    """What the GPT training button sends."""

    exp_name: str
    batch_size: int
    epochs: int
    save_every_n_epoch: int
    if_save_latest: bool
    if_save_every_weights: bool
    pretrained_s1: str  # "" = train from scratch
    gpu_numbers: list[str]
    half: bool  # precision 16-mixed; only honoured with CUDA


def build_s2_config(base: dict, choices: SoVITSChoices, root: Path, cuda: bool, version: str = "v2") -> dict:
    """The SoVITS trainer's config: the base with upstream's 1Ba keys set."""
    config = copy.deepcopy(base)
    exp_dir = str(root / "logs" / choices.exp_name)
    train = config.setdefault("train", {})
    train.update(
        batch_size=choices.batch_size,
        epochs=choices.epochs,
        text_low_lr_rate=choices.text_low_lr_rate,
        pretrained_s2G=choices.pretrained_s2G,
        pretrained_s2D=choices.pretrained_s2D,
        if_save_latest=choices.if_save_latest,
        if_save_every_weights=choices.if_save_every_weights,
        save_every_epoch=choices.save_every_epoch,
        gpu_numbers="-".join(choices.gpu_numbers) if cuda and choices.gpu_numbers else "0",
        fp16_run=bool(cuda and choices.half),
    )
    config.setdefault("model", {})["version"] = version
    config.setdefault("data", {})["exp_dir"] = exp_dir
    config["s2_ckpt_dir"] = exp_dir
    config["save_weight_dir"] = str(root / f"SoVITS_weights_{version}")
    config["name"] = choices.exp_name
    config["version"] = version
    return config


def build_s1_config(base: dict, choices: GPTChoices, root: Path, cuda: bool, version: str = "v2") -> dict:
    """The GPT trainer's config: the base with upstream's 1Bb keys set."""
    config = copy.deepcopy(base)
    exp_dir = root / "logs" / choices.exp_name
    train = config.setdefault("train", {})
    train.update(
        batch_size=choices.batch_size,
        epochs=choices.epochs,
        save_every_n_epoch=choices.save_every_n_epoch,
        if_save_every_weights=choices.if_save_every_weights,
        if_save_latest=choices.if_save_latest,
        half_weights_save_dir=str(root / f"GPT_weights_{version}"),
        exp_name=choices.exp_name,
        precision="16-mixed" if cuda and choices.half else "32",
    )
    config["pretrained_s1"] = choices.pretrained_s1
    config["train_semantic_path"] = str(exp_dir / "6-name2semantic.tsv")
    config["train_phoneme_path"] = str(exp_dir / "2-name2text.txt")
    config["output_dir"] = str(exp_dir / f"logs_s1_{version}")
    return config


def write_s2_config(base_path: Path, choices: SoVITSChoices, root: Path, cuda: bool) -> Path:
    """Write `<root>/TEMP/tmp_s2.json` atomically and return its path."""
    config = build_s2_config(read_s2_config(base_path), choices, root, cuda)
    path = root / "TEMP" / TMP_S2
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps(config, ensure_ascii=False, indent=2) + "\n")
    return path


def write_s1_config(base_path: Path, choices: GPTChoices, root: Path, cuda: bool) -> Path:
    """Write `<root>/TEMP/tmp_s1.yaml` atomically and return its path."""
    config = build_s1_config(read_s1_config(base_path), choices, root, cuda)
    path = root / "TEMP" / TMP_S1
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
    return path
