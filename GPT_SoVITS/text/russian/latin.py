"""Latin words inside Russian text: read as English (default) or transliterated (`latin="translit"`).

Segmentation is by script, no language-ID model: each Latin word (letters with inner
apostrophes and hyphens: `McDonald's`, `Wi-Fi`) is replaced by a placeholder the Russian
normaliser and stress model pass through unchanged, the Russian text is cleaned as usual,
and the placeholder's token gets the English phones (`text/english/g2p.py`). A hyphen or
apostrophe joining a Latin word to Cyrillic or digits separates them (`Wi-Fi-роутер`,
`iOS-приложение`, `COVID-19`): the Russian part and the digits are read in Russian. Not
masked, so the Russian normaliser reads them as before: unit abbreviations after a number
(`5 GB`, `3 GHz`), and a single Latin letter standing apart from other Latin words, which is
read by its Russian name like a Russian abbreviation (`витамин C` -> цэ, `формат A4`).
"""

from __future__ import annotations

import os
import re

from GPT_SoVITS.errors import ConfigError
from GPT_SoVITS.text.english.normalizer import WORD

MODES = ("english", "translit")
DEFAULT_MODE = "english"
ENV_VAR = "GPT_SOVITS_LATIN"
PLACEHOLDER = "ъъъ"
HAS_LATIN = re.compile(r"[A-Za-z]")
_LATIN_WORD = re.compile(WORD)
_UNITS = frozenset(
    "B KB MB GB TB PB Kb Mb Gb Tb kB Hz kHz MHz GHz km m cm mm nm kg g mg l ml W kW MW V mV A mA mAh Wh kWh "
    "s ms ns h min fps dpi ppi px pt K".split()
)
_AFTER_NUMBER = re.compile(r"\d\s?$")
RUSSIAN_LETTER_NAMES = {
    "a": "а", "b": "бэ", "c": "цэ", "d": "дэ", "e": "е", "f": "эф", "g": "гэ", "h": "аш", "i": "и", "j": "йот",
    "k": "ка", "l": "эль", "m": "эм", "n": "эн", "o": "о", "p": "пэ", "q": "ку", "r": "эр", "s": "эс", "t": "тэ",
    "u": "у", "v": "вэ", "w": "дубль-вэ", "x": "икс", "y": "игрек", "z": "зэт",
}


def resolve_mode(latin: str | None) -> str:
    """`latin` checked, or the mode from `$GPT_SOVITS_LATIN` (stage scripts), default `english`."""
    mode = (latin if latin is not None else os.environ.get(ENV_VAR, "") or DEFAULT_MODE).strip().lower()
    if mode not in MODES:
        source = f"{ENV_VAR}={mode!r}" if latin is None else f"latin={mode!r}"
        raise ConfigError(f"{source}: Latin words in Russian text are read as one of {', '.join(MODES)}")
    return mode


def _stands_apart(text: str, match: re.Match, matches: list[re.Match], index: int) -> bool:
    """Whether a Latin word has no Latin word next to it (only spaces between would join them)."""
    before = matches[index - 1] if index else None
    after = matches[index + 1] if index + 1 < len(matches) else None
    joined_before = before is not None and not text[before.end():match.start()].strip()
    joined_after = after is not None and not text[match.end():after.start()].strip()
    return not (joined_before or joined_after)


def mask(text: str) -> tuple[str, list[str]]:
    """`text` with every English word replaced by `PLACEHOLDER`, and those words in order."""
    matches = list(_LATIN_WORD.finditer(text))
    words: list[str] = []
    out: list[str] = []
    position = 0
    for index, match in enumerate(matches):
        word = match.group(0)
        out.append(text[position:match.start()])
        position = match.end()
        if word in _UNITS and _AFTER_NUMBER.search(text[:match.start()]):
            out.append(word)  # 5 GB: the Russian normaliser reads the unit
        elif len(word) == 1 and _stands_apart(text, match, matches, index):
            out.append(f" {RUSSIAN_LETTER_NAMES[word.lower()]} ")
        else:
            words.append(word)
            out.append(f" {PLACEHOLDER} ")
        if text[position:position + 1] in ("-", "'") and re.match(r"[а-яёА-ЯЁ\d]", text[position + 1:position + 2]):
            position += 1  # Wi-Fi-роутер, iPhone'а: the joiner is not read
    out.append(text[position:])
    masked = "".join(out)
    masked = re.sub(rf"([а-яёА-ЯЁ\d])-(\s+{PLACEHOLDER})", r"\1\2", masked)  # веб-API
    return masked, words
