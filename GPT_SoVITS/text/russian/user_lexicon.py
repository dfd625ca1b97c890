"""The user lexicon: a UTF-8 TSV file of `word<TAB>marked form` that overrides the frontend.

One entry per line, `#` starts a comment: `замок<TAB>з+амок`, `тест<TAB>т+эст`. The word is
matched case-insensitively (ё = е); the marked form is one word (hyphens allowed) with `+`
before the stressed vowel and may respell it (`э` for a hard consonant, `ё`). Found at
`$GPT_SOVITS_RU_LEXICON` (one or more paths joined by the OS path separator) or, when that
is unset, at `user_lexicon_ru.tsv` in the repository root. Stage 1 and synthesis both read
it through `clean_text`; the file is re-read when it changes. Not a general G2P dictionary.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from pathlib import Path
from typing import Callable

from GPT_SoVITS.errors import ConfigError

logger = logging.getLogger(__name__)

ENV_VAR = "GPT_SOVITS_RU_LEXICON"
DEFAULT_PATH = Path(__file__).resolve().parents[3] / "user_lexicon_ru.tsv"
_WORD = re.compile(r"[а-яё]+(?:-[а-яё]+)*")
_MARKED = re.compile(r"[а-яё+]+(?:-[а-яё+]+)*")
_LOCK = threading.Lock()
_CACHE: dict[str, object] = {"key": None, "entries": {}, "spelled": frozenset()}
_ON_CHANGE: list[Callable[[], None]] = []


def on_change(callback: Callable[[], None]) -> None:
    """Call `callback` whenever the lexicon in force changes (to clear caches of results)."""
    _ON_CHANGE.append(callback)


def lexicon_paths() -> list[Path]:
    """The lexicon files in force: those named by the environment variable, else the default."""
    named = os.environ.get(ENV_VAR, "").strip()
    if named:
        return [Path(part) for part in named.split(os.pathsep) if part.strip()]
    return [DEFAULT_PATH] if DEFAULT_PATH.is_file() else []


def _key(word: str) -> str:
    return word.lower().replace("ё", "е")


def parse_lexicon(path: Path) -> dict[str, str]:
    """Entries of one lexicon file; a malformed line is a `ConfigError` naming file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the user lexicon ({error}); it must be a UTF-8 text file") from None
    entries = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        fields = [field.strip() for field in line.split("\t")]
        if len(fields) != 2 or not _WORD.fullmatch(fields[0].lower()) or not _MARKED.fullmatch(fields[1].lower()):
            raise ConfigError(
                f"{path}:{number}: expected `word<TAB>marked form` in Cyrillic letters "
                f"(e.g. `замок\tз+амок`), got {line!r}"
            )
        if fields[0].count("-") != fields[1].count("-"):
            raise ConfigError(f"{path}:{number}: {fields[1]!r} must have as many hyphen parts as {fields[0]!r}")
        entries[_key(fields[0])] = fields[1].lower()
    return entries


def current() -> dict[str, str]:
    """The merged entries of every lexicon file in force (later files win), re-read on change."""
    paths = lexicon_paths()
    stamps = []
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            raise ConfigError(f"{path}: the user lexicon named by {ENV_VAR} does not exist") from None
        stamps.append((str(path), stat.st_mtime_ns, stat.st_size))
    key = tuple(stamps)
    with _LOCK:
        if _CACHE["key"] != key:
            entries: dict[str, str] = {}
            for path in paths:
                entries.update(parse_lexicon(path))
            if entries:
                logger.info("user lexicon: %d word(s) from %s", len(entries), ", ".join(map(str, paths)))
            spelled = frozenset(part.replace("+", "") for form in entries.values() for part in form.split("-"))
            _CACHE.update(key=key, entries=entries, spelled=spelled)
            for callback in _ON_CHANGE:
                callback()
        return _CACHE["entries"]  # type: ignore[return-value]


def spelled_by_user(letters: str) -> bool:
    """Whether `letters` is how a lexicon entry spells a word: the G2P then takes its е and э
    as written (no loanword hard-е rule), so `с+ервис` in the lexicon is read soft."""
    return letters in _CACHE["spelled"]  # type: ignore[operator]


def lookup_in(entries: dict[str, str], word: str) -> str | None:
    """The marked form the lexicon gives `word` (a lower-case hyphen part or whole word)."""
    return entries.get(_key(word)) if entries else None
