"""The one way a training config is read: the s2 JSON (`configs/s2.json`, `tmp_s2.json`) and the
s1 YAML (`configs/s1longer-v2.yaml`, `tmp_s1.yaml`) files, and the typed sections both trainers
declare as dataclasses (`module.config.S2Config`, `AR.train_config.S1File`).

`read_config(cls, values, source)` fills a dataclass (nested dataclass fields are sections) with
the one set of rules: each value is checked against its field's type (JSON-ish strings such as
"8" are converted; booleans are strict: true/false in any case, 0 and 1, nothing else), a wrong
value is a `ConfigError` naming the file and the key, and an unknown key gets the one warning
(`warn_unknown_keys`) and is kept. `config_to_dict` writes the same keys back (upstream's always,
optional ones when given or changed, unknown ones as read), so what upstream's tools read survives.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import logging
import re
import types
import typing
from dataclasses import field
from pathlib import Path
from typing import Any, Iterable, Mapping

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


def read_yaml_mapping(path: str | Path, what: str, example: str) -> dict:
    """A YAML file whose top level is a mapping (`what` names it in errors, `example` is the file to
    start from), read safely; every failure is one `ConfigError` naming the file."""
    path = Path(path)
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: {what} not found; start from {example}") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the {what} ({error.strerror or error})") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(config, dict):
        raise ConfigError(f"{path}: not a {what}: expected a mapping at the top level as in {example}")
    return config


def read_s1_config(path: str | Path) -> dict:
    """An s1 YAML config as a dict (a mapping at the top level, like configs/s1longer-v2.yaml)."""
    return read_yaml_mapping(path, "GPT config", "configs/s1longer-v2.yaml or the UI's TEMP/tmp_s1.yaml")


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


# --- typed sections -----------------------------------------------------------------------------

_OPTIONAL = {"optional": True}  # field metadata: written back only when given or changed
_TRAINER_ONLY = {"optional": True, "trainer_only": True}  # ours, also left out of exported weights
_BOOLEANS = {"true": True, "false": False, "1": True, "0": False}


def optional(default: Any = None) -> Any:
    """A key upstream's base file lacks (the UI adds it, or a variant has it): written when given."""
    return field(default=default, metadata=_OPTIONAL)


def trainer_only(default: Any = None) -> Any:
    """One of our keys: written when given, never stored in exported weights."""
    return field(default=default, metadata=_TRAINER_ONLY)


def kept_extra() -> Any:
    """The unknown keys of a section, kept as read so they round-trip."""
    return field(default_factory=dict, repr=False)


def given_keys() -> Any:
    """The keys the source named (set by `read_config`), so optional keys round-trip exactly."""
    return field(default=frozenset(), repr=False, compare=False)


def accepted_section(name: str, keys: Iterable[str]) -> type:
    """A section whose keys are known but read by another part (or not used): every value as given."""
    return dataclasses.make_dataclass(name, [*((key, Any, None) for key in keys), ("extra", dict, kept_extra()),
                                             ("given", frozenset, given_keys())], frozen=True)


def as_mapping(value: Any, where: str) -> dict:
    """Accept a dict, or an object exposing its keys as attributes (upstream's pickled HParams)."""
    if isinstance(value, Mapping):
        return dict(value)
    if hasattr(value, "__dict__"):
        return {k: v for k, v in vars(value).items() if not k.startswith("_")}
    raise ConfigError(f"{where}: expected a mapping of keys, got {type(value).__name__}")


def coerce(value: Any, hint: Any, where: str) -> Any:
    """`value` checked against a field's type hint; `where` ("file: section.key") names it in the error."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        if value is None:
            return None
        hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
    if hint is Any:
        return value
    if hint is bool:
        form = str(value).strip().lower() if isinstance(value, (str, int)) else None
        if isinstance(value, bool) or form in _BOOLEANS:
            return value if isinstance(value, bool) else _BOOLEANS[form]
        raise ConfigError(f"{where}: expected true or false, got {value!r}")
    if hint in (list, tuple) and isinstance(value, (list, tuple)):
        return hint(value)
    if hint is str and isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    if hint in (int, float) and not isinstance(value, bool):
        converted = _number(value, hint)
        if converted is not None:
            return converted
    raise ConfigError(f"{where}: expected {getattr(hint, '__name__', hint)}, got {value!r}")


def _number(value: Any, kind: type) -> int | float | None:
    """An int/float field's value; ints stay ints in float fields so the file round-trips."""
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, (int, float)):
        return None
    if kind is int:
        return int(value) if float(value).is_integer() else None
    return value


def _sections(cls: type) -> dict[str, type]:
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls) if dataclasses.is_dataclass(hints[f.name])}


def _keys(cls: type) -> dict[str, dataclasses.Field]:
    return {f.name: f for f in dataclasses.fields(cls) if f.name not in ("extra", "given")}


def default_of(f: dataclasses.Field) -> Any:
    return f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default


def read_config(cls: type, values: Any, source: str, name: str = "") -> Any:
    """`values` (a mapping or HParams object) as the dataclass `cls`, its dataclass fields read as
    sections (a missing section: its defaults). Null for an optional key means "not set"."""
    values = as_mapping(values, f"{source}: {name}" if name else source)
    hints, keys, sections = typing.get_type_hints(cls), _keys(cls), _sections(cls)
    unknown = warn_unknown_keys(values, keys, source, name)
    prefix = f"{source}: {name}." if name else f"{source}: "
    known: dict[str, Any] = {}
    for key, f in keys.items():
        if key in sections:
            value = values.get(key)
            known[key] = read_config(sections[key], {} if value is None else value, source, prefix[len(source) + 2:] + key)
        elif key in values:
            optional_null = values[key] is None and f.metadata.get("optional")
            known[key] = default_of(f) if optional_null else coerce(values[key], hints[key], prefix + key)
    named = frozenset(key for key in known if key in values and key not in sections)
    return cls(**known, extra={key: values[key] for key in unknown}, given=named)


def config_to_dict(config: Any, *, exported: bool = False) -> dict[str, Any]:
    """The keys `read_config` read: upstream's always, optional ones when given or changed, then the
    unknown ones; sections as nested dicts. `exported` leaves our trainer-only keys out."""
    out: dict[str, Any] = {}
    for key, f in _keys(type(config)).items():
        value = getattr(config, key)
        if dataclasses.is_dataclass(value):
            out[key] = config_to_dict(value, exported=exported)
            continue
        if f.metadata.get("optional") and key not in config.given and value == default_of(f):
            continue
        if exported and f.metadata.get("trainer_only"):
            continue
        out[key] = list(value) if isinstance(value, tuple) else value
    out.update(config.extra)
    return out
