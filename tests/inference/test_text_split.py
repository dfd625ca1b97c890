"""Text splitting: sentence ends, long sentences, numbers and stray punctuation."""

from __future__ import annotations

import pytest

from GPT_SoVITS.inference.text_split import ensure_final_punctuation, split_text


def test_splits_at_sentence_punctuation_and_keeps_it():
    text = "Привет! Как дела? Цена 3.5 рубля… Всё «хорошо». Да"
    assert split_text(text) == ["Привет!", "Как дела?", "Цена 3.5 рубля…", "Всё «хорошо».", "Да"]


def test_line_breaks_end_pieces():
    assert split_text("Первая строка\nвторая строка\n\n") == ["Первая строка", "вторая строка"]


def test_long_sentence_is_cut_at_semicolons_and_colons_first():
    text = "Сначала мы пошли домой; потом пили чай: долго и с удовольствием"
    assert split_text(text, max_chars=30) == ["Сначала мы пошли домой;", "потом пили чай:", "долго и с удовольствием"]
    assert split_text(text, max_chars=200) == [text]


def test_very_long_clause_is_packed_at_commas_within_the_limit():
    text = "один, два, три, четыре, пять, шесть, семь, восемь, девять, десять"
    pieces = split_text(text, max_chars=20)
    assert " ".join(pieces) == text
    assert all(len(piece) <= 20 for piece in pieces)
    assert len(pieces) == 4


def test_pieces_without_letters_join_their_neighbour():
    assert split_text("Ну и ну ! ?") == ["Ну и ну ! ?"]
    assert split_text("Стоп. … Дальше.") == ["Стоп. …", "Дальше."]


@pytest.mark.parametrize("text", ["", "   ", "\n\n"])
def test_blank_text_gives_no_pieces(text):
    assert split_text(text) == []


def test_final_punctuation_is_added_only_when_missing():
    assert ensure_final_punctuation("Да") == "Да."
    assert ensure_final_punctuation(" Да? ") == "Да?"
    assert ensure_final_punctuation("Ну…") == "Ну…"


@pytest.mark.parametrize(("text", "expected"), [
    ("… туристов. Т.е. приезжайте в гости!", ["… туристов.", "Т.е. приезжайте в гости!"]),
    ("Встреча 24.11.2025 в 10.30, т.к. нужно.", ["Встреча 24.11.2025 в 10.30, т.к. нужно."]),
    ("Яблоки, груши и т.д. Потом пришёл он.", ["Яблоки, груши и т.д.", "Потом пришёл он."]),
    ("Книги, тетради и т.п. Всё на столе.", ["Книги, тетради и т.п.", "Всё на столе."]),
    ("Это т.е. пример, т.к. он короткий.", ["Это т.е. пример, т.к. он короткий."]),
    ("Он живёт в г. Москве. Давно.", ["Он живёт в г. Москве.", "Давно."]),
    ("Родился в 1799 г. В Москве жил.", ["Родился в 1799 г.", "В Москве жил."]),
    ("Живу на ул. Ленина. Дом 5.", ["Живу на ул. Ленина.", "Дом 5."]),
    ("Музей им. Пушкина открыт. См. ниже.", ["Музей им. Пушкина открыт.", "См. ниже."]),
    ("См. Рис. 3. Там всё.", ["См. Рис. 3.", "Там всё."]),
    ("Длина 3.5 см. Ширина 2 см.", ["Длина 3.5 см.", "Ширина 2 см."]),
    ("А. С. Пушкин родился в Москве. Он поэт.", ["А. С. Пушкин родился в Москве.", "Он поэт."]),
    ("Поезд в 10.30 ушёл. Следующий в 12:45.", ["Поезд в 10.30 ушёл.", "Следующий в 12:45."]),
    ("Курс 92.5 рубля, т.е. дорого!", ["Курс 92.5 рубля, т.е. дорого!"]),
])
def test_no_break_at_abbreviations_numbers_and_initials(text, expected):
    assert split_text(text) == expected


SPLIT_TEXT = ("Привет, мир! Как дела? В 1990 г. в городе было тихо; т.е. совсем. А. С. Пушкин писал стихи, "
              "много стихов — и прозу. Ещё одно предложение, с запятой.")


def test_split_methods_by_upstream_names():
    from GPT_SoVITS.inference.text_split import split_by_method, split_text

    assert split_by_method(SPLIT_TEXT, "cut0") == [SPLIT_TEXT]
    assert split_by_method("Раз.\nДва.", "cut0") == ["Раз. Два."]
    assert split_by_method(SPLIT_TEXT, "cut1") == [
        "Привет, мир! Как дела? В 1990 г. в городе было тихо; т.е. совсем. А. С. Пушкин писал стихи, много стихов — и прозу.",
        "Ещё одно предложение, с запятой."]
    assert split_by_method(SPLIT_TEXT, "cut3") == split_text(SPLIT_TEXT)  # the default keeps what synthesis did
    assert split_by_method(SPLIT_TEXT, "cut4") == [
        "Привет, мир! Как дела? В 1990 г. в городе было тихо; т.е. совсем.",
        "А. С. Пушкин писал стихи, много стихов — и прозу.", "Ещё одно предложение, с запятой."]
    assert split_by_method(SPLIT_TEXT, "cut5") == [
        "Привет,", "мир!", "Как дела?", "В 1990 г. в городе было тихо;", "т.е. совсем.", "А. С. Пушкин писал стихи,",
        "много стихов —", "и прозу.", "Ещё одно предложение,", "с запятой."]
    cut2 = split_by_method(SPLIT_TEXT, "cut2")
    assert " ".join(cut2) == SPLIT_TEXT and all(len(piece) >= 50 for piece in cut2[:-1])
    assert split_by_method("你好。世界！", "cut3") == ["你好。", "世界！"]


def test_unknown_split_method_is_refused():
    from GPT_SoVITS.inference.text_split import split_by_method

    with pytest.raises(ValueError, match="unknown text split method 'cut7'; use one of cut0, cut1"):
        split_by_method("Текст.", "cut7")
