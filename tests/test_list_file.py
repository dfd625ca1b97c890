"""The .list parser shared by every stage."""

from __future__ import annotations

import pytest

from GPT_SoVITS.errors import ConfigError, DataError
from GPT_SoVITS.data_files.list_file import read_list, utterance_name
from GPT_SoVITS.prepare.stage_env import StageEnv

LIST = (
    "data/a.wav|spk|ru|Привет.\n"
    "broken line without fields\n"
    "\n"
    '"C:\\voice\\b.wav"|spk|ru|Как дела?\n'
    "c.wav|spk|ru|   \n"
    "other/a.wav|spk|ru|Повтор.\n"
    "d.wav/|spk|ru|Пока.\n"
)


@pytest.fixture
def list_file(tmp_path):
    path = tmp_path / "data.list"
    path.write_text(LIST, encoding="utf-8")
    return path


def test_entries_and_problems_name_file_and_line(list_file):
    entries, problems = read_list(list_file)
    assert [e.name for e in entries] == ["a.wav", "b.wav", "d.wav"]
    assert [e.line_number for e in entries] == [1, 4, 7]
    assert entries[0].text == "Привет." and entries[0].language == "ru"
    messages = [str(p) for p in problems]
    assert messages == [
        f"{list_file}:2: expected 4 fields wav|speaker|lang|text, got 1",
        f"{list_file}:5: the text of c.wav is empty",
        f"{list_file}:6: a.wav repeats line 1; names must be unique",
    ]


def test_parts_are_disjoint_and_cover_the_file(list_file):
    whole_entries, whole_problems = read_list(list_file)
    parts = [read_list(list_file, i, 3) for i in range(3)]
    names = sorted(e.name for entries, _ in parts for e in entries)
    lines = sorted(p.line_number for _, problems in parts for p in problems)
    assert names == sorted(e.name for e in whole_entries)
    assert lines == [p.line_number for p in whole_problems]


def test_audio_path_uses_wav_dir_when_given(list_file, tmp_path):
    entry = read_list(list_file)[0][1]
    assert entry.audio_path("").as_posix() == "C:\\voice\\b.wav"
    assert entry.audio_path(tmp_path) == tmp_path / "b.wav"
    assert utterance_name("  'x/y/z.wav'  ") == "z.wav"


def test_missing_list_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="nope.list: .list file not found"):
        read_list(tmp_path / "nope.list")


def test_stage_env_reads_upstream_variables(tmp_path):
    env = StageEnv.from_environ({"inp_text": "x.list", "exp_name": "voice", "i_part": "1", "all_parts": "2",
                                 "is_half": "True", "_CUDA_VISIBLE_DEVICES": "0"})
    assert env.opt_dir.as_posix() == "logs/voice" and (env.i_part, env.all_parts) == (1, 2)
    assert env.is_half is True and env.version == "v2" and env.cuda_visible_devices == "0"


@pytest.mark.parametrize("variables,message", [
    ({}, "inp_text is not set"),
    ({"inp_text": "x.list"}, "set opt_dir"),
    ({"inp_text": "x.list", "exp_name": "v", "i_part": "2", "all_parts": "2"}, "need 0 <= i_part < all_parts"),
    ({"inp_text": "x.list", "exp_name": "v", "is_half": "maybe"}, "is_half='maybe': expected True or False"),
])
def test_stage_env_refuses_bad_settings_before_work(variables, message):
    with pytest.raises(ConfigError, match=message):
        StageEnv.from_environ(variables)


def test_name2text_rows_and_problems_in_file_order(tmp_path):
    from GPT_SoVITS.data_files.name2text import Name2TextRow, iter_name2text

    path = tmp_path / "2-name2text.txt"
    path.write_text("a.wav\tru_d ru_a1 .\t[2, 1]\tда.\n\nbroken\tline\nb.wav\tru_a1 ?\t[1, 1]\tа?\n", encoding="utf-8")
    rows = list(iter_name2text(path))
    assert rows[0] == Name2TextRow("a.wav", ["ru_d", "ru_a1", "."], "да.", 1)
    assert str(rows[1]) == f"{path}:3: expected 4 tab-separated fields name, phones, word2ph, norm_text, got 2"
    assert rows[2].name == "b.wav" and rows[2].line_number == 4


def test_an_undecodable_line_is_reported_with_its_number_and_the_rest_is_read(tmp_path):
    path = tmp_path / "data.list"
    path.write_bytes("\ufeffa.wav|spk|ru|Привет.\n".encode("utf-8") + "b.wav|spk|ru|Плохо.\n".encode("cp1251")
                     + "c.wav|spk|ru|Пока.\r\n".encode("utf-8"))
    entries, problems = read_list(path)
    assert [(e.name, e.line_number, e.text) for e in entries] == [("a.wav", 1, "Привет."), ("c.wav", 3, "Пока.")]
    assert [str(p) for p in problems] == [
        f"{path}:2: not UTF-8 text (byte 0xcf at column 14; it looks like Windows-1251); save the .list as UTF-8"]
    parts = [read_list(path, i, 2) for i in range(2)]
    assert [p.line_number for _, problems in parts for p in problems] == [2]


@pytest.mark.parametrize("codec,name", [("cp1251", "Windows-1251"), ("koi8_r", "KOI8-R"), ("utf-16", "UTF-16")])
def test_a_list_that_is_not_utf8_names_its_likely_encoding(tmp_path, codec, name):
    from GPT_SoVITS.data_files.list_file import read_list

    path = tmp_path / "voice.list"
    path.write_bytes("a.wav|спк|ru|Привет, как у тебя дела сегодня?\n".encode(codec))
    entries, problems = read_list(path)
    assert entries == [] and problems
    assert f"not UTF-8 text (byte 0x" in problems[0].message and f"; it looks like {name}); save the .list as UTF-8" in \
        problems[0].message


def test_prepare_refuses_a_list_in_another_encoding_naming_it(tmp_path):
    from GPT_SoVITS.errors import ConfigError
    from GPT_SoVITS.prepare.pipeline import PipelineConfig, check_config

    path = tmp_path / "voice.list"
    path.write_bytes("a.wav|спк|ru|Привет.\nb.wav|спк|ru|Пока.\n".encode("cp1251"))
    with pytest.raises(ConfigError) as error:
        check_config(PipelineConfig(list_path=path, exp_name="x", logs_dir=tmp_path / "logs"), ("text",))
    assert str(error.value) == (f"{path}: not UTF-8 text (it looks like Windows-1251); save the .list as UTF-8 (in the "
                                "editor's 'save as' encoding choice) and run again")
