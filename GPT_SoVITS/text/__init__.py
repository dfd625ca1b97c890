"""Text side: symbol tables, the language registry and per-language frontends."""

from GPT_SoVITS.text.languages import CleanedText
from GPT_SoVITS.text.symbols import SymbolTable, cleaned_text_to_sequence, get_table

__all__ = ["CleanedText", "SymbolTable", "cleaned_text_to_sequence", "get_table", "clean_text"]


def clean_text(text: str, language: str, latin: str | None = None) -> CleanedText:
    """See `GPT_SoVITS.text.cleaner.clean_text` (imported lazily to keep imports light)."""
    from GPT_SoVITS.text.cleaner import clean_text as _clean_text

    return _clean_text(text, language, latin)
