"""The GPT trainer's config (`configs/s1longer-v2.yaml`, the UI's `tmp_s1.yaml`): built from the
user's choices, parsed once into a frozen dataclass, and described correctly in exports.

Upstream's keys stay the source of truth and round-trip untouched in `raw` (it becomes the
exported checkpoint's `config`, with `model.phoneme_vocab_size` set to the real row count).
The file is read by the one config reader (`config_files.read_config`) into typed sections
(`S1File`): upstream keys we do not use (`if_dpo`, the ScaledAdam `optimizer` section, ...) are
accepted, a key nobody knows gets the shared warning and is kept, a bad value is a ConfigError
naming the file and the key, and booleans are strict ("False" is false).
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import yaml

from GPT_SoVITS.AR.data.dataset import DataLimits
from GPT_SoVITS.config_files import (accepted_section, given_keys, kept_extra, optional, read_config, read_s1_config,
                                     trainer_only)
from GPT_SoVITS.errors import ConfigError
from GPT_SoVITS.text.symbols import SymbolTable, default_table_name
from GPT_SoVITS.versions import DEFAULT_VERSION, get_version

logger = logging.getLogger(__name__)

PRECISIONS = ("16-mixed", "bf16-mixed", "32")
#: Upstream's yaml asks for 4 loader workers; more rarely helps the small GPT batches.
MAX_SUGGESTED_WORKERS = 4


# --- the file's typed sections (read by the one config reader, `config_files.read_config`) ------


@dataclass(frozen=True)
class S1Train:
    """`train`: upstream's keys (defaults: configs/s1longer-v2.yaml, the UI's for the keys it adds)."""

    seed: int = 1234
    epochs: int = 20
    batch_size: int = 8
    save_every_n_epoch: int = 1
    precision: str = "16-mixed"
    gradient_clip: float = 1.0
    gradient_accumulation: Any = optional()
    if_save_latest: bool = optional(True)
    if_save_every_weights: bool = optional(True)
    half_weights_save_dir: str = optional(get_version(DEFAULT_VERSION).gpt_weights_dir)
    exp_name: str = optional("gpt")
    if_dpo: bool = optional(False)
    extra: dict = kept_extra()
    given: frozenset = given_keys()


@dataclass(frozen=True)
class S1Data:
    """`data`: upstream's keys and ours (`min_items_per_epoch`); `num_workers` None: the machine's."""

    max_eval_sample: Any = None
    max_sec: float = 54
    num_workers: int | None = None
    pad_val: Any = None
    min_items_per_epoch: int = trainer_only(100)
    extra: dict = kept_extra()
    given: frozenset = given_keys()


# `model` is read by `build_text2semantic` (which checks its values); upstream's ScaledAdam `optimizer`
# and its `inference` default are accepted and not used (`adamw` configures our optimiser).
S1Model = accepted_section("S1Model", ("vocab_size", "phoneme_vocab_size", "embedding_dim", "hidden_dim", "head",
                                       "linear_units", "n_layer", "dropout", "EOS", "random_bert", "layer_dropout"))
S1Optimizer = accepted_section("S1Optimizer", ("lr", "lr_init", "lr_end", "warmup_steps", "decay_steps"))
S1Inference = accepted_section("S1Inference", ("top_k",))


@dataclass(frozen=True)
class AdamWSettings:
    """Our optimiser (section `adamw`): AdamW, linear warm-up to `lr`, cosine decay to `lr*final_lr_ratio`.

    `warmup_steps` 0 means `warmup_ratio` of all steps (at least 1).
    """

    lr: float = 1e-4
    betas: tuple = (0.9, 0.95)
    weight_decay: float = 0.01
    eps: float = 1e-8
    warmup_steps: int = 0
    warmup_ratio: float = 0.05
    final_lr_ratio: float = 0.1
    extra: dict = kept_extra()
    given: frozenset = given_keys()


@dataclass(frozen=True)
class S1File:
    """The whole s1 file: its sections and the top-level keys the UI adds and ours."""

    train: S1Train = field(default_factory=S1Train)
    optimizer: S1Optimizer = field(default_factory=S1Optimizer)
    data: S1Data = field(default_factory=S1Data)
    model: S1Model = field(default_factory=S1Model)
    inference: S1Inference = field(default_factory=S1Inference)
    adamw: AdamWSettings = field(default_factory=AdamWSettings)
    pretrained_s1: str | None = optional("")  # "" or null: train from scratch
    train_semantic_path: str = optional("")
    train_phoneme_path: str = optional("")
    output_dir: str = optional("")
    symbol_table: str | None = trainer_only()  # default: text.symbols.default_table_name()
    init_policy: str = trainer_only("similar")
    sample_sovits: str | None = trainer_only("")
    extra: dict = kept_extra()
    given: frozenset = given_keys()


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


def _loader_workers(data: S1Data, source: str) -> int:
    """`data.num_workers`, or the machine's suggestion when absent; capped at the CPUs (torch warns above)."""
    workers = data.num_workers
    if workers is None:
        return suggested_workers()
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
        """Read `raw` with the one config reader (typed sections, ConfigError naming the key), then
        check what only fails later: precision, counts, required paths, the optimiser's values."""
        file: S1File = read_config(S1File, raw, source)
        train, data, adamw = file.train, file.data, file.adamw
        _log_unused(file, source)
        if train.precision not in PRECISIONS:
            raise ConfigError(f"{source}: train.precision {train.precision!r} is not one of {PRECISIONS}")
        for key in ("epochs", "batch_size", "save_every_n_epoch"):
            if getattr(train, key) < 1:
                raise ConfigError(f"{source}: train.{key} must be at least 1, got {getattr(train, key)}")
        if adamw.lr <= 0 or not 0 <= adamw.final_lr_ratio <= 1 or len(adamw.betas) != 2:
            raise ConfigError(f"{source}: adamw.lr must be > 0, adamw.final_lr_ratio in [0, 1] and adamw.betas two numbers")
        pretrained, sample_sovits = (file.pretrained_s1 or "").strip(), (file.sample_sovits or "").strip()
        return cls(
            raw=dict(raw), seed=train.seed, epochs=train.epochs, batch_size=train.batch_size,
            save_every_n_epoch=train.save_every_n_epoch, precision=train.precision, gradient_clip=train.gradient_clip,
            if_save_latest=train.if_save_latest, if_save_every_weights=train.if_save_every_weights,
            half_weights_save_dir=Path(train.half_weights_save_dir), exp_name=train.exp_name,
            pretrained_s1=Path(pretrained) if pretrained else None,
            train_semantic_path=_required_path(file, "train_semantic_path", source),
            train_phoneme_path=_required_path(file, "train_phoneme_path", source),
            output_dir=_required_path(file, "output_dir", source),
            symbol_table=file.symbol_table or default_table_name(), init_policy=file.init_policy,
            num_workers=_loader_workers(data, source), min_items_per_epoch=data.min_items_per_epoch,
            limits=DataLimits(max_sec=float(data.max_sec)),
            adamw=dataclasses.replace(adamw, betas=tuple(float(b) for b in adamw.betas)),
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


def _required_path(file: S1File, key: str, source: str) -> Path:
    value = getattr(file, key).strip()
    if not value:
        raise ConfigError(f"{source}: `{key}` is required (the web UI sets it from the experiment folder)")
    return Path(value)


def _log_unused(file: S1File, source: str) -> None:
    """Name once what of upstream's file is accepted but not used."""
    if file.optimizer.given:
        logger.info("%s: upstream's ScaledAdam `optimizer` section is not used; the `adamw` section configures "
                    "the optimiser (see docs/training.md)", source)
    if file.train.if_dpo:
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
                    version: str = DEFAULT_VERSION) -> dict:
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
    config["output_dir"] = str(exp_dir / get_version(version).gpt_logs_dir)
    return config


def s1_config_text(config: dict) -> str:
    """A built config as the UI writes `tmp_s1.yaml` (and `s1_train.py --write-config` does)."""
    return yaml.safe_dump(config, allow_unicode=True, sort_keys=False)


def base_num_workers(base: Mapping[str, Any]) -> int | None:
    """The base config's `data.num_workers` (None when absent), for `suggested_workers`."""
    data = base.get("data")
    value = data.get("num_workers") if isinstance(data, Mapping) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None
