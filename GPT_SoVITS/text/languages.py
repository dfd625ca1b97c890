"""The language registry: which frontend cleans a language code and which inventory it adds.

Adding a language is adding a frontend module with `clean(text) -> CleanedText` and an
inventory TSV, then one `Language` entry here. Upstream spellings of its codes (`ZH`, `JP`,
...) are accepted as aliases so .list files made for upstream keep working.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, NamedTuple

from GPT_SoVITS.errors import DataError, UnsupportedLanguageError

TEXT_DIR = Path(__file__).resolve().parent


class CleanedText(NamedTuple):
    """A frontend's result: phones, phones per word of `norm_text`, and the normalised text.

    A NamedTuple, so upstream's `phones, word2ph, norm_text = clean_text(text, lang)` unpacks
    it and `cleaned.phones` keeps working.
    """

    phones: list[str]
    word2ph: list[int] | None
    norm_text: str


class DroppedTextError(DataError):
    """Part of a text cannot be read aloud and would be dropped (emoji, other scripts, symbols).

    Training text must match its audio, so stage 1 fails the line; synthesis may go on with
    `cleaned`, the result without the dropped characters, after telling the user.
    """

    def __init__(self, message: str, dropped: dict[str, int], cleaned: CleanedText):
        super().__init__(message)
        self.dropped = dropped
        self.cleaned = cleaned

    @classmethod
    def of(cls, language: str, text: str, removed: dict[str, int], cleaned: CleanedText) -> "DroppedTextError":
        """The error of a `language` frontend ("Russian") that removed `removed` (char -> count) from `text`."""
        listed = ", ".join(f"{char!r} x{count}" for char, count in removed.items())
        return cls(f"{language} text {text!r} has characters that cannot be read aloud: {listed}; "
                   "write them out in words or remove them from the text (and the audio)", dict(removed), cleaned)


@dataclass(frozen=True)
class Language:
    """A supported language: its code, accepted spellings, frontend and symbol inventory."""

    code: str
    aliases: tuple[str, ...]
    frontend: str  # "package.module:function", imported on first use
    inventory: str | None  # path relative to GPT_SoVITS/text, appended to v2 as `v2+<code>`
    takes_latin: bool = False  # the frontend reads Latin words by a `latin` mode (Russian: english|translit)


_LANGUAGES: dict[str, Language] = {}
_UPSTREAM_ONLY = {"zh": "Chinese", "ja": "Japanese", "ko": "Korean", "yue": "Cantonese"}


def register_language(language: Language) -> None:
    """Add a language to the registry (codes and aliases are matched case-sensitively)."""
    for spelling in (language.code, *language.aliases):
        _LANGUAGES[spelling] = language


register_language(
    Language(
        code="ru",
        # `auto` is upstream's name for mixed text: here Russian with English words in Latin letters
        aliases=("RU", "Ru", "auto", "AUTO", "Auto"),
        frontend="GPT_SoVITS.text.russian.frontend:clean",
        inventory="russian/phonemes.tsv",
        takes_latin=True,
    )
)
register_language(
    Language(
        code="en",
        aliases=("EN", "En"),
        frontend="GPT_SoVITS.text.english.frontend:clean",
        inventory=None,  # ARPAbet with stress digits is already in v2 (and so in v2+ru)
    )
)


def supported_codes() -> list[str]:
    """Canonical codes of every registered language."""
    return sorted({language.code for language in _LANGUAGES.values()})


def get_language(code: str) -> Language:
    """The language for `code` or an error naming the supported ones."""
    language = _LANGUAGES.get(code.strip())
    if language is not None:
        return language
    hint = ""
    if code.strip().lower() in _UPSTREAM_ONLY or code.strip().lower() == "jp":
        hint = " (upstream's frontends for it are not part of GPT-SoVITS-RU)"
    raise UnsupportedLanguageError(
        f"unsupported language {code!r}{hint}; supported: {', '.join(supported_codes())}"
    )


def inventory_path(code: str) -> Path | None:
    """Path of the inventory TSV for `code`, or None if the language has none (or no file yet)."""
    language = _LANGUAGES.get(code)
    if language is None or language.inventory is None:
        return None
    path = TEXT_DIR / language.inventory
    return path if path.is_file() else None


def languages_with_inventory() -> list[str]:
    """Codes whose inventory file is present."""
    return [code for code in supported_codes() if inventory_path(code) is not None]


def frontend_for(code: str) -> Callable[..., CleanedText]:
    """Import and return the `clean(text)` function of a language's frontend."""
    module_name, _, function_name = get_language(code).frontend.partition(":")
    return getattr(importlib.import_module(module_name), function_name)
