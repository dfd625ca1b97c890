"""Word stress for Russian text: user marks, the user lexicon, ё, our homograph rules, the
stress dictionary, silero-stress, then a fallback rule.

Order of authority: a user's `+` before a vowel (or U+0301 after it, converted by the
normaliser) wins; then a word of the user lexicon (`user_lexicon.py`); a written ё is
stressed. Below those: our context rules (`homographs.py`) where the grammar of the
neighbours fixes the form; then the stress dictionary (`stress_dictionary.py`) where it lists
exactly one reading for a word of two or more vowels (and silero's homograph dictionary lists
no other: `хлеба` is also хлеб+а, which accent.dic omits); then silero-stress (`silero.py`), with
its sentence solver for the homographs it knows, its readings passing the agreement check; a
word left unmarked gets `fallback_stress`. `explain` says which of these set each word.
Lookups are case-insensitive and the original case is restored. Monosyllables carry no mark.
This module does not convert to phones (`g2p.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from GPT_SoVITS.text.russian import homographs, silero, stress_dictionary, user_lexicon
from GPT_SoVITS.text.russian.lexicon import VOWELS, vowel_count

WORD_RE = re.compile(r"[а-яёА-ЯЁ+]+(?:-[а-яёА-ЯЁ+]+)*")
_TOKEN_RE = re.compile(r"[а-яё+]+(?:-[а-яё+]+)*|[,.!?…;:—–]|(?<!\S)-(?!\S)")
#: Unstressed suffixes that move the fallback stress one syllable left (a documented guess).
_POSTTONIC_ENDINGS = ("ами", "ями", "ого", "его", "ому", "ему", "ыми", "ими", "ешь", "ет", "ся", "сь")
_THIRD_FROM_END = ("ами", "ями", "ого", "его", "ому", "ему", "ыми", "ими")


def fallback_stress(word: str) -> str:
    """Stress for a word no dictionary covers: the penultimate vowel, or the one before a
    common unstressed ending; ё always wins. A guess, documented in docs/russian.md."""
    vowels = [i for i, c in enumerate(word) if c in VOWELS]
    if len(vowels) < 2 or "+" in word:
        return word
    if "ё" in word:
        position = word.index("ё")
    elif word.endswith(_POSTTONIC_ENDINGS) and len(vowels) >= 3:
        position = vowels[-3] if word.endswith(_THIRD_FROM_END) else vowels[-2]
    else:
        position = vowels[-2]
    return word[:position] + "+" + word[position:]


def _mark_yo(word: str) -> str:
    """Put the mark before the first ё of a word of two or more vowels."""
    if vowel_count(word) < 2:
        return word
    position = word.index("ё")
    return word[:position] + "+" + word[position:]


#: What set a word's stress, as `explain` names it (highest authority first).
SOURCES = ("user mark", "user lexicon", "written ё", "homograph rule", "dictionary", "silero",
           "silero in context", "agreement check", "fallback rule", "monosyllable")


@dataclass(frozen=True)
class StressChoice:
    """One word (or hyphen part) of `explain`'s answer: its reading and what set it (a name of
    `SOURCES`; a homograph rule also names the rule, as in `homograph rule (genitive)`)."""

    word: str
    reading: str
    source: str


@dataclass
class _Part:
    """One hyphen part of a word: its letters, its reading so far, its token index, and the
    source of the reading (one of `SOURCES`)."""

    word: str
    reading: str
    token: int
    fixed: bool  # marked by the user, the user lexicon or a written ё: no model may change it
    source: str


def _initial_reading(part: str, listed: str | None) -> tuple[str, bool, str]:
    if "+" in part:
        return part, True, "user mark"
    if listed is not None:
        return listed, True, "user lexicon"
    if "ё" in part:
        return _mark_yo(part), True, "written ё"
    single = stress_dictionary.single_reading(part) if vowel_count(part) >= 2 else None
    if single is not None and set(silero.listed_readings(part)) <= {single}:  # not where silero knows another
        return single, False, "dictionary"
    reading = silero.word_stress(part)
    if not homographs.yo_allowed(reading, part):
        reading = reading.replace("ё", "е")  # a ё no form of the word is spelled with
    return reading, False, "silero"


def _candidates(part: _Part, contextual: str | None) -> set[str]:
    """Readings to choose from, each passing the agreement check."""
    found = {part.reading, *silero.listed_readings(part.word)}
    if contextual is not None:
        found.add(contextual)
    return {r for r in found if r != part.word and homographs.is_possible(r, part.word)}


def _resolve_in_context(parts: list[_Part], tokens: list[str], sentence: str) -> None:
    """silero's solver for the homographs it knows, then our rules and the agreement check."""
    open_parts = [p for p in parts if not p.fixed]
    contextual: list[str | None] = [None] * len(parts)
    if any(silero.is_context_word(p.word) for p in open_parts):
        solved = silero.sentence_readings(sentence[:1].upper() + sentence[1:], [p.word for p in parts])
        if solved is not None:
            contextual = [reading if reading != part.word else None for reading, part in zip(solved, parts)]
    for part, in_context in zip(parts, contextual):
        homograph = in_context is not None or silero.is_context_word(part.word) or homographs.is_ambiguous(part.word)
        if part.fixed or not (homograph or homographs.after_count_word(tokens, part.token)):
            continue
        candidates = _candidates(part, in_context)
        if part.source == "dictionary":
            pass  # the dictionary's one reading outranks silero's, in context or not
        elif in_context in candidates:
            part.reading, part.source = in_context, "silero in context"
        elif part.reading not in candidates and len(candidates) == 1:
            part.reading = next(iter(candidates))  # the current reading failed the agreement check
            part.source = "agreement check"
        decided = homographs.resolve(tokens, part.token, candidates | {part.reading})
        if decided is not None and homographs.is_possible(decided[0], part.word):
            part.reading, part.source = decided[0], f"homograph rule ({decided[1]})"


def _finish(part: _Part) -> StressChoice:
    """Monosyllables lose a model's mark (not a user's); unmarked words get the fallback rule."""
    reading = part.reading
    if vowel_count(part.word) <= 1:
        return StressChoice(part.word, reading if part.fixed else reading.replace("+", ""),
                            part.source if part.fixed else "monosyllable")
    if "+" in reading:
        return StressChoice(part.word, reading, part.source)
    return StressChoice(part.word, fallback_stress(reading), "fallback rule")


def _restore_case(original: str, reading: str) -> str:
    """`reading` (lower case) spelled with the capitals of `original` (`Замок` + `з+амок`)."""
    letters = iter(original.replace("+", ""))
    out = []
    for char in reading:
        if char == "+":
            out.append(char)
            continue
        source = next(letters, char)
        out.append(char.upper() if source.isupper() else char)
    return "".join(out)


def _choices(text: str) -> list[StressChoice]:
    """The reading of every word part of `text` (lower case), in order, with its source."""
    lower = text.lower()
    tokens = _TOKEN_RE.findall(lower)
    entries = user_lexicon.current()
    parts: list[_Part] = []
    for index, token in enumerate(tokens):
        if token[0] in ",.!?…;:—–-":
            continue
        whole = user_lexicon.lookup_in(entries, token) if "+" not in token else None
        words = [w for w in token.split("-") if w]
        listed = whole.split("-") if whole else [user_lexicon.lookup_in(entries, w) for w in words]
        for word, entry in zip(words, listed):
            reading, fixed, source = _initial_reading(word, entry)
            parts.append(_Part(word.replace("+", ""), reading, index, fixed, source))
    _resolve_in_context(parts, [t.replace("+", "") for t in tokens], lower.replace("+", ""))
    return [_finish(part) for part in parts]


def explain(text: str) -> list[StressChoice]:
    """What `accentuate` decides for each word part of `text` and which source decided it
    (`python -m GPT_SoVITS.text ru --explain "..."` prints it)."""
    return _choices(text)


def accentuate(text: str) -> str:
    """Return `text` with `+` before the stressed vowel of every word of two or more vowels.

    Any letter case is accepted (lookups are case-insensitive; capitals are kept); keeps user
    marks, stresses written ё, resolves homographs from the sentence, and leaves
    monosyllables unmarked unless the user marked them.
    """
    readings = iter(choice.reading for choice in _choices(text))

    def replace(match: re.Match[str]) -> str:
        return "-".join(_restore_case(piece, next(readings)) for piece in match.group(0).split("-") if piece)

    return WORD_RE.sub(replace, text)
