"""The one pipeline with an in-process launcher: the skip rule, reruns, counts, failed.txt and progress.

The launcher hook receives the stage commands exactly as a process would (argv, environment)
and runs the real stage functions on tiny models, so these tests cover the orchestration
without starting Python processes; tests/prepare/test_pipeline.py runs the real scripts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
import torch

from GPT_SoVITS.data_files.layout import NAME2SEMANTIC, NAME2TEXT
from GPT_SoVITS.module.models import build_generator
from GPT_SoVITS.prepare.pipeline import PipelineConfig, PipelineResult, StageUpdate, iter_pipeline
from GPT_SoVITS.prepare.semantic import run_semantic_stage
from GPT_SoVITS.prepare.ssl_stage import run_ssl_stage
from GPT_SoVITS.prepare.stage_env import StageEnv
from GPT_SoVITS.prepare.text_stage import run_text_stage
from GPT_SoVITS.text.symbols import get_table
from tests.feature_extractor.tiny_hubert import tiny_hubert
from tests.module.tiny import tiny_s2_config
from tests.prepare import fake_frontend
from tests.prepare.audio_fixtures import write_tone


@pytest.fixture(autouse=True)
def xx_language(monkeypatch):
    fake_frontend.register(monkeypatch)


@dataclass
class Finished:
    """Processes that already ended (the stage ran in the launcher)."""

    return_codes: list
    stopped: bool = False
    running: bool = False

    def stop(self) -> None:
        self.stopped = True

    def wait(self, timeout=None) -> bool:
        return True


@dataclass
class InProcess:
    """A launcher running each part's stage function in this process, recording the commands."""

    hubert: torch.nn.Module
    s2: torch.nn.Module
    calls: list = field(default_factory=list)

    def __call__(self, name, commands):
        self.calls.append((name, commands))
        for command in commands:
            env = StageEnv.from_environ(dict(command.env))
            if name == "1-get-text.py":
                run_text_stage(env, table=get_table("v2"))
            elif name == "2-get-hubert-wav32k.py":
                run_ssl_stage(env, model=self.hubert)
            else:
                run_semantic_stage(env, model=self.s2)
        return Finished([0] * len(commands))


@pytest.fixture(scope="module")
def models():
    torch.manual_seed(0)
    s2 = build_generator(tiny_s2_config(), "v2").eval()
    return tiny_hubert(seed=3), s2


def _project(tmp_path, lines: dict[str, str], audio=("a.wav", "b.wav", "c.wav")):
    wavs = tmp_path / "wavs"
    wavs.mkdir(exist_ok=True)
    for index, name in enumerate(audio):
        write_tone(wavs / name, seconds=0.5, frequency=200 + 40 * index)
    list_path = tmp_path / "data.list"
    list_path.write_text("".join(f"{name}|spk|{spec}\n" for name, spec in lines.items()), encoding="utf-8")
    return PipelineConfig(list_path=list_path, exp_name="exp", wav_dir=str(wavs), logs_dir=tmp_path / "logs",
                          parts=2, gpus=("3", "5"))


def _run(config, launch):
    events = list(iter_pipeline(config, launch=launch, poll_seconds=0.01))
    assert isinstance(events[-1], PipelineResult)
    return [e for e in events if isinstance(e, StageUpdate)], events[-1]


LINES = {"a.wav": "xx|raz", "b.wav": "xx|dva", "c.wav": "zh|tri", "d.wav": "xx|net"}


def test_commands_carry_the_one_environment(tmp_path, models):
    config = _project(tmp_path, LINES)
    launch = InProcess(*models)
    _run(config, launch)
    name, commands = launch.calls[0]
    assert name == "1-get-text.py" and [c.label for c in commands] == ["part 0", "part 1"]
    assert [c.env["_CUDA_VISIBLE_DEVICES"] for c in commands] == ["3", "5"]
    assert [c.env["i_part"] for c in commands] == ["0", "1"] and {c.env["all_parts"] for c in commands} == {"2"}
    assert commands[0].argv[1].endswith("GPT_SoVITS/prepare_datasets/1-get-text.py")
    assert commands[0].env["progress_file"] != commands[1].env["progress_file"]
    assert "PATH" not in commands[0].env  # the launcher adds its own base environment


def test_rerun_skips_complete_stages_and_counts_each_line_once(tmp_path, models):
    config = _project(tmp_path, LINES)
    updates, result = _run(config, InProcess(*models))
    assert [(u.stage.key, u.state) for u in updates] == [("text", "done"), ("ssl", "done"), ("semantic", "done")]
    outcome = result.outcome
    # c.wav fails stage 1 (language), d.wav stage 2 (no audio); each is counted once.
    assert (outcome.total, outcome.failed, outcome.ready_for_training) == (4, 2, 2)
    assert result.summaries == {
        "text": "1-get-text.py: 3 of 4 utterances ready, 1 failed",
        "ssl": "2-get-hubert-wav32k.py: 3 of 4 utterances ready, 1 failed",
        "semantic": "3-get-semantic.py: 3 of 4 utterances ready, 1 failed",
    }
    failed = result.failed_txt.read_text(encoding="utf-8").splitlines()
    assert [line.split("\t")[:2] for line in failed[1:]] == [["1-get-text", "c.wav"], ["2-get-hubert-wav32k", "d.wav"]]

    launch = InProcess(*models)
    updates, again = _run(config, launch)
    assert [u.state for u in updates] == ["skipped"] * 3 and launch.calls == []
    assert [u.held for u in updates] == [1, 1, 1] and updates[0].ready == 3
    assert again.failed_txt.read_text(encoding="utf-8").splitlines() == failed


def test_removed_lines_leave_the_merged_files_and_fixed_ones_are_added(tmp_path, models):
    config = _project(tmp_path, LINES)
    _run(config, InProcess(*models))
    opt_dir = config.opt_dir
    before = (opt_dir / NAME2TEXT).read_text(encoding="utf-8").splitlines()
    config.list_path.write_text("b.wav|spk|xx|dva\nc.wav|spk|xx|tri\nd.wav|spk|xx|net\n", encoding="utf-8")
    launch = InProcess(*models)
    updates, result = _run(config, launch)
    assert [u.state for u in updates] == ["done", "done", "done"]
    names = [line.split("\t")[0] for line in (opt_dir / NAME2TEXT).read_text(encoding="utf-8").splitlines()]
    assert sorted(names) == ["b.wav", "c.wav", "d.wav"]
    assert next(line for line in before if line.startswith("b.wav\t")) in (opt_dir / NAME2TEXT).read_text()
    semantic = (opt_dir / NAME2SEMANTIC).read_text(encoding="utf-8")
    assert "a.wav\t" not in semantic and "c.wav\t" in semantic
    assert result.outcome.failed == 1 and result.outcome.ready_for_training == 2


def test_a_stopped_stage_ends_the_run_and_still_writes_failed_txt(tmp_path, models):
    config = _project(tmp_path, LINES)

    def stopped(name, commands):
        return Finished([-15] * len(commands), stopped=True)

    updates, result = _run(config, stopped)
    assert [(u.stage.key, u.state) for u in updates] == [("text", "stopped")]
    assert result.state == "stopped" and result.failed_txt.is_file()
    assert result.outcome.counts["text"].pending == 4


def test_failing_parts_and_merges_are_reported(tmp_path, models):
    config = _project(tmp_path, LINES)
    updates, result = _run(config, lambda name, commands: Finished([0, 3]))
    assert updates[-1].state == "failed" and updates[-1].detail == "part 1: exit 3"
    assert result.state == "failed" and result.error == "1-get-text.py: part 1: exit 3"


class Reporting:
    """Processes that run for a few polls while their parts report progress as the stages do."""

    def __init__(self, commands):
        self.files = [command.env["progress_file"] for command in commands]
        self.polls, self.stopped, self.return_codes = 0, False, [0] * len(commands)

    @property
    def running(self) -> bool:
        steps = [{"loading": "frontend:ru", "done": 0, "total": 2, "skipped": 1},
                 {"loading": "", "done": 1, "total": 2, "skipped": 1}]
        if self.polls < len(steps):
            for path in self.files:
                with open(path, "w", encoding="utf-8") as handle:
                    json.dump(steps[self.polls], handle)
        self.polls += 1
        return self.polls <= len(steps)

    def stop(self):
        self.stopped = True

    def wait(self, timeout=None):
        return True


def test_running_updates_show_loading_then_per_utterance_progress(tmp_path):
    config = _project(tmp_path, LINES)
    events = iter_pipeline(config, stages=("text",), launch=lambda name, commands: Reporting(commands),
                           poll_seconds=0.01)
    running = [e.progress for e in events if isinstance(e, StageUpdate) and e.state == "running"]
    assert running[0].loading == ("frontend:ru",) and running[0].done == 0 and running[0].reporting == 2
    assert running[1].loading == () and (running[1].done, running[1].total, running[1].skipped) == (2, 4, 2)


def test_an_edited_line_is_redone_in_every_stage_that_depends_on_it(tmp_path, models, caplog):
    """Text edits redo stage 1 only; an audio edit redoes stage 2 and the semantic tokens made from it."""
    import logging

    from GPT_SoVITS.data_files.layout import ssl_path

    lines = {"a.wav": "xx|raz", "b.wav": "xx|dva", "c.wav": "xx|tri"}
    config = _project(tmp_path, lines)
    _run(config, InProcess(*models))
    opt_dir = config.opt_dir
    text_before = _row(opt_dir / NAME2TEXT, "b.wav")
    a_features = ssl_path(opt_dir, "a.wav").read_bytes()
    c_semantic = _row(opt_dir / NAME2SEMANTIC, "c.wav")

    # b.wav's text changes, the lines move (a line number is not content), c.wav's audio changes.
    config.list_path.write_text("c.wav|spk|xx|tri\nb.wav|spk|xx|dva dva\na.wav|spk|xx|raz\n", encoding="utf-8")
    write_tone(tmp_path / "wavs" / "c.wav", seconds=0.7, frequency=500)
    launch = InProcess(*models)
    with caplog.at_level(logging.INFO, logger="GPT_SoVITS.prepare.pipeline"):
        updates, result = _run(config, launch)
    # Stage 2 removed c.wav's semantic row with its features, so stage 3 makes it as a missing line.
    assert [(u.stage.key, u.state, u.redone) for u in updates] == [("text", "done", 1), ("ssl", "done", 1),
                                                                   ("semantic", "done", 0)]
    assert _row(opt_dir / NAME2TEXT, "b.wav") != text_before
    phones_before = text_before.split("\t")[1].split()
    assert _row(opt_dir / NAME2TEXT, "b.wav").split("\t")[1].split() == phones_before * 2
    assert ssl_path(opt_dir, "a.wav").read_bytes() == a_features  # unchanged lines are not redone
    assert _row(opt_dir / NAME2SEMANTIC, "c.wav") != c_semantic
    assert result.outcome.ready_for_training == 3
    assert "1-get-text.py: 1 line(s) changed since they were prepared (text or language)" in caplog.text
    assert "2-get-hubert-wav32k.py: 1 changed line(s) redone" in caplog.text

    launch = InProcess(*models)
    updates, _ = _run(config, launch)
    assert [u.state for u in updates] == ["skipped"] * 3 and launch.calls == []  # recorded: nothing to redo


def test_a_changed_line_whose_redo_fails_leaves_no_stale_result(tmp_path, models):
    from GPT_SoVITS.data_files.layout import ssl_path, wav32k_path

    config = _project(tmp_path, {"a.wav": "xx|raz", "b.wav": "xx|dva"})
    _run(config, InProcess(*models))
    config.list_path.write_text("a.wav|spk|zh|raz\nb.wav|spk|xx|dva\n", encoding="utf-8")  # zh: stage 1 fails
    (tmp_path / "wavs" / "b.wav").write_bytes(b"RIFF broken")  # stage 2 fails
    updates, result = _run(config, InProcess(*models))
    assert "a.wav\t" not in (config.opt_dir / NAME2TEXT).read_text(encoding="utf-8")
    assert not ssl_path(config.opt_dir, "b.wav").exists() and not wav32k_path(config.opt_dir, "b.wav").exists()
    assert "b.wav\t" not in (config.opt_dir / NAME2SEMANTIC).read_text(encoding="utf-8")


def _row(path, name):
    return next(line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith(f"{name}\t"))
