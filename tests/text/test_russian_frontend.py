"""The `ru` frontend end to end: alignment, symbol table, errors, dispatch and the CLI."""

from __future__ import annotations

import subprocess
import sys

import pytest

from GPT_SoVITS.errors import DataError
from GPT_SoVITS.text.cleaner import clean_text
from GPT_SoVITS.text.languages import CleanedText
from GPT_SoVITS.text.russian.frontend import clean, split_tokens
from GPT_SoVITS.text.symbols import default_table_name, get_table, read_inventory
from GPT_SoVITS.text.languages import inventory_path
from tests.conftest import REPO_ROOT

CORPUS = [
    "Привет, мир!",
    "В 2024 году мы переехали в Санкт-Петербург.",
    "Старый рыбак долго смотрел на тёмное море и молчал.",
    "Что-то случилось с ним, но он не сказал бы ни слова.",
    "Сегодня, 25 ноября, в 14:30 начнётся собрание — приходите!",
    "Скидка 15% действует до 3-го числа, т.е. ещё неделю…",
    "Я купил iPhone за 999 $ и 3,5 кг яблок.",
    "Счастье — это когда тебя понимают.",
    "Вдруг из-за угла выехал грузовик; мы отскочили.",
    "Здравствуйте, Ирина Сергеевна! Как ваше здоровье?",
    "«Ёлка» стояла в углу, и дети водили хоровод.",
    "Объясните, пожалуйста, как пройти к вокзалу?",
    "Его подъезд был третьим слева, у большого дуба.",
    "Мягкий свет лился сквозь щель в ставнях.",
    "Жили-были дед да баба, и была у них курочка Ряба.",
    "Зам+ок на двери и з+амок на горе — разные слова.",
]


@pytest.mark.parametrize("text", CORPUS)
def test_word2ph_aligns_with_norm_text(text: str) -> None:
    cleaned = clean(text)
    assert sum(cleaned.word2ph) == len(cleaned.phones)
    assert len(cleaned.word2ph) == len(split_tokens(cleaned.norm_text))
    assert all(count > 0 for count in cleaned.word2ph)


def test_every_phone_is_in_the_training_table() -> None:
    table = get_table("v2+ru")
    for text in CORPUS:
        ids = table.to_ids(clean(text).phones, text=text)
        assert min(ids) >= 0


def test_v2_ru_table_keeps_v2_ids() -> None:
    v2, v2ru = get_table("v2"), get_table("v2+ru")
    assert len(v2) == 732
    assert v2ru.symbols[:732] == v2.symbols
    assert default_table_name() == "v2+ru"
    added = v2ru.symbols[732:]
    assert 50 <= len(added) <= 60
    assert all(symbol.startswith("ru_") for symbol in added)


def test_inventory_declares_ipa_and_v2_look_alikes() -> None:
    v2 = get_table("v2")
    entries = read_inventory(inventory_path("ru"))
    for entry in entries:
        assert entry.ipa, entry.symbol
        assert entry.similar and all(s in v2 for s in entry.similar), entry.symbol
    symbols = {entry.symbol for entry in entries}
    for vowel in ("a", "o", "u", "i", "y", "e"):
        assert f"ru_{vowel}1" in symbols  # stressed and unstressed vowels are distinct symbols
    assert {"ru_ah", "ru_ax", "ru_ih", "ru_uh", "ru_y0"} <= symbols


def test_clean_text_dispatches_ru_and_alias() -> None:
    cleaned = clean_text("Мама мыла раму.", "RU")
    assert isinstance(cleaned, CleanedText)
    assert cleaned.norm_text == "мама мыла раму."
    assert " ".join(cleaned.phones) == "ru_m ru_a1 ru_m ru_ax ru_m ru_y1 ru_l ru_ax ru_r ru_a1 ru_m ru_uh ."
    assert cleaned.word2ph == [4, 4, 4, 1]


def test_clean_text_unpacks_like_upstream() -> None:
    """`phones, word2ph, norm_text = clean_text(...)` works, and attribute access still does."""
    cleaned = clean_text("Мама мыла раму.", "ru")
    phones, word2ph, norm_text = clean_text("Мама мыла раму.", "ru")
    assert (phones, word2ph, norm_text) == (cleaned.phones, cleaned.word2ph, cleaned.norm_text)
    assert isinstance(cleaned, tuple) and cleaned._fields == ("phones", "word2ph", "norm_text")


def test_accentuate_is_exported_from_the_package() -> None:
    from GPT_SoVITS.text.russian import accentuate

    assert accentuate("молоко") == "молок+о"


def test_user_marks_change_the_phones() -> None:
    assert clean("з+амок").phones == ["ru_z", "ru_a1", "ru_m", "ru_ax", "ru_k"]
    assert clean("замо\u0301к").phones == ["ru_z", "ru_ah", "ru_m", "ru_o1", "ru_k"]


@pytest.mark.parametrize("text,phones", [
    ("Да.", ["ru_d", "ru_a1", "."]),  # "yes": the only word of its phrase is stressed
    ("А?", ["ru_a1", "?"]),
    ("Да, конечно.", ["ru_d", "ru_a1", ",", "ru_k", "ru_ah", "ru_nj", "ru_e1", "ru_sh", "ru_n", "ru_ax", "."]),
    ("Ты да я.", ["ru_t", "ru_y1", "ru_d", "ru_ax", "ru_j", "ru_a1", "."]),  # conjunction: unstressed
])
def test_function_word_alone_in_its_phrase_is_stressed(text: str, phones: list[str]) -> None:
    assert clean(text).phones == phones


@pytest.mark.parametrize(("text", "phones"), [
    ("США", ["ru_s", "ru_e0", "ru_sh", "ru_e0", "ru_a1"]),  # [sɛ ʂɛ ˈa]: last letter stressed
    ("МГУ", ["ru_e0", "ru_m", "ru_g", "ru_e0", "ru_u1"]),  # [ɛm gɛ ˈu]
])
def test_spelled_abbreviation_is_one_word_stressed_on_its_last_letter(text: str, phones: list[str]) -> None:
    cleaned = clean(text)
    assert cleaned.phones == phones
    assert cleaned.word2ph == [len(phones)]


def test_yo_is_stressed_and_kept_in_norm_text() -> None:
    cleaned = clean("Ёжик")
    assert cleaned.norm_text == "ёжик"
    assert cleaned.phones[:2] == ["ru_j", "ru_o1"]


def test_mixed_latin_and_cyrillic_is_spoken() -> None:
    cleaned = clean("Открой Google")
    assert len(split_tokens(cleaned.norm_text)) == 2
    assert cleaned.word2ph[1] >= 3


@pytest.mark.parametrize("text", ["", "   ", "!!!", "... — ?", "☺☺"])
def test_nothing_to_pronounce_is_an_error(text: str) -> None:
    with pytest.raises(DataError, match="no words to pronounce"):
        clean(text)


def test_cli_prints_three_lines() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "GPT_SoVITS.text", "ru", "Замок стоял на горе."],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "normalised: замок стоял на горе."
    assert lines[1] == "accented:   з+амок сто+ял на гор+е."
    assert lines[2].startswith("phones:     ru_z ru_a1 ru_m ru_ax ru_k ru_s ru_t ru_ah ru_j ru_a1 ru_l")


def test_cli_reports_empty_text() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "GPT_SoVITS.text", "ru", "..."],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 1
    assert "no words to pronounce" in result.stderr
