"""The server's config: upstream's tts_infer.yaml (`custom:` weights, per-version sections, the
misspelt `cnhuhbert_base_path`) plus this project's optional `voices:` and `server:` sections.

Upstream reads only `custom:`; so does this. The per-version sections are kept for upstream's
tools and otherwise ignored. Keys of `voices:` and `server:` are ours, so a misspelt one is an
error naming the key it probably misspells; an unknown key of `custom:` is a warning (upstream
variants add keys). Relative paths are relative to the folder the server starts in (the
repository root, as upstream). Nothing is loaded or checked on disk here but the YAML itself.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

from GPT_SoVITS.config_files import closest_key, read_yaml_mapping, warn_unknown_keys
from GPT_SoVITS.errors import ConfigError
from GPT_SoVITS.server.requests import SAMPLING_FIELDS, RequestError, TTSRequest, parse_request
from GPT_SoVITS.versions import VERSIONS

logger = logging.getLogger(__name__)

CUSTOM_KEYS = ("bert_base_path", "cnhuhbert_base_path", "device", "is_half", "t2s_weights_path", "version",
               "vits_weights_path", "sv_path", "cpu_precision")
VOICE_KEYS = ("ref_audio_path", "prompt_text", "prompt_lang", "aux_ref_audio_paths", "t2s_weights_path",
              "vits_weights_path", *SAMPLING_FIELDS)
API_KEY_ENV = "GSV_API_KEY"


def default_allowed_folders(root: Path) -> tuple[Path, ...]:
    """The project's weights folders (pretrained and exported, every version), logs/, output/, references/."""
    exported = [root / name for version in VERSIONS.values()
                for name in (version.gpt_weights_dir, version.sovits_weights_dir)]
    return (root / "references", root / "GPT_SoVITS" / "pretrained_models", *exported, root / "logs", root / "output")


@dataclass(frozen=True)
class WeightsConfig:
    """The `custom:` section: the default weights pair and the shared models."""

    t2s_weights_path: Path
    vits_weights_path: Path
    cnhuhbert_base_path: Path
    device: str = "cpu"
    is_half: bool = False
    version: str = "v2"
    sv_path: Path | None = None  # speaker encoder of the Pro versions (default: its pretrained place)
    cpu_precision: str = "fp32"


@dataclass(frozen=True)
class Voice:
    """A named voice (`voices:` entry): reference, transcript, weights and preset parameters."""

    name: str
    ref_audio_path: Path
    prompt_text: str
    prompt_lang: str
    aux_ref_audio_paths: tuple[Path, ...] = ()
    t2s_weights_path: Path | None = None  # None: the default pair
    vits_weights_path: Path | None = None
    defaults: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ServerSettings:
    """The `server:` section: what clients may name, how much runs at once, limits, the API key."""

    allowed_folders: tuple[Path, ...]
    pool_size: int = 2  # weight pairs kept loaded
    workers: int = 2  # syntheses running at once (different pairs run in parallel)
    queue_size: int = 8  # requests waiting beyond those; more get 503 + Retry-After
    retry_after_seconds: int = 5
    max_text_chars: int = 10_000
    max_body_bytes: int = 1 << 20
    max_aux_refs: int = 8
    api_key: str | None = None

    def __post_init__(self) -> None:
        for name in ("pool_size", "workers", "retry_after_seconds", "max_text_chars", "max_body_bytes"):
            if getattr(self, name) < 1:
                raise ConfigError(f"server.{name} must be >= 1, got {getattr(self, name)}")
        for name in ("queue_size", "max_aux_refs"):
            if getattr(self, name) < 0:
                raise ConfigError(f"server.{name} must be >= 0, got {getattr(self, name)}")


@dataclass(frozen=True)
class ServerConfig:
    path: Path
    root: Path  # relative paths (config and clients) are relative to this folder
    weights: WeightsConfig
    voices: Mapping[str, Voice]
    server: ServerSettings


def _section(config: Mapping, name: str, path: Path, required: bool = False) -> Mapping:
    value = config.get(name)
    if value is None and not required:
        return {}
    if not isinstance(value, Mapping):
        what = "is missing" if value is None else f"must be a mapping, got {type(value).__name__}"
        raise ConfigError(f"{path}: section {name!r} {what} (see GPT_SoVITS/configs/tts_infer.yaml)")
    return value


def _reject_unknown(values: Mapping, known: tuple[str, ...], where: str) -> None:
    for key in values:
        if key not in known:
            hint = closest_key(str(key), known)
            raise ConfigError(f"{where}: unknown key {key!r}" + (f"; did you mean {hint!r}?" if hint else
                              f"; known keys: {', '.join(known)}"))


def _path(root: Path, value: Any, where: str) -> Path:
    if not isinstance(value, (str, os.PathLike)) or not str(value).strip():
        raise ConfigError(f"{where}: expected a path, got {value!r}")
    path = Path(value).expanduser()
    return path if path.is_absolute() else root / path


def _weights(custom: Mapping, path: Path, root: Path) -> WeightsConfig:
    warn_unknown_keys(custom, CUSTOM_KEYS, str(path), "custom")
    for key in ("t2s_weights_path", "vits_weights_path", "cnhuhbert_base_path"):
        if not custom.get(key):
            raise ConfigError(f"{path}: custom.{key} is missing (see GPT_SoVITS/configs/tts_infer.yaml)")
    return WeightsConfig(
        t2s_weights_path=_path(root, custom["t2s_weights_path"], f"{path}: custom.t2s_weights_path"),
        vits_weights_path=_path(root, custom["vits_weights_path"], f"{path}: custom.vits_weights_path"),
        cnhuhbert_base_path=_path(root, custom["cnhuhbert_base_path"], f"{path}: custom.cnhuhbert_base_path"),
        device=str(custom.get("device") or "cpu"),
        is_half=bool(custom.get("is_half", False)),
        version=str(custom.get("version") or "v2"),
        sv_path=_path(root, custom["sv_path"], f"{path}: custom.sv_path") if custom.get("sv_path") else None,
        cpu_precision=str(custom.get("cpu_precision") or "fp32"),
    )


def _voice(name: str, values: Any, path: Path, root: Path) -> Voice:
    where = f"{path}: voices.{name}"
    if not isinstance(values, Mapping):
        raise ConfigError(f"{where}: expected a mapping with ref_audio_path, prompt_text, prompt_lang")
    _reject_unknown(values, VOICE_KEYS, where)
    for key in ("ref_audio_path", "prompt_text", "prompt_lang"):
        if not values.get(key):
            raise ConfigError(f"{where}.{key} is missing")
    defaults = {key: values[key] for key in SAMPLING_FIELDS if key in values}
    try:
        parse_request(TTSRequest, defaults, where=where)  # the same types a request must have
    except RequestError as error:
        raise ConfigError(str(error)) from None
    aux = values.get("aux_ref_audio_paths") or []
    if not isinstance(aux, list):
        raise ConfigError(f"{where}.aux_ref_audio_paths: expected a list of paths")
    weights = {key: _path(root, values[key], f"{where}.{key}") if values.get(key) else None
               for key in ("t2s_weights_path", "vits_weights_path")}
    return Voice(name, _path(root, values["ref_audio_path"], f"{where}.ref_audio_path"), str(values["prompt_text"]),
                 str(values["prompt_lang"]), tuple(_path(root, p, f"{where}.aux_ref_audio_paths") for p in aux),
                 defaults=defaults, **weights)


def _server(values: Mapping, path: Path, root: Path) -> ServerSettings:
    known = tuple(ServerSettings.__dataclass_fields__)
    _reject_unknown(values, known, f"{path}: server")
    settings = {key: values[key] for key in known if key in values and values[key] is not None}
    folders = settings.pop("allowed_folders", None)
    if folders is not None and (not isinstance(folders, list) or not folders):
        raise ConfigError(f"{path}: server.allowed_folders must be a non-empty list of folders")
    allowed = tuple(_path(root, f, f"{path}: server.allowed_folders") for f in folders) if folders else \
        default_allowed_folders(root)
    for key, value in settings.items():
        wanted = str if key == "api_key" else int
        if not isinstance(value, wanted) or isinstance(value, bool):
            raise ConfigError(f"{path}: server.{key} must be {'a string' if wanted is str else 'an integer'}, "
                              f"got {value!r}")
    api_key = os.environ.get(API_KEY_ENV) or settings.pop("api_key", None) or None
    settings.pop("api_key", None)
    return ServerSettings(allowed_folders=allowed, api_key=api_key, **settings)


def read_server_config(path: str | os.PathLike, root: str | os.PathLike | None = None) -> ServerConfig:
    """The config at `path`; `root` (default: the working folder) anchors relative paths."""
    path = Path(path)
    root = Path(root or Path.cwd()).resolve()
    config = read_yaml_mapping(path, "server config", "GPT_SoVITS/configs/tts_infer.yaml (with a 'custom' section)")
    weights = _weights(_section(config, "custom", path, required=True), path, root)
    voices = {str(name): _voice(str(name), values, path, root)
              for name, values in _section(config, "voices", path).items()}
    return ServerConfig(path, root, weights, voices, _server(_section(config, "server", path), path, root))
