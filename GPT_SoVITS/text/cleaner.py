"""`clean_text`: text in a language -> phones of that language's training table.

The one dispatch point used by stage 1, the trainers' data checks and synthesis.
"""

from __future__ import annotations

from GPT_SoVITS.errors import DataError
from GPT_SoVITS.text import languages
from GPT_SoVITS.text.languages import CleanedText


def clean_text(text: str, language: str, latin: str | None = None) -> CleanedText:
    """Normalise `text` and convert it to phones with the frontend registered for `language`.

    `latin` says how a Russian frontend reads Latin words: `english` (default) or `translit`
    (None: `$GPT_SOVITS_LATIN`, else `english`); languages without Latin handling ignore it.
    Raises `UnsupportedLanguageError` for an unknown code and `DataError` when the text holds
    nothing pronounceable, never returning an empty phone list.
    """
    frontend = languages.frontend_for(language)
    cleaned = frontend(text, latin) if languages.get_language(language).takes_latin else frontend(text)
    if not cleaned.phones:
        raise DataError(f"text {text!r} ({language}) has nothing to pronounce after cleaning")
    return cleaned
