"""A tiny test language `xx`: each letter becomes an ARPAbet phone of the v2 table.

Vowels map to `AA1`, other letters to `K`, `,`/`.` stay; `#` becomes the phone `#`, which no
table has, so tests can provoke an unknown-symbol error. word2ph counts phones per word.
"""

from __future__ import annotations

from GPT_SoVITS.text import languages
from GPT_SoVITS.text.languages import CleanedText, Language

VOWELS = set("aeiouy")


def _phone(char: str) -> str:
    if char in ",.#":
        return char
    return "AA1" if char in VOWELS else "K"


def clean(text: str) -> CleanedText:
    norm = " ".join(text.lower().split())
    words = [word for word in norm.split(" ") if word]
    phones_per_word = [[_phone(char) for char in word] for word in words]
    phones = [phone for word in phones_per_word for phone in word]
    return CleanedText(phones, [len(word) for word in phones_per_word], norm)


XX = Language(code="xx", aliases=("XX",), frontend="tests.prepare.fake_frontend:clean", inventory=None)


def clean_with_latin(text: str, latin: str) -> CleanedText:
    """`xl`: like `xx`, with a Latin mode (as Russian has); `translit` reads every Latin letter as `K`."""
    cleaned = clean(text)
    if latin != "translit":
        return cleaned
    phones = ["K" if char.isascii() and char.isalpha() else _phone(char) for char in cleaned.norm_text if char != " "]
    return CleanedText(phones, cleaned.word2ph, cleaned.norm_text)


XL = Language(code="xl", aliases=(), frontend="tests.prepare.fake_frontend:clean_with_latin", inventory=None, takes_latin=True)


def register(monkeypatch) -> None:
    """Register `xx` and `xl` for one test only (monkeypatch restores the registry afterwards)."""
    registry = languages._LANGUAGES  # the registry has no public unregister; tests must not leak `xx`
    for spelling in (XX.code, *XX.aliases):
        monkeypatch.setitem(registry, spelling, XX)
    monkeypatch.setitem(registry, XL.code, XL)
