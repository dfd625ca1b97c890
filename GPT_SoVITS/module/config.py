"""The SoVITS (s2) config (`configs/s2.json`, the UI's `tmp_s2.json`) parsed once into dataclasses.

Upstream's keys are the source of truth and upstream's values in configs/s2.json are the defaults;
keys the UI adds and our own keys are optional (written back only when given or changed).
Read by the one config reader (`config_files.read_config`): `S2Config.from_dict(d).to_dict()`
gives `d` back, an unknown key gets the shared warning and is kept. Whether a config is ready to train is checked by
the trainer (`GPT_SoVITS.s2.options.check_trainable`), not here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from GPT_SoVITS.config_files import (config_to_dict, given_keys, kept_extra, optional as _opt, read_config,
                                     trainer_only as _ours)
from GPT_SoVITS.errors import ConfigError
from GPT_SoVITS.versions import DEFAULT_VERSION, get_version


@dataclass
class TrainConfig:
    """The `train` section: upstream's keys, the keys the UI adds, and ours."""

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
    # Set by the UI's SoVITS button (upstream's 1Ba) before training; defaults are the UI's.
    pretrained_s2G: str = _opt("")
    pretrained_s2D: str = _opt("")
    if_save_latest: bool = _opt(True)
    if_save_every_weights: bool = _opt(True)
    save_every_epoch: int = _opt(4)
    gpu_numbers: str = _opt("0")
    lora_rank: Any = _opt()
    # Ours (docs/training.md): stop early, repeat small data sets, loader workers, spectrogram cache,
    # the autocast dtype of fp16_run ("float16" with a grad scaler, or "bfloat16").
    max_steps: int | None = _ours()
    min_epoch_items: int = _ours(100)
    num_workers: int = _ours(2)
    spec_cache: bool = _ours(True)
    amp_dtype: str = _ours("float16")
    extra: dict = kept_extra()
    given: frozenset = given_keys()


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
    extra: dict = kept_extra()
    given: frozenset = given_keys()


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
    extra: dict = kept_extra()
    given: frozenset = given_keys()

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `SynthesizerTrn(spec_channels, segment_size, **kwargs)`."""
        values = config_to_dict(self)
        values.setdefault("version", DEFAULT_VERSION)
        return values


@dataclass
class S2Config:
    """The whole SoVITS config: the three sections plus the top-level keys the UI adds and ours."""

    train: TrainConfig = field(default_factory=TrainConfig)
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    s2_ckpt_dir: str | None = _opt()  # resume state folder (default: data.exp_dir)
    save_weight_dir: str | None = _opt()  # exports (default: SoVITS_weights_<version>)
    name: str | None = _opt()  # export name prefix (default: the experiment folder's name)
    version: str | None = _opt()
    content_module: str | None = _opt()
    symbol_table: str | None = _ours()  # default: text.symbols.default_table_name()
    extra: dict = kept_extra()
    given: frozenset = given_keys()

    @classmethod
    def from_dict(cls, values: Any, *, source: str = "s2 config") -> "S2Config":
        return read_config(cls, values, source)

    @classmethod
    def from_file(cls, path: str | Path) -> "S2Config":
        from GPT_SoVITS.config_files import read_s2_config

        return cls.from_dict(read_s2_config(path), source=str(path))

    def to_dict(self) -> dict[str, Any]:
        """The whole config under upstream's keys (what `from_dict` read, plus any changes)."""
        return config_to_dict(self)

    def export_dict(self) -> dict[str, Any]:
        """The config stored in exported weights: our trainer-only keys left out, `model.version` set."""
        out = config_to_dict(self, exported=True)
        out["model"].setdefault("version", self.model_version)
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def get(self, key: str, default: Any = None) -> Any:
        """A top-level key outside the sections (`s2_ckpt_dir`, `name`, or one kept as unknown)."""
        top_level = {f.name for f in fields(self) if f.metadata.get("optional")}
        value = getattr(self, key) if key in top_level else self.extra.get(key)
        return default if value is None else value

    # --- values derived from the keys (one rule each) --------------------------------------------

    @property
    def spec_channels(self) -> int:
        return self.data.filter_length // 2 + 1

    @property
    def segment_frames(self) -> int:
        return self.train.segment_size // self.data.hop_length

    @property
    def model_version(self) -> str:
        """`model.version`, else the top-level `version` (both set by the UI), else the default version."""
        return str(self.model.version or self.version or DEFAULT_VERSION)

    @property
    def exp_dir(self) -> Path:
        """The prepared experiment folder (`data.exp_dir`, `logs/<exp_name>`)."""
        if not self.data.exp_dir:
            raise ConfigError("data.exp_dir is not set: point it at the experiment folder (logs/<exp_name>)")
        return Path(self.data.exp_dir)

    @property
    def ckpt_dir(self) -> Path:
        return Path(self.s2_ckpt_dir) if self.s2_ckpt_dir else self.exp_dir

    @property
    def state_dir(self) -> Path:
        """Where the resumable state lives: `<s2_ckpt_dir>/logs_s2_<version>` (upstream's folder)."""
        return self.ckpt_dir / get_version(self.model_version).sovits_logs_dir

    @property
    def weight_dir(self) -> Path:
        return Path(self.save_weight_dir or get_version(self.model_version).sovits_weights_dir)

    @property
    def run_name(self) -> str:
        return str(self.name or self.exp_dir.name)

    def gpu_ids(self) -> list[str]:
        """`train.gpu_numbers` ("0-1") as device ids (["0", "1"])."""
        from GPT_SoVITS.config_files import parse_gpu_numbers

        return parse_gpu_numbers(self.train.gpu_numbers)

    @property
    def table_name(self) -> str:
        from GPT_SoVITS.text.symbols import default_table_name

        return str(self.symbol_table or default_table_name())

