"""silero-stress (MIT, its model ships in the wheel) behind three calls: word stress, the
readings it lists for a homograph, and its sentence-level homograph solver.

Loaded once, lazily; nothing is downloaded. Loading it would change torch's thread count and
turn off autograd globally, so both are restored. Without the package every call answers
"unknown" (None or the unmarked word) and `stress.py` falls back to its rule.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any, NamedTuple

from GPT_SoVITS.text.russian.optional_library import build_once

logger = logging.getLogger(__name__)

_OUTPUT_WORD_RE = re.compile(r"[а-яёА-ЯЁ+]+")


class _Silero(NamedTuple):
    """The model and the look-ups taken from its homograph solver once, at load."""

    model: Any
    homodict: dict[str, Any]
    context_words: frozenset[str]


def _build() -> _Silero:
    import torch
    from silero_stress import load_accentor

    threads, grad = torch.get_num_threads(), torch.is_grad_enabled()
    try:
        model = load_accentor("ru")
    finally:
        torch.set_num_threads(threads)
        torch.set_grad_enabled(grad)
    solver = getattr(model, "homosolver", None)
    homodict = getattr(solver, "homodict", None)
    homodict = homodict if isinstance(homodict, dict) else {}
    return _Silero(model, homodict, frozenset(homodict) | frozenset(getattr(solver, "compiled_phrases", {}) or {}))


def _loaded() -> _Silero | None:
    return build_once("silero-stress", _build, "using the fallback stress rule only")


def load() -> Any | None:
    """The silero-stress model, loaded once; None when the package is not installed."""
    loaded = _loaded()
    return loaded.model if loaded is not None else None


def _call(model: Any, text: str) -> str:
    """Run silero (or its homograph solver) without changing torch's global autograd state."""
    import torch

    with torch.no_grad():
        return model(text)


def _same_letters(marked: str, word: str) -> bool:
    return marked.replace("+", "").replace("ё", "е") == word.replace("ё", "е")


@lru_cache(maxsize=65536)
def word_stress(word: str) -> str:
    """silero's context-free reading of one lower-case word (`+`, maybe ё), or the word as is."""
    model = load()
    if model is None:
        return word
    marked = _call(model, word).lower()
    return marked if _same_letters(marked, word) else word


def words_stress(words: list[str]) -> list[str]:
    """Context-free readings of many plain lower-case words in one pass of silero's word
    accentor (its homograph solver is skipped); a word it cannot mark comes back unmarked."""
    model = load()
    accentor = getattr(model, "accentor", None)
    if accentor is None or not words:
        return list(words)
    output = _call(accentor, " ".join(words)).lower().split(" ")
    if len(output) != len(words):
        return [word_stress(word) for word in words]
    return [marked if _same_letters(marked, word) else word for marked, word in zip(output, words)]


def listed_readings(word: str) -> tuple[str, ...]:
    """The readings silero's homograph dictionary lists for `word` (empty when it lists none)."""
    loaded = _loaded()
    return tuple(loaded.homodict.get(word, ())) if loaded is not None else ()


def is_context_word(word: str) -> bool:
    """Whether silero resolves `word` from its sentence (a homograph or a phrase entry)."""
    loaded = _loaded()
    return loaded is not None and word in loaded.context_words


def sentence_readings(sentence: str, words: list[str]) -> list[str] | None:
    """silero's homograph solver on `sentence` (punctuation kept): one reading per word of
    `words` (the sentence's words in order), or None when its output does not align."""
    model = load()
    solver = getattr(model, "homosolver", None)
    if solver is None:
        return None
    output = [word.lower() for word in _OUTPUT_WORD_RE.findall(_call(solver, sentence))]
    if len(output) != len(words):
        logger.debug("silero output does not align with the input words; using word-level stress")
        return None
    return [marked if _same_letters(marked, word) else word for marked, word in zip(output, words)]
