"""The user lexicon (word<TAB>marked form): its format, its errors, and that stress, stage 1
and re-reading honour it."""

from __future__ import annotations

import os
import re

import pytest

from GPT_SoVITS.errors import ConfigError
from GPT_SoVITS.data_files.layout import name2text_part
from GPT_SoVITS.prepare.stage_env import StageEnv
from GPT_SoVITS.prepare.text_stage import run_text_stage
from GPT_SoVITS.text.cleaner import clean_text
from GPT_SoVITS.text.russian import user_lexicon
from GPT_SoVITS.text.russian.stress import accentuate


@pytest.fixture()
def lexicon(tmp_path, monkeypatch):
    path = tmp_path / "lexicon.tsv"
    path.write_text("# my words\nзамок\tзам+ок\n\nсервис\tс+ервис  # read soft, as some say it\n", encoding="utf-8")
    monkeypatch.setenv(user_lexicon.ENV_VAR, str(path))
    return path


def test_entries_override_the_model_in_any_case(lexicon) -> None:
    assert accentuate("на горе стоял старинный замок") == "на гор+е сто+ял стар+инный зам+ок"
    assert accentuate("Замок") == "Зам+ок"
    assert accentuate("з+амок") == "з+амок"  # a mark in the text still wins


def test_an_entry_may_respell_to_change_the_rules(lexicon, monkeypatch) -> None:
    soft = clean_text("сервис", "ru").phones
    monkeypatch.delenv(user_lexicon.ENV_VAR)
    assert soft[:2] == ["ru_sj", "ru_e1"]
    assert clean_text("сервис", "ru").phones[:2] == ["ru_s", "ru_e1"]  # the built-in hard-е stem


def test_the_file_is_re_read_when_it_changes(lexicon) -> None:
    assert accentuate("замок") == "зам+ок"
    lexicon.write_text("замок\tз+амок\n", encoding="utf-8")
    os.utime(lexicon, ns=(1, 2_000_000_000_000_000_000))
    assert accentuate("замок") == "з+амок"


def test_the_default_path_is_used_when_the_variable_is_unset(tmp_path, monkeypatch) -> None:
    default = tmp_path / "user_lexicon_ru.tsv"
    default.write_text("молоко\tм+олоко\n", encoding="utf-8")
    monkeypatch.delenv(user_lexicon.ENV_VAR, raising=False)
    monkeypatch.setattr(user_lexicon, "DEFAULT_PATH", default)
    assert accentuate("молоко") == "м+олоко"


@pytest.mark.parametrize(("line", "message"), [
    ("замок", "expected `word<TAB>marked form`"),
    ("замок\tзам+ок\tлишнее", "expected `word<TAB>marked form`"),
    ("castle\tзам+ок", "not an ARPAbet phone"),
    ("кто-нибудь\tкт+онибудь", "as many hyphen parts"),
    # broken entries the parser used to accept (issue 26, item 5)
    ("замок\tз+мок", "`+` before 'м', not a vowel"),
    ("замок\tзам+", "`+` before 'the end', not a vowel"),
    ("замок\tзамок", "'замок' has no stressed vowel"),
    ("замок\tз+ам+ок", "marks 2 stressed vowels"),
    ("ёлка\tё+лка", "`+` before 'л', not a vowel"),
    ("вёдра\tв+ёдр+а", "marks 2 stressed vowels"),
    ("замок\tзам+ак", "letters of 'зам+ак' differ from its word 'замок'"),
    ("замок\tз+амки", "letters of 'з+амки' differ"),
    ("iphone\tAY1 F OW N", "'OW' in 'AY1 F OW N': a vowel needs its stress digit"),
    ("iphone\tAY1 F OX2 N", "'OX2' in 'AY1 F OX2 N': not an ARPAbet phone"),
    ("iphone\tAY0 F OW2 N", "has no stressed vowel; mark one with 1"),
])
def test_a_malformed_line_names_file_and_line(tmp_path, line: str, message: str) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text(f"# header\n{line}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)) as caught:
        user_lexicon.parse_lexicon(path)
    assert f"{path}:2:" in str(caught.value)


def test_a_duplicate_key_with_another_form_is_refused_naming_both_lines(tmp_path) -> None:
    path = tmp_path / "dup.tsv"
    path.write_text("замок\tз+амок\nмолоко\tмолок+о\nЗамок\tзам+ок\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"'Замок' is already listed on line 1 as 'з\+амок'") as caught:
        user_lexicon.parse_lexicon(path)
    assert f"{path}:3:" in str(caught.value)


def test_accepted_forms_respellings_repeats_and_later_files_winning(tmp_path, monkeypatch) -> None:
    first, second = tmp_path / "a.tsv", tmp_path / "b.tsv"
    first.write_text("тест\tт+эст\nёлка\tёлка\nсэ-шэ-а\tсэ-шэ-+а\nдом\tдом\nзамок\tз+амок\nзамок\tз+амок\n",
                     encoding="utf-8")
    second.write_text("замок\tзам+ок\niPhone\tAY1 F OW2 N\n", encoding="utf-8")
    assert user_lexicon.parse_lexicon(first)["тест"] == "т+эст"  # э for a hard consonant, an exact repeat
    monkeypatch.setenv(user_lexicon.ENV_VAR, os.pathsep.join([str(first), str(second)]))
    assert accentuate("замок") == "зам+ок"
    assert user_lexicon.current()["iphone"] == "AY1 F OW2 N"


def test_a_latin_entry_gives_english_words_their_phones(tmp_path, monkeypatch) -> None:
    path = tmp_path / "lexicon.tsv"
    path.write_text("Gazprom\tG AA1 Z P R AA2 M\n", encoding="utf-8")
    before = clean_text("Акции Gazprom выросли.", "ru")
    monkeypatch.setenv(user_lexicon.ENV_VAR, str(path))
    after = clean_text("Акции GAZPROM выросли.", "ru")
    assert after.phones[after.word2ph[0]:after.word2ph[0] + 7] == "G AA1 Z P R AA2 M".split()
    assert after.phones != before.phones
    assert clean_text("gazprom", "en").phones == "G AA1 Z P R AA2 M".split()


def test_a_missing_file_named_by_the_variable_is_an_error(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(user_lexicon.ENV_VAR, str(tmp_path / "nope.tsv"))
    with pytest.raises(ConfigError, match="does not exist"):
        accentuate("замок")


def test_stage_one_reads_the_lexicon(lexicon, tmp_path) -> None:
    list_path = tmp_path / "data.list"
    list_path.write_text("a.wav|spk|ru|Старинный замок.\n", encoding="utf-8")
    env = StageEnv.from_environ({"inp_text": str(list_path), "opt_dir": str(tmp_path / "exp")})
    assert run_text_stage(env).done == 1
    phones = name2text_part(env.opt_dir, 0).read_text(encoding="utf-8").split("\t")[1].split(" ")
    assert phones == clean_text("Старинный зам+ок.", "ru").phones
    assert phones != clean_text("Старинный з+амок.", "ru").phones
