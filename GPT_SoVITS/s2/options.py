"""What a SoVITS training run is asked to do: the user's choices (the UI's form or the CLI's flags)
applied to a base config, and the checks a config passes before any training work starts.

`build_s2_config` is the one place `TEMP/tmp_s2.json` (UI) and the CLI's config are made, under
upstream's key names (UPSTREAM_NOTES §1 "Training buttons"). Reading the keys is
`GPT_SoVITS.module.config.S2Config`; this module neither reads files nor trains.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from GPT_SoVITS.errors import ConfigError
from GPT_SoVITS.module.config import S2Config
from GPT_SoVITS.versions import DEFAULT_VERSION

#: `train.amp_dtype`: torch's names of the autocast dtypes `fp16_run` may use on CUDA.
AMP_DTYPES = ("float16", "bfloat16")


@dataclass(frozen=True)
class SoVITSChoices:
    """What the SoVITS button (or `s2_train.py --exp ...`) asks for; defaults are the UI's."""

    exp_name: str
    batch_size: int = 4
    epochs: int = 8
    text_low_lr_rate: float = 0.4
    save_every_epoch: int = 4
    if_save_latest: bool = True
    if_save_every_weights: bool = True
    pretrained_s2G: str = ""  # "" = random start
    pretrained_s2D: str = ""
    gpu_numbers: Sequence[str] = ("0",)
    half: bool = True  # fp16_run; only honoured with CUDA
    min_epoch_items: int | None = None  # train.min_epoch_items (repeat a smaller set up to it); None keeps the base's


def build_s2_config(base: dict, choices: SoVITSChoices, logs_dir: Path, weight_dir: Path, cuda: bool,
                    version: str = DEFAULT_VERSION) -> dict:
    """The SoVITS trainer's config: `base` with upstream's 1Ba keys set (paths as given, absolute in the UI).

    Unlike upstream, the batch size is not halved without half precision: what the user asks is
    what the trainer gets.
    """
    config = copy.deepcopy(base)
    exp_dir = str(Path(logs_dir) / choices.exp_name)
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
    if choices.min_epoch_items is not None:
        train["min_epoch_items"] = check_min_epoch_items(choices.min_epoch_items)
    config.setdefault("model", {})["version"] = version
    config.setdefault("data", {})["exp_dir"] = exp_dir
    config["s2_ckpt_dir"] = exp_dir
    config["save_weight_dir"] = str(weight_dir)
    config["name"] = choices.exp_name
    config["version"] = version
    return config


def check_min_epoch_items(value: int) -> int:
    """The repetition minimum (both trainers): a whole number >= 0; 0 or 1 means no repetition."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"min_epoch_items {value!r}: expected a whole number >= 0 (0: never repeat the dataset)")
    return value


def s2_config_text(config: dict) -> str:
    """A built config as the UI writes `tmp_s2.json` (and `s2_train.py --write-config` does)."""
    return json.dumps(config, ensure_ascii=False, indent=2) + "\n"


def check_trainable(config: S2Config) -> None:
    """Refuse, before any work, values that would only fail later, mid-training."""
    train = config.train
    positive = {"train.epochs": train.epochs, "train.batch_size": train.batch_size,
                "train.save_every_epoch": train.save_every_epoch, "train.log_interval": train.log_interval}
    for key, value in positive.items():
        if value < 1:
            raise ConfigError(f"{key}: must be at least 1, got {value}")
    if train.learning_rate <= 0 or train.text_low_lr_rate < 0:
        raise ConfigError("train.learning_rate must be > 0 and train.text_low_lr_rate >= 0")
    if len(train.betas) != 2 or not all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in train.betas):
        raise ConfigError(f"train.betas: expected two numbers, got {train.betas!r}")
    if train.max_steps is not None and train.max_steps < 1:
        raise ConfigError(f"train.max_steps: must be at least 1 or null, got {train.max_steps}")
    if train.num_workers < 0:
        raise ConfigError(f"train.num_workers: must be >= 0, got {train.num_workers}")
    if train.amp_dtype not in AMP_DTYPES:
        raise ConfigError(f"train.amp_dtype: expected one of {', '.join(AMP_DTYPES)}, got {train.amp_dtype!r}")
    if not config.exp_dir.is_dir():
        raise ConfigError(f"data.exp_dir {config.exp_dir}: not a folder; run the dataset preparation first")
    for key, path in (("pretrained_s2G", train.pretrained_s2G), ("pretrained_s2D", train.pretrained_s2D)):
        if path and not Path(path).is_file():
            raise ConfigError(f"train.{key} {path}: file not found; python tools/download_pretrained.py fetches "
                              f"the pretrained weights, or leave it empty to start from random weights")
