"""Fallback Latin -> Cyrillic transliteration by English-like letter rules.

ru-normalizr already reads most Latin words the way a Russian speaker would (through an
English pronunciation dictionary); this catches what it leaves, so Latin text is spoken as
Russian sounds instead of being dropped. It is a reading aid, not English G2P.
"""

from __future__ import annotations

import re

_DIGRAPHS = (
    ("tch", "ч"), ("sch", "ш"), ("sh", "ш"), ("ch", "ч"), ("zh", "ж"), ("kh", "х"), ("ph", "ф"),
    ("th", "т"), ("ck", "к"), ("qu", "кв"), ("oo", "у"), ("ee", "и"), ("ea", "и"), ("ou", "ау"),
    ("ai", "ей"), ("ay", "ей"), ("oy", "ой"), ("ya", "я"), ("yu", "ю"), ("yo", "ё"), ("ye", "е"),
    ("ts", "ц"), ("w", "в"),
)
_LETTERS = {
    "a": "а", "b": "б", "c": "к", "d": "д", "e": "е", "f": "ф", "g": "г", "h": "х", "i": "и",
    "j": "дж", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "q": "к", "r": "р",
    "s": "с", "t": "т", "u": "у", "v": "в", "x": "кс", "y": "и", "z": "з",
}
LATIN_WORD_RE = re.compile(r"[a-z]+", re.IGNORECASE)


def latin_to_cyrillic(word: str) -> str:
    """Transliterate one Latin word (`google` -> `гугле`-like reading; `c` before e/i is `с`)."""
    word = word.lower()
    out, i = [], 0
    while i < len(word):
        for latin, cyrillic in _DIGRAPHS:
            if word.startswith(latin, i):
                out.append(cyrillic)
                i += len(latin)
                break
        else:
            letter = word[i]
            if letter == "c" and i + 1 < len(word) and word[i + 1] in "eiy":
                out.append("с")
            elif letter == "e" and i == len(word) - 1 and i > 1:
                pass  # silent final e (make, time)
            else:
                out.append(_LETTERS.get(letter, ""))
            i += 1
    return "".join(out)


def transliterate_latin(text: str) -> str:
    """Replace every run of Latin letters in `text` by its Cyrillic reading."""
    return LATIN_WORD_RE.sub(lambda match: latin_to_cyrillic(match.group(0)), text)
