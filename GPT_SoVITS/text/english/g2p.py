"""English words -> ARPAbet phones of the v2 table (stress digits on vowels).

Order of sources for one written word: the user lexicon (Latin keys, `docs/russian.md`), the
CMU dictionary (first listed variant; heteronyms such as read/read take that first reading),
then structure: all-caps acronyms spelled by letter names unless the dictionary gives a word
reading (NASA), possessives (`'s`), hyphen parts (Wi-Fi), camel-case parts (YouTube), and
last the unknown-word model (`oov_model`). Every result is cached per spelling.
"""

from __future__ import annotations

import re
from functools import lru_cache

from GPT_SoVITS.text.english import cmudict, oov_model
from GPT_SoVITS.text.russian import user_lexicon

LETTER_NAMES = {
    "a": ("EY",), "b": ("B", "IY"), "c": ("S", "IY"), "d": ("D", "IY"), "e": ("IY",), "f": ("EH", "F"),
    "g": ("JH", "IY"), "h": ("EY", "CH"), "i": ("AY",), "j": ("JH", "EY"), "k": ("K", "EY"), "l": ("EH", "L"),
    "m": ("EH", "M"), "n": ("EH", "N"), "o": ("OW",), "p": ("P", "IY"), "q": ("K", "Y", "UW"), "r": ("AA", "R"),
    "s": ("EH", "S"), "t": ("T", "IY"), "u": ("Y", "UW"), "v": ("V", "IY"), "x": ("EH", "K", "S"),
    "y": ("W", "AY"), "z": ("Z", "IY"),
    "w": ("D", "AH", "B", "AH0", "L", "Y", "UW0"),
}
VOWELS = frozenset("AA AE AH AO AW AY EH ER EY IH IY OW OY UH UW".split())
_CAMEL = re.compile(r"[A-Z]{2,}(?![a-z])|[A-Z]?[a-z]+|[A-Z]")
_VOWEL_LETTERS = re.compile(r"[aeiouy]", re.IGNORECASE)
_VOICELESS_END = frozenset("P T K F TH".split())
_SIBILANT_END = frozenset("S Z SH ZH CH JH".split())


def _name(letter: str, stress: str) -> tuple[str, ...]:
    """A letter's name with `stress` on its (first) vowel; `w`'s later vowels stay unstressed."""
    phones = LETTER_NAMES[letter]
    out, marked = [], False
    for phone in phones:
        if phone in VOWELS and not marked:
            out.append(phone + stress)
            marked = True
        else:
            out.append(phone)
    return tuple(out)


def spell(letters: str) -> tuple[str, ...]:
    """Letter names, the last one stressed (`USB` -> Y UW2 EH2 S B IY1), as acronyms are said."""
    letters = [c for c in letters.lower() if c in LETTER_NAMES]
    return tuple(p for i, c in enumerate(letters) for p in _name(c, "1" if i == len(letters) - 1 else "2"))


def _unstressed(phones: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(p.rstrip("012") for p in phones)


def _acronym(word: str) -> tuple[str, ...]:
    """An all-caps word: the dictionary's letter-name variant, its word reading from 4 letters up
    (NASA, NATO), else letter names (IT, US and BBC are spelled, not read as `it`, `us`)."""
    spelled = spell(word)
    variants = cmudict.readings(word)
    for variant in variants:
        if _unstressed(variant) == _unstressed(spelled):
            return variant
    if variants and len(word) >= 4 and _VOWEL_LETTERS.search(word):
        return variants[0]
    if not variants and _pronounceable(word):
        predicted = oov_model.predict(word.lower())
        if predicted:
            return predicted
    return spelled


def _pronounceable(word: str) -> bool:
    """An unlisted all-caps word said as a word (COVID, JSON): four letters or more, two vowel
    letters or more and no run of three consonants (HTTPS, IEEE and CNN are spelled)."""
    lower = word.lower()
    return (len(lower) >= 4 and len(_VOWEL_LETTERS.findall(lower)) >= 2
            and not re.search(r"[^aeiouy]{3}", lower) and not re.search(r"([aeiou])\1\1", lower))


def _possessive(phones: tuple[str, ...]) -> tuple[str, ...]:
    last = phones[-1].rstrip("012") if phones else ""
    if last in _SIBILANT_END:
        return (*phones, "IH0", "Z")
    return (*phones, "S" if last in _VOICELESS_END else "Z")


def _lexicon(word: str) -> tuple[str, ...] | None:
    form = user_lexicon.lookup_in(user_lexicon.current(), word)
    return tuple(form.split()) if form is not None and form[:1].isupper() else None


@lru_cache(maxsize=65536)
def _word_phones(word: str) -> tuple[str, ...]:
    if len(word) > 1 and word.isupper() and word.isalpha():
        return _acronym(word)
    parts = _CAMEL.findall(word)
    if len(parts) > 1 and any(len(part) > 1 and part.isupper() for part in parts) and "'" not in word:
        return tuple(p for part in parts for p in word_phones(part))  # iOS, macOS: i + OS
    variants = cmudict.readings(word)
    if variants:
        return variants[0]
    if "-" in word:
        return tuple(p for part in word.split("-") if part for p in word_phones(part))
    if word.lower().endswith("'s") and len(word) > 2:
        return _possessive(word_phones(word[:-2]))
    if "'" in word:
        return word_phones(word.replace("'", ""))
    if len(parts) > 1:
        return tuple(p for part in parts for p in word_phones(part))
    if len(word) == 1:
        return _name(word.lower(), "1")
    if not _VOWEL_LETTERS.search(word):
        return spell(word)
    predicted = oov_model.predict(word.lower())
    return predicted if predicted else spell(word)


def word_phones(word: str) -> tuple[str, ...]:
    """ARPAbet phones of one written English word (letters, apostrophes, hyphens)."""
    from_lexicon = _lexicon(word)
    return from_lexicon if from_lexicon is not None else _word_phones(word)


user_lexicon.on_change(_word_phones.cache_clear)
