"""The SoVITS trainer's settings, read once from the UI's `tmp_s2.json` (upstream keys + ours).

Upstream keys keep their meaning (DESIGN §6). Our additions: top-level `symbol_table` (default
`default_table_name()`), and in `train`: `max_steps` (stop early; benchmarks and tests),
`min_epoch_items` (upstream's repeat-small-datasets rule, default 100), `num_workers`
(DataLoader workers, default 2) and `spec_cache` (cache spectrograms next to the wavs, default true).
The model's own settings are parsed by `GPT_SoVITS.module.config.S2Config`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from GPT_SoVITS.errors import ConfigError

#: Keys of ours inside `train`; listed so a misspelling of one of them can be refused.
OUR_TRAIN_KEYS = ("max_steps", "min_epoch_items", "num_workers", "spec_cache")


def _get(section: Mapping, key: str, kind: type, default: Any, where: str) -> Any:
    value = section.get(key, default)
    if value is None and default is None:
        return None
    if kind is bool and isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if kind in (int, float) and isinstance(value, bool):
        raise ConfigError(f"{where}.{key}: expected a number, got {value!r}")
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}.{key}: expected {kind.__name__}, got {value!r}") from None


def _refuse_near_misses(train: Mapping) -> None:
    """A key that differs from one of ours only by case/underscores is a typo, not upstream's."""
    squashed = {k.replace("_", "").lower(): k for k in OUR_TRAIN_KEYS}
    for key in train:
        target = squashed.get(key.replace("_", "").lower())
        if target is not None and key != target:
            raise ConfigError(f"train.{key}: unknown key; did you mean train.{target}?")


@dataclass(frozen=True)
class TrainOptions:
    """Everything the training loop needs from the config, typed and checked."""

    exp_dir: Path
    s2_ckpt_dir: Path
    save_weight_dir: Path
    name: str
    version: str
    symbol_table: str
    pretrained_s2G: str
    pretrained_s2D: str
    epochs: int
    batch_size: int
    learning_rate: float
    betas: tuple[float, float]
    eps: float
    lr_decay: float
    seed: int
    segment_size: int
    c_mel: float
    c_kl: float
    text_low_lr_rate: float
    fp16_run: bool
    freeze_quantizer: bool
    if_save_latest: bool
    if_save_every_weights: bool
    save_every_epoch: int
    gpu_numbers: str
    log_interval: int
    max_steps: int | None
    min_epoch_items: int
    num_workers: int
    spec_cache: bool

    @property
    def state_dir(self) -> Path:
        """Where the resumable state lives: `<s2_ckpt_dir>/logs_s2_<version>` (upstream's folder)."""
        return self.s2_ckpt_dir / f"logs_s2_{self.version}"

    @classmethod
    def from_config(cls, config: Mapping) -> "TrainOptions":
        from GPT_SoVITS.text.symbols import default_table_name

        from GPT_SoVITS.module.config import S2Config

        train, data, model = config["train"], config.get("data", {}), config.get("model", {})
        _refuse_near_misses(train)
        S2Config.from_dict(config)  # refuses misspelt upstream keys before any work
        exp_dir = data.get("exp_dir") or config.get("exp_dir")
        if not exp_dir:
            raise ConfigError("data.exp_dir is not set: point it at the experiment folder (logs/<exp_name>)")
        name = str(config.get("name") or Path(exp_dir).name)
        version = str(model.get("version") or config.get("version") or "v2")
        betas = tuple(float(b) for b in train.get("betas", (0.8, 0.99)))
        if len(betas) != 2:
            raise ConfigError(f"train.betas: expected two numbers, got {train.get('betas')!r}")
        options = cls(
            exp_dir=Path(exp_dir),
            s2_ckpt_dir=Path(config.get("s2_ckpt_dir") or exp_dir),
            save_weight_dir=Path(config.get("save_weight_dir") or f"SoVITS_weights_{version}"),
            name=name,
            version=version,
            symbol_table=str(config.get("symbol_table") or default_table_name()),
            pretrained_s2G=str(train.get("pretrained_s2G") or ""),
            pretrained_s2D=str(train.get("pretrained_s2D") or ""),
            epochs=_get(train, "epochs", int, 8, "train"),
            batch_size=_get(train, "batch_size", int, 8, "train"),
            learning_rate=_get(train, "learning_rate", float, 1e-4, "train"),
            betas=betas,
            eps=_get(train, "eps", float, 1e-9, "train"),
            lr_decay=_get(train, "lr_decay", float, 0.999875, "train"),
            seed=_get(train, "seed", int, 1234, "train"),
            segment_size=_get(train, "segment_size", int, 20480, "train"),
            c_mel=_get(train, "c_mel", float, 45.0, "train"),
            c_kl=_get(train, "c_kl", float, 1.0, "train"),
            text_low_lr_rate=_get(train, "text_low_lr_rate", float, 0.4, "train"),
            fp16_run=_get(train, "fp16_run", bool, True, "train"),
            freeze_quantizer=_get(model, "freeze_quantizer", bool, True, "model"),
            if_save_latest=_get(train, "if_save_latest", bool, True, "train"),
            if_save_every_weights=_get(train, "if_save_every_weights", bool, True, "train"),
            save_every_epoch=_get(train, "save_every_epoch", int, 4, "train"),
            gpu_numbers=str(train.get("gpu_numbers", "0")),
            log_interval=_get(train, "log_interval", int, 100, "train"),
            max_steps=_get(train, "max_steps", int, None, "train"),
            min_epoch_items=_get(train, "min_epoch_items", int, 100, "train"),
            num_workers=_get(train, "num_workers", int, 2, "train"),
            spec_cache=_get(train, "spec_cache", bool, True, "train"),
        )
        options.check()
        return options

    def check(self) -> None:
        """Refuse values that would only fail later, mid-training."""
        positive = {"train.epochs": self.epochs, "train.batch_size": self.batch_size,
                    "train.save_every_epoch": self.save_every_epoch, "train.log_interval": self.log_interval}
        for key, value in positive.items():
            if value < 1:
                raise ConfigError(f"{key}: must be at least 1, got {value}")
        if self.learning_rate <= 0 or self.text_low_lr_rate < 0:
            raise ConfigError("train.learning_rate must be > 0 and train.text_low_lr_rate >= 0")
        if self.max_steps is not None and self.max_steps < 1:
            raise ConfigError(f"train.max_steps: must be at least 1 or null, got {self.max_steps}")
        if self.num_workers < 0:
            raise ConfigError(f"train.num_workers: must be >= 0, got {self.num_workers}")
        if not self.exp_dir.is_dir():
            raise ConfigError(f"data.exp_dir {self.exp_dir}: not a folder; run the dataset preparation first")

    def gpu_list(self) -> list[str]:
        """Upstream's `gpu_numbers` ("0-1") as device ids (["0", "1"])."""
        return [part for part in self.gpu_numbers.replace(",", "-").split("-") if part.strip()]
