"""Hand-checked G2P cases, one group per rule of docs/russian.md (input carries its stress marks).

Expected phones are written without the `ru_` prefix; each was derived by hand from the rule
named in its group, not by running the code.
"""

from __future__ import annotations

import pytest

from GPT_SoVITS.text.russian import g2p
from GPT_SoVITS.text.russian.frontend import phonemize


def phones(accented: str) -> str:
    return " ".join(symbol.removeprefix("ru_") for symbol in g2p.word_phones(accented))


AKANYE = [  # а/о after hard consonants: ɐ (ah) in the first pretonic syllable and word-initially, ə (ax) elsewhere
    ("молок+о", "m ax l ah k o1"),
    ("м+ама", "m a1 m ax"),
    ("вод+а", "v ah d a1"),
    ("голов+а", "g ax l ah v a1"),
    ("хорош+о", "x ax r ah sh o1"),
    ("карт+офель", "k ah r t o1 fj ih lj"),
    ("с+ахар", "s a1 x ax r"),
    ("+окна", "o1 k n ax"),
    ("окн+о", "ah k n o1"),
    ("огор+од", "ah g ah r o1 t"),
    ("ав+ось", "ah v o1 sj"),
    ("парох+од", "p ax r ah x o1 t"),
]

IKANYE = [  # е/я/а after soft consonants and ч щ: ɪ (ih) unstressed; final я and post-tonic я before м х т: ə
    ("лес+а", "lj ih s a1"),
    ("пят+ак", "pj ih t a1 k"),
    ("час+ы", "ch ih s y1"),
    ("щав+ель", "shch ih vj e1 lj"),
    ("бер+ёза", "bj ih rj o1 z ax"),
    ("сел+о", "sj ih l o1"),
    ("д+ети", "dj e1 tj ih"),
    ("вр+емя", "v rj e1 mj ax"),
    ("+имя", "i1 mj ax"),
    ("т+ысяча", "t y1 sj ih ch ax"),
    ("пл+ачут", "p l a1 ch uh t"),
    ("г+оворят", "g o1 v ax rj ax t"),
]

FINAL_E = [  # unstressed word-final е keeps its quality (e0), as WikiPron writes it
    ("п+оле", "p o1 lj e0"),
    ("м+оре", "m o1 rj e0"),
    ("зн+ание", "z n a1 nj ih j e0"),
]

HARD_SIBILANTS = [  # ж ш ц are always hard: и е after them are ɨ
    ("жен+а", "zh y0 n a1"),
    ("шест+ой", "sh y0 s t o1 j"),
    ("цен+а", "ts y0 n a1"),
    ("ж+изнь", "zh y1 zj nj"),
    ("ш+ило", "sh y1 l ax"),
    ("цирк", "ts y1 r k"),
    ("ш+ёпот", "sh o1 p ax t"),
    ("жар+а", "zh ah r a1"),
    ("ц+ифра", "ts y1 f r ax"),
    ("л+учше", "l u1 ch sh y0"),
    ("мышь", "m y1 sh"),
]

SOFT_ONLY = [  # ч щ й are always soft
    ("чай", "ch a1 j"),
    ("щ+ука", "shch u1 k ax"),
    ("йод", "j o1 t"),
    ("ночь", "n o1 ch"),
    ("ж+ёлтый", "zh o1 l t y0 j"),
]

IOTATION = [  # е ё ю я at the start, after a vowel, ь or ъ give /j/ + vowel; и after ь gives /ji/
    ("+яблоко", "j a1 b l ax k ax"),
    ("ел+а", "j ih l a1"),
    ("юг", "j u1 k"),
    ("ёж", "j o1 sh"),
    ("мо+я", "m ah j a1"),
    ("семь+я", "sj ih mj j a1"),
    ("подъ+езд", "p ah d j e1 s t"),
    ("воробь+и", "v ax r ah bj j i1"),
    ("объясн+ить", "ah b j ih sj nj i1 tj"),
    ("пь+ют", "pj j u1 t"),
    ("юл+а", "j uh l a1"),
    ("мо+ё", "m ah j o1"),
]

PALATALISATION = [  # a consonant is soft before е ё и ю я ь
    ("мел", "mj e1 l"),
    ("мель", "mj e1 lj"),
    ("брат", "b r a1 t"),
    ("брать", "b r a1 tj"),
    ("л+юди", "lj u1 dj ih"),
    ("т+етя", "tj e1 tj ax"),
    ("кин+о", "kj ih n o1"),
    ("ног+и", "n ah gj i1"),
    ("х+имия", "xj i1 mj ih j ax"),
    ("дверь", "d vj e1 rj"),
    ("пыль", "p y1 lj"),
    ("рысь", "r y1 sj"),
    ("л+юбл+ю", "lj u1 b lj u1"),
]

ASSIMILATIVE_SOFTENING = [  # с з before soft т д н; н before soft т д and ч щ
    ("есть", "j e1 sj tj"),
    ("гвоздь", "g v o1 sj tj"),
    ("в+интик", "vj i1 nj tj ih k"),
    ("б+антик", "b a1 nj tj ih k"),
    ("к+ончик", "k o1 nj ch ih k"),
    ("мост", "m o1 s t"),
    ("гость", "g o1 sj tj"),
    ("пр+аздник", "p r a1 zj nj ih k"),
]

FINAL_DEVOICING = [
    ("дуб", "d u1 p"),
    ("сад", "s a1 t"),
    ("глаз", "g l a1 s"),
    ("снег", "sj nj e1 k"),
    ("нож", "n o1 sh"),
    ("кровь", "k r o1 fj"),
    ("лёд", "lj o1 t"),
    ("гриб", "g rj i1 p"),
]

VOICING_ASSIMILATION = [  # regressive across obstruents; в is voiced or devoiced but never voices
    ("л+одка", "l o1 t k ax"),
    ("ск+азка", "s k a1 s k ax"),
    ("вокз+ал", "v ah g z a1 l"),
    ("сд+ача", "z d a1 ch ax"),
    ("косьб+а", "k ah zj b a1"),
    ("вт+орник", "f t o1 r nj ih k"),
    ("всё", "f sj o1"),
    ("твой", "t v o1 j"),
    ("футб+ол", "f uh d b o1 l"),
    ("просьб+а", "p r ah zj b a1"),
    ("л+ожка", "l o1 sh k ax"),
    ("св+адьба", "s v a1 dj b ax"),
]

CLUSTERS = [  # silent consonants, affricate and sibilant mergers, -тся/-ться
    ("ч+естный", "ch e1 s n y0 j"),
    ("п+оздно", "p o1 z n ax"),
    ("здр+авствуй", "z d r a1 s t v uh j"),
    ("ч+увство", "ch u1 s t v ax"),
    ("с+олнце", "s o1 n ts y0"),
    ("с+ердце", "sj e1 r ts y0"),
    ("сч+астье", "shch a1 sj tj j e0"),
    ("мужч+ина", "m uh shch i1 n ax"),
    ("отч+ёт", "ah ch o1 t"),
    ("л+ётчик", "lj o1 ch ih k"),
    ("дв+адцать", "d v a1 ts ax tj"),
    ("отц+а", "ah ts a1"),
    ("бо+ится", "b ah i1 ts ax"),
    ("улыб+аться", "uh l y0 b a1 ts ax"),
    ("сш+ить", "sh y1 tj"),
    ("м+ягкий", "mj a1 x kj ih j"),
    ("сч+ёт", "shch o1 t"),
    ("д+етский", "dj e1 ts kj ih j"),
    ("к+асса", "k a1 s ax"),
]

GENITIVE_AND_LEXICAL = [  # -ого/-его with /v/ (not in adverbs), что, конечно, сегодня, бог, loans with hard е
    ("красн+ого", "k r ah s n o1 v ax"),
    ("с+инего", "sj i1 nj ih v ax"),
    ("ег+о", "j ih v o1"),
    ("ничег+о", "nj ih ch ih v o1"),
    ("мн+ого", "m n o1 g ax"),
    ("стр+ого", "s t r o1 g ax"),
    ("что", "sh t o1"),
    ("чт+обы", "sh t o1 b y0"),
    ("кон+ечно", "k ah nj e1 sh n ax"),
    ("сег+одня", "sj ih v o1 d nj ax"),
    ("бог", "b o1 x"),
    ("тест", "t e1 s t"),
    ("р+адио", "r a1 dj ih o0"),
]

OTHER_VOWELS = [  # у ю -> ʊ (uh), ы -> ɨ (y0), э unstressed -> ɪ, stressed vowels keep their quality
    ("+это", "e1 t ax"),
    ("эт+аж", "ih t a1 sh"),
    ("б+ыстро", "b y1 s t r ax"),
    ("рук+а", "r uh k a1"),
    ("любл+ю", "lj uh b lj u1"),
    ("+утро", "u1 t r ax"),
    ("мыл+о", "m y0 l o1"),
]

REFLEXIVE = [  # -ся/-сь are soft, except the hard [s] of the past masculine -лся (Moscow norm)
    ("дов+ёлся", "d ah vj o1 l s ax"),
    ("бо+ялся", "b ah j a1 l s ax"),
    ("ум+ылась", "uh m y1 l ax sj"),
    ("улыб+ались", "uh l y0 b a1 lj ih sj"),
    ("нам+етятся", "n ah mj e1 tj ax ts ax"),  # -ятся: [ə] before the affricate, as before т
    ("в+идятся", "vj i1 dj ax ts ax"),
]

HARD_E_LOANS = [  # loan stems with a hard consonant before е; stressed final е of indeclinable nouns
    ("т+ест", "t e1 s t"),
    ("т+естовый", "t e1 s t ax v y0 j"),
    ("прот+ест", "p r ah tj e1 s t"),  # anchored stem: протест is read soft
    ("компь+ютер", "k ah m pj j u1 t y0 r"),
    ("ант+енна", "ah n t e1 n ax"),
    ("майон+ез", "m ax j ah n e1 s"),
    ("хешт+ег", "x y0 sh t e1 k"),
    ("каф+е", "k ah f e1"),  # indeclinable, final е stressed
    ("кашн+е", "k ah sh n e1"),
    ("резюм+е", "rj ih zj uh m e1"),
    ("к+офе", "k o1 fj e0"),  # indeclinable but the final е is unstressed: soft
]

SECONDARY_STRESS = [  # a compound's first element keeps an unreduced vowel before a long second element
    ("нефтегаз+овый", "nj e0 f tj ih g ah z o1 v y0 j"),
    ("ценообразов+ание", "ts e0 n ah ah b r ax z ah v a1 nj ih j e0"),
    ("телев+изор", "tj ih lj ih vj i1 z ax r"),  # lexicalised: no secondary stress
    ("авт+обус", "ah f t o1 b uh s"),
]

MORE_CLUSTERS = [  # стск -> ск, нтг -> нг, тск/дск -> цк before any vowel
    ("тур+истский", "t uh rj i1 s kj ih j"),
    ("рентг+ен", "rj ih n gj e1 n"),
    ("городск+ому", "g ax r ah ts k o1 m uh"),
    ("гиг+антский", "gj ih g a1 n s kj ih j"),
]

HIATUS = [  # pre-pretonic о/а: [ɐ] before a vowel or after о/а, [ə] after another vowel
    ("соотнес+ёт", "s ah ah t nj ih sj o1 t"),
    ("реорганиз+ация", "rj ih ax r g ax nj ih z a1 ts y0 j ax"),
    ("преодол+ело", "p rj ih ax d ah lj e1 l ax"),
    ("воев+ода", "v ax j ih v o1 d ax"),  # е after о starts with [j]: no hiatus
]

ALL_WORDS = (REFLEXIVE + HARD_E_LOANS + SECONDARY_STRESS + MORE_CLUSTERS + HIATUS + AKANYE + IKANYE + FINAL_E + HARD_SIBILANTS + SOFT_ONLY + IOTATION + PALATALISATION
             + ASSIMILATIVE_SOFTENING + FINAL_DEVOICING + VOICING_ASSIMILATION + CLUSTERS
             + GENITIVE_AND_LEXICAL + OTHER_VOWELS)


@pytest.mark.parametrize(("accented", "expected"), ALL_WORDS)
def test_word_rules(accented: str, expected: str) -> None:
    assert phones(accented) == expected


PHRASES = [  # clitics join the next (or previous) word: no stress, voicing across the boundary
    ("в сад+у", "f | s ah d u1"),
    ("с д+ома", "z | d o1 m ax"),
    ("к игр+е", "k | y0 g rj e1"),
    ("из д+ома", "ih z | d o1 m ax"),
    ("без сл+ов", "bj ih s | s l o1 f"),
    ("от д+ома", "ah d | d o1 m ax"),
    ("не был", "nj ih | b y1 l"),
    ("к+ак же", "k a1 g | zh y0"),
    ("был бы", "b y1 l | b y0"),
    ("в ёлке", "v | j o1 l kj e0"),
    ("под стол+ом", "p ax t | s t ah l o1 m"),
    ("на гор+е", "n ax | g ah rj e1"),
    ("через год", "ch ih rj ih z | g o1 t"),
    ("дом, сад", "d o1 m | , | s a1 t"),
    ("сад и дом", "s a1 t | ih | d o1 m"),
    ("что-то", "sh t o1 t ax"),
]


@pytest.mark.parametrize(("accented", "expected"), PHRASES)
def test_phrase_rules(accented: str, expected: str) -> None:
    phone_list, word2ph = phonemize(accented)
    words, start = [], 0
    for count in word2ph:
        words.append(" ".join(p.removeprefix("ru_") for p in phone_list[start:start + count]))
        start += count
    assert " | ".join(words) == expected


def test_stress_marks_any_vowel() -> None:
    """A `+` is honoured wherever it is: the same letters give different phones."""
    assert phones("з+амок") == "z a1 m ax k"
    assert phones("зам+ок") == "z ah m o1 k"


def test_parse_accented() -> None:
    assert g2p.parse_accented("зам+ок") == ("замок", frozenset({1}))
    assert g2p.parse_accented("+утро") == ("утро", frozenset({0}))
    assert g2p.parse_accented("дом") == ("дом", frozenset())
