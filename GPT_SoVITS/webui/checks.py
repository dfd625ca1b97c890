"""Checks of what the user types into the UI, before anything is started.

Every check raises `UiError` (a `ConfigError`) with a message fit for the status box, shown in
the interface language; `what` names the field, by a key of the text table (`f_list`) or as
plain text. Paths are never pasted into a shell string: they are checked here and passed as
argv or environment values.
"""

from __future__ import annotations

import re
from pathlib import Path

from GPT_SoVITS.config_files import parse_gpu_numbers  # noqa: F401  (the GPU field; shared with the CLIs)
from GPT_SoVITS.webui.i18n import UiError, field_name

_EXP_NAME = re.compile(r"[^\W_]|[-_.]")  # one allowed character: a letter/digit, or - _ .


def clean_path_text(text: str | None) -> str:
    """Strip what users paste around paths (spaces, quotes, U+202A), like upstream's clean_path."""
    return (text or "").strip().strip("\u202a").strip().strip("\"'").strip()


def resolve(text: str, root: Path) -> Path:
    """A user path, relative ones taken from the UI's root folder."""
    path = Path(text).expanduser()
    return path if path.is_absolute() else root / path


def check_exp_name(name: str | None) -> str:
    """The experiment name: letters, digits, `-`, `_`, `.`; it becomes `logs/<name>`."""
    name = (name or "").strip()
    if not name:
        raise UiError("err_exp_empty")
    bad = sorted({char for char in name if not _EXP_NAME.fullmatch(char)})
    if bad:
        raise UiError("err_exp_chars", name=repr(name), chars=bad)
    if set(name) == {"."}:
        raise UiError("err_exp_dots", name=repr(name))
    return name


def check_file(text: str | None, what: str, root: Path) -> Path:
    """An existing file; the message names the field and what was found instead."""
    value = clean_path_text(text)
    if not value:
        raise UiError("err_no_path", what=field_name(what))
    path = resolve(value, root)
    if path.is_dir():
        raise UiError("err_folder_not_file", what=field_name(what), path=path)
    if not path.is_file():
        raise UiError("err_file_not_found", what=field_name(what), path=path)
    return path


def check_optional_file(text: str | None, what: str, root: Path) -> Path | None:
    """Like `check_file`, but an empty field means "none" (e.g. train from scratch)."""
    return check_file(text, what, root) if clean_path_text(text) else None


def check_dir(text: str | None, what: str, root: Path) -> Path:
    """An existing folder."""
    value = clean_path_text(text)
    if not value:
        raise UiError("err_no_folder", what=field_name(what))
    path = resolve(value, root)
    if path.is_file():
        raise UiError("err_file_not_folder", what=field_name(what), path=path)
    if not path.is_dir():
        raise UiError("err_folder_not_found", what=field_name(what), path=path)
    return path


def check_optional_dir(text: str | None, what: str, root: Path) -> Path | None:
    return check_dir(text, what, root) if clean_path_text(text) else None


def check_positive_int(value: float | int | None, what: str, minimum: int = 1) -> int:
    """A whole number >= minimum from a Gradio number field (which may hand over a float)."""
    if value is None or float(value) != int(float(value)) or int(float(value)) < minimum:
        raise UiError("err_whole_number", what=field_name(what), minimum=minimum, value=repr(value))
    return int(float(value))
