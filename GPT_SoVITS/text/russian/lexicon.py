"""Word lists the Russian rules need: clitics, function words and spelling-to-sound exceptions.

Only closed classes and a short list of exceptions live here; the rules themselves are in
`g2p.py`. Respellings change letters (never the `+` stress marks) before the rules run.
"""

from __future__ import annotations

import re

VOWELS = frozenset("аоуыэияюеё")

#: Prepositions and particles pronounced as one phonetic word with the word after them.
PROCLITICS = frozenset(
    "не ни без безо в во к ко с со о об обо у из изо от ото до по за на над надо под подо "
    "при про через перед пред предо".split()
)

#: Particles pronounced as one phonetic word with the word before them.
ENCLITICS = frozenset("же ж ли ль бы б".split())

#: Unstressed function words that are not joined to a neighbour (and hyphenated particles).
UNSTRESSED_WORDS = frozenset("и а но да или ни то либо нибудь таки".split()) | PROCLITICS | ENCLITICS

#: -ого/-его words whose г stays /ɡ/ (adverbs and nouns, not genitive endings).
KEEP_G_OGO = frozenset(
    "много немного строго нестрого дорого недорого убого полого отлого ого разлого".split()
)

#: Whole-word respellings applied to the unmarked letters (stress marks are re-inserted).
WORD_RESPELLINGS = {
    "что": "што",
    "чтобы": "штобы",
    "ничто": "ништо",
    "нечто": "нешто",
    "конечно": "конешно",
    "скучно": "скушно",
    "нарочно": "нарошно",
    "скворечник": "скворешник",
    "яичница": "яишница",
    "пустячный": "пустяшный",
    "сегодня": "севодня",
    "сегодняшний": "севодняшний",
    "бог": "бох",
}

#: Loanwords whose unstressed о keeps its full quality (ru_o0) instead of reducing.
UNREDUCED_O_WORDS = frozenset("радио какао трио кредо эго гетто лото вето соло рококо барокко".split())

#: Loanword stems whose consonant before е stays hard (е read as э).
HARD_E_STEMS = (
    "тест", "модел", "интернет", "компьютер", "отел", "кафе", "шоссе", "темп", "тенденц",
    "кашне", "пюре", "сервис", "бизнес", "тенни", "кодекс", "индекс", "стенд", "фонетик",
    "энергетик", "свитер", "интер", "интегр", "дезакт", "дезинф", "хеш", "партнёр", "партнер", "детектив", "дельта", "термос", "тезис",
)

#: Letter clusters simplified inside a word (silent consonants and mergers), in this order.
CLUSTER_RULES = (
    (re.compile(r"вств"), "ств"),
    (re.compile(r"стн"), "сн"),
    (re.compile(r"здн"), "зн"),
    (re.compile(r"лнц"), "нц"),
    (re.compile(r"рдц"), "рц"),
    (re.compile(r"стл"), "сл"),
    (re.compile(r"н[дт]ск"), "нск"),
    (re.compile(r"[сз]?[сз]ч|жч"), "щ"),
    (re.compile(r"[тд]ч"), "ч"),
    (re.compile(r"[сз]ш"), "ш"),
    (re.compile(r"[сз]ж"), "ж"),
    (re.compile(r"[тд]ск(?=[аоиуыя][а-яё]{0,2}$)"), "цк"),
    (re.compile(r"[тд]ц"), "ц"),
    (re.compile(r"ть?ся$"), "ца"),
    (re.compile(r"(?<=[мл][яеё])г(?=[кч])"), "х"),
)


#: Names of letters as read in spelled-out abbreviations: the standard ones (эл, эс, ка, ша)
#: and the colloquial consonant + э forms ru-normalizr writes (США "сэ шэ а", ГРУ "гэ рэ у").
LETTER_NAMES = frozenset(
    "а е ё и о у ы э ю я эл эм эн эр эс эф ка ха ша ща че "
    "бэ вэ гэ дэ жэ зэ кэ лэ мэ нэ пэ рэ сэ тэ фэ хэ цэ чэ шэ щэ".split()
)


def is_spelled_abbreviation(parts: list[str]) -> bool:
    """True for the parts of `сэ-шэ-+а`: 2+ letter names, exactly one (the last) stressed."""
    plain = [part.replace("+", "") for part in parts]
    marked = [i for i, part in enumerate(parts) if "+" in part]
    return len(parts) >= 2 and marked == [len(parts) - 1] and all(p in LETTER_NAMES for p in plain)


def vowel_count(word: str) -> int:
    """How many vowel letters `word` has (its syllable count)."""
    return sum(1 for letter in word if letter in VOWELS)
