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

#: Loanword stems whose consonant before е stays hard (е read as э). Our own list, compiled
#: from the orthoepic norm (R. I. Avanesov, "Русское литературное произношение", 1984; I. L.
#: Reznichenko, "Орфоэпический словарь", 2003): dental т д н с з р before е in borrowed roots.
#: A leading `^` anchors the stem at the start of the word (`^тест` is hard in тестовый but
#: not in протест, which is read soft).
HARD_E_STEMS = (
    "^тест", "модел", "интернет", "компьютер", "^отел", "^кафе", "шоссе", "^темп", "тенденц",
    "кашне", "пюре", "^сервис", "бизнес", "^тенни", "кодекс", "индекс", "стенд", "фонетик",
    "энергетик", "свитер", "^интер", "интегр", "^дезакт", "^дезинф", "^дезодор", "^дезориент",
    "хештег", "хеш", "партнёр", "партнер", "детектив", "дельта", "термос", "тезис", "тент", "^тенор",
    "тембр", "антенн", "бутерброд", "^дендр", "диспансер", "^тенакл", "принтер", "постер",
    "тостер", "бестсел", "блокбастер", "бартер", "^кемпинг", "менедж",
    "^демпинг", "^дефолт", "^дефис", "^генезис", "синтез", "гипотез", "^денди", "^декольте",
    "^детерминант", "эстетик", "кибернетик", "^стерео", "пастель", "^шинел",
    "^атель", "кабаре", "портмоне", "^турне", "^протеж", "^кортеж",
    "^бифштекс", "^полонез", "^майонез",
    "^сейсмо", "^стендап", "^рейтинг", "^хедлайнер", "^тинейджер", "^спрей",
)

#: Compound first elements whose own vowel keeps a secondary stress (unreduced) before a long
#: second element: нефтегаз+овый [ˌnʲeftʲɪɡɐˈzovɨj], ценообразов+ание. Values are the index of
#: the vowel carrying it. Only when the element ends 3+ vowels before the word's end and the
#: primary stress lies after it (телевизор, автобус are lexicalised and keep none).
SECONDARY_STRESS_PREFIXES = {
    "нефте": 0, "газо": 0, "цено": 0, "авиа": 0, "агро": 0, "гидро": 0, "термо": 0, "электро": 1,
    "радио": 0, "видео": 0, "аудио": 0, "мото": 0, "микро": 0, "макро": 0, "мега": 0, "супер": 0,
    "вело": 0, "кино": 0, "фото": 0, "энерго": 1, "экономико": 2, "социально": 1, "медико": 0,
    "историко": 1, "физико": 0, "химико": 0, "северо": 0, "юго": 0, "западно": 0, "восточно": 1,
}

#: Letter clusters simplified inside a word (silent consonants and mergers), in this order.
CLUSTER_RULES = (
    (re.compile(r"вств"), "ств"),
    (re.compile(r"стн"), "сн"),
    (re.compile(r"здн"), "зн"),
    (re.compile(r"лнц"), "нц"),
    (re.compile(r"рдц"), "рц"),
    (re.compile(r"стл"), "сл"),
    (re.compile(r"н[дт]ск"), "нск"),
    (re.compile(r"стск"), "ск"),  # туристский
    (re.compile(r"нтг"), "нг"),  # рентген
    (re.compile(r"[сз]?[сз]ч|жч"), "щ"),
    (re.compile(r"[тд]ч"), "ч"),
    (re.compile(r"[сз]ш"), "ш"),
    (re.compile(r"[сз]ж"), "ж"),
    (re.compile(r"(?<=[а-яё])[тд]ск(?=[аоиуыяеё])"), "цк"),  # детский, городскому, подскочить
    (re.compile(r"[тд]ц"), "ц"),
    (re.compile(r"ть?ся$"), "ца"),
    (re.compile(r"(?<=л)ся$"), "са"),  # past masculine -лся keeps a hard [s] (довёлся, боялся)
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
