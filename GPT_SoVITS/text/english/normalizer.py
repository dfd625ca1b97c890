"""English text normalisation: raw text -> words (case kept, for acronyms) and v2 punctuation.

Numbers, ordinals (21st), years (1999), decimals, percent and currency ($5, £3.50, €10) are
read with num2words (LGPL-2.1, already installed with ru-normalizr), common abbreviations
(Mr., Dr., e.g., etc.) are expanded; all-caps words stay as written so the G2P can spell them.
Characters that cannot be spoken are removed and counted, as for Russian, never silently.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from num2words import num2words

from GPT_SoVITS.text.spacing import tidy_spacing

PUNCTUATION = frozenset(",.!?-…")
WORD = r"[A-Za-z]+(?:'[A-Za-z]+)*(?:-[A-Za-z]+(?:'[A-Za-z]+)*)*"
TOKEN_RE = re.compile(rf"{WORD}|[,.!?…-]")

_CHAR_MAP = str.maketrans({
    "«": '"', "»": '"', "“": '"', "”": '"', "‘": "'", "’": "'", "‚": "'", "−": "-", "‐": "-", "‑": "-",
    ";": ",", ":": ",", "(": ",", ")": ",", "[": ",", "]": ",", "{": ",", "}": ",",
})
_ABBREVIATIONS = (
    (r"\bMrs\.", "missus"), (r"\bMr\.", "mister"), (r"\bMs\.", "miss"), (r"\bDr\.", "doctor"),
    (r"\bSt\.", "saint"), (r"\bProf\.", "professor"), (r"\bJr\.", "junior"), (r"\bSr\.", "senior"),
    (r"\bvs\.?(?=\s)", "versus"), (r"\be\.g\.", "for example"), (r"\bi\.e\.", "that is"),
    (r"\betc\.", "et cetera"), (r"\bNo\.(?=\s*\d)", "number"), (r"\bapprox\.", "approximately"),
)
_ABBREVIATION_RES = tuple((re.compile(pattern), text) for pattern, text in _ABBREVIATIONS)
_SYMBOLS = {"&": " and ", "@": " at ", "%": " percent ", "+": " plus ", "=": " equals ", "#": " number "}
_CURRENCY = {"$": ("dollar", "dollars", "cent", "cents"), "£": ("pound", "pounds", "penny", "pence"),
             "€": ("euro", "euros", "cent", "cents")}
_CURRENCY_RE = re.compile(r"([$£€])\s?(\d[\d,]*)(?:\.(\d{1,2}))?")
_ORDINAL_RE = re.compile(r"\b(\d+)(st|nd|rd|th)\b", re.IGNORECASE)
_YEAR_RE = re.compile(r"(?<![\d.,])(1[1-9]\d\d|20\d\d)(s?)(?![\d.,]\d)")
_DECIMAL_RE = re.compile(r"(?<![\d.])(\d+)\.(\d+)")
_NUMBER_RE = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")
_KEEP = re.compile(r"[A-Za-z',.!?…\- ]")
_SILENT = frozenset("\"`")


@dataclass(frozen=True)
class NormalizedText:
    """Normalised English text and the characters removed, by count."""

    text: str
    removed: dict[str, int] = field(default_factory=dict)


def _say(number: int, to: str = "cardinal") -> str:
    return f" {num2words(number, to=to, lang='en')} "


def _currency(match: re.Match) -> str:
    one, many, cent, cents = _CURRENCY[match.group(1)]
    whole = int(match.group(2).replace(",", ""))
    words = f"{_say(whole)} {one if whole == 1 else many}"
    if match.group(3):
        fraction = int(match.group(3).ljust(2, "0"))
        if fraction:
            words += f" {_say(fraction)} {cent if fraction == 1 else cents}"
    return f" {words} "


def _year(match: re.Match) -> str:
    words = num2words(int(match.group(1)), to="year", lang="en")
    if match.group(2):  # the 1990s
        words = words[:-1] + "ies" if words.endswith("y") else words + "s"
    return f" {words} "


def expand_numbers(text: str) -> str:
    """Currency, ordinals, years, decimals, then every other number, in English words."""
    text = _CURRENCY_RE.sub(_currency, text)
    text = _ORDINAL_RE.sub(lambda m: _say(int(m.group(1)), "ordinal"), text)
    text = _YEAR_RE.sub(_year, text)
    text = _DECIMAL_RE.sub(lambda m: f"{_say(int(m.group(1)))} point {' '.join(_say(int(d)) for d in m.group(2))}", text)
    return _NUMBER_RE.sub(lambda m: _say(int(m.group(0).replace(",", ""))), text)


def _tidy(text: str) -> str:
    """An apostrophe outside a word is dropped (inside one it stays: "don't"), then `tidy_spacing`."""
    return tidy_spacing(re.sub(r"(?<![A-Za-z])'|'(?![A-Za-z])", " ", text), "A-Za-z")


def normalize(text: str) -> NormalizedText:
    """Normalise raw English `text` for the G2P (see the module docstring)."""
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = re.sub(r"\s*[—–‒―]\s*", " - ", text.translate(_CHAR_MAP))
    for pattern, expansion in _ABBREVIATION_RES:
        text = pattern.sub(expansion, text)
    text = re.sub(r"(?<=[A-Za-z])-(?=\d)|(?<=\d)-(?=[A-Za-z])", " ", text)  # COVID-19, 5-star
    text = expand_numbers(text)
    for symbol, words in _SYMBOLS.items():
        text = text.replace(symbol, words)
    text = re.sub(r"\.{3,}", "…", text)
    removed: Counter = Counter()
    kept = []
    for char in text:
        if _KEEP.match(char):
            kept.append(char)
        else:
            if char not in _SILENT and not char.isspace():
                removed[char] += 1
            kept.append(" ")
    return NormalizedText(_tidy("".join(kept)), dict(removed))


def split_tokens(norm_text: str) -> list[str]:
    """Tokens of normalised English text, one per `word2ph` entry (words and punctuation)."""
    return TOKEN_RE.findall(norm_text)
