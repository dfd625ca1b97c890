"""Rule-based Russian grapheme-to-phoneme conversion of stress-marked words into `ru_*` phones.

Input is lower-case Cyrillic with `+` before stressed vowels (what `stress.accentuate`
returns); output uses the symbols of `phonemes.tsv`. It does not normalise text or guess
stress beyond the monosyllable rule; `docs/russian.md` lists every rule with examples.
Clitics are converted together with their host (one phonetic word) but each orthographic
word keeps its own phones, so `word2ph` still counts phones per written word.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from GPT_SoVITS.text.russian import lexicon, user_lexicon
from GPT_SoVITS.text.russian.lexicon import VOWELS

_CONSONANTS = {
    "б": "b", "в": "v", "г": "g", "д": "d", "ж": "zh", "з": "z", "к": "k", "л": "l", "м": "m",
    "н": "n", "п": "p", "р": "r", "с": "s", "т": "t", "ф": "f", "х": "x", "ц": "ts", "ч": "ch",
    "ш": "sh", "щ": "shch", "й": "j",
}
_PAIRED = frozenset("b v g d z k l m n p r s t f x".split())  # have a soft counterpart ru_Xj
_ALWAYS_SOFT = frozenset({"ch", "shch", "j"})
_SOFTENING_LETTERS = frozenset("ьеёиюя")
_IOTATED = frozenset("еёюя")
_DEVOICE = {"b": "p", "v": "f", "g": "k", "d": "t", "z": "s", "zh": "sh", "zhj": "shch", "gh": "x"}
_VOICE = {"p": "b", "f": "v", "k": "g", "t": "d", "s": "z", "sh": "zh", "shch": "zhj", "x": "gh"}
_OBSTRUENTS = frozenset(_DEVOICE) | frozenset(_VOICE) | {"ts", "ch"}
_VOICELESS = frozenset(_VOICE) | {"ts", "ch"}
_SCHWA_BEFORE = frozenset("мхт")
#: Unstressed vowels of spelled letter names keep their quality ("эм-гэ-+у": [ɛm gɛ ˈu]).
_LETTER_NAME_VOWELS = {"э": "ru_e0", "е": "ru_e0", "а": "ru_ah", "я": "ru_ah", "о": "ru_o0"}


@dataclass(frozen=True)
class Piece:
    """One written word (or hyphen-separated part) to convert.

    `stressed` holds indices of stressed vowels counted among the piece's vowels; `owner` is
    the index of the token of `norm_text` its phones are counted under. `letter_name` marks an
    unstressed letter name of a spelled-out abbreviation (`сэ` in `сэ-шэ-+а`): it stays
    unstressed and its vowel is not reduced.
    """

    letters: str
    stressed: frozenset[int]
    owner: int
    letter_name: bool = False


@dataclass
class _Phone:
    """A phone under construction: consonant base + softness, or a finished vowel symbol."""

    base: str
    soft: bool
    owner: int
    piece: int
    vowel: bool = False

    def symbol(self) -> str:
        if self.vowel:
            return self.base
        return f"ru_{self.base}j" if self.soft and self.base in _PAIRED else f"ru_{self.base}"


def parse_accented(word: str) -> tuple[str, frozenset[int]]:
    """Split `зам+ок` into the letters `замок` and the stressed vowel indices {1}."""
    letters, stressed, vowel_index = [], set(), 0
    pending = False
    for char in word:
        if char == "+":
            pending = True
            continue
        if char in VOWELS:
            if pending:
                stressed.add(vowel_index)
            vowel_index += 1
        pending = False
        letters.append(char)
    return "".join(letters), frozenset(stressed)


@lru_cache(maxsize=65536)
def respell(letters: str, final_stressed: bool = False) -> str:
    """Apply whole-word respellings, -ого genitives, hard-е loans and cluster rules.

    `final_stressed`: the word's last letter is a stressed vowel (кафе, кашне: an
    indeclinable noun's stressed final е follows a hard consonant).
    """
    letters = lexicon.WORD_RESPELLINGS.get(letters, letters)
    if letters.endswith(("ого", "его")) and letters not in lexicon.KEEP_G_OGO and len(letters) > 3:
        letters = letters[:-2] + "во"
    elif letters == "его":
        letters = "ево"
    if not user_lexicon.spelled_by_user(letters):
        letters = _hard_e(letters, final_stressed)
    for pattern, replacement in lexicon.CLUSTER_RULES:
        letters = pattern.sub(replacement, letters)
    return letters


_HARD_BEFORE_FINAL_E = frozenset("тдсзнрфмпбвкл")


def _hard_e(letters: str, final_stressed: bool) -> str:
    """е -> э after the hard consonant of a loan stem, or of an indeclinable noun's stressed final е."""
    for stem in lexicon.HARD_E_STEMS:
        plain = stem.lstrip("^")
        if (letters.startswith(plain) if stem[0] == "^" else plain in letters):
            letters = letters.replace(plain, plain.replace("е", "э"), 1)
    if final_stressed and letters[-1:] == "е" and letters[-2:-1] in _HARD_BEFORE_FINAL_E and _indeclinable(letters):
        letters = letters[:-1] + "э"
    return letters


def _indeclinable(word: str) -> bool:
    """An indeclinable noun per pymorphy3 (кафе, шоссе, резюме; not кофе, which ends unstressed)."""
    from GPT_SoVITS.text.russian.morphology import parses  # pymorphy3, loaded on first use

    return any(p.tag.POS == "NOUN" and "Fixd" in p.tag for p in parses(word))


def _vowel(letter: str, context: str, stressed: bool, position: str, final: bool, next_letter: str = "") -> str:
    """Vowel symbol for a vowel letter after `context` (hard, soft, sib, none), by stress position.

    `position` is "pre1" (first pretonic), "pre" (earlier pretonic) or "post" (after the
    stress, or no stress in the phonetic word). Post-tonic а/я after a soft consonant is /ə/
    word-finally and in endings (-ям, -ями, -ях, -ят), /ɪ/ elsewhere (-ясь).
    """
    if stressed:
        if letter in "аяэе":
            return "ru_a1" if letter in "ая" else "ru_e1"
        if letter in "оё":
            return "ru_o1"
        if letter in "ую":
            return "ru_u1"
        return "ru_y1" if letter == "ы" or (letter == "и" and context in ("sib", "hard")) else "ru_i1"
    if letter in "ую":
        return "ru_uh"
    if letter == "ы" or (letter in "иэе" and context == "sib") or (letter == "и" and context == "hard"):
        return "ru_y0"
    if letter == "и":
        return "ru_ih"
    if letter == "э":
        return "ru_y0" if context == "hard" else "ru_ih"
    if letter == "е":
        return "ru_e0" if final else "ru_ih"
    if context == "soft" or letter in "яё":
        return "ru_ax" if position == "post" and (final or next_letter in _SCHWA_BEFORE) else "ru_ih"
    if position == "pre1" or (position == "pre" and context == "none"):
        return "ru_ah"
    return "ru_ax"


def _positions(vowel_stress: list[bool]) -> list[str]:
    """Stress position of every vowel of a phonetic word (see `_vowel`)."""
    positions = []
    for index, stressed in enumerate(vowel_stress):
        later = [i for i in range(index + 1, len(vowel_stress)) if vowel_stress[i]]
        if stressed:
            positions.append("stressed")
        elif later:
            positions.append("pre1" if later[0] == index + 1 else "pre")
        else:
            positions.append("post")
    return positions


def _resolve_stress(pieces: list[Piece]) -> list[frozenset[int]]:
    """Stressed vowels per piece: marks, then ё, then the vowel of a content monosyllable."""
    resolved = []
    for piece in pieces:
        stressed = piece.stressed
        if not stressed and "ё" in piece.letters:
            vowels = [c for c in piece.letters if c in VOWELS]
            stressed = frozenset({vowels.index("ё")})
        elif (not stressed and lexicon.vowel_count(piece.letters) == 1 and not piece.letter_name
              and piece.letters not in lexicon.UNSTRESSED_WORDS):
            stressed = frozenset({0})
        resolved.append(stressed)
    return resolved


def _consonant(letter: str, next_letter: str, piece: int, owner: int) -> _Phone:
    base = _CONSONANTS[letter]
    soft = base in _ALWAYS_SOFT or (base in _PAIRED and next_letter in _SOFTENING_LETTERS)
    return _Phone(base, soft, owner, piece)


def _build(pieces: list[Piece], letters_list: list[str]) -> list[_Phone]:
    """Left-to-right pass: consonants with softness, vowels with iotation and reduction."""
    stress = _resolve_stress(pieces)
    vowel_stress = [i in s for p, s in zip(letters_list, stress) for i in range(lexicon.vowel_count(p))]
    positions = _positions(vowel_stress)
    phones: list[_Phone] = []
    vowel_index = 0
    for piece_index, (piece, letters) in enumerate(zip(pieces, letters_list)):
        unreduced_o = piece.letters in lexicon.UNREDUCED_O_WORDS
        secondary = _secondary_stress(piece)
        reflexive_t = piece.letters.endswith(("тся", "ться"))
        first_vowel = vowel_index
        for i, letter in enumerate(letters):
            prev = letters[i - 1] if i else ""
            nxt = letters[i + 1] if i + 1 < len(letters) else ""
            if letter in _CONSONANTS:
                phones.append(_consonant(letter, nxt, piece_index, piece.owner))
                continue
            if letter not in VOWELS:
                continue  # ь and ъ only act on their neighbours
            stressed = vowel_stress[vowel_index]
            context = _context(letter, prev, phones, i == 0)
            if context == "iot":
                phones.append(_Phone("j", True, piece.owner, piece_index))
                context = "soft"
            final = i == len(letters) - 1 and piece_index == len(pieces) - 1
            if reflexive_t and i == len(letters) - 3:
                nxt = "т"  # the vowel before -тся/-ться (respelled -ца) reduces as before т (-ятся [ətsə])
            symbol = _vowel(letter, context, stressed, positions[vowel_index], final, nxt)
            if not stressed and vowel_index - first_vowel == secondary:
                symbol = _SECONDARY.get(letter, symbol)
            elif not stressed and letter in "оа" and positions[vowel_index] == "pre" and i > 0:
                symbol = _hiatus_vowel(prev, nxt, symbol)
            elif unreduced_o and letter == "о" and not stressed:
                symbol = "ru_o0"
            elif piece.letter_name and not stressed:
                symbol = _LETTER_NAME_VOWELS.get(letter, symbol)
            phones.append(_Phone(symbol, False, piece.owner, piece_index, vowel=True))
            vowel_index += 1
    return phones


def _hiatus_vowel(prev: str, nxt: str, symbol: str) -> str:
    """Pre-pretonic о/а next to a vowel: [ɐ] before a vowel (not е ё ю я, which start with
    [j]) or after о/а (соотнес+ёт sɐɐ, самоощущ+ение), [ə] after another vowel
    (реорганиз+ация, преодол+еть)."""
    if (nxt in VOWELS and nxt not in _IOTATED) or prev in "оа":
        return "ru_ah"
    return "ru_ax" if prev in VOWELS else symbol


_SECONDARY = {"о": "ru_o0", "е": "ru_e0", "э": "ru_e0", "а": "ru_ah", "я": "ru_ah"}


def _secondary_stress(piece: Piece) -> int | None:
    """Vowel index (within the piece) of a compound element's secondary stress, if any."""
    for prefix, vowel in lexicon.SECONDARY_STRESS_PREFIXES.items():
        if not piece.letters.startswith(prefix) or len(piece.letters) == len(prefix):
            continue
        own = lexicon.vowel_count(prefix)
        rest = lexicon.vowel_count(piece.letters) - own
        if rest >= 3 and piece.stressed and min(piece.stressed) >= own:
            return vowel
    return None


def _context(letter: str, prev: str, phones: list[_Phone], word_start: bool) -> str:
    """What precedes a vowel: iot (gets /j/), soft, hard, sib (ж ш ц) or none."""
    if letter in _IOTATED and (word_start or prev in VOWELS or prev in "ьъ"):
        return "iot"
    if letter == "и" and prev == "ь":
        return "iot"
    if word_start:
        after_hard = letter == "и" and phones and not phones[-1].vowel and not phones[-1].soft
        return "hard" if after_hard else "none"
    if prev in VOWELS or prev == "ъ":
        return "none"
    base = _CONSONANTS.get(prev, "")
    if base in ("zh", "sh", "ts"):
        return "sib"
    if letter == "о" and base == "j":
        return "hard"  # written о after й reduces like after a hard consonant (майон+ез [məjɐˈnɛs])
    if base in _ALWAYS_SOFT or letter in _IOTATED or letter == "и" or prev == "ь":
        return "soft"
    return "hard"


def _assimilate_softness(phones: list[_Phone]) -> None:
    """с/з before soft т д н, н before soft т д or ч щ, and geminates share softness."""
    for i in range(len(phones) - 2, -1, -1):
        here, nxt = phones[i], phones[i + 1]
        if here.vowel or nxt.vowel or here.piece != nxt.piece:
            continue
        if here.base in ("s", "z") and nxt.soft and nxt.base in ("t", "d", "n"):
            here.soft = True
        elif here.base == "n" and (nxt.base in ("ch", "shch") or (nxt.soft and nxt.base in ("t", "d"))):
            here.soft = True
        elif here.base == nxt.base:
            here.soft = nxt.soft


def _assimilate_voicing(phones: list[_Phone]) -> None:
    """Final devoicing and regressive voicing assimilation across the phonetic word."""
    for i in range(len(phones) - 1, -1, -1):
        here = phones[i]
        if here.vowel or here.base not in _OBSTRUENTS:
            continue
        nxt = phones[i + 1] if i + 1 < len(phones) else None
        if nxt is None or (nxt.base in _VOICELESS and not nxt.vowel):
            here.base = _DEVOICE.get(here.base, here.base)
        elif not nxt.vowel and nxt.base in _OBSTRUENTS and nxt.base != "v":
            here.base = _VOICE.get(here.base, here.base)


def _collapse_geminates(phones: list[_Phone]) -> list[_Phone]:
    """Identical consonants inside one written word are one (long) segment."""
    kept: list[_Phone] = []
    for phone in phones:
        last = kept[-1] if kept else None
        same = last is not None and not phone.vowel and not last.vowel and last.owner == phone.owner
        if same and last.base == phone.base and last.soft == phone.soft and last.piece == phone.piece:
            continue
        kept.append(phone)
    return kept


def phonetic_word_phones(pieces: list[Piece]) -> list[tuple[int, str]]:
    """Phones of one phonetic word (a host with its clitics) as (owner, symbol) pairs."""
    letters_list = [
        respell(piece.letters, lexicon.vowel_count(piece.letters) - 1 in piece.stressed and piece.letters[-1:] in VOWELS)
        for piece in pieces
    ]
    phones = _build(pieces, letters_list)
    _assimilate_softness(phones)
    _assimilate_voicing(phones)
    return [(phone.owner, phone.symbol()) for phone in _collapse_geminates(phones)]


def group_clitics(pieces: list[Piece]) -> list[list[Piece]]:
    """Split a run of words (no punctuation between them) into phonetic words."""
    groups: list[list[Piece]] = []
    pending: list[Piece] = []
    for piece in pieces:
        is_enclitic = piece.letters in lexicon.ENCLITICS and not piece.stressed
        if is_enclitic and groups and not pending:
            groups[-1].append(piece)
            continue
        pending.append(piece)
        if piece.letters in lexicon.PROCLITICS and not piece.stressed:
            continue
        groups.append(pending)
        pending = []
    if pending:
        groups.append(pending)
    return groups


def word_pieces(accented_word: str, owner: int) -> list[Piece]:
    """The hyphen parts of one written word; unstressed letter names of `сэ-шэ-+а` are flagged."""
    parts = [part for part in accented_word.split("-") if part]
    spelled = lexicon.is_spelled_abbreviation(parts)
    return [Piece(*parse_accented(part), owner=owner, letter_name=spelled and "+" not in part) for part in parts]


@lru_cache(maxsize=65536)
def word_phones(accented_word: str) -> tuple[str, ...]:
    """Phones of one accented word on its own (hyphen parts included), e.g. for a lexicon."""
    pieces = word_pieces(accented_word, owner=0)
    return tuple(symbol for _, symbol in phonetic_word_phones(pieces))


user_lexicon.on_change(respell.cache_clear)
user_lexicon.on_change(word_phones.cache_clear)
