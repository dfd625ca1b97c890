"""The stress dictionary (ru-accent-poet's accent.dic, read as data): its format, where it
stands among the stress sources, and `--explain`, which names the source of each word."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import pytest

from GPT_SoVITS.text.__main__ import main
from GPT_SoVITS.text.russian import silero, stress_dictionary, user_lexicon
from GPT_SoVITS.text.russian.stress import StressChoice, accentuate, explain
from tests.external import tool_missing

# A few lines in the file's own format and encoding: a group of endings, a whole word, a
# secondary stress (backtick), a stressed ё written е ("), two lines giving one form two
# readings, and a faulty index past the word's vowels.
SAMPLE = "\n".join([
    "баргузин(|а|ом|ы)\t3",
    "авиасъем(ка|ки)\t1`,4\"",
    "сестр(ы)\t1\"",
    "кот(ик|ика)\t1",
    "кот(ика)\t2",
    "замок\t1,2",
    "ух(а)\t5",
]) + "\n"


@pytest.fixture()
def sample(tmp_path, monkeypatch) -> Path:
    """The frontend reading SAMPLE instead of the installed dictionary."""
    path = tmp_path / "accent.dic"
    path.write_bytes(SAMPLE.encode("cp1251"))
    lines = stress_dictionary.read_lines(path)
    monkeypatch.setattr(stress_dictionary, "_index", lambda: lines)
    stress_dictionary._stem_entries.cache_clear()
    stress_dictionary.readings.cache_clear()
    yield path
    stress_dictionary._stem_entries.cache_clear()
    stress_dictionary.readings.cache_clear()


def test_the_file_format_is_read_as_documented(sample) -> None:
    assert stress_dictionary.readings("баргузином") == ("баргуз+ином",)
    assert stress_dictionary.readings("баргузин") == ("баргуз+ин",)  # the empty ending
    assert stress_dictionary.readings("авиасъемки") == ("авиасъ+ёмки",)  # secondary left out, ё restored
    assert stress_dictionary.readings("авиасъёмки") == ("авиасъ+ёмки",)  # a written ё looks up as е
    assert stress_dictionary.readings("котика") == ("к+отика", "кот+ика")  # two lines, two readings
    assert stress_dictionary.single_reading("котика") is None
    assert stress_dictionary.single_reading("котик") == "к+отик"
    assert stress_dictionary.readings("замок") == ("з+амок", "зам+ок")
    assert stress_dictionary.readings("уха") == ()  # index 5 of a two-vowel word: no reading
    assert stress_dictionary.readings("баргузинах") == ()  # an ending the line does not list


def test_the_stresses_field() -> None:
    assert stress_dictionary.parse_stresses("2") == ((1, False),)
    assert stress_dictionary.parse_stresses('1`,4"') == ((3, True),)
    assert stress_dictionary.parse_stresses("1,2") == ((0, False), (1, False))
    assert stress_dictionary.parse_stresses("x,0,,3") == ((2, False),)  # junk and 0 are no stress


def test_a_missing_package_or_file_says_what_to_install(monkeypatch, tmp_path) -> None:
    def not_installed(name: str):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(stress_dictionary.metadata, "distribution", not_installed)
    with pytest.raises(ImportError):  # build_once then logs it and the frontend uses silero alone
        stress_dictionary.dictionary_file()

    class Empty:
        def locate_file(self, name: str) -> Path:
            return tmp_path / name

    monkeypatch.setattr(stress_dictionary.metadata, "distribution", lambda name: Empty())
    with pytest.raises(FileNotFoundError, match=r"installed without ru_accent_poet/accent.dic; reinstall it"):
        stress_dictionary.dictionary_file()


def test_precedence_lexicon_rules_dictionary_silero(sample, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(silero, "word_stress", lambda word: "б+аргузин" if word == "баргузин" else word)
    assert accentuate("баргузин") == "баргуз+ин"  # the dictionary's one reading over silero's
    assert [c.source for c in explain("баргузин")] == ["dictionary"]
    assert accentuate("замок") != "замок" and explain("замок")[0].source != "dictionary"  # two readings: silero
    # a homograph rule in context outranks the dictionary's one reading (с+ёстры)
    choice = explain("у моей сестры")[-1]
    assert (choice.reading, choice.source) == ("сестр+ы", "homograph rule (genitive)")
    assert accentuate("сестры пели") == "с+ёстры п+ели"
    # the user lexicon and a user's mark outrank everything
    path = tmp_path / "lexicon.tsv"
    path.write_text("баргузин\tб+аргузин\n", encoding="utf-8")
    monkeypatch.setenv(user_lexicon.ENV_VAR, str(path))
    assert accentuate("баргузин") == "б+аргузин"
    assert [c.source for c in explain("баргузин барг+узин")] == ["user lexicon", "user mark"]


def test_explain_on_the_command_line(sample, capsys) -> None:
    assert main(["ru", "--explain", "Сёстры у баргузина."]) == 0
    lines = capsys.readouterr().out.splitlines()
    stress_lines = lines[lines.index("stress:") + 1:]
    assert [line.split() for line in stress_lines] == [
        ["сёстры", "с+ёстры", "written", "ё"], ["у", "у", "monosyllable"], ["баргузина", "баргуз+ина", "dictionary"],
    ]


def test_the_installed_dictionary_is_read_in_place() -> None:
    """The real accent.dic (CI installs ru-accent-poet): found through the package metadata,
    never imported, and it fixes a word silero stresses wrongly."""
    try:
        path = stress_dictionary.dictionary_file()
    except ImportError:
        tool_missing("ru-accent-poet is not installed (pip install --no-deps -r requirements-nodeps.txt)")
    assert (path.parent.name, path.name) == ("ru_accent_poet", "accent.dic")
    assert stress_dictionary.readings("абажурами") == ("абаж+урами",)
    assert explain("баргузин") == [StressChoice("баргузин", "баргуз+ин", "dictionary")]  # silero: барг+узин
