"""Word stress for normalised Russian text: user marks, then ё, then silero-stress, then a rule.

Order of authority: a user's `+` before a vowel (or U+0301 after it, converted by the
normaliser) wins; a written ё is stressed; otherwise silero-stress (MIT, its model ships in
the wheel, nothing is downloaded) decides, with sentence context for homographs; a word it
leaves unmarked gets the fallback rule (`fallback_stress`). Monosyllables carry no mark.
This module does not convert to phones (`g2p.py`).
"""

from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache
from typing import Any

from GPT_SoVITS.text.russian.lexicon import VOWELS, vowel_count

logger = logging.getLogger(__name__)

WORD_RE = re.compile(r"[а-яё+]+(?:-[а-яё+]+)*")
_SILERO_WORD_RE = re.compile(r"[а-яёА-ЯЁ+]+")
_LOCK = threading.Lock()
_MODEL: dict[str, Any] = {}
#: Unstressed suffixes that move the fallback stress one syllable left (a documented guess).
_POSTTONIC_ENDINGS = ("ами", "ями", "ого", "его", "ому", "ему", "ыми", "ими", "ешь", "ет", "ся", "сь")


def _load_silero() -> Any | None:
    """The silero-stress model, loaded once; None when the package is not installed.

    silero sets torch's thread count and disables autograd globally when imported/loaded;
    both are restored so a trainer that cleans text keeps its own settings.
    """
    with _LOCK:
        if "model" in _MODEL:
            return _MODEL["model"]
        try:
            import torch
            from silero_stress import load_accentor
        except ImportError:
            logger.warning("silero-stress is not installed: using the fallback stress rule only")
            _MODEL["model"] = None
            return None
        threads, grad = torch.get_num_threads(), torch.is_grad_enabled()
        try:
            model = load_accentor("ru")
        finally:
            torch.set_num_threads(threads)
            torch.set_grad_enabled(grad)
        _MODEL["model"] = model
        _MODEL["context_words"] = _context_words(model)
        return model


def _context_words(model: Any) -> frozenset[str] | None:
    """Words silero resolves from context (homographs); None means 'treat every word so'."""
    solver = getattr(model, "homosolver", None)
    homodict = getattr(solver, "homodict", None)
    if not isinstance(homodict, dict):
        return None
    phrases = getattr(solver, "compiled_phrases", {}) or {}
    return frozenset(homodict) | frozenset(phrases)


def _call_silero(model: Any, text: str) -> str:
    """Run silero (or its homograph solver) without changing torch's global autograd state."""
    import torch

    with torch.no_grad():
        return model(text)


def fallback_stress(word: str) -> str:
    """Stress for a word no dictionary covers: the penultimate vowel, or the one before a
    common unstressed ending; ё always wins. A guess, documented in docs/russian.md."""
    vowels = [i for i, c in enumerate(word) if c in VOWELS]
    if len(vowels) < 2 or "+" in word:
        return word
    if "ё" in word:
        position = word.index("ё")
    elif word.endswith(_POSTTONIC_ENDINGS) and len(vowels) >= 3:
        position = vowels[-3] if word.endswith(("ами", "ями", "ого", "его", "ому", "ему", "ыми", "ими")) else vowels[-2]
    else:
        position = vowels[-2]
    return word[:position] + "+" + word[position:]


def _strip_monosyllable(word: str) -> str:
    """Remove a model's mark from a one-vowel word (clitics and function words stay unstressed)."""
    return word.replace("+", "") if vowel_count(word) <= 1 else word


def _mark_yo(word: str) -> str:
    """Put the mark before the first ё of a word of two or more vowels."""
    if vowel_count(word) < 2:
        return word
    position = word.index("ё")
    return word[:position] + "+" + word[position:]


@lru_cache(maxsize=65536)
def _word_stress(word: str) -> str:
    """Context-free stress of one unmarked word (cached: most words are not homographs)."""
    model = _load_silero()
    marked = _call_silero(model, word).lower() if model is not None else word
    if marked.replace("+", "").replace("ё", "е") != word.replace("ё", "е"):
        marked = word
    marked = _strip_monosyllable(marked)
    return fallback_stress(marked) if "+" not in marked else marked


def _part_stress(part: str, in_context: dict[int, str], index: int) -> str:
    """Stress of one hyphen part: user mark, ё, context result, or the cached word result."""
    if "+" in part or "ё" in part:
        return _mark_yo(part) if "+" not in part else part
    contextual = in_context.get(index)
    if vowel_count(part) < 2:
        # only ё restoration matters here (все -> всё, еж -> ёж); no mark is kept
        if contextual is not None:
            return contextual
        return _word_stress(part) if "е" in part else part
    if contextual is not None and "+" in contextual:
        return contextual
    return _word_stress(part)


def _contextual(parts: list[str]) -> dict[int, str]:
    """Silero's sentence-level output for homograph parts, keyed by part index."""
    model = _load_silero()
    context_words = _MODEL.get("context_words")
    wanted = [i for i, p in enumerate(parts) if "+" not in p and "ё" not in p and (context_words is None or p in context_words)]
    if model is None or not wanted:
        return {}
    # only the homograph solver needs the sentence; the other words come from the word cache
    solver = getattr(model, "homosolver", None) if context_words is not None else None
    output = _SILERO_WORD_RE.findall(_call_silero(solver or model, " ".join(parts)).lower())
    if len(output) != len(parts):
        logger.debug("silero output does not align with the input words; using word-level stress")
        return {}
    result = {}
    for i in wanted:
        candidate = _strip_monosyllable(output[i])
        if candidate.replace("+", "").replace("ё", "е") == parts[i].replace("ё", "е"):
            result[i] = candidate
    return result


def accentuate(text: str) -> str:
    """Return `text` with `+` before the stressed vowel of every word of two or more vowels.

    Expects normalised lower-case text (`normalizer.normalize`); keeps user marks, stresses
    written ё, resolves homographs from the sentence, and leaves monosyllables unmarked
    unless the user marked them.
    """
    words = WORD_RE.findall(text)
    parts = [part for word in words for part in word.split("-")]
    in_context = _contextual(parts)
    stressed_parts = iter(_part_stress(part, in_context, i) for i, part in enumerate(parts))

    def replace(match: re.Match[str]) -> str:
        return "-".join(next(stressed_parts) for _ in match.group(0).split("-"))

    return WORD_RE.sub(replace, text)
