"""Stress: user marks win, ё is stressed, the dictionary (silero-stress), homographs, fallback rule."""

from __future__ import annotations

import pytest
import torch

from GPT_SoVITS.text.russian.stress import accentuate, fallback_stress


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("молоко", "молок+о"),
        ("голова", "голов+а"),
        ("картофель", "карт+офель"),
        ("телефон", "телеф+он"),
        ("красивая девушка", "крас+ивая д+евушка"),
        ("говорить", "говор+ить"),
    ],
)
def test_dictionary_stress(text: str, expected: str) -> None:
    assert accentuate(text) == expected


def test_user_marks_win_over_the_dictionary() -> None:
    assert accentuate("мол+око") == "мол+око"
    assert accentuate("д+ома стоят") == "д+ома сто+ят"
    assert accentuate("дом+а стоят") == "дом+а сто+ят"


def test_written_yo_is_stressed() -> None:
    assert accentuate("ёлка") == "+ёлка"
    assert accentuate("трёхэтажный") == "тр+ёхэтажный"


def test_monosyllables_and_clitics_carry_no_mark() -> None:
    assert accentuate("на дом в сад") == "на дом в сад"
    assert accentuate("он не понимал") == "он не поним+ал"


def test_user_mark_on_monosyllable_is_kept() -> None:
    assert accentuate("н+а пол") == "н+а пол"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("дверь закрыли на замок", "дверь закр+ыли на зам+ок"),
        ("на горе стоял старинный замок с башнями", "на гор+е сто+ял стар+инный з+амок с б+ашнями"),
    ],
)
def test_homographs_follow_context(text: str, expected: str) -> None:
    assert accentuate(text) == expected


def test_punctuation_and_hyphens_are_kept() -> None:
    assert accentuate("кто-нибудь, скажи!") == "кто-ниб+удь, скаж+и!"


@pytest.mark.parametrize(
    ("word", "expected"),
    [("бармаглот", "барм+аглот"), ("куздра", "к+уздра"), ("глокая", "глок+ая"), ("бокрами", "б+окрами"), ("ёжикоп", "+ёжикоп"), ("дом", "дом")],
)
def test_fallback_rule(word: str, expected: str) -> None:
    assert fallback_stress(word) == expected


def test_loading_silero_keeps_torch_settings() -> None:
    threads = torch.get_num_threads()
    accentuate("проверка")
    assert torch.is_grad_enabled()
    assert torch.get_num_threads() == threads
