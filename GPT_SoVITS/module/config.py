"""`configs/s2.json` parsed into dataclasses at the edge, and written back with the same keys.

Upstream's JSON keys stay the source of truth: `S2Config.from_dict(d).to_dict()` gives `d`
back (unknown keys such as `s2_ckpt_dir`, `save_weight_dir`, `name` or upstream additions are
kept in `extra`), while a key that looks like a misspelling of a known one is refused.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from GPT_SoVITS.errors import ConfigError

logger = logging.getLogger(__name__)

_OPTIONAL = {"optional": True}  # field metadata: omitted from to_dict() while None


def _opt(default: Any = None) -> Any:
    return field(default=default, metadata=_OPTIONAL)


@dataclass
class TrainConfig:
    """The `train` section (plus the keys the web UI adds before training)."""

    log_interval: int = 100
    eval_interval: int = 500
    seed: int = 1234
    epochs: int = 100
    learning_rate: float = 1e-4
    betas: list = field(default_factory=lambda: [0.8, 0.99])
    eps: float = 1e-9
    batch_size: int = 32
    fp16_run: bool = True
    lr_decay: float = 0.999875
    segment_size: int = 20480
    init_lr_ratio: float = 1
    warmup_epochs: int = 0
    c_mel: float = 45
    c_kl: float = 1.0
    text_low_lr_rate: float = 0.4
    grad_ckpt: bool = False
    pretrained_s2G: str | None = _opt()
    pretrained_s2D: str | None = _opt()
    if_save_latest: bool | None = _opt()
    if_save_every_weights: bool | None = _opt()
    save_every_epoch: int | None = _opt()
    gpu_numbers: str | None = _opt()
    lora_rank: Any = _opt()
    extra: dict = field(default_factory=dict)


@dataclass
class DataConfig:
    """The `data` section: audio framing shared by the loader, the model and the losses."""

    max_wav_value: float = 32768.0
    sampling_rate: int = 32000
    filter_length: int = 2048
    hop_length: int = 640
    win_length: int = 2048
    n_mel_channels: int = 128
    mel_fmin: float = 0.0
    mel_fmax: float | None = None
    add_blank: bool = True
    n_speakers: int = 300
    cleaned_text: bool = True
    exp_dir: str | None = _opt()
    extra: dict = field(default_factory=dict)


@dataclass
class ModelConfig:
    """The `model` section: keyword arguments of `SynthesizerTrn` (plus `version`)."""

    inter_channels: int = 192
    hidden_channels: int = 192
    filter_channels: int = 768
    n_heads: int = 2
    n_layers: int = 6
    kernel_size: int = 3
    p_dropout: float = 0.1
    resblock: str = "1"
    resblock_kernel_sizes: list = field(default_factory=lambda: [3, 7, 11])
    resblock_dilation_sizes: list = field(default_factory=lambda: [[1, 3, 5], [1, 3, 5], [1, 3, 5]])
    upsample_rates: list = field(default_factory=lambda: [10, 8, 2, 2, 2])
    upsample_initial_channel: int = 512
    upsample_kernel_sizes: list = field(default_factory=lambda: [16, 16, 8, 2, 2])
    n_layers_q: int = 3
    use_spectral_norm: bool = False
    gin_channels: int = 512
    semantic_frame_rate: str = "25hz"
    freeze_quantizer: bool = True
    version: str | None = _opt()
    extra: dict = field(default_factory=dict)

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `SynthesizerTrn(spec_channels, segment_size, **kwargs)`."""
        values = _section_to_dict(self)
        values.setdefault("version", "v2")
        return values


def _as_mapping(value: Any, where: str) -> dict:
    """Accept a dict, or an object exposing its keys as attributes (upstream's HParams)."""
    if isinstance(value, Mapping):
        return dict(value)
    if hasattr(value, "__dict__"):
        return {k: v for k, v in vars(value).items() if not k.startswith("_")}
    raise ConfigError(f"{where}: expected a JSON object, got {type(value).__name__}")


def _section_from_dict(cls: type, values: Any, where: str):
    values = _as_mapping(values, where)
    names = [f.name for f in dataclasses.fields(cls) if f.name != "extra"]
    known, extra = {}, {}
    for key, value in values.items():
        if key in names:
            known[key] = value
            continue
        close = difflib.get_close_matches(key, names, n=1, cutoff=0.85)
        if close:
            raise ConfigError(f"{where}: unknown key {key!r}; did you mean {close[0]!r}?")
        extra[key] = value
    if extra:
        logger.debug("%s: keeping keys we do not use: %s", where, ", ".join(extra))
    return cls(**known, extra=extra)


def _section_to_dict(section) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(section):
        if f.name == "extra":
            continue
        value = getattr(section, f.name)
        if f.metadata.get("optional") and value is None:
            continue
        out[f.name] = value
    out.update(section.extra)
    return out


_SECTIONS = {"train": TrainConfig, "data": DataConfig, "model": ModelConfig}


@dataclass
class S2Config:
    """The whole SoVITS config; top-level keys other than the three sections live in `extra`."""

    train: TrainConfig = field(default_factory=TrainConfig)
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, values: Any, *, source: str = "s2 config") -> "S2Config":
        values = _as_mapping(values, source)
        sections = {name: _section_from_dict(kind, values.get(name, {}), f"{source}: {name}")
                    for name, kind in _SECTIONS.items()}
        extra = {k: v for k, v in values.items() if k not in _SECTIONS}
        return cls(**sections, extra=extra)

    @classmethod
    def from_file(cls, path: str | Path) -> "S2Config":
        from GPT_SoVITS.config_files import read_s2_config

        return cls.from_dict(read_s2_config(path), source=str(path))

    def to_dict(self) -> dict[str, Any]:
        out = {name: _section_to_dict(getattr(self, name)) for name in _SECTIONS}
        out.update(self.extra)
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def get(self, key: str, default: Any = None) -> Any:
        """A top-level key outside the sections (`s2_ckpt_dir`, `name`, `save_weight_dir`, ...)."""
        return self.extra.get(key, default)

    @property
    def spec_channels(self) -> int:
        return self.data.filter_length // 2 + 1

    @property
    def segment_frames(self) -> int:
        return self.train.segment_size // self.data.hop_length
