"""pymorphy3 (MIT, OpenCorpora dictionary) behind a few cached look-ups: a word's analyses,
whether one has a part of speech, and which lemmas are plausible.

Loaded once, lazily. Without the package every look-up answers "no analyses", and the
homograph rules stay silent. This module knows nothing about stress (`homographs.py`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from GPT_SoVITS.text.russian.optional_library import build_once

#: A lemma whose analyses together score under this is a dictionary oddity, not a reading
#: (`стены` as the plural of a surname-like `стен`).
PLAUSIBLE_SCORE = 0.05


def _build_analyzer() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


def _analyzer() -> Any | None:
    return build_once("pymorphy3", _build_analyzer, "homographs follow silero alone")


@lru_cache(maxsize=65536)
def parses(word: str) -> tuple[Any, ...]:
    """pymorphy3's dictionary analyses of a lower-case word (guesses for unknown words left out)."""
    analyzer = _analyzer()
    return tuple(p for p in analyzer.parse(word) if p.is_known) if analyzer is not None else ()


@lru_cache(maxsize=65536)
def has_pos(word: str, *pos: str) -> bool:
    """Whether some analysis of `word` is one of the parts of speech `pos`."""
    return any(p.tag.POS in pos for p in parses(word))


@lru_cache(maxsize=65536)
def plausible_lemmas(word: str) -> frozenset[str]:
    """Lemmas of `word` whose analyses together score at least `PLAUSIBLE_SCORE`: `стрелки`
    is стрелка and стрелок, `стены` only стена."""
    scores: dict[str, float] = {}
    for parse in parses(word):
        scores[parse.normal_form] = scores.get(parse.normal_form, 0.0) + parse.score
    return frozenset(lemma for lemma, score in scores.items() if score >= PLAUSIBLE_SCORE)


def form_key(parse: Any) -> tuple[str, str | None, str] | None:
    """Analyses with one key are one form, spelled and stressed alike: the same lemma, number
    and spelling (`стены` nominative and accusative plural). The second genitive and
    locative (`в лес+у` against `л+есу`) are keyed apart: their stress may differ."""
    if parse.tag.case in ("gen2", "loc2"):
        return None
    return parse.normal_form, parse.tag.number, parse.word
