"""The stress dictionary `accent.dic` of the ru-accent-poet package (MIT), read as data.

About 105,000 lemmas with their inflected forms, one group of forms a line, cp1251:
`stem(ending|ending|...)<TAB>stresses` (or a whole word before the tab), the stresses a comma
list of 1-based vowel indices, where a backtick marks a secondary stress and `"` a stressed ё
written as е (`актер(|а|ам...)<TAB>2"` is актёр). A form listed on several lines, or with
several primary stresses, has several readings.

Why read the file and not use the package: importing ru_accent_poet loads russtress and
TensorFlow, and its own rules only return the dictionary's answer anyway. The file is found
through the installed distribution's metadata (`importlib.metadata`), so nothing of the
package runs; it is never copied into this repository. Provenance and licence are in
docs/russian.md §2.

The index is built once, lazily, on the first look-up: the file's lines, sorted, so that a
stem's lines are found by bisection and parsed when first asked for (no per-line Python work
at load: docs/benchmarks.md has the load time). Without the
package every look-up answers "no readings" and `stress.py` goes on with silero.
"""

from __future__ import annotations

from bisect import bisect_left
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from GPT_SoVITS.text.russian.lexicon import VOWELS
from GPT_SoVITS.text.russian.optional_library import build_once

DISTRIBUTION = "ru-accent-poet"
DATA_FILE = "ru_accent_poet/accent.dic"
ENCODING = "cp1251"


def dictionary_file() -> Path:
    """Where the installed package keeps accent.dic. Raises `metadata.PackageNotFoundError`
    (an ImportError) when the package is not installed, FileNotFoundError when the file is
    missing from it."""
    path = Path(str(metadata.distribution(DISTRIBUTION).locate_file(DATA_FILE)))
    if not path.is_file():
        raise FileNotFoundError(f"{path}: {DISTRIBUTION} is installed without {DATA_FILE}; reinstall it "
                                f"(pip install --no-deps {DISTRIBUTION}==0.1.5)")
    return path


def read_lines(path: Path) -> list[str]:
    """The file's lines, sorted, so that the lines of one stem are found by bisection."""
    return sorted(line for line in path.read_bytes().decode(ENCODING).splitlines() if line)


def _index() -> list[str] | None:
    return build_once(DISTRIBUTION, lambda: read_lines(dictionary_file()), "stress from silero alone")


def parse_stresses(field: str) -> tuple[tuple[int, bool], ...]:
    """Primary stresses of a stresses field: (0-based vowel index, stressed е is ё) each;
    secondary stresses (a backtick) and anything that is not a number are left out."""
    found = []
    for item in field.split(","):
        item = item.strip()
        if item.rstrip('"').isdigit() and int(item.rstrip('"')) > 0:
            found.append((int(item.rstrip('"')) - 1, item.endswith('"')))
    return tuple(found)


@lru_cache(maxsize=65536)
def _stem_entries(stem: str) -> tuple[tuple[frozenset[str], tuple[tuple[int, bool], ...]], ...]:
    """(endings, primary stresses) of every line whose stem is exactly `stem`: the lines that
    start with `stem(` (a group of endings) or `stem<TAB>` (a whole word)."""
    lines = _index() or []
    entries = []
    for opener in (stem + "(", stem + "\t"):
        at = bisect_left(lines, opener)
        while at < len(lines) and lines[at].startswith(opener):
            form, _, stresses = lines[at].partition("\t")
            endings = form[len(opener):].rstrip(")").split("|") if opener[-1] == "(" else [""]
            entries.append((frozenset(endings), parse_stresses(stresses)))
            at += 1
    return tuple(entries)


def _marked(word: str, vowel: int, yo: bool) -> str | None:
    positions = [i for i, c in enumerate(word) if c in VOWELS]
    if vowel >= len(positions):
        return None  # a stress index past the word's vowels: a faulty line, not a reading
    at = positions[vowel]
    letter = "ё" if yo and word[at] in "её" else word[at]
    return word[:at] + "+" + letter + word[at + 1:]


@lru_cache(maxsize=65536)
def readings(word: str) -> tuple[str, ...]:
    """Every reading the dictionary lists for a lower-case word (`+` before the stressed vowel,
    ё where it says so), sorted; empty when it does not list the word."""
    if _index() is None:
        return ()
    key = word.replace("ё", "е")
    found: set[str] = set()
    for cut in range(len(key), 0, -1):
        for endings, stresses in _stem_entries(key[:cut]):
            if key[cut:] in endings:
                found.update(r for vowel, yo in stresses if (r := _marked(key, vowel, yo)) is not None)
    return tuple(sorted(found))


def single_reading(word: str) -> str | None:
    """The dictionary's reading where it lists exactly one for `word`; None otherwise."""
    listed = readings(word)
    return listed[0] if len(listed) == 1 else None
