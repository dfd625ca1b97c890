"""The Russian homograph test sets (`data/homographs_ru*.tsv`): reading them and scoring a reading.

Shared by `tests/text/test_russian_homographs.py` and `bench/ru_g2p.py`. Each row is a
sentence of ours with one target word and its expected stressed form (`+` before the stressed
vowel, ё where the word has it); `split` is `dev` (looked at while tuning), `heldout` (round 1,
never tuned on), `heldout2` (round 2, written and committed before round 2's tuning) or
`heldout3` (round 3, likewise; its rows also say which `kind` of pair they are: `case` or
`lexical`).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

HOMOGRAPHS_TSV = Path(__file__).resolve().parent / "data" / "homographs_ru.tsv"
HELDOUT2_TSV = Path(__file__).resolve().parent / "data" / "homographs_ru_heldout2.tsv"
HELDOUT3_TSV = Path(__file__).resolve().parent / "data" / "homographs_ru_heldout3.tsv"
SPLITS = ("dev", "heldout", "heldout2", "heldout3")
_WORD_RE = re.compile(r"[а-яё+]+")
_VOWELS = set("аоуыэияюеё")


@dataclass(frozen=True)
class HomographCase:
    split: str
    sentence: str
    word: str
    stressed: str
    kind: str = ""  # heldout3 only: `case` (a case-form pair) or `lexical`


def read_homograph_set(path: Path | None = None) -> list[HomographCase]:
    """All rows of one file, or of every file when `path` is None (comment lines start with `#`)."""
    if path is None:
        return read_homograph_set(HOMOGRAPHS_TSV) + read_homograph_set(HELDOUT2_TSV) + read_homograph_set(HELDOUT3_TSV)
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    return [HomographCase(**row) for row in csv.DictReader(lines, delimiter="\t")]


def _plain(word: str) -> str:
    return word.replace("+", "").replace("ё", "е")


def target_reading(accented: str, word: str) -> str | None:
    """The target's stressed form in accented lower-case text (marks of one-vowel words dropped)."""
    for candidate in _WORD_RE.findall(accented):
        if _plain(candidate) == _plain(word.lower()):
            return candidate.replace("+", "") if sum(c in _VOWELS for c in candidate) < 2 else candidate
    return None


def expected_reading(case: HomographCase) -> str:
    """The expected form as `target_reading` writes it (no mark on a one-vowel word)."""
    one_vowel = sum(c in _VOWELS for c in case.stressed) < 2
    return case.stressed.replace("+", "") if one_vowel else case.stressed
