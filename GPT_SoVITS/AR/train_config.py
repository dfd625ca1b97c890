"""The GPT trainer's config (`configs/s1longer-v2.yaml`, the UI's `tmp_s1.yaml`): built from the
user's choices, parsed once into a frozen dataclass, and described correctly in exports.

Upstream's keys stay the source of truth and round-trip untouched in `raw` (it becomes the
exported checkpoint's `config`, with `model.phoneme_vocab_size` set to the real row count).
Upstream keys we do not use (`if_dpo`, the ScaledAdam `optimizer` section, ...) are accepted;
a key nobody knows gets the shared warning (`config_files.warn_unknown_keys`) and is kept.
"""

from __future__ import annotations

import copy
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import yaml

from GPT_SoVITS.AR.data.dataset import DataLimits
from GPT_SoVITS.config_files import read_s1_config, warn_unknown_keys
from GPT_SoVITS.errors import ConfigError
from GPT_SoVITS.text.symbols import SymbolTable, default_table_name

logger = logging.getLogger(__name__)

_ADAMW_KEYS = ("lr", "betas", "weight_decay", "eps", "warmup_steps", "warmup_ratio", "final_lr_ratio")
#: Every key either upstream's s1 yamls or we use, by section ("" = top level).
KNOWN_KEYS = {
    "": ("train", "optimizer", "data", "model", "inference", "adamw", "pretrained_s1", "train_semantic_path",
         "train_phoneme_path", "output_dir", "symbol_table", "init_policy", "sample_sovits"),
    "train": ("seed", "epochs", "batch_size", "save_every_n_epoch", "precision", "gradient_clip",
              "gradient_accumulation", "if_save_latest", "if_save_every_weights", "half_weights_save_dir",
              "exp_name", "if_dpo"),
    "optimizer": ("lr", "lr_init", "lr_end", "warmup_steps", "decay_steps"),
    "data": ("max_eval_sample", "max_sec", "num_workers", "pad_val", "min_items_per_epoch"),
    "model": ("vocab_size", "phoneme_vocab_size", "embedding_dim", "hidden_dim", "head", "linear_units", "n_layer",
              "dropout", "EOS", "random_bert", "layer_dropout"),
    "inference": ("top_k",),
    "adamw": _ADAMW_KEYS,
}
PRECISIONS = ("16-mixed", "bf16-mixed", "32")
#: Upstream's yaml asks for 4 loader workers; more rarely helps the small GPT batches.
MAX_SUGGESTED_WORKERS = 4


@dataclass(frozen=True)
class AdamWSettings:
    """Our optimiser (section `adamw`): AdamW, linear warm-up to `lr`, cosine decay to `lr*final_lr_ratio`.

    `warmup_steps` 0 means `warmup_ratio` of all steps (at least 1).
    """

    lr: float = 1e-4
    betas: tuple[float, float] = (0.9, 0.95)
    weight_decay: float = 0.01
    eps: float = 1e-8
    warmup_steps: int = 0
    warmup_ratio: float = 0.05
    final_lr_ratio: float = 0.1

    @classmethod
    def from_dict(cls, section: Mapping[str, Any] | None) -> "AdamWSettings":
        section = {key: value for key, value in dict(section or {}).items() if key in _ADAMW_KEYS}
        if "betas" in section:
            section["betas"] = tuple(float(b) for b in section["betas"])
        settings = cls(**section)
        if settings.lr <= 0 or not 0 <= settings.final_lr_ratio <= 1:
            raise ConfigError("s1 config: adamw.lr must be > 0 and adamw.final_lr_ratio in [0, 1]")
        return settings


# --- loader workers -------------------------------------------------------------------------------


def available_cpus() -> int:
    """CPUs this process may run on (what torch's DataLoader compares its worker count with)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def suggested_workers(configured: int | None = None) -> int:
    """Loader workers for this machine: one per CPU beyond the training process, at most 4 and at
    most `configured` (the base config's value); the default of the UI field and of `--num-workers`."""
    machine = max(0, min(MAX_SUGGESTED_WORKERS, available_cpus() - 1))
    return machine if configured is None else max(0, min(int(configured), machine))


def _loader_workers(data: Mapping[str, Any], source: str) -> int:
    """`data.num_workers`, or the machine's suggestion when absent; capped at the CPUs (torch warns above)."""
    if data.get("num_workers") is None:
        return suggested_workers()
    workers = _int(data, "num_workers", 0, source, "data")
    if workers < 0:
        raise ConfigError(f"{source}: data.num_workers must be 0 (load in the training process) or more, got {workers}")
    if workers > available_cpus():
        logger.info("%s: data.num_workers %d is more than the %d CPU(s) here; using %d",
                    source, workers, available_cpus(), available_cpus())
        return available_cpus()
    return workers


# --- the parsed config ----------------------------------------------------------------------------


@dataclass(frozen=True)
class S1TrainConfig:
    """Everything the GPT trainer reads; `raw` is the whole YAML dict as given."""

    raw: dict
    seed: int
    epochs: int
    batch_size: int
    save_every_n_epoch: int
    precision: str
    gradient_clip: float
    if_save_latest: bool
    if_save_every_weights: bool
    half_weights_save_dir: Path
    exp_name: str
    pretrained_s1: Path | None
    train_semantic_path: Path
    train_phoneme_path: Path
    output_dir: Path
    symbol_table: str
    init_policy: str
    num_workers: int
    min_items_per_epoch: int
    limits: DataLimits
    adamw: AdamWSettings
    sample_sovits: Path | None = None  # a SoVITS export the samples at each save are rendered through

    @property
    def state_path(self) -> Path:
        """The resumable training state (model, optimiser, scheduler, epoch, step)."""
        return self.output_dir / "ckpt" / "last.pt"

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], source: str = "<config>") -> "S1TrainConfig":
        """Defaults are upstream's configs/s1longer-v2.yaml values (plus the UI's for the keys it adds)."""
        _warn_unknown(raw, source)
        train, data = _section(raw, "train", source), _section(raw, "data", source)
        precision = str(train.get("precision", "16-mixed"))
        if precision not in PRECISIONS:
            raise ConfigError(f"{source}: train.precision {precision!r} is not one of {PRECISIONS}")
        pretrained = str(raw.get("pretrained_s1") or "").strip()
        sample_sovits = str(raw.get("sample_sovits") or "").strip()
        return cls(
            raw=dict(raw),
            seed=_int(train, "seed", 1234, source),
            epochs=_positive(train, "epochs", 20, source),
            batch_size=_positive(train, "batch_size", 8, source),
            save_every_n_epoch=_positive(train, "save_every_n_epoch", 1, source),
            precision=precision,
            gradient_clip=float(train.get("gradient_clip", 1.0)),
            if_save_latest=bool(train.get("if_save_latest", True)),
            if_save_every_weights=bool(train.get("if_save_every_weights", True)),
            half_weights_save_dir=Path(str(train.get("half_weights_save_dir", "GPT_weights_v2"))),
            exp_name=str(train.get("exp_name", "gpt")),
            pretrained_s1=Path(pretrained) if pretrained else None,
            train_semantic_path=_required_path(raw, "train_semantic_path", source),
            train_phoneme_path=_required_path(raw, "train_phoneme_path", source),
            output_dir=_required_path(raw, "output_dir", source),
            symbol_table=str(raw.get("symbol_table") or default_table_name()),
            init_policy=str(raw.get("init_policy", "similar")),
            num_workers=_loader_workers(data, source),
            min_items_per_epoch=_int(data, "min_items_per_epoch", 100, source, "data"),
            limits=DataLimits(max_sec=float(data.get("max_sec", 54))),
            adamw=AdamWSettings.from_dict(raw.get("adamw")),
            sample_sovits=Path(sample_sovits) if sample_sovits else None,
        )

    def export_config(self, table: SymbolTable) -> dict:
        """The config stored with exported weights: `raw`, with `model.phoneme_vocab_size` set to the
        text embedding's real row count, so any reader that builds the GPT from it (upstream's too)
        gets the shape of the weights."""
        config = copy.deepcopy(self.raw)
        model = config.get("model")
        if isinstance(model, dict):
            model["phoneme_vocab_size"] = len(table)
        return config


def load_config(path: str | Path) -> S1TrainConfig:
    """Read and check a `tmp_s1.yaml`; ConfigError names the file and the key."""
    return S1TrainConfig.from_dict(read_s1_config(path), str(path))


def _section(raw: Mapping[str, Any], name: str, source: str) -> Mapping[str, Any]:
    value = raw.get(name) or {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{source}: `{name}` must be a mapping")
    return value


def _int(section: Mapping[str, Any], key: str, default: int, source: str, name: str = "train") -> int:
    value = section.get(key, default)
    if isinstance(value, bool):
        raise ConfigError(f"{source}: {name}.{key}: expected a whole number, got {value!r}")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{source}: {name}.{key}: expected a whole number, got {value!r}") from None


def _positive(section: Mapping[str, Any], key: str, default: int, source: str) -> int:
    value = _int(section, key, default, source)
    if value < 1:
        raise ConfigError(f"{source}: train.{key} must be at least 1, got {value}")
    return value


def _required_path(raw: Mapping[str, Any], key: str, source: str) -> Path:
    value = str(raw.get(key) or "").strip()
    if not value:
        raise ConfigError(f"{source}: `{key}` is required (the web UI sets it from the experiment folder)")
    return Path(value)


def _warn_unknown(raw: Mapping[str, Any], source: str) -> None:
    """The shared unknown-key warning for every section we know; upstream's unused parts are named once."""
    for section, known in KNOWN_KEYS.items():
        values = raw if section == "" else raw.get(section)
        if isinstance(values, Mapping):
            warn_unknown_keys(values, known, source, section)
    if raw.get("optimizer"):
        logger.info("%s: upstream's ScaledAdam `optimizer` section is not used; the `adamw` section configures "
                    "the optimiser (see docs/training.md)", source)
    if (raw.get("train") or {}).get("if_dpo"):
        logger.warning("%s: train.if_dpo is not supported; training without the DPO term", source)


# --- building the config the UI writes ------------------------------------------------------------


@dataclass(frozen=True)
class GPTChoices:
    """What the GPT button (or `s1_train.py --exp ...`) asks for; defaults are the UI's."""

    exp_name: str
    batch_size: int = 4
    epochs: int = 15
    save_every_n_epoch: int = 5
    if_save_latest: bool = True
    if_save_every_weights: bool = True
    pretrained_s1: str = ""  # "" = train from scratch
    gpu_numbers: Sequence[str] = ("0",)
    half: bool = True  # precision 16-mixed; only honoured with CUDA
    num_workers: int | None = None  # data.num_workers; None keeps the base config's
    sample_sovits: str = ""  # a SoVITS export to render the samples through; "" = tokens only
    min_epoch_items: int | None = None  # data.min_items_per_epoch (repeat a smaller set up to it); None keeps the base's


def build_s1_config(base: dict, choices: GPTChoices, logs_dir: Path, weight_dir: Path, cuda: bool,
                    version: str = "v2") -> dict:
    """The GPT trainer's config: `base` with upstream's 1Bb keys set (paths as given, absolute in the UI).

    Unlike upstream, the batch size is not halved without half precision.
    """
    config = copy.deepcopy(base)
    exp_dir = Path(logs_dir) / choices.exp_name
    train = config.setdefault("train", {})
    train.update(
        batch_size=choices.batch_size,
        epochs=choices.epochs,
        save_every_n_epoch=choices.save_every_n_epoch,
        if_save_every_weights=choices.if_save_every_weights,
        if_save_latest=choices.if_save_latest,
        half_weights_save_dir=str(weight_dir),
        exp_name=choices.exp_name,
        precision="16-mixed" if cuda and choices.half else "32",
    )
    if choices.num_workers is not None:
        config.setdefault("data", {})["num_workers"] = choices.num_workers
    if choices.min_epoch_items is not None:
        if isinstance(choices.min_epoch_items, bool) or choices.min_epoch_items < 0:
            raise ConfigError(f"min_epoch_items {choices.min_epoch_items!r}: expected a whole number >= 0 "
                              "(0: never repeat the dataset)")
        config.setdefault("data", {})["min_items_per_epoch"] = choices.min_epoch_items
    config["pretrained_s1"] = choices.pretrained_s1
    if choices.sample_sovits:
        config["sample_sovits"] = choices.sample_sovits
    config["train_semantic_path"] = str(exp_dir / "6-name2semantic.tsv")
    config["train_phoneme_path"] = str(exp_dir / "2-name2text.txt")
    config["output_dir"] = str(exp_dir / f"logs_s1_{version}")
    return config


def s1_config_text(config: dict) -> str:
    """A built config as the UI writes `tmp_s1.yaml` (and `s1_train.py --write-config` does)."""
    return yaml.safe_dump(config, allow_unicode=True, sort_keys=False)


def base_num_workers(base: Mapping[str, Any]) -> int | None:
    """The base config's `data.num_workers` (None when absent), for `suggested_workers`."""
    data = base.get("data")
    value = data.get("num_workers") if isinstance(data, Mapping) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None
