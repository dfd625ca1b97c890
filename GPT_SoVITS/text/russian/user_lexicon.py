"""The user lexicon: a UTF-8 TSV file of `word<TAB>marked form` that overrides the frontend.

One entry per line, `#` starts a comment: `замок<TAB>з+амок`, `тест<TAB>т+эст`. The word is
matched case-insensitively (ё = е); the marked form is one word (hyphens allowed) with `+`
before the stressed vowel and may respell it (`э` for a hard consonant, `ё`), nothing else.
A Latin word takes ARPAbet phones, read for English words: `iPhone<TAB>AY1 F OW2 N`. A broken
entry (mark on a consonant, no or two stressed vowels in a word, other letters than its key,
unknown phone, a key listed twice with different forms in one file) is an error naming the
file and line; across files the later file wins. Found at
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
_LATIN_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*(?:-[a-z]+(?:'[a-z]+)*)*")
_VOWELS = "аоуыэияюеё"
_ARPABET_VOWELS = frozenset("AA AE AH AO AW AY EH ER EY IH IY OW OY UH UW".split())
_ARPABET_CONSONANTS = frozenset("B CH D DH F G HH JH K L M N NG P R S SH T TH V W Y Z ZH".split())
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
    entries: dict[str, str] = {}
    first_line: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        where = f"{path}:{number}"
        fields = [field.strip() for field in line.split("\t")]
        if len(fields) == 2 and _LATIN_WORD.fullmatch(fields[0].lower()):
            key, form = _key(fields[0]), _check_arpabet(fields[1], where)
        else:
            key, form = _key(fields[0]), _check_cyrillic(fields, line, where)
        if key in entries and entries[key] != form:
            raise ConfigError(
                f"{where}: {fields[0]!r} is already listed on line {first_line[key]} as {entries[key]!r}; "
                "keep one of the two lines (a word has one entry per file)"
            )
        entries[key] = form
        first_line.setdefault(key, number)
    return entries


def _check_cyrillic(fields: list[str], line: str, where: str) -> str:
    """The marked form of a Cyrillic entry, or a `ConfigError` saying what is wrong with it."""
    if len(fields) != 2 or not _WORD.fullmatch(fields[0].lower()) or not _MARKED.fullmatch(fields[1].lower()):
        raise ConfigError(
            f"{where}: expected `word<TAB>marked form` in Cyrillic letters (e.g. `замок\tз+амок`), "
            f"or a Latin word and ARPAbet phones (e.g. `iPhone\tAY1 F OW2 N`), got {line!r}"
        )
    word, form = fields[0].lower(), fields[1].lower()
    if word.count("-") != form.count("-"):
        raise ConfigError(f"{where}: {form!r} must have as many hyphen parts as {word!r}")
    misplaced = re.search(f"\\+(?![{_VOWELS}])", form)
    if misplaced:
        after = form[misplaced.end():misplaced.end() + 1] or "the end"
        raise ConfigError(f"{where}: {form!r} has `+` before {after!r}, not a vowel; put it before the stressed vowel")
    plain = form.replace("+", "")
    if _same_letters(plain) != _same_letters(word):
        raise ConfigError(
            f"{where}: the letters of {form!r} differ from its word {word!r}; a form may only change е to э or ё"
        )
    for part in form.split("-"):
        stresses = part.count("+") + len(re.findall(r"(?<!\+)ё", part))
        if stresses > 1:
            raise ConfigError(f"{where}: {part!r} in {form!r} marks {stresses} stressed vowels; a word has one")
    vowels = sum(plain.count(vowel) for vowel in _VOWELS)
    if "+" not in form and "ё" not in form and vowels > 1:
        raise ConfigError(f"{where}: {form!r} has no stressed vowel; put `+` before it (e.g. `з+амок`)")
    return form


def _same_letters(word: str) -> str:
    """Spelling up to the respellings a form may make (е -> э, ё)."""
    return word.replace("ё", "е").replace("э", "е")


def _check_arpabet(form: str, where: str) -> str:
    """ARPAbet phones of a Latin entry (`AY1 F OW2 N`), or a `ConfigError` naming the bad phone."""
    phones = form.split()
    for phone in phones:
        base, digit = phone.rstrip("012"), phone[len(phone.rstrip("012")):]
        if base in _ARPABET_VOWELS and len(digit) == 1:
            continue
        if base in _ARPABET_CONSONANTS and not digit:
            continue
        hint = "a vowel needs its stress digit 0, 1 or 2" if base in _ARPABET_VOWELS else "not an ARPAbet phone"
        raise ConfigError(f"{where}: {phone!r} in {form!r}: {hint} (e.g. `iPhone\tAY1 F OW2 N`)")
    if not any(phone[-1:] == "1" for phone in phones):
        raise ConfigError(f"{where}: {form!r} has no stressed vowel; mark one with 1 (e.g. AY1)")
    return " ".join(phones)


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
            spelled = frozenset(part.replace("+", "") for form in entries.values() if not form[:1].isupper()
                                for part in form.split("-"))
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
