"""Reading the upstream-format config files: the s2 JSON (`configs/s2.json`, `tmp_s2.json`)
and the s1 YAML (`configs/s1longer-v2.yaml`, `tmp_s1.yaml`).

One reader per format, so every consumer (model, trainers, UI) gives the same one-line
`ConfigError` naming the file; interpreting the keys is each consumer's job.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from GPT_SoVITS.errors import ConfigError


def read_s2_config(path: str | Path) -> dict:
    """An s2 JSON config as a dict; it must have a `train` section like configs/s2.json."""
    path = Path(path)
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: SoVITS config not found; use configs/s2.json or the UI's TEMP/tmp_s2.json") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the SoVITS config ({error})") from None
    except json.JSONDecodeError as error:
        raise ConfigError(f"{path}:{error.lineno}: not valid JSON ({error.msg})") from None
    if not isinstance(config, dict) or not isinstance(config.get("train"), dict):
        raise ConfigError(f"{path}: not an s2 config: expected a 'train' section as in configs/s2.json")
    return config


def read_s1_config(path: str | Path) -> dict:
    """An s1 YAML config as a dict (a mapping at the top level, like configs/s1longer-v2.yaml)."""
    path = Path(path)
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: GPT config not found; use configs/s1longer-v2.yaml or the UI's TEMP/tmp_s1.yaml") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the GPT config ({error})") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(config, dict):
        raise ConfigError(f"{path}: not an s1 config: expected a mapping at the top level as in configs/s1longer-v2.yaml")
    return config
