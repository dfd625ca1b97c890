"""The GPT trainer's settings, parsed once from the UI's `tmp_s1.yaml` into frozen dataclasses.

Upstream's keys stay the source of truth and round-trip untouched in `raw` (it becomes the
exported checkpoint's `config`). Upstream keys we do not use (`if_dpo`, the ScaledAdam
`optimizer` section, ...) are accepted and named in the log; our own section `adamw` and our
top-level keys are checked strictly, so a misspelling stops the run before any work.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping


from GPT_SoVITS.AR.data.dataset import DataLimits
from GPT_SoVITS.config_files import read_s1_config
from GPT_SoVITS.errors import ConfigError
from GPT_SoVITS.text.symbols import default_table_name

logger = logging.getLogger(__name__)

_KNOWN = {
    "": {"train", "optimizer", "data", "model", "inference", "adamw", "pretrained_s1", "train_semantic_path",
         "train_phoneme_path", "output_dir", "symbol_table", "init_policy"},
    "train": {"seed", "epochs", "batch_size", "save_every_n_epoch", "precision", "gradient_clip", "if_save_latest",
              "if_save_every_weights", "half_weights_save_dir", "exp_name", "if_dpo"},
    "data": {"max_eval_sample", "max_sec", "num_workers", "pad_val", "min_items_per_epoch"},
}
_ADAMW_KEYS = {"lr", "betas", "weight_decay", "eps", "warmup_steps", "warmup_ratio", "final_lr_ratio"}
PRECISIONS = ("16-mixed", "bf16-mixed", "32")


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
        section = dict(section or {})
        unknown = sorted(set(section) - _ADAMW_KEYS)
        if unknown:
            raise ConfigError(f"s1 config: unknown key(s) {unknown} in section adamw; known: {sorted(_ADAMW_KEYS)}")
        if "betas" in section:
            section["betas"] = tuple(float(b) for b in section["betas"])
        settings = cls(**section)
        if settings.lr <= 0 or not 0 <= settings.final_lr_ratio <= 1:
            raise ConfigError("s1 config: adamw.lr must be > 0 and adamw.final_lr_ratio in [0, 1]")
        return settings


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

    @property
    def state_path(self) -> Path:
        """The resumable training state (model, optimiser, scheduler, epoch, step)."""
        return self.output_dir / "ckpt" / "last.pt"

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], source: str = "<config>") -> "S1TrainConfig":
        _warn_unknown(raw, source)
        train, data = _section(raw, "train", source), _section(raw, "data", source)
        precision = str(train.get("precision", "16-mixed"))
        if precision not in PRECISIONS:
            raise ConfigError(f"{source}: train.precision {precision!r} is not one of {PRECISIONS}")
        pretrained = str(raw.get("pretrained_s1") or "").strip()
        return cls(
            raw=dict(raw),
            seed=int(train.get("seed", 1234)),
            epochs=_positive(train, "epochs", 15, source),
            batch_size=_positive(train, "batch_size", 8, source),
            save_every_n_epoch=_positive(train, "save_every_n_epoch", 5, source),
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
            num_workers=int(data.get("num_workers", 0)),
            min_items_per_epoch=int(data.get("min_items_per_epoch", 100)),
            limits=DataLimits(max_sec=float(data.get("max_sec", 54))),
            adamw=AdamWSettings.from_dict(raw.get("adamw")),
        )


def load_config(path: str | Path) -> S1TrainConfig:
    """Read and check a `tmp_s1.yaml`; ConfigError names the file and the key."""
    return S1TrainConfig.from_dict(read_s1_config(path), str(path))


def _section(raw: Mapping[str, Any], name: str, source: str) -> Mapping[str, Any]:
    value = raw.get(name) or {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{source}: `{name}` must be a mapping")
    return value


def _positive(section: Mapping[str, Any], key: str, default: int, source: str) -> int:
    value = int(section.get(key, default))
    if value < 1:
        raise ConfigError(f"{source}: train.{key} must be at least 1, got {value}")
    return value


def _required_path(raw: Mapping[str, Any], key: str, source: str) -> Path:
    value = str(raw.get(key) or "").strip()
    if not value:
        raise ConfigError(f"{source}: `{key}` is required (the web UI sets it from the experiment folder)")
    return Path(value)


def _warn_unknown(raw: Mapping[str, Any], source: str) -> None:
    """Log keys we do not read (upstream variants add some); they are kept in `raw`."""
    for section, known in _KNOWN.items():
        values = raw if section == "" else (raw.get(section) or {})
        if not isinstance(values, Mapping):
            continue
        unknown = [f"{section}.{key}" if section else str(key) for key in sorted(set(values) - known, key=str)]
        if unknown:
            logger.info("%s: keys not used by this trainer (kept in the exported config): %s", source, ", ".join(unknown))
    if raw.get("optimizer"):
        logger.info("%s: upstream's ScaledAdam `optimizer` section is not used; the `adamw` section configures "
                    "the optimiser (see docs/training.md)", source)
    if (raw.get("train") or {}).get("if_dpo"):
        logger.warning("%s: train.if_dpo is not supported; training without the DPO term", source)
