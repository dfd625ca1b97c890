"""English words inside Russian text (`ru`, `auto`): script segmentation, the cases of issue 30,
a consistent word2ph, and the `translit` mode kept for models fine-tuned without English."""

from __future__ import annotations

from pathlib import Path

import pytest

from GPT_SoVITS.errors import ConfigError
from GPT_SoVITS.text import clean_text
from GPT_SoVITS.text.english.g2p import word_phones
from GPT_SoVITS.text.russian import latin
from GPT_SoVITS.text.russian.frontend import accented_text, split_tokens
from GPT_SoVITS.text.symbols import get_table

SENTENCES = Path(__file__).resolve().parents[2] / "bench" / "data" / "ru_en_sentences.tsv"


def _words(cleaned) -> dict[str, list[str]]:
    """token -> its phones, for the tokens of a cleaned text."""
    tokens = split_tokens(cleaned.norm_text)
    assert len(tokens) == len(cleaned.word2ph) and sum(cleaned.word2ph) == len(cleaned.phones)
    out, start = {}, 0
    for token, count in zip(tokens, cleaned.word2ph):
        out[token] = cleaned.phones[start:start + count]
        start += count
    return out


def _english(phones: list[str]) -> bool:
    return any(p[:1].isupper() for p in phones)


def test_latin_words_get_english_phones_and_russian_stays_russian() -> None:
    cleaned = clean_text("Я купил iPhone, и он работает.", "ru")
    words = _words(cleaned)
    assert cleaned.norm_text == "я купил iPhone, и он работает."
    assert words["iPhone"] == list(word_phones("iPhone")) == "AY1 F OW2 N".split()
    assert words["купил"] == ["ru_k", "ru_uh", "ru_pj", "ru_i1", "ru_l"]
    get_table("v2+ru").to_ids(cleaned.phones)


@pytest.mark.parametrize(("text", "english", "russian"), [
    ("Купил Wi-Fi-роутер.", {"Wi-Fi": "W AY1 F AY2"}, ["роутер"]),
    ("Новое iOS-приложение.", {"iOS": "AY1 OW2 EH1 S"}, ["приложение"]),
    ("Вакцина от COVID-19.", {"COVID": "K OW1 V IH0 D"}, ["девятнадцати"]),  # digits read in Russian
    ("Обед в McDonald's.", {"McDonald's": "M AH0 K D AA1 N AH0 L D Z"}, ["обед"]),
    ("Разъём USB и API от BBC.", {"USB": "Y UW1 EH1 S B IY1", "API": "EY2 P IY2 AY1", "BBC": "B IY2 B IY0 S IY1"}, []),
    ("Запуск NASA.", {"NASA": "N AE1 S AH0"}, ["запуск"]),  # an acronym the dictionary reads as a word
    ("На MacBook открыт PowerPoint и YouTube.", {"MacBook": "M AE1 K B UH2 K", "PowerPoint": "P AW1 ER0 P OY2 N T",
                                                 "YouTube": "Y UW1 T Y UW2 B"}, ["открыт"]),
    ("В 2024 году вышел Python 3.", {"Python": "P AY1 TH AA0 N"}, ["две", "тысячи", "двадцать", "четвёртом", "три"]),
])
def test_the_mixed_cases_of_the_issue(text, english, russian) -> None:
    words = _words(clean_text(text, "ru"))
    for word, phones in english.items():
        assert " ".join(words[word]) == phones, word
    for word in russian:
        assert word in words and not _english(words[word]), word


def test_a_lone_latin_letter_is_read_by_its_russian_name() -> None:
    words = _words(clean_text("Витамин C и формат A4.", "ru"))
    assert "цэ" in words and "а" in words and "четыре" in words and not any(_english(p) for p in words.values())
    plan = _words(clean_text("Есть Plan B.", "ru"))  # next to another Latin word it is English
    assert plan["B"] == ["B", "IY1"]


def test_units_after_a_number_stay_russian() -> None:
    words = _words(clean_text("Диск на 5 GB.", "ru"))
    assert "гигабайт" in " ".join(words) and not any(_english(p) for p in words.values())


def test_auto_is_russian_with_english_words() -> None:
    assert clean_text("Смотри YouTube.", "auto") == clean_text("Смотри YouTube.", "ru")


def test_translit_keeps_the_old_reading(monkeypatch) -> None:
    translit = clean_text("Я купил iPhone.", "ru", "translit")
    assert not _english(translit.phones) and "iPhone" not in translit.norm_text
    monkeypatch.setenv(latin.ENV_VAR, "translit")  # what the stage scripts get from --latin
    assert clean_text("Я купил iPhone.", "ru") == translit
    assert _english(clean_text("Я купил iPhone.", "ru", "english").phones)


def test_russian_without_latin_is_unchanged_by_the_mode() -> None:
    text = "Он купил 2 з+амка в Москве."
    assert clean_text(text, "ru", "english") == clean_text(text, "ru", "translit")


@pytest.mark.parametrize("value", ["englsh", "ru"])
def test_a_bad_latin_mode_names_the_choices(value, monkeypatch) -> None:
    with pytest.raises(ConfigError, match=f"latin='{value}'.*english, translit"):
        clean_text("Я купил iPhone.", "ru", value)
    monkeypatch.setenv(latin.ENV_VAR, value)
    with pytest.raises(ConfigError, match=f"GPT_SOVITS_LATIN='{value}'"):
        clean_text("Я купил iPhone.", "ru")


def test_messages_quote_the_text_as_written() -> None:
    from GPT_SoVITS.text.languages import DroppedTextError

    with pytest.raises(DroppedTextError) as caught:
        clean_text("Смотри YouTube 😊.", "ru")
    assert "'Смотри YouTube 😊.'" in str(caught.value) and latin.PLACEHOLDER not in str(caught.value)
    assert caught.value.cleaned.norm_text == "смотри YouTube."


def test_the_accented_preview_keeps_the_english_words() -> None:
    assert accented_text("Я купил iPhone.") == "я куп+ил iPhone."


def test_every_sentence_of_the_bench_set_aligns() -> None:
    """word2ph counts each token of norm_text; every phone is in v2+ru; each has English."""
    table = get_table("v2+ru")
    lines = [line.split("\t") for line in SENTENCES.read_text(encoding="utf-8").splitlines()[1:] if line.strip()]
    assert len(lines) >= 150
    for text, expected in lines[::5]:
        cleaned = clean_text(text, "ru")
        words = _words(cleaned)
        table.to_ids(cleaned.phones)
        for word in expected.split():
            assert _english(words[word]), (text, word)
