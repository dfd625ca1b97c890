"""Reading the upstream-format config files: the s2 JSON (`configs/s2.json`, `tmp_s2.json`)
and the s1 YAML (`configs/s1longer-v2.yaml`, `tmp_s1.yaml`), and the one unknown-key policy.

One reader per format, so every consumer (model, trainers, UI) gives the same one-line
`ConfigError` naming the file. Interpreting the keys is each consumer's job; a key none of
them knows gets the same warning from both trainers (`warn_unknown_keys`).
"""

from __future__ import annotations

import difflib
import json
import logging
import re
from pathlib import Path
from typing import Iterable, Mapping

import yaml

from GPT_SoVITS.errors import ConfigError

logger = logging.getLogger(__name__)

_GPU_ENTRY = re.compile(r"\d+")


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


def closest_key(key: str, known: Iterable[str]) -> str | None:
    """The known key `key` most likely misspells (difflib, ignoring case and `-`/`_`), or None."""
    by_form = {_key_form(name): name for name in known}
    match = difflib.get_close_matches(_key_form(key), list(by_form), n=1, cutoff=0.6)
    return by_form[match[0]] if match else None


def _key_form(key: str) -> str:
    return str(key).lower().replace("-", "_")


def warn_unknown_keys(values: Mapping, known: Iterable[str], source: str, section: str = "") -> list[str]:
    """Warn once about each key of `values` that is not in `known`; returns those keys.

    The one policy of both trainers, for upstream's keys and ours alike: an unknown key is not
    an error (upstream variants add keys) and it is not dropped: the caller keeps it, so it
    round-trips into the exported config. The warning names the key and, when one is close,
    the known key it probably misspells.
    """
    known = [str(name) for name in known]
    prefix = f"{section}." if section else ""
    unknown = [key for key in values if key not in known]
    for key in unknown:
        hint = closest_key(str(key), known)
        suggestion = f"; did you mean {prefix}{hint}?" if hint else ""
        logger.warning("%s: unknown key %s%s is not used (kept in the saved config)%s", source, prefix, key, suggestion)
    return unknown


def parse_gpu_numbers(text: str | None) -> list[str]:
    """Upstream's GPU string (`train.gpu_numbers`, the UI field, `--gpus`): `0-1` -> ["0", "1"].

    `,` is accepted too; empty -> [] (CPU). Entries may repeat (`0-0` runs two processes on GPU 0,
    as upstream's default does).
    """
    value = (text or "").strip()
    if not value:
        return []
    entries = [entry.strip() for entry in re.split(r"[-,]", value)]
    bad = [entry for entry in entries if not _GPU_ENTRY.fullmatch(entry)]
    if bad:
        raise ConfigError(f"GPU numbers {value!r}: expected numbers separated by '-', e.g. 0-1 (bad: {bad})")
    return entries
