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
