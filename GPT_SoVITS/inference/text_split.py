"""Split long text into pieces that are synthesised one by one and joined with short pauses.

The GPT continues a reference prompt; on long inputs it drifts and its attention cost grows
with every token, so synthesis works sentence by sentence. This module only cuts strings; it
knows nothing about phones or models.
"""

from __future__ import annotations

import re

# Sentence ends: one or more of . ! ? … (plus closing quotes/brackets) followed by a space or
# the end. A full stop inside a number ("3.5") or a word is not followed by a space: kept.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"»”')\]]*\s+")
_CLAUSE_END = re.compile(r"(?<=[;:])\s+")
_COMMA = re.compile(r"(?<=,)\s+")
_LETTER = re.compile(r"\w")
_FINAL_PUNCTUATION = tuple(".!?…;:,-")

DEFAULT_MAX_CHARS = 150


def _split_keep(text: str, pattern: re.Pattern) -> list[str]:
    return [part.strip() for part in pattern.split(text) if part.strip()]


def _split_long(piece: str, max_chars: int) -> list[str]:
    """A sentence longer than `max_chars` is cut at ; and : then, if still too long, at commas."""
    if len(piece) <= max_chars:
        return [piece]
    pieces = []
    for clause in _split_keep(piece, _CLAUSE_END):
        if len(clause) <= max_chars:
            pieces.append(clause)
            continue
        pieces.extend(_pack(_split_keep(clause, _COMMA), max_chars))
    return pieces


def _pack(parts: list[str], max_chars: int) -> list[str]:
    """Greedily join consecutive comma parts while they fit in `max_chars` (fewer, fuller pieces)."""
    packed: list[str] = []
    for part in parts:
        if packed and len(packed[-1]) + 1 + len(part) <= max_chars:
            packed[-1] = f"{packed[-1]} {part}"
        else:
            packed.append(part)
    return packed


def _merge_unpronounceable(pieces: list[str]) -> list[str]:
    """Attach pieces without letters or digits (a stray "…" or "!") to the previous piece."""
    merged: list[str] = []
    for piece in pieces:
        if merged and not _LETTER.search(piece):
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    return merged


def split_text(text: str, max_chars: int = DEFAULT_MAX_CHARS) -> list[str]:
    """Pieces of `text` in order: sentences, long sentences cut at ; : (then commas).

    Line breaks count as sentence ends. Every piece is stripped and keeps its punctuation;
    pieces with nothing to pronounce are merged into their neighbour. An empty or blank text
    gives an empty list (the caller reports it).
    """
    if max_chars < 1:
        raise ValueError(f"max_chars must be positive, got {max_chars}")
    pieces: list[str] = []
    for line in text.splitlines():
        for sentence in _split_keep(line, _SENTENCE_END):
            pieces.extend(_split_long(sentence, max_chars))
    return _merge_unpronounceable(pieces)


def ensure_final_punctuation(piece: str) -> str:
    """`piece` ending in punctuation (a full stop is added): the GPT was trained on such text
    and ends an utterance more reliably after it."""
    piece = piece.strip()
    return piece if piece.endswith(_FINAL_PUNCTUATION) else f"{piece}."
