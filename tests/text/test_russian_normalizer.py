"""Normalisation: numbers with case agreement, abbreviations, Unicode, punctuation, Latin, removals."""

from __future__ import annotations

import pytest

from GPT_SoVITS.text.russian.normalizer import clean_unicode, normalize
from GPT_SoVITS.text.russian.translit import latin_to_cyrillic

CASES = [
    ("В 2024 году", "в две тысячи двадцать четвёртом году"),
    ("У меня 21 книга", "у меня двадцать одна книга"),
    ("Глава 1-я", "глава первая"),
    ("До 2-го числа", "до второго числа"),
    ("Во 2-м классе", "во втором классе"),
    ("Ровно 3,5 кг", "ровно три целых пять десятых килограмма"),
    ("Встреча в 10:30", "встреча в десять тридцать"),
    ("Скидка 15%", "скидка пятнадцать процентов"),
    ("Это 100 ₽", "это сто рублей"),
    ("Всего 5 $", "всего пять долларов"),
    ("Стоит 3 €", "стоит три евро"),
    ("Было -5, стало +3", "было минус пять, стало плюс три"),
    ("Это, т.е. то", "это, то есть то"),
    ("т.д. и т.п.", "так далее и тому подобное."),
    ("Он живёт в г. Москве", "он живёт в городе москве"),
    ("ул. Пушкина", "улица пушкина"),
    ("Пять руб. и 3 коп.", "пять рублей и три копейки."),
    ("5 млн и 3 млрд", "пять миллионов и три миллиарда"),
    ("10 км и 15 см", "десять километров и пятнадцать сантиметров"),
    ("Яблоки, груши и др.", "яблоки, груши и другие."),
    ("Музей им. Пушкина", "музей имени пушкина"),
    ("См. ниже", "смотри ниже"),
    ("Это т.н. тест", "это так называемый тест"),
]


@pytest.mark.parametrize(("raw", "expected"), [
    ("Встретимся в 18:30.", "встретимся в восемнадцать тридцать."),  # no comma: no pause inside a time
    ("Поезд в 10:05 утра", "поезд в десять ноль пять утра"),
    ("Открыто с 9:00", "открыто с девять ноль ноль"),
    ("В 21:01 и в 22:22", "в двадцать один ноль одна и в двадцать два двадцать две"),  # минута: одна, две
    ("В 0:45", "в ноль сорок пять"),
    ("Ровно в 18:30:15", "ровно в восемнадцать часов тридцать минут пятнадцать секунд"),  # left to the library
    ("Счёт 2:1", "счёт два - один"),  # not a time: one-digit minutes
])
def test_clock_times_are_read_in_one_breath(raw: str, expected: str) -> None:
    assert normalize(raw).text == expected


@pytest.mark.parametrize("text", ["25:30", "18:60", "1:2:30", "3.18:30", "18:305"])
def test_what_is_not_a_clock_time_is_left_to_the_library(text: str) -> None:
    from GPT_SoVITS.text.russian.normalizer import _TIME

    assert _TIME.search(text) is None


def test_a_time_has_no_pause_in_the_phones() -> None:
    from GPT_SoVITS.text.russian.frontend import clean

    cleaned = clean("Встретимся в 18:30")
    assert cleaned.norm_text == "встретимся в восемнадцать тридцать"
    assert "," not in cleaned.phones


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_numbers_and_abbreviations(raw: str, expected: str) -> None:
    assert normalize(raw).text == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("«Ёлка» — это\u00a0дерево…", "ёлка - это дерево…"),
        ("Он пришёл; потом: ушёл...", "он пришёл, потом, ушёл…"),
        ("Текст (в скобках) тут", "текст, в скобках, тут"),
        ("Привет!!! Как дела?", "привет! как дела?"),
        ("ЁЖИК", "ёжик"),
        ("что-то", "что-то"),
    ],
)
def test_punctuation_and_case(raw: str, expected: str) -> None:
    assert normalize(raw).text == expected


def test_stress_marks_survive() -> None:
    """A user's `+` stays; an acute accent after a vowel becomes `+` before it."""
    assert normalize("зам+ок").text == "зам+ок"
    assert normalize("замо\u0301к").text == "зам+ок"
    assert clean_unicode("е\u0308лка") == "ёлка"


def test_stress_mark_next_to_a_number_keeps_agreement() -> None:
    """A marked noun after a number is normalised as if unmarked, then re-marked."""
    assert normalize("Он купил 2 з+амка, а не 2 замк+а.").text == "он купил два з+амка, а не два замк+а."
    assert normalize("Он купил 2 за́мка.").text == normalize("Он купил 2 з+амка.").text


def test_removed_characters_are_counted() -> None:
    result = normalize("привет ☺ мир 漢 ☺")
    assert result.text == "привет мир"
    assert result.removed == {"☺": 2, "漢": 1}


def test_latin_is_transliterated_not_dropped() -> None:
    result = normalize("Я открыл Google и iPhone")
    assert result.text.startswith("я открыл ")
    assert not any("a" <= c <= "z" for c in result.text)
    assert len(result.text.split()) == 5


@pytest.mark.parametrize(("latin", "cyrillic"), [("shop", "шоп"), ("chat", "чат"), ("bob", "боб"), ("city", "сити"), ("make", "мак")])
def test_fallback_transliteration(latin: str, cyrillic: str) -> None:
    assert latin_to_cyrillic(latin) == cyrillic


@pytest.mark.parametrize(("raw", "expected"), [
    ("Он уехал в США.", "он уехал в сэ-шэ-+а."),
    ("Учился в МГУ", "учился в эм-гэ-+у"),
    ("ФСБ и МВД", "эф-эс-б+э и эм-вэ-д+э"),
    ("Счета ЖКХ", "счета жэ-кэ-х+а"),
    ("США, США и США", "сэ-шэ-+а, сэ-шэ-+а и сэ-шэ-+а"),
])
def test_letter_abbreviations_are_one_word_stressed_on_the_last_letter(raw: str, expected: str) -> None:
    """The last letter name is not doubled ("а", not "аа") and carries the stress."""
    assert normalize(raw).text == expected


def test_abbreviations_read_as_words_stay_words() -> None:
    assert normalize("Страны НАТО").text == "страны нато"
    assert normalize("ЁЖИК").text == "ёжик"
