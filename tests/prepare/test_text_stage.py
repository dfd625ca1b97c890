"""Stage 1: name2text lines, per-line errors, resume, parts, and the shim as the UI runs it."""

from __future__ import annotations

import ast
import os
import subprocess
import sys

import pytest

from GPT_SoVITS.data_files.failures import failures_path
from GPT_SoVITS.data_files.layout import name2text_part
from GPT_SoVITS.data_files.name2text import merge_name2text
from GPT_SoVITS.prepare.stage_env import StageEnv
from GPT_SoVITS.prepare import text_stage
from GPT_SoVITS.prepare.text_stage import run_text_stage
from GPT_SoVITS.text.symbols import get_table
from tests.conftest import REPO_ROOT
from tests.prepare import fake_frontend


@pytest.fixture(autouse=True)
def xx_language(monkeypatch):
    fake_frontend.register(monkeypatch)


def _env(tmp_path, list_text: str, i_part: int = 0, all_parts: int = 1) -> StageEnv:
    list_path = tmp_path / "data.list"
    list_path.write_text(list_text, encoding="utf-8")
    return StageEnv.from_environ(
        {"inp_text": str(list_path), "opt_dir": str(tmp_path / "exp"), "i_part": str(i_part), "all_parts": str(all_parts)}
    )


LIST = (
    "wavs/a.wav|spk|xx|Tak, idu.\n"
    "wavs/b.wav|spk|xx|Bo   da\n"
    "wavs/c.wav|spk|xx|ok\n"
)


def test_writes_name2text_lines(tmp_path):
    env = _env(tmp_path, LIST)
    summary = run_text_stage(env, table=get_table("v2"))
    lines = name2text_part(env.opt_dir, 0).read_text(encoding="utf-8").split("\n")
    assert lines == [
        "a.wav\tK AA1 K , AA1 K AA1 .\t[4, 4]\ttak, idu.",
        "b.wav\tK AA1 K AA1\t[2, 2]\tbo da",
        "c.wav\tAA1 K\t[2]\tok",
        "",
    ]
    assert (summary.done, summary.skipped, summary.failed) == (3, 0, 0)
    assert failures_path(env.opt_dir, "text", 0).read_text() == ""


def test_bad_lines_are_reported_and_skipped(tmp_path):
    env = _env(tmp_path, LIST + "wavs/d.wav|spk|zh|你好\nwavs/e.wav|spk|xx|a#b\nbroken line\nwavs/f.wav|spk|xx|fin\n")
    summary = run_text_stage(env, table=get_table("v2"))
    names = [line.split("\t")[0] for line in name2text_part(env.opt_dir, 0).read_text().splitlines()]
    assert names == ["a.wav", "b.wav", "c.wav", "f.wav"]
    reasons = dict(summary.failures)
    list_path = env.inp_text
    assert reasons["d.wav"].startswith(f"{list_path}:4: unsupported language 'zh'")
    assert "supported:" in reasons["d.wav"] and "xx" in reasons["d.wav"]
    assert reasons["e.wav"].startswith(f"{list_path}:5: unknown symbol '#'")
    assert reasons[f"{list_path}:6"] == "expected 4 fields wav|speaker|lang|text, got 1"
    failure_file = failures_path(env.opt_dir, "text", 0).read_text(encoding="utf-8").splitlines()
    assert len(failure_file) == 3 and all(line.startswith("1-get-text\t") for line in failure_file)


def test_an_undecodable_line_fails_alone(tmp_path):
    env = _env(tmp_path, "")
    env.inp_text.write_bytes(b"wavs/a.wav|spk|xx|tak\nwavs/b.wav|spk|xx|caf\xe9\nwavs/c.wav|spk|xx|ok\n")
    summary = run_text_stage(env, table=get_table("v2"))
    assert (summary.done, summary.failed) == (2, 1)
    assert [line.split("\t")[0] for line in name2text_part(env.opt_dir, 0).read_text().splitlines()] == ["a.wav", "c.wav"]
    failures = failures_path(env.opt_dir, "text", 0).read_text(encoding="utf-8")
    assert f"1-get-text\t{env.inp_text}:2\tnot UTF-8 text (byte 0xe9 at column 22; it looks like Windows-1252 (Latin-1))" in failures


def test_rerun_cleans_only_new_and_fixed_lines(tmp_path, monkeypatch):
    env = _env(tmp_path, LIST + "wavs/d.wav|spk|zh|da\n")
    first = run_text_stage(env, table=get_table("v2"))
    assert (first.done, first.failed) == (3, 1)
    output = name2text_part(env.opt_dir, 0)
    before = output.read_text(encoding="utf-8").splitlines()
    cleaned = []
    real_clean = text_stage.clean_text
    monkeypatch.setattr(text_stage, "clean_text",
                        lambda text, lang, *latin: cleaned.append(text) or real_clean(text, lang, *latin))

    # Unchanged: the failure still holds, nothing is cleaned again.
    again = run_text_stage(env, table=get_table("v2"))
    assert (again.done, again.skipped, again.failed, again.held) == (0, 3, 1, 1) and cleaned == []
    assert output.read_text(encoding="utf-8").splitlines() == before

    # The language fixed and a new line added: only those two are cleaned; finished rows are copied.
    env.inp_text.write_text(LIST + "wavs/d.wav|spk|xx|da\nwavs/z.wav|spk|xx|new\n", encoding="utf-8")
    fixed = run_text_stage(env, table=get_table("v2"))
    assert (fixed.done, fixed.skipped, fixed.failed) == (2, 3, 0) and cleaned == ["da", "new"]
    rows = output.read_text(encoding="utf-8").splitlines()
    assert rows[:3] == before and [row.split("\t")[0] for row in rows[3:]] == ["d.wav", "z.wav"]
    assert failures_path(env.opt_dir, "text", 0).read_text(encoding="utf-8") == ""


def test_parts_merged_equal_one_part(tmp_path):
    text = "".join(f"wavs/u{i}.wav|spk|xx|word{'a' * i} end\n" for i in range(7))
    (tmp_path / "one").mkdir()
    single = _env(tmp_path / "one", text)
    run_text_stage(single, table=get_table("v2"))
    one = merge_name2text(single.opt_dir, 1).read_text().splitlines()
    (tmp_path / "three").mkdir()
    for i in range(3):
        run_text_stage(_env(tmp_path / "three", text, i, 3), table=get_table("v2"))
    three = merge_name2text(tmp_path / "three" / "exp", 3).read_text().splitlines()
    assert sorted(three) == sorted(one) and len(one) == 7
    # Grouped by part as upstream: part 0 holds lines 0, 3, 6.
    assert [line.split("\t")[0] for line in three[:3]] == ["u0.wav", "u3.wav", "u6.wav"]


def test_shim_runs_with_the_ui_environment(tmp_path):
    list_path = tmp_path / "data.list"
    list_path.write_text("a.wav|spk|zh|你好\n", encoding="utf-8")
    env = {**os.environ, "inp_text": str(list_path), "opt_dir": str(tmp_path / "exp"), "i_part": "0", "all_parts": "1",
           "exp_name": "exp", "is_half": "False", "_CUDA_VISIBLE_DEVICES": "0"}
    done = subprocess.run([sys.executable, "GPT_SoVITS/prepare_datasets/1-get-text.py"], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "exp" / "2-name2text-0.txt").read_text() == ""
    failures = (tmp_path / "exp" / "failed-text-0.tsv").read_text(encoding="utf-8")
    assert f"{list_path}:1: unsupported language 'zh'" in failures
    assert "done 0, skipped 0 (already finished), failed 1" in done.stderr


def test_shim_exit_code_on_bad_environment(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "inp_text"}
    done = subprocess.run([sys.executable, "GPT_SoVITS/prepare_datasets/1-get-text.py"], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "inp_text is not set" in done.stderr and "Traceback" not in done.stderr


def test_russian_lines_use_the_training_table(tmp_path):
    env = _env(tmp_path, "a.wav|spk|ru|Мне 25 лет.\nb.wav|spk|RU|Привет, мир!\n")
    summary = run_text_stage(env)
    assert (summary.done, summary.failed) == (2, 0)
    table = get_table("v2+ru")
    rows = [line.split("\t") for line in name2text_part(env.opt_dir, 0).read_text(encoding="utf-8").splitlines()]
    assert [row[0] for row in rows] == ["a.wav", "b.wav"]
    assert rows[0][3] == "мне двадцать пять лет."
    for _, phones, word2ph, _ in rows:
        ids = table.to_ids(phones.split(" "))
        assert any(i >= len(get_table("v2")) for i in ids)  # Russian symbols are the appended rows
        assert sum(ast.literal_eval(word2ph)) == len(ids)  # word2ph is Python's str(list)


def test_english_lines_and_english_words_in_russian_lines(tmp_path, monkeypatch):
    """`en` lines get ARPAbet; Latin words of `ru` lines are English unless the stage's mode is translit."""
    from GPT_SoVITS.text.russian import latin

    monkeypatch.delenv(latin.ENV_VAR, raising=False)
    text = "a.wav|spk|en|Hello, world! It costs $5.\nb.wav|spk|ru|Я купил iPhone.\nc.wav|spk|EN|The USB cable.\n"
    env = _env(tmp_path, text)
    assert env.latin == "english"
    assert run_text_stage(env).done == 3
    rows = {row.split("\t")[0]: row.split("\t") for row in
            name2text_part(env.opt_dir, 0).read_text(encoding="utf-8").splitlines()}
    assert rows["a.wav"][3] == "Hello, world! It costs five dollars."
    assert rows["a.wav"][1].startswith("HH AH0 L OW1 , W ER1 L D !")
    assert "AY1 F OW2 N" in rows["b.wav"][1] and rows["b.wav"][3] == "я купил iPhone."
    assert rows["c.wav"][1] == "DH AH0 Y UW1 EH1 S B IY1 K EY1 B AH0 L ."
    for _, phones, word2ph, _ in rows.values():
        assert sum(ast.literal_eval(word2ph)) == len(get_table("v2+ru").to_ids(phones.split(" ")))

    translit_env = StageEnv.from_environ({"inp_text": str(env.inp_text), "opt_dir": str(tmp_path / "exp2"),
                                          latin.ENV_VAR: "translit"})
    assert translit_env.latin == "translit" and run_text_stage(translit_env).done == 3
    translit = name2text_part(translit_env.opt_dir, 0).read_text(encoding="utf-8").splitlines()[1].split("\t")
    assert translit[0] == "b.wav" and not any(p[:1].isupper() for p in translit[1].split(" "))
    with pytest.raises(Exception, match="GPT_SOVITS_LATIN='cyrillic'"):
        StageEnv.from_environ({"inp_text": str(env.inp_text), "opt_dir": str(tmp_path / "x"), latin.ENV_VAR: "cyrillic"})
