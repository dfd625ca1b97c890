"""Split long text into pieces that are synthesised one by one and joined with short pauses.

The GPT continues a reference prompt; on long inputs it drifts and its attention cost grows
with every token, so synthesis works sentence by sentence. This module only cuts strings; it
knows nothing about phones or models.

`split_by_method` offers upstream's method names on top of the abbreviation-safe sentence
splitter (`SPLIT_METHOD_HELP` says what each one does here). `cut3` is the historical default.
"""

from __future__ import annotations

import re

# A sentence-end candidate: one or more of . ! ? … (plus closing quotes/brackets) followed by
# a space. A full stop inside a number ("3.5", "24.11.2025", "10.30") has no space after it.
_SENTENCE_END = re.compile(r"[.!?…]+[\"»”')\]]*\s+")
# Words a full stop abbreviates, never a sentence end when written with that stop (lower case):
# "т.е. приезжайте", "в г. Москве", "ул. Ленина", "им. Пушкина", "см. ниже", "А. С. Пушкин".
_ABBREVIATIONS_BEFORE_WORD = frozenset(
    "т.е т.к т.н т.о т.ч и.о г гг ул им см ср рис стр ст гл п пп д кв корп пр просп пер пл обл "
    "р-н пос дер с ок св акад проф доц тов гр руб коп тыс млн млрд вв напр"
    .split()
)
# Abbreviations that often end a sentence ("… и т.д. Потом"): a boundary only before a capital.
_ABBREVIATIONS_AT_END = frozenset("т.д т.п др пр".split())
# Units after a number end a sentence before a capital ("Длина 3 см. Ширина…", "в 1799 г. В…").
_UNITS = frozenset("г гг в вв см мм км кг руб коп тыс млн млрд мин сек ч шт".split())
_LAST_WORD = re.compile(r"(?:(\d)\s+)?(\S+?)[.!?…]*[\"»”')\]]*\s+$")
_CLAUSE_END = re.compile(r"(?<=[;:])\s+")
_COMMA = re.compile(r"(?<=,)\s+")
_LETTER = re.compile(r"\w")
_FINAL_PUNCTUATION = tuple(".!?…;:,-")

DEFAULT_MAX_CHARS = 150
CUT2_CHARS = 50
CUT1_SENTENCES = 4
# cut5 cuts after these marks too (besides sentence ends); a hyphen inside a word is no mark
_ANY_MARK = re.compile(r"(?<=[,;:，、；：—–])\s+|(?<=[。！？，、；：])")
_CJK_SENTENCE_END = re.compile(r"(?<=[。！？])")
_CJK_FULL_STOP = re.compile(r"(?<=。)")

SPLIT_METHOD_HELP = {
    "cut0": "no cut: the whole text is one piece (line breaks become spaces)",
    "cut1": f"every {CUT1_SENTENCES} sentences",
    "cut2": f"pieces of about {CUT2_CHARS} characters, cut at sentence ends, ; : and commas",
    "cut3": "at sentence ends (. ! ? … and 。), long sentences cut at ; : then commas (default)",
    "cut4": "at Latin full stops only (not ! ?), long sentences cut at ; : then commas",
    "cut5": "at every punctuation mark",
}


def _split_keep(text: str, pattern: re.Pattern) -> list[str]:
    return [part.strip() for part in pattern.split(text) if part.strip()]


def _is_sentence_end(text: str, end: re.Match) -> bool:
    """Whether a candidate end is real: not after an abbreviation, an initial or before lower case."""
    following = text[end.end():end.end() + 1]
    if not following or end.group(0)[0] != ".":
        return True
    if following.islower() or following.isdigit():
        return False  # "в 1990 г. в городе", "т.е. приезжайте": the sentence goes on
    last = _LAST_WORD.search(text[:end.end()])
    if last is None:
        return True
    word = last.group(2).lower().rstrip(".")
    if len(word) == 1 and word.isalpha() and last.group(2)[0].isupper():
        return False  # an initial: "А. С. Пушкин"
    return word not in _ABBREVIATIONS_BEFORE_WORD or (last.group(1) is not None and word in _UNITS)


def _split_sentences(line: str) -> list[str]:
    """A line cut after each real sentence end (see `_is_sentence_end`), punctuation kept."""
    sentences, start = [], 0
    for end in _SENTENCE_END.finditer(line):
        if _is_sentence_end(line, end):
            sentences.append(line[start:end.end()].strip())
            start = end.end()
    sentences.append(line[start:].strip())
    return [sentence for sentence in sentences if sentence]


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
    """Attach pieces without letters or digits (a stray "…" or "!") to the previous piece, or
    to the next one when they open the text ("… туристов.")."""
    merged: list[str] = []
    for piece in pieces:
        if merged and not _LETTER.search(piece):
            merged[-1] = f"{merged[-1]} {piece}"
        elif merged and not _LETTER.search(merged[-1]):
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
        for sentence in _split_sentences(line):
            pieces.extend(_split_long(sentence, max_chars))
    return _merge_unpronounceable(pieces)


def ensure_final_punctuation(piece: str) -> str:
    """`piece` ending in punctuation (a full stop is added): the GPT was trained on such text
    and ends an utterance more reliably after it."""
    piece = piece.strip()
    return piece if piece.endswith(_FINAL_PUNCTUATION) else f"{piece}."


def _sentences(text: str, full_stops_only: bool = False) -> list[str]:
    """Every sentence of every line (Chinese 。！？ end one too); `full_stops_only` keeps only
    the ends that are a Latin full stop."""
    sentences: list[str] = []
    for line in text.splitlines():
        for part in _split_keep(line, _CJK_FULL_STOP if full_stops_only else _CJK_SENTENCE_END):
            found = _split_sentences(part)
            if full_stops_only:
                found = _join_unless_full_stop(found)
            sentences.extend(found)
    return sentences


def _join_unless_full_stop(sentences: list[str]) -> list[str]:
    joined: list[str] = []
    for sentence in sentences:
        if joined and not joined[-1].rstrip("\"»”')]").endswith((".", "。")):
            joined[-1] = f"{joined[-1]} {sentence}"
        else:
            joined.append(sentence)
    return joined


def _at_every_mark(text: str) -> list[str]:
    return [part for sentence in _sentences(text) for part in _split_keep(sentence, _ANY_MARK)]


def _about_chars(text: str, size: int) -> list[str]:
    """Clauses and comma parts packed in order until a piece reaches `size` characters."""
    parts = [part for sentence in _sentences(text) for clause in _split_keep(sentence, _CLAUSE_END)
             for part in _split_keep(clause, _COMMA)]
    pieces: list[str] = []
    for part in parts:
        if pieces and len(pieces[-1]) < size:
            pieces[-1] = f"{pieces[-1]} {part}"
        else:
            pieces.append(part)
    return pieces


def split_by_method(text: str, method: str, max_chars: int = DEFAULT_MAX_CHARS) -> list[str]:
    """Pieces of `text` cut by upstream's method name (see `SPLIT_METHOD_HELP`), in order,
    pieces with nothing to pronounce merged into a neighbour. `max_chars` applies to cut3/cut4."""
    if method == "cut0":
        pieces = [" ".join(line.strip() for line in text.splitlines() if line.strip())]
    elif method == "cut1":
        sentences = _sentences(text)
        pieces = [" ".join(sentences[i:i + CUT1_SENTENCES]) for i in range(0, len(sentences), CUT1_SENTENCES)]
    elif method == "cut2":
        pieces = _about_chars(text, CUT2_CHARS)
    elif method == "cut3":
        pieces = [piece for sentence in _sentences(text) for piece in _split_long(sentence, max_chars)]
    elif method == "cut4":
        pieces = [piece for sentence in _sentences(text, True) for piece in _split_long(sentence, max_chars)]
    elif method == "cut5":
        pieces = _at_every_mark(text)
    else:
        raise ValueError(f"unknown text split method {method!r}; use one of {', '.join(SPLIT_METHOD_HELP)}")
    return _merge_unpronounceable([piece for piece in pieces if piece])
