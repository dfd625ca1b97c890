"""Spacing and punctuation tidying shared by the language normalisers (Russian, English): the
last step before G2P, so that every word and punctuation mark becomes one token the phone
alignment (`word2ph`) can count."""

from __future__ import annotations

import re


def tidy_spacing(text: str, letters: str) -> str:
    """One space between tokens, punctuation attached to the word before it, no repeated marks.

    `letters` is the body of a regex character class of the language's word characters (for
    example "а-яё+"): a hyphen between two of them joins a compound word; anywhere else it is a
    dash and becomes its own token.
    """
    text = re.sub(f"(?<![{letters}])-|-(?![{letters}])", " - ", text)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s*([,.!?…])", r"\1", text)
    text = re.sub(r"([,.!?…-])(?:\s*\1)+", r"\1", text)
    text = re.sub(f"([,.!?…])(?=[{letters}])", r"\1 ", text)
    return text.strip(" ,")
