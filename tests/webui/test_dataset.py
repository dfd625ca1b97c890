"""The dataset tab over the one pipeline: status texts in both languages, and Stop ending the stage processes."""

from __future__ import annotations

from pathlib import Path

from GPT_SoVITS.prepare.outcome import count_outcome
from GPT_SoVITS.prepare.pipeline import StageUpdate
from GPT_SoVITS.prepare.progress import StageProgress
from GPT_SoVITS.prepare.resume import StagePlan
from GPT_SoVITS.prepare.stages import STAGES
from GPT_SoVITS.data_files.failures import FailureRecord
from GPT_SoVITS.data_files.list_file import read_list
from GPT_SoVITS.webui import dataset
from GPT_SoVITS.i18n import translator
from GPT_SoVITS.webui.jobs import JobSlots
from GPT_SoVITS.webui.settings import parse_settings

EN, RU = translator("en"), translator("ru")


def _running(stage: str, progress: StageProgress | None) -> StageUpdate:
    return StageUpdate(STAGES[stage], "running", progress, elapsed=2.04, total=5)


def test_progress_is_shown_from_the_first_second_in_both_languages():
    assert dataset.update_text(EN, _running("text", None)) == "running 1-get-text.py: starting, 2.0 s"
    loading = StageProgress(("frontend:ru",), 0, 4, 1, reporting=1, parts=2)
    assert dataset.update_text(EN, _running("text", loading)) == (
        "running 1-get-text.py: loading the Russian frontend…, 2.0 s")
    assert "загрузка русского фронтенда…" in dataset.update_text(RU, _running("text", loading))
    hubert = StageProgress(("hubert",), 0, 4, 0, reporting=2, parts=2)
    assert "loading HuBERT…" in dataset.update_text(EN, _running("ssl", hubert))
    assert "загрузка HuBERT…" in dataset.update_text(RU, _running("ssl", hubert))
    working = StageProgress(("hubert",), 3, 4, 1, reporting=2, parts=2)  # one part still loads, the other works
    assert dataset.update_text(EN, _running("ssl", working)) == (
        "running 2-get-hubert-wav32k.py: 3/4 utterance(s) (1 already done), 2.0 s")


def test_outcome_lines_count_each_utterance_once(tmp_path):
    list_path = tmp_path / "data.list"
    list_path.write_text("a.wav|s|ru|a\nb.wav|s|xx|b\nc.wav|s|ru|c\nbroken\n", encoding="utf-8")
    entries, problems = read_list(list_path)
    broken = FailureRecord("1-get-text", problems[0].where, "expected 4 fields")
    plans = {
        "text": StagePlan("text", entries, done={"a.wav": "", "c.wav": ""},
                          held=[FailureRecord("1-get-text", "b.wav", "unsupported language 'xx'"), broken]),
        "ssl": StagePlan("ssl", entries, done={"a.wav": "", "b.wav": ""},
                         held=[FailureRecord("2-get-hubert-wav32k", "c.wav", "audio file not found"), broken]),
        "semantic": StagePlan("semantic", entries, done={"a.wav": "", "b.wav": ""},
                              held=[FailureRecord("3-get-semantic", "c.wav", "missing"), broken]),
    }
    outcome = count_outcome(plans, problems)
    assert (outcome.total, outcome.failed, outcome.ready_for_training) == (4, 3, 1)
    assert [count.line() for count in outcome.counts.values()] == [
        "1-get-text.py: 2 of 4 utterances ready, 2 failed",
        "2-get-hubert-wav32k.py: 2 of 4 utterances ready, 2 failed",
        "3-get-semantic.py: 2 of 4 utterances ready, 2 failed",
    ]
    lines = dataset.finished_lines(EN, outcome, tmp_path / "failed.txt")
    assert lines[0] == (f"finished; 1 of 4 utterances ready for training, 3 failed (see {tmp_path / 'failed.txt'})"
                        "; first failed in: 1-get-text 2, 2-get-hubert-wav32k 1")
    assert [line.split("\t")[1] for line in lines[1:]] == ["b.wav", problems[0].where, "c.wav"]
    russian = dataset.finished_lines(RU, outcome, tmp_path / "failed.txt")[0]
    assert russian.startswith("завершено; к обучению готовы 1 из 4")


def test_stop_ends_the_stage_processes_started_by_the_pipeline(tmp_path):
    (tmp_path / "data.list").write_text("a.wav|spk|ru|Привет, как дела?\n", encoding="utf-8")
    settings = parse_settings(["--root", str(tmp_path)], {})
    request = dataset.check_request(settings, ("text",), list_path="data.list", wav_dir="", exp_name="voice",
                                    gpu_numbers="", half=False, hubert_dir="", s2g_path="", cuda=False)
    slots = JobSlots()
    statuses = []
    with slots.claim(dataset.SLOT):
        for status in dataset.run_stages(settings, request, ("text",), slots, cuda=False, interval=0.1):
            statuses.append(status)
            if len(statuses) == 1:
                assert "\nrunning 1-get-text.py: " in status, status
                job = slots.get(dataset.SLOT)
                assert job is not None and job.running
                assert slots.stop(dataset.SLOT)
    assert statuses[0].startswith(f"experiment voice: {tmp_path / 'logs' / 'voice'} (1 utterances, 1 part(s))")
    assert "stopped 1-get-text.py (by the stop button)" in statuses[-1]
    assert all(process.poll() is not None for process in job.processes)
    assert not Path(tmp_path / "logs" / "voice" / "2-name2text.txt").exists()
    assert (tmp_path / "logs" / "voice" / "failed.txt").is_file()


def test_the_latin_choice_reaches_stage_one(tmp_path):
    from GPT_SoVITS.text.russian.latin import ENV_VAR

    (tmp_path / "data.list").write_text("a.wav|spk|ru|Я купил iPhone.\n", encoding="utf-8")
    settings = parse_settings(["--root", str(tmp_path)], {})
    fields = dict(list_path="data.list", wav_dir="", exp_name="voice", gpu_numbers="", half=False, hubert_dir="",
                  s2g_path="", cuda=False)
    assert dataset.check_request(settings, ("text",), **fields).latin == "english"
    request = dataset.check_request(settings, ("text",), **fields, latin="translit")
    assert dataset.stage_environment(request, 0, cuda=False)[ENV_VAR] == "translit"
