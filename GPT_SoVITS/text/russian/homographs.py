"""Homographs in context: our rules on neighbouring words, and checks on a word's readings.

silero's solver decides first (`stress.py`); these rules, built on pymorphy3's grammar (MIT,
OpenCorpora dictionary), overrule it only when the context fixes the grammatical form:
a preposition or `нет`/`ни` that takes the genitive, a numeral 2-4 (count form), an
adjective or pronoun whose number/case the noun must share, a pronoun or noun subject the
verb must agree with, an intensifier before a short adjective, a plural verb after a
sentence-initial noun. A form's reading comes from ё in pymorphy's spelling or from the
stress of a sibling form (the genitive singular is stressed like the instrumental). The
agreement check rejects a reading whose stress no form of the word's lexemes has, and ё
only where a form of the word is spelled with it. docs/russian.md §2 lists every rule.
"""

from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache
from os.path import commonprefix
from typing import Any, Callable

from GPT_SoVITS.text.russian import silero
from GPT_SoVITS.text.russian.lexicon import VOWELS

logger = logging.getLogger(__name__)

#: Prepositions (and the negations `нет`, `ни`) after which a noun is in the genitive.
GENITIVE_HEADS = frozenset(
    "у из от до без для около возле после кроме среди мимо вокруг вместо вдоль посреди напротив "
    "ради сверх внутри вне позади близ вблизи против нет ни".split()
)
COUNT_WORDS = frozenset("два две три четыре оба обе полтора полторы".split())
#: Masculine nouns whose count form is stressed on the ending (два час+а, три ряд+а, два шар+а).
COUNT_FORM_NOUNS = frozenset("час шаг ряд шар след".split())
PERSONAL_PRONOUNS = {
    "я": ("1per", "sing"), "ты": ("2per", "sing"), "мы": ("1per", "plur"), "вы": ("2per", "plur"),
    "он": ("3per", "sing"), "она": ("3per", "sing"), "оно": ("3per", "sing"), "они": ("3per", "plur"),
}
_PRONOUN_GENDER = {"он": "masc", "она": "femn", "оно": "neut"}
INTENSIFIERS = frozenset("очень совершенно совсем так слишком весьма вполне абсолютно довольно чересчур".split())
_CLAUSE_END = frozenset(",.!?…-")
_LOCK = threading.Lock()
_MORPH: dict[str, Any] = {}

Predicate = Callable[[Any], bool]
_LETTERS = re.compile(r"[а-яё]+")


def _analyzer() -> Any | None:
    with _LOCK:
        if "m" not in _MORPH:
            try:
                import pymorphy3
            except ImportError:
                logger.warning("pymorphy3 is not installed: homographs follow silero alone")
                _MORPH["m"] = None
            else:
                _MORPH["m"] = pymorphy3.MorphAnalyzer()
        return _MORPH["m"]


@lru_cache(maxsize=65536)
def parses(word: str) -> tuple[Any, ...]:
    """pymorphy3's dictionary analyses of a lower-case word (guesses for unknown words left out)."""
    analyzer = _analyzer()
    return tuple(p for p in analyzer.parse(word) if p.is_known) if analyzer is not None else ()


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
    """`reading_of` for every analysis of `word`, in `parses(word)` order (computed once)."""
    return tuple(reading_of(parse, word) for parse in parses(word))


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


def _clause_before(tokens: list[str], index: int) -> list[str]:
    words = []
    for token in reversed(tokens[:index]):
        if token in _CLAUSE_END:
            break
        words.append(token)
    return words  # nearest first


def _clause_after(tokens: list[str], index: int) -> list[str]:
    words = []
    for token in tokens[index + 1:]:
        if token in _CLAUSE_END:
            break
        words.append(token)
    return words


@lru_cache(maxsize=65536)
def _lexemes(word: str) -> frozenset[str]:
    """Lemmas of `word` that pymorphy3 finds plausible (summed analysis score at least 5 %):
    `стрелки` is стрелка and стрелок, `стены` only стена (the surname-like стен is ignored)."""
    scores: dict[str, float] = {}
    for parse in parses(word):
        scores[parse.normal_form] = scores.get(parse.normal_form, 0.0) + parse.score
    return frozenset(lemma for lemma, score in scores.items() if score >= 0.05)


def _single_lemma(word: str) -> bool:
    """Every analysis is a form of one word (`пары` is not: пара and, rarely, пар), so two
    readings silero lists for it are two forms of that word."""
    return len({p.normal_form for p in parses(word)}) == 1


@lru_cache(maxsize=65536)
def _has_pos(word: str, *pos: str) -> bool:
    return any(p.tag.POS in pos for p in parses(word))


def _modifier_rule(modifier: str) -> Predicate | None:
    """A noun agrees in number (and, singular, in case) with the adjective or pronoun before it."""
    forms = [p.tag for p in parses(modifier) if p.tag.POS in ("ADJF", "PRTF")]
    numbers = {tag.number for tag in forms}
    if numbers == {"plur"}:
        return lambda p: p.tag.number == "plur"
    if numbers == {"sing"}:
        cases = {tag.case for tag in forms}
        return lambda p: p.tag.number == "sing" and p.tag.case in cases
    return None


def _verb_agrees(person: str, number: str, gender: str | None) -> Predicate:
    def agrees(parse: Any) -> bool:
        tag = parse.tag
        if tag.POS not in ("VERB", "ADJS", "PRTS"):
            return False
        if tag.tense == "past" or tag.POS != "VERB":
            return tag.number == number and (number == "plur" or gender is None or tag.gender == gender)
        return tag.person == person and tag.number == number

    return agrees


def _transitive_verb(word: str) -> bool:
    """A finite transitive verb: an animate noun right after it is its object in the
    accusative ("ждали уч+ителя"; an animate plural object would read учителей)."""
    verbs = [p.tag for p in parses(word) if p.tag.POS == "VERB"]
    return bool(verbs) and len(verbs) == len(parses(word)) and all("tran" in tag for tag in verbs)


def _subject_rule(subject: str) -> Predicate | None:
    """The verb after a pronoun or a nominative noun subject agrees with it."""
    if subject in PERSONAL_PRONOUNS:
        person, number = PERSONAL_PRONOUNS[subject]
        return _verb_agrees(person, number, _PRONOUN_GENDER.get(subject))
    nouns = [p.tag for p in parses(subject) if p.tag.POS == "NOUN"]
    if nouns and all(tag.case == "nomn" for tag in nouns) and len({(t.number, t.gender) for t in nouns}) == 1:
        return _verb_agrees("3per", nouns[0].number, nouns[0].gender)
    return None


def _plural_verb_follows(tokens: list[str], index: int) -> Predicate | None:
    """A sentence-initial noun followed by a plural verb is its plural subject."""
    for word in _clause_after(tokens, index)[:4]:
        verbs = [p.tag for p in parses(word) if p.tag.POS == "VERB" and p.tag.mood == "indc"]
        if verbs:
            if all(tag.number == "plur" for tag in verbs):
                return lambda p: p.tag.POS == "NOUN" and p.tag.number == "plur" and p.tag.case == "nomn"
            return None
        if word in PERSONAL_PRONOUNS or any(p.tag.POS in ("NOUN", "NPRO") and p.tag.case == "nomn" for p in parses(word)):
            return None  # the verb may agree with that word instead ("Дома мы пили чай")
    return None


def context_rule(tokens: list[str], index: int) -> tuple[str, Predicate] | None:
    """The first rule that fires for tokens[index]: (its name, which analyses it allows)."""
    before = _clause_before(tokens, index)
    modifiers = 0
    while modifiers < len(before) and _has_pos(before[modifiers], "ADJF", "PRTF") and before[modifiers] not in COUNT_WORDS:
        modifiers += 1
    head = before[modifiers] if modifiers < len(before) else None
    if head in GENITIVE_HEADS:
        return "genitive", lambda p: p.tag.case in ("gent", "gen2")
    if head in COUNT_WORDS:
        return "count", lambda p: True
    if modifiers:
        rule = _modifier_rule(before[0])
        if rule is not None:
            return "agreement", rule
        if head is not None:
            return None
        rule = _plural_verb_follows(tokens, index)  # "Её глаза сияли": её fits any number
        return ("plural subject", rule) if rule is not None else None
    if before and before[0] in INTENSIFIERS:
        return "short adjective", lambda p: p.tag.POS in ("ADJS", "COMP")
    subject = before[1] if len(before) > 1 and _has_pos(before[0], "ADVB") and before[0] not in INTENSIFIERS else (before[0] if before else None)
    if subject is not None and _transitive_verb(subject):
        return "animate object", lambda p: p.tag.case == "accs" and p.tag.animacy == "anim"
    if subject is not None:
        rule = _subject_rule(subject)
        return ("subject", rule) if rule is not None else None
    rule = _plural_verb_follows(tokens, index)
    return ("plural subject", rule) if rule is not None else None


def _count_form(word: str, readings: set[str]) -> str | None:
    """The reading after 2-4: masculine/neuter genitive singular, except the nouns with an
    end-stressed count form; feminine nominative plural."""
    nouns = [p for p in parses(word) if p.tag.POS == "NOUN" and p.tag.case == "gent" and p.tag.number == "sing"]
    if len({p.normal_form for p in nouns}) != 1:
        return None
    genitive = reading_of(nouns[0], word)
    if nouns[0].tag.gender == "femn":  # the nominative plural: spelled with ё (две с+ёстры), or
        # silero's other reading when every analysis is a form of this one noun (две р+уки)
        plural = [p for p in parses(word) if p.normal_form == nouns[0].normal_form and p.tag.number == "plur"]
        known = {reading_of(p, word) for p in plural}
        if len(known) == 1 and None not in known:
            return known.pop()
        one_noun = _single_lemma(word)
        others = {r for r in readings if r != genitive}
        return others.pop() if one_noun and genitive is not None and len(others) == 1 else None
    if nouns[0].normal_form in COUNT_FORM_NOUNS:
        last = max(i for i, c in enumerate(word) if c in VOWELS)
        return word[:last] + "+" + word[last:]
    return genitive


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
        chosen = _count_form(word, readings)
        return (chosen, name) if chosen else None
    analyses = parses(word)
    allowed_flags = [allowed(p) for p in analyses]
    if not any(allowed_flags) or all(allowed_flags):
        return None
    readings_of = _readings(word)
    kept_readings = {r for r, ok in zip(readings_of, allowed_flags) if ok}
    if len(kept_readings) == 1 and None not in kept_readings:
        return kept_readings.pop(), name
    # An unknown kept reading is told apart by exclusion only when that is sound: the kept
    # forms are spelled without ё, so they are none of the ё readings (мы моем -> м+оем); or
    # silero lists two readings and one is excluded, where the word is forms of one noun
    # (эти з+имы) or a short adjective after an intensifier against a noun's form (очень
    # добр+а against д+обра: a short adjective and a noun of another lexeme).
    excluded = {r for r, ok in zip(readings_of, allowed_flags) if not ok} - {None}
    if kept_readings != {None} or not excluded:
        return None
    listed = set(silero.listed_readings(word))
    if all("ё" in r for r in excluded):
        left = {r for r in readings if "ё" not in r}
    elif len(listed) == 2 and _single_lemma(word):
        left = listed - excluded
    elif len(listed) == 2 and name == "short adjective":
        left = listed - excluded
    else:
        return None
    return (left.pop(), name) if len(left) == 1 else None


@lru_cache(maxsize=65536)
def is_ambiguous(word: str) -> bool:
    """Whether pymorphy3's analyses of `word` may differ in stress: other words, other parts of
    speech, singular against plural, or a spelling with ё (cases alone share one form)."""
    return len({(p.normal_form, p.tag.POS, p.tag.number, p.word) for p in parses(word)}) > 1


def after_count_word(tokens: list[str], index: int) -> bool:
    """Whether a numeral 2-4 stands before tokens[index] (through adjectives)."""
    if not COUNT_WORDS.intersection(tokens[max(0, index - 3):index]):
        return False
    fired = context_rule(tokens, index)
    return fired is not None and fired[0] == "count"

