"""Checks of what the user types into the UI, before anything is started.

Every check raises `UiError` (a `ConfigError`) with a message fit for the status box, shown in
the interface language; `what` names the field, by a key of the text table (`f_list`) or as
plain text. Paths are never pasted into a shell string: they are checked here and passed as
argv or environment values. Every path is confined to the UI's folders (`UiSettings.folders`,
the one rule of `GPT_SoVITS.confinement`) before anything looks at it, so a refusal says
nothing about whether the file exists.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Union

from GPT_SoVITS.config_files import parse_gpu_numbers  # noqa: F401  (the GPU field; shared with the CLIs)
from GPT_SoVITS.confinement import AllowedFolders, PathRefusedError
from GPT_SoVITS.errors import describe_non_file
from GPT_SoVITS.i18n import UiError, field_name

Folders = Union[AllowedFolders, Path]  # a bare Path means "only that folder"


class UiPathRefused(UiError, PathRefusedError):
    """The shared rule's refusal, worded in the interface language."""

_EXP_NAME = re.compile(r"[^\W_]|[-_.]")  # one allowed character: a letter/digit, or - _ .


def clean_path_text(text: str | None) -> str:
    """Strip what users paste around paths (spaces, quotes, U+202A), like upstream's clean_path."""
    return (text or "").strip().strip("\u202a").strip().strip("\"'").strip()


def allowed(folders: Folders) -> AllowedFolders:
    return folders if isinstance(folders, AllowedFolders) else AllowedFolders.of([folders], "the UI's root")


def resolve(text: str, folders: Folders, what: str = "path") -> Path:
    """A user path resolved inside the allowed folders (relative ones from the first: the UI's root);
    `PathRefusedError` for anything else, with the same message whether it exists or not."""
    folders = allowed(folders)
    try:
        return folders.resolve(clean_path_text(text), what=str(what))
    except PathRefusedError:
        raise UiPathRefused("err_path_refused", what=field_name(what), path=clean_path_text(text),
                      folders=", ".join(str(root) for root in folders.roots)) from None


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


def check_file(text: str | None, what: str, root: Folders) -> Path:
    """An existing file inside the allowed folders; the message names the field and what was found instead."""
    value = clean_path_text(text)
    if not value:
        raise UiError("err_no_path", what=field_name(what))
    path = resolve(value, root, what)
    if path.is_dir():
        raise UiError("err_folder_not_file", what=field_name(what), path=path)
    if path.exists() and not path.is_file():  # a pipe or a device: never opened
        raise UiError("err_not_regular_file", what=field_name(what), path=path, kind=describe_non_file(path))
    if not path.is_file():
        raise UiError("err_file_not_found", what=field_name(what), path=path)
    return path


def check_optional_file(text: str | None, what: str, root: Folders) -> Path | None:
    """Like `check_file`, but an empty field means "none" (e.g. train from scratch)."""
    return check_file(text, what, root) if clean_path_text(text) else None


def check_dir(text: str | None, what: str, root: Folders) -> Path:
    """An existing folder inside the allowed folders."""
    value = clean_path_text(text)
    if not value:
        raise UiError("err_no_folder", what=field_name(what))
    path = resolve(value, root, what)
    if path.is_file():
        raise UiError("err_file_not_folder", what=field_name(what), path=path)
    if not path.is_dir():
        raise UiError("err_folder_not_found", what=field_name(what), path=path)
    return path


def check_optional_dir(text: str | None, what: str, root: Folders) -> Path | None:
    return check_dir(text, what, root) if clean_path_text(text) else None


def check_positive_int(value: float | int | None, what: str, minimum: int = 1) -> int:
    """A whole number >= minimum from a Gradio number field (which may hand over a float)."""
    if value is None or float(value) != int(float(value)) or int(float(value)) < minimum:
        raise UiError("err_whole_number", what=field_name(what), minimum=minimum, value=repr(value))
    return int(float(value))
