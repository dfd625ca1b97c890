"""The Russian frontend registered as language `ru`: text -> CleanedText(phones, word2ph, norm_text).

Pipeline: `normalizer.normalize` -> `stress.accentuate` -> `g2p` per phonetic word.
Alignment: `norm_text` is the normalised text without stress marks (with ё restored);
`split_tokens(norm_text)` gives its tokens: a word (Cyrillic letters, hyphenated parts
included) or one punctuation mark. `word2ph[i]` counts the phones of token i; a
punctuation mark is one phone (itself, a v2 symbol). A clitic keeps its own phones as its
own token, computed in context with its host (voicing across the boundary).
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from functools import lru_cache

from GPT_SoVITS.errors import DataError
from GPT_SoVITS.text.languages import CleanedText, DroppedTextError
from GPT_SoVITS.text.english.normalizer import WORD as ENGLISH_WORD
from GPT_SoVITS.text.russian import g2p, latin, lexicon, user_lexicon
from GPT_SoVITS.text.russian.normalizer import PUNCTUATION, normalize
from GPT_SoVITS.text.russian.stress import accentuate

logger = logging.getLogger(__name__)

TOKEN_RE = re.compile(rf"[а-яё+]+(?:-[а-яё+]+)*|{ENGLISH_WORD}|[,.!?…-]")  # Latin: English words (latin.py)

PieceKey = tuple[tuple[str, frozenset[int], bool], ...]


def split_tokens(norm_text: str) -> list[str]:
    """Tokens of a normalised text, one per `word2ph` entry (words and punctuation marks)."""
    return TOKEN_RE.findall(norm_text)


@lru_cache(maxsize=65536)
def _group_phones(key: PieceKey) -> tuple[tuple[int, str], ...]:
    """Phones of one phonetic word given its pieces; owners are piece positions in `key`."""
    pieces = [g2p.Piece(letters, stressed, i, letter_name) for i, (letters, stressed, letter_name) in enumerate(key)]
    return tuple(g2p.phonetic_word_phones(pieces))


user_lexicon.on_change(_group_phones.cache_clear)


def _run_phones(words: list[tuple[int, str]], per_token: dict[int, list[str]], phrase: bool = True) -> None:
    """Convert a run of words with no punctuation between them, filling `per_token`.

    `phrase`: the run is a whole phrase (not cut by an English word next to it)."""
    pieces = [piece for token, word in words for piece in g2p.word_pieces(word, token)]
    if phrase and len(pieces) == 1 and not pieces[0].stressed and lexicon.vowel_count(pieces[0].letters) == 1:
        # A function word alone in its phrase ("Да.", "А?", "Но, ...") carries the phrase stress.
        pieces[0] = replace(pieces[0], stressed=frozenset({0}))
    for group in g2p.group_clitics(pieces):
        key = tuple((piece.letters, piece.stressed, piece.letter_name) for piece in group)
        for position, symbol in _group_phones(key):
            per_token[group[position].owner].append(symbol)


def phonemize(accented: str, english: list[tuple[str, ...]] | None = None) -> tuple[list[str], list[int]]:
    """Phones and phones-per-token of accented normalised text.

    `english`: phones of the English words masked by `latin.PLACEHOLDER`, in order; each
    placeholder token takes the next one and ends the phonetic word before it.
    """
    tokens = split_tokens(accented)
    per_token: dict[int, list[str]] = {i: [] for i in range(len(tokens))}
    run: list[tuple[int, str]] = []
    foreign = iter(english or ())
    whole = True  # the current run is not next to an English word
    for index, token in enumerate(tokens):
        if english is not None and token == latin.PLACEHOLDER:
            _run_phones(run, per_token, phrase=False)
            run, whole = [], False
            per_token[index].extend(next(foreign))
        elif token in PUNCTUATION:
            _run_phones(run, per_token, phrase=whole)
            run, whole = [], True
            per_token[index].append(token)
        else:
            run.append((index, token))
    _run_phones(run, per_token, phrase=whole)
    phones = [symbol for i in range(len(tokens)) for symbol in per_token[i]]
    return phones, [len(per_token[i]) for i in range(len(tokens))]


def _unmask(accented: str, words: list[str]) -> str | None:
    """Accented text with the English words back in place of their placeholders (None if the
    normaliser did not keep exactly one placeholder per word)."""
    pieces = re.split(rf"(?<![а-яё+-]){latin.PLACEHOLDER}(?![а-яё+-])", accented)
    if len(pieces) != len(words) + 1:
        return None
    return "".join(piece + (words[i] if i < len(words) else "") for i, piece in enumerate(pieces))


def clean(text: str, latin_mode: str | None = None) -> CleanedText:
    """Normalise, stress and phonemise Russian `text` (the `clean_text(text, "ru")` frontend).

    Latin words are English (phones from `text/english`) unless `latin_mode` (or
    `$GPT_SOVITS_LATIN`) is `translit`, the old reading as Russian sounds (`latin.py`).
    Raises `DataError` when nothing pronounceable is left (empty or punctuation-only text)
    and `DroppedTextError` (carrying the result without them) when characters that cannot be
    read aloud were dropped.
    """
    if latin.HAS_LATIN.search(text) and latin.resolve_mode(latin_mode) == "english":
        masked, words = latin.mask(text)
        cleaned = _clean(masked, words, text)
        if cleaned is not None:
            return cleaned
        logger.warning("could not place the English words of %r; reading them as Russian sounds", text)
    return _clean(text, [], text)  # type: ignore[return-value]


def accented_text(text: str, latin_mode: str | None = None) -> str:
    """The stress-marked normalised text `clean` reads, English words as written (for previews)."""
    if latin.HAS_LATIN.search(text) and latin.resolve_mode(latin_mode) == "english":
        masked, words = latin.mask(text)
        unmasked = _unmask(accentuate(normalize(masked).text), words)
        if unmasked is not None:
            return unmasked
    return accentuate(normalize(text).text)


def _clean(text: str, words: list[str], original: str) -> CleanedText | None:
    """`clean` of (possibly masked) text; None when English words could not be placed back.
    Messages quote the `original` text, never the placeholders."""
    from GPT_SoVITS.text.english.g2p import word_phones

    normalized = normalize(text)
    if not re.search(r"[а-яё]", normalized.text):
        removed = f"; removed characters: {normalized.removed}" if normalized.removed else ""
        raise DataError(
            f"Russian text {original!r} has no words to pronounce after normalisation{removed}; "
            "give at least one word in Cyrillic or Latin letters"
        )
    accented = accentuate(normalized.text)
    unmasked = _unmask(accented, words) if words else accented
    if unmasked is None:
        return None
    norm_text = unmasked.replace("+", "")
    phones, word2ph = phonemize(accented, [word_phones(word) for word in words] if words else None)
    cleaned = CleanedText(phones=phones, word2ph=word2ph, norm_text=norm_text)
    if normalized.removed:
        raise DroppedTextError.of("Russian", original, normalized.removed, cleaned)
    return cleaned
