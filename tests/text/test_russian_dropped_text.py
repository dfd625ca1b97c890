"""Nothing is silently removed: long numbers are read digit by digit, and a dropped
character fails the line in stage 1 (issue 15, item 5)."""

from __future__ import annotations

import pytest

from GPT_SoVITS.errors import DataError
from GPT_SoVITS.data_files.failures import failures_path
from GPT_SoVITS.data_files.layout import name2text_part
from GPT_SoVITS.prepare.stage_env import StageEnv
from GPT_SoVITS.prepare.text_stage import run_text_stage
from GPT_SoVITS.text.cleaner import clean_text
from GPT_SoVITS.text.languages import DroppedTextError
from GPT_SoVITS.text.russian.normalizer import normalize, spell_digits

DIGITS_34 = "1234567890123456789012345678901234"


def test_a_number_too_long_to_read_is_read_digit_by_digit() -> None:
    result = normalize(f"Номер {DIGITS_34} готов.")
    assert result.removed == {}
    assert result.text == f"номер {spell_digits(DIGITS_34)} готов."
    assert result.text.split()[1:5] == ["один", "два", "три", "четыре"]
    assert len(result.text.split()) == 34 + 2


def test_leading_zeros_are_not_lost() -> None:
    assert normalize("Агент 007.").text == "агент ноль ноль семь."
    assert normalize("Было 0,5 литра").text == "было ноль целых пять десятых литра"


def test_quotes_are_silent_and_not_counted() -> None:
    assert normalize("«Ёлка» и \"ель\"").removed == {}


@pytest.mark.parametrize(("text", "dropped"), [("Привет 😊 мир", "😊"), ("Дробь ½ тут", "½"), ("Стрелка → туда", "→")])
def test_a_dropped_character_is_an_error_naming_it(text: str, dropped: str) -> None:
    with pytest.raises(DroppedTextError, match=repr(dropped)) as caught:
        clean_text(text, "ru")
    assert isinstance(caught.value, DataError)
    assert caught.value.dropped == {dropped: 1}
    # the result without the character travels with the error (synthesis may use it)
    assert caught.value.cleaned.norm_text == normalize(text).plain


def test_stage_one_fails_the_line_that_would_lose_text(tmp_path) -> None:
    list_path = tmp_path / "data.list"
    list_path.write_text(
        "a.wav|spk|ru|Привет, мир!\n"
        "b.wav|spk|ru|Смешно 😊 правда.\n"
        f"c.wav|spk|ru|Код {DIGITS_34}.\n",
        encoding="utf-8",
    )
    env = StageEnv.from_environ({"inp_text": str(list_path), "opt_dir": str(tmp_path / "exp")})
    summary = run_text_stage(env)
    assert (summary.done, summary.failed) == (2, 1)
    names = [line.split("\t")[0] for line in name2text_part(env.opt_dir, 0).read_text(encoding="utf-8").splitlines()]
    assert names == ["a.wav", "c.wav"]
    failure = failures_path(env.opt_dir, "text", 0).read_text(encoding="utf-8")
    assert "b.wav" in failure and "'😊'" in failure and "cannot be read aloud" in failure
