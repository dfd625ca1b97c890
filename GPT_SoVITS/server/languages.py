"""Language names clients send (`text_lang`, `prompt_lang`) -> codes of the text package's registry.

The list of languages is the registry's (`GPT_SoVITS.text.languages`), so a language registered
there (English, by its own package) is served without a change here. Upstream's spellings are
accepted: any case, the `all_` prefix (upstream's "this text is all one language"), `jp` for
`ja`, and `auto`, which picks the registered language whose script has the most letters in
the text (Cyrillic -> ru, Latin -> en once English is registered).
"""

from __future__ import annotations

import unicodedata

from GPT_SoVITS.errors import UnsupportedLanguageError
from GPT_SoVITS.text.languages import get_language, supported_codes

AUTO = ("auto", "auto_yue")
_RENAMED = {"jp": "ja", "russian": "ru", "english": "en"}
# Unicode script name prefix (as in unicodedata.name) -> language codes written in it
_SCRIPTS = {"CYRILLIC": ("ru",), "LATIN": ("en",)}


def supported_spellings() -> str:
    """What an error lists: the registered codes and `auto`."""
    return ", ".join([*supported_codes(), "auto"])


def _refuse(spelling: str, why: str = "") -> UnsupportedLanguageError:
    return UnsupportedLanguageError(f"unsupported language {spelling!r}{why}; supported: {supported_spellings()}")


def detect_language(text: str, spelling: str = "auto") -> str:
    """The registered language whose script has the most letters in `text`."""
    counts: dict[str, int] = {}
    registered = set(supported_codes())
    for char in text:
        if not char.isalpha():
            continue
        script = unicodedata.name(char, "").split(" ", 1)[0]
        for code in _SCRIPTS.get(script, ()):
            if code in registered:
                counts[code] = counts.get(code, 0) + 1
    if not counts:
        raise _refuse(spelling, ": no letters of a supported language in the text, name the language")
    return max(counts, key=counts.get)


def resolve_language(spelling: str | None, text: str = "") -> str:
    """The registry code for a client's language name; `UnsupportedLanguageError` naming the supported ones."""
    raw = (spelling or "").strip()
    if not raw:
        raise _refuse(raw)
    lowered = raw.lower()
    if lowered in AUTO:
        return detect_language(text, raw)
    lowered = lowered.removeprefix("all_")
    lowered = _RENAMED.get(lowered, lowered)
    for candidate in (raw, lowered):
        try:
            return get_language(candidate).code
        except UnsupportedLanguageError:
            continue
    raise _refuse(raw)
