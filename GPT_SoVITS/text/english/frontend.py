"""The English frontend registered as language `en`: text -> CleanedText(phones, word2ph, norm_text).

`norm_text` is the normalised text with case kept; its tokens (`normalizer.split_tokens`) are
words and punctuation marks, and `word2ph[i]` counts the phones of token i (a punctuation mark
is one phone, itself). Phones are ARPAbet with stress digits, all of them v2 symbols.
"""

from __future__ import annotations

import re

from GPT_SoVITS.errors import DataError
from GPT_SoVITS.text.english.g2p import word_phones
from GPT_SoVITS.text.english.normalizer import PUNCTUATION, normalize, split_tokens
from GPT_SoVITS.text.languages import CleanedText, DroppedTextError


def phonemize(norm_text: str) -> tuple[list[str], list[int]]:
    """Phones and phones-per-token of normalised English text."""
    phones: list[str] = []
    word2ph: list[int] = []
    for token in split_tokens(norm_text):
        token_phones = (token,) if token in PUNCTUATION else word_phones(token)
        phones.extend(token_phones)
        word2ph.append(len(token_phones))
    return phones, word2ph


def clean(text: str) -> CleanedText:
    """Normalise and phonemise English `text` (the `clean_text(text, "en")` frontend).

    Raises `DataError` when no word is left and `DroppedTextError` (carrying the result) when
    characters that cannot be read aloud were dropped.
    """
    normalized = normalize(text)
    if not re.search(r"[A-Za-z]", normalized.text):
        removed = f"; removed characters: {normalized.removed}" if normalized.removed else ""
        raise DataError(
            f"English text {text!r} has no words to pronounce after normalisation{removed}; "
            "give at least one word in Latin letters"
        )
    phones, word2ph = phonemize(normalized.text)
    cleaned = CleanedText(phones=phones, word2ph=word2ph, norm_text=normalized.text)
    if normalized.removed:
        raise DroppedTextError.of("English", text, normalized.removed, cleaned)
    return cleaned
