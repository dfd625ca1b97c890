"""Homographs in context: readings of a word's grammatical forms, the choice among them that
the context allows, and checks on a word's readings.

silero's solver decides first (`stress.py`); `context.py` says which pymorphy3 analyses the
neighbouring words allow, and `resolve` turns them into a reading where that is sound. A
form's reading comes from ё in pymorphy's spelling or from the stress of a sibling form (the
genitive singular is stressed like the instrumental). The agreement check rejects a reading
whose stress no form of the word's lexemes has, and ё only where a form of the word is
spelled with it. docs/russian.md §2 lists every rule.
"""

from __future__ import annotations

import re
from functools import lru_cache
from os.path import commonprefix
from typing import Any

from GPT_SoVITS.text.russian import silero, stress_dictionary
from GPT_SoVITS.text.russian.context import after_count_word, context_rule
from GPT_SoVITS.text.russian.lexicon import VOWELS
from GPT_SoVITS.text.russian.morphology import form_key, parses, plausible_lemmas

__all__ = ["after_count_word", "context_rule", "is_ambiguous", "is_possible", "parses", "resolve", "yo_allowed"]

#: Masculine nouns whose count form is stressed on the ending (два час+а, три ряд+а, два шар+а).
COUNT_FORM_NOUNS = frozenset("час шаг ряд шар след".split())
_LETTERS = re.compile(r"[а-яё]+")
#: pymorphy3 grammemes of proper names: such an analysis of a lower-case word gives no reading
#: and may hide one (`ирис` is also the plural of the name Ириса).
_PROPER_NAMES = frozenset({"Name", "Surn", "Patr", "Geox", "Orgn", "Trad"})


def _plain(word: str) -> str:
    return word.replace("+", "").replace("ё", "е")


def map_stress(reference: str, word: str) -> str | None:
    """Carry the stress of a marked sibling form onto `word`: the same stem vowel, or the
    ending when the sibling is stressed on its ending (`уч+ителем` -> `уч+ителя`)."""
    if "+" not in reference:
        return None
    position = reference.index("+")
    stem = len(commonprefix([_plain(reference), word.replace("ё", "е")]))
    if position < stem:
        return word[:position] + "+" + word[position:]
    vowel = next((i for i in range(stem, len(word)) if word[i] in VOWELS), None)
    return None if vowel is None else word[:vowel] + "+" + word[vowel:]


def _yo_reading(form: str) -> str:
    index = form.index("ё")
    return form[:index] + "+" + form[index:]


def _sibling(parse: Any, grammemes: set[str]) -> str | None:
    other = parse.inflect(grammemes)
    return other.word if other is not None and _plain(other.word) != _plain(parse.word) else None


@lru_cache(maxsize=65536)
def _readings(word: str) -> tuple[str | None, ...]:
    """`reading_of` for every analysis of `word`, in `parses(word)` order (computed once). An
    analysis without a reading of its own shares that of another analysis of the same form
    (`паром` nominative like accusative: пар+ом)."""
    analyses = parses(word)
    own = [reading_of(parse, word) for parse in analyses]
    by_form: dict[Any, set[str]] = {}
    for parse, reading in zip(analyses, own):
        if reading is not None and form_key(parse) is not None:
            by_form.setdefault(form_key(parse), set()).add(reading)
    shared = []
    for parse, reading in zip(analyses, own):
        same_form = by_form.get(form_key(parse), set()) if form_key(parse) is not None else set()
        shared.append(reading if reading is not None or len(same_form) != 1 else next(iter(same_form)))
    return tuple(shared)


def reading_of(parse: Any, word: str) -> str | None:
    """The stressed reading of one analysis of `word`, when its form or a sibling tells it."""
    if "ё" in parse.word:
        return _yo_reading(parse.word)
    tag = parse.tag
    # a noun's singular cases share the stress of its instrumental (рук+и рук+е рук+ой), except
    # the feminine accusative (р+уку), the second locative and a masculine nominative
    oblique = tag.case in ("gent", "datv", "ablt", "loct") or (
        tag.case == "nomn" and tag.gender != "masc") or (tag.case == "accs" and tag.gender != "femn")
    if tag.POS == "NOUN" and tag.number == "sing" and oblique:
        sibling = _sibling(parse, {"sing", "ablt" if tag.case != "ablt" else "datv"})
    elif tag.POS == "ADJF" and tag.case is not None:
        sibling = _sibling(parse, {"masc", "sing", "gent"} if tag.case != "gent" else {"masc", "sing", "datv"})
    elif tag.POS == "NOUN" and tag.number == "plur" and tag.gender == "masc" and word[-1] in "ая":
        return word[:-1] + "+" + word[-1]  # дом+а, учител+я: masculine plurals in -а/-я end-stressed
    else:
        return None
    if sibling is None or silero.listed_readings(sibling):
        return None  # the sibling is itself a stress homograph (дорогой: noun or adjective)
    return map_stress(silero.word_stress(sibling), word)


@lru_cache(maxsize=8192)
def _stress_profile(word: str) -> tuple[tuple[int, int], ...]:
    """(shared prefix length, stressed position) for every other form of `word`'s lexemes."""
    forms = {form.word for parse in parses(word) for form in parse.lexeme[:60]} - {word}
    forms = sorted(form for form in forms if _LETTERS.fullmatch(form) and sum(c in VOWELS for c in form) >= 2)
    marked = silero.words_stress(forms)
    return tuple(
        (len(commonprefix([_plain(m), word.replace("ё", "е")])), m.index("+")) for m in marked if "+" in m
    )


def yo_allowed(reading: str, word: str) -> bool:
    """ё restored into `word` only where pymorphy3 spells some form of it so (all words it
    does not know pass): a model's ё in `сестры` is right (сёстры), one in `небо` is not."""
    if "ё" not in reading or "ё" in word or not parses(word):
        return True
    return any(reading.replace("+", "") == p.word for p in parses(word))


@lru_cache(maxsize=65536)
def is_possible(reading: str, word: str) -> bool:
    """The agreement check: the stress falls where some form of the word's lexemes has it (the
    same stem vowel, or somewhere in the ending), and ё stands only where a form has it.

    Readings silero's homograph dictionary lists are dictionary readings and always pass; so
    does anything for a word one of whose analyses has no other forms to compare with
    (`после`, `виски`: a preposition, an indeclinable noun).
    """
    if "ё" in reading and "+" in reading and reading[reading.index("+") + 1] != "ё":
        return False  # ё is always stressed
    if reading in silero.listed_readings(word) or any(len(p.lexeme) < 2 for p in parses(word)):
        return True
    if not yo_allowed(reading, word):
        return False
    if "+" not in reading:
        return True
    return _fits_profile(reading, _stress_profile(word))


def _fits_profile(reading: str, profile: tuple[tuple[int, int], ...]) -> bool:
    if not profile or "+" not in reading:
        return True
    position = reading.index("+")
    return any((position < stem and stressed == position) or (position >= stem and stressed >= stem)
               for stem, stressed in profile)


def _single_lemma(word: str) -> bool:
    """Every analysis is a form of one word (`пары` is not: пара and, rarely, пар), so two
    readings silero lists for it are two forms of that word."""
    return len({p.normal_form for p in parses(word)}) == 1


def _count_form(word: str) -> str | None:
    """The reading after 2-4: the genitive singular's stress, in every gender (the old dual:
    `три г+ода`, `два письм+а`, `три сестр+ы`, `две рук+и`; D. E. Rosenthal, *Говорите и
    пишите по-русски правильно*: "три высоких горы́, две младших сестры́"), except the
    masculine nouns with an end-stressed count form (`два час+а`)."""
    lemmas = plausible_lemmas(word)
    nouns = [p for p in parses(word) if p.tag.POS == "NOUN" and p.tag.case == "gent" and p.tag.number == "sing"
             and p.normal_form in lemmas]
    if len({p.normal_form for p in nouns}) != 1:
        return None
    if nouns[0].normal_form in COUNT_FORM_NOUNS:
        last = max(i for i, c in enumerate(word) if c in VOWELS)
        return word[:last] + "+" + word[last:]
    return _readings(word)[parses(word).index(nouns[0])]


def resolve(tokens: list[str], index: int, readings: set[str]) -> tuple[str, str] | None:
    """(reading, rule name) for tokens[index] when a context rule decides between its readings.

    `readings` are the candidates already known (silero's); derived readings may be added.
    """
    word = tokens[index]
    fired = context_rule(tokens, index)
    if fired is None:
        return None
    name, allowed = fired
    if name == "count":
        chosen = _count_form(word)
        return (chosen, name) if chosen else None
    analyses = parses(word)
    allowed_flags = [allowed(p) for p in analyses]
    if not any(allowed_flags) or all(allowed_flags):
        return None
    readings_of = _readings(word)
    kept_readings = {r for r, ok in zip(readings_of, allowed_flags) if ok}
    if len(kept_readings) == 1 and None not in kept_readings:
        return kept_readings.pop(), name
    chosen = _by_exclusion(word, name, readings, [p for p, ok in zip(analyses, allowed_flags) if ok])
    return (chosen, name) if chosen is not None else None


def _by_exclusion(word: str, rule: str, readings: set[str], kept: list[Any]) -> str | None:
    """The one reading left once the excluded forms' readings are struck out, where that is
    sound: the kept forms are spelled without ё, so they are none of the ё readings (мы моем
    -> м+оем); or silero lists two readings and one belongs to an excluded form, where the
    word is forms of one noun (эти з+имы), or a short adjective after an intensifier stands
    against a noun's form (очень добр+а, not д+обра), or the kept analyses are one form of one
    lemma and every excluded form's reading is known (`Паром!`: not п+аром, the instrumental
    of пар; `Горы окутал туман`: not гор+ы, the genitive). Proper-name analyses of a
    lower-case word are left out on both sides."""
    common = [p for p in parses(word) if not _PROPER_NAMES & p.tag.grammemes]
    kept_forms = {form_key(p) for p in kept if p in common}
    truly_excluded = [r for p, r in zip(parses(word), _readings(word))
                      if p in common and p not in kept and (form_key(p) is None or form_key(p) not in kept_forms)]
    excluded = set(truly_excluded) - {None}
    known_kept = {r for p, r in zip(parses(word), _readings(word)) if p in kept} - {None}
    if not excluded or len(known_kept) > 1:
        return None
    silero_listed = set(silero.listed_readings(word))
    listed = silero_listed | set(stress_dictionary.readings(word))
    one_form = len(kept_forms) == 1 and None not in kept_forms and None not in truly_excluded
    if not known_kept and all("ё" in r for r in excluded):
        left = {r for r in readings if "ё" not in r}
    elif len(silero_listed) == 2 and (_single_lemma(word) or one_form or rule == "short adjective"):
        left = silero_listed - excluded
    elif one_form and len(listed - excluded) == 1:
        left = listed - excluded  # the dictionary lists every reading of the spelling: `бабушка с+ела`
    else:
        return None
    return left.pop() if len(left) == 1 and known_kept <= left else None


@lru_cache(maxsize=65536)
def is_ambiguous(word: str) -> bool:
    """Whether pymorphy3's analyses of `word` may differ in stress: other words, other parts of
    speech, singular against plural, or a spelling with ё (cases alone share one form)."""
    return len({(p.normal_form, p.tag.POS, p.tag.number, p.word) for p in parses(word)}) > 1
