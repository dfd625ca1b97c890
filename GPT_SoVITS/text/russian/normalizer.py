"""Russian text normalisation: raw text -> lower-case Cyrillic words, stress marks and v2 punctuation.

Unicode clean-up, clock times (`18:30` read without a pause), then ru-normalizr (MIT,
offline) for numbers with case agreement, dates, currency, abbreviations and Latin words, then our own fallbacks and the
mapping of punctuation onto v2's symbols `, . ! ? - …`. A number too long to read as a
number, or with leading zeros, is read digit by digit. Characters that cannot be spoken are
removed and counted (`NormalizedText.removed`, quotes excepted), never silently. No stress or phones here.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from GPT_SoVITS.text.russian import lexicon
from GPT_SoVITS.text.russian.optional_library import build_once
from GPT_SoVITS.text.russian.translit import transliterate_latin
from GPT_SoVITS.text.spacing import tidy_spacing

logger = logging.getLogger(__name__)

PUNCTUATION = frozenset(",.!?-…")
_ACUTE = "\u0301"
_VOWEL_CLASS = "аоуыэияюеёАОУЫЭИЯЮЕЁ"
_SPACES = re.compile(r"[\u00a0\u2000-\u200b\u202f\u205f\u3000\t\r\n]+")
_CHAR_MAP = str.maketrans({
    "«": '"', "»": '"', "„": '"', "“": '"', "”": '"', "‘": "'", "’": "'", "‚": "'",
    "−": "-", "‐": "-", "‑": "-",
})
_DASHES = re.compile(r"\s*[—–‒―]\s*|(?<=\s)-(?=\s)|^-\s+")
_ABBREVIATIONS = (
    (r"т\.\s?е\.", "то есть"), (r"т\.\s?д\.", "так далее"), (r"т\.\s?п\.", "тому подобное"),
    (r"т\.\s?к\.", "так как"), (r"т\.\s?н\.", "так называемый"), (r"др\.", "другие"), (r"ул\.", "улица"), (r"руб\.", "рублей"),
    (r"им\.", "имени"), (r"см\.(?=\s*[а-яё])", "смотри"), (r"рис\.", "рисунок"), (r"стр\.", "страница"),
    (r"коп\.", "копеек"), (r"г\.", "год"), (r"млн\b", "миллионов"), (r"млрд\b", "миллиардов"),
    (r"кг\b", "килограммов"), (r"км\b", "километров"), (r"см\b", "сантиметров"),
)
_ABBREVIATION_RES = tuple((re.compile(r"(?<![а-яё])" + pattern), text) for pattern, text in _ABBREVIATIONS)
_PUNCT_MAP = str.maketrans({";": ",", ":": ",", "(": ",", ")": ",", "[": ",", "]": ",", "{": ",", "}": ","})
_KEEP = re.compile(r"[а-яё+\-,.!?… ]")
#: Text with none of these goes around ru-normalizr (it would return it unchanged, slower).
_NEEDS_LIBRARY = re.compile(
    r"[0-9a-zA-Z%№$€₽£¥@#&*/=<>_§°^~|\\]|(?<![а-яёА-ЯЁ])[а-яёА-ЯЁ]{1,4}\.|[А-ЯЁ]{2,}|\+(?![аоуыэияюеёАОУЫЭИЯЮЕЁ])"
)


@dataclass(frozen=True)
class NormalizedText:
    """Normalised text (with user `+` stress marks) and the characters removed, by count."""

    text: str
    removed: dict[str, int] = field(default_factory=dict)

    @property
    def plain(self) -> str:
        """The text without stress marks (what `norm_text` holds)."""
        return self.text.replace("+", "")


def _build_library_normalizer() -> Any:
    from ru_normalizr import NormalizeOptions, Normalizer

    # "single": США is "сэ шэ а", not the TTS profile's default "сэ шэ аа"
    return Normalizer(NormalizeOptions.tts(letter_vowel_mode="single"))


def _library_normalizer() -> Any | None:
    """ru-normalizr's TTS profile, built once; None if the package is missing."""
    return build_once("ru-normalizr", _build_library_normalizer, "numbers will not be expanded")


def clean_unicode(text: str) -> str:
    """NFC, acute accents -> `+` before the vowel, one kind of quote, dash and space."""
    text = unicodedata.normalize("NFC", text)
    text = re.sub(f"([{_VOWEL_CLASS}]){_ACUTE}", r"+\1", text).replace(_ACUTE, "")
    text = text.translate(_CHAR_MAP)
    return _SPACES.sub(" ", text)


def _expand_leftovers(text: str) -> str:
    """Abbreviations ru-normalizr left in place (rare without a number before them)."""
    for pattern, expansion in _ABBREVIATION_RES:
        text = pattern.sub(expansion, text)
    return text


#: Marks that are not read aloud by convention; dropping them loses nothing (not counted).
_SILENT = frozenset("\"'`")
_DIGIT_NAMES = "ноль один два три четыре пять шесть семь восемь девять".split()
# A number ru-normalizr leaves (34+ digits) or would shorten (leading zeros: "007").
_LONG_NUMBER = re.compile(r"\d{34,}")
_LEADING_ZEROS = re.compile(r"(?<![\d.,])0\d+(?![.,]?\d)")


def spell_digits(digits: str) -> str:
    """`"007"` -> `"ноль ноль семь"`: a number read digit by digit."""
    return " ".join(_DIGIT_NAMES[int(digit)] for digit in digits if digit.isdigit())


_UNITS = ("ноль один два три четыре пять шесть семь восемь девять десять одиннадцать двенадцать тринадцать "
          "четырнадцать пятнадцать шестнадцать семнадцать восемнадцать девятнадцать").split()
_TENS = {2: "двадцать", 3: "тридцать", 4: "сорок", 5: "пятьдесят"}
#: A clock time H:MM or HH:MM (hours 0-23), not part of a longer number or of H:MM:SS.
_TIME = re.compile(r"(?<![\d:.,])([01]?\d|2[0-3]):([0-5]\d)(?![\d]|:\d)")


def _cardinal(number: int, feminine: bool = False) -> str:
    """0-59 in words, nominative (`одна`, `две` for a feminine noun such as минута)."""
    words = [_UNITS[number]] if number < 20 else [_TENS[number // 10]] + ([_UNITS[number % 10]] if number % 10 else [])
    if feminine and words[-1] in ("один", "два"):
        words[-1] = {"один": "одна", "два": "две"}[words[-1]]
    return " ".join(words)


def read_time(match: re.Match[str]) -> str:
    """`18:30` -> `восемнадцать тридцать`, `10:05` -> `десять ноль пять`, `9:00` -> `девять ноль
    ноль`: hours and minutes in one breath, as a clock time is said. ru-normalizr would put a
    comma (a pause) between them (`восемнадцать, тридцать`), so times are read here first."""
    hours, minutes = int(match.group(1)), match.group(2)
    if minutes == "00":
        spoken = "ноль ноль"
    elif minutes[0] == "0":
        spoken = "ноль " + _cardinal(int(minutes[1]), feminine=True)
    else:
        spoken = _cardinal(int(minutes), feminine=True)
    return f"{_cardinal(hours)} {spoken}"


def _map_punctuation(text: str, removed: Counter) -> str:
    """Map punctuation onto v2's symbols and drop what cannot be spoken, counting all but quotes."""
    text = _DASHES.sub(" - ", text)
    text = re.sub(r"\.{3,}", "…", text).translate(_PUNCT_MAP)
    text = re.sub(r"\+(?![аоуыэияюеё])", "", text)
    kept = []
    for char in text:
        if _KEEP.match(char):
            kept.append(char)
        else:
            if char not in _SILENT:
                removed[char] += 1
            kept.append(" ")
    return "".join(kept)


_STRESS_MARK = re.compile(f"\\+(?=[{_VOWEL_CLASS}])")  # a `+` before a digit is a sign, not a mark
_MARKED_WORD = re.compile(f"[а-яёА-ЯЁ]*(?:\\+[{_VOWEL_CLASS}][а-яёА-ЯЁ]*)+")
_WORD = re.compile(r"[а-яё]+")


def _normalize_keeping_marks(library: Any, text: str) -> str:
    """Run ru-normalizr on `text` without the user's `+` marks, then put them back.

    A mark inside a word breaks the library's morphology ("2 з+амка" would agree as
    "двух замок"), so marked words are given to it plain and re-marked afterwards, in order.
    """
    marked = [word.lower() for word in _MARKED_WORD.findall(text)]
    if not marked:
        return library.normalize(text)
    pending: dict[str, list[str]] = {}
    for word in marked:
        pending.setdefault(word.replace("+", ""), []).append(word)
    plain = library.normalize(_STRESS_MARK.sub("", text)).lower()

    def restore(match: re.Match) -> str:
        queue = pending.get(match.group(0))
        return queue.pop(0) if queue else match.group(0)

    return _WORD.sub(restore, plain)


_CAPS_WORD = re.compile(r"(?<![а-яёА-ЯЁ])[А-ЯЁ]{2,}(?![а-яёА-ЯЁ])")
_LETTER_NAME_FIXES = {"же": "жэ", "зз": "зэ"}  # ru-normalizr's ЖКХ "же" is the particle's spelling


@lru_cache(maxsize=4096)
def _letter_reading(token: str) -> str | None:
    """ru-normalizr's reading of an all-caps word when it spells it letter by letter (США)."""
    library = _library_normalizer()
    words = library.normalize(token).lower().split() if library is not None else []
    spelled = len(words) == len(token) >= 2 and {_LETTER_NAME_FIXES.get(w, w) for w in words} <= lexicon.LETTER_NAMES
    return " ".join(words) if spelled else None


def _spell_abbreviations(source: str, normalized: str) -> str:
    """Join each spelled-out abbreviation into one word stressed on its last letter.

    `США` -> `сэ-шэ-+а`, `МГУ` -> `эм-гэ-+у`, as Russians say them: one phonetic word whose
    last letter name carries the stress; the G2P keeps the other names unstressed, unreduced.
    """
    position = 0
    for token in _CAPS_WORD.findall(source):
        reading = _letter_reading(token)
        if reading is None:
            continue
        match = re.compile(rf"(?<![а-яё+-]){re.escape(reading)}(?![а-яё+-])").search(normalized, position)
        if match is None:
            continue
        names = [_LETTER_NAME_FIXES.get(name, name) for name in reading.split()]
        last = names[-1]
        vowel = next(i for i, letter in enumerate(last) if letter in lexicon.VOWELS)
        chain = "-".join([*names[:-1], f"{last[:vowel]}+{last[vowel:]}"])
        normalized = normalized[: match.start()] + chain + normalized[match.end():]
        position = match.start() + len(chain)
    return normalized


def normalize(text: str) -> NormalizedText:
    """Normalise raw Russian `text` for stress and G2P (see the module docstring)."""
    text = clean_unicode(text)
    text = _TIME.sub(read_time, text)
    text = _LEADING_ZEROS.sub(lambda match: f" {spell_digits(match.group(0))} ", text)
    text = _LONG_NUMBER.sub(lambda match: f" {spell_digits(match.group(0))} ", text)
    source = text
    library = _library_normalizer() if _NEEDS_LIBRARY.search(text) else None
    if library is not None:
        text = _spell_abbreviations(source, _normalize_keeping_marks(library, text).lower())
    text = _expand_leftovers(text.lower())
    text = transliterate_latin(text)
    text = re.sub(r"\d+", lambda match: f" {spell_digits(match.group(0))} ", text)  # any the library left
    removed: Counter = Counter()
    text = tidy_spacing(_map_punctuation(text, removed), "а-яё+")
    if removed:
        logger.info("normalisation removed %d character(s): %s", sum(removed.values()), dict(removed))
    return NormalizedText(text, dict(removed))
