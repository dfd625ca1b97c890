"""The training log: metrics.jsonl and TensorBoard events agree, a resume continues the curves
without duplicated steps, the UI's readers follow the file, and a missing tensorboard or an
unwritable folder never stops training."""

from __future__ import annotations

import json
import logging
import math
import sys
from types import SimpleNamespace

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from GPT_SoVITS import training_log
from GPT_SoVITS.training_log import (KEEP_SAMPLES, METRICS_FILE, MetricsReader, latest_sample, open_training_log,
                                     read_plan, set_sample_aside)


def events(folder) -> EventAccumulator:
    """TensorBoard's own reader over a log folder (every event kept)."""
    accumulator = EventAccumulator(str(folder), size_guidance={"scalars": 0, "images": 0, "audio": 0, "tensors": 0})
    accumulator.Reload()
    return accumulator


def metric_lines(folder) -> list[dict]:
    return [json.loads(line) for line in (folder / METRICS_FILE).read_text(encoding="utf-8").splitlines()]


def log_steps(folder, steps, first_step: int, offset: float = 0.0) -> None:
    log = open_training_log(folder, "s1", first_step)
    for step in steps:
        log.scalars(step, 1 + (step - 1) // 3, {"loss/sum": step + offset, "lr": 1e-4})
    log.close()


def test_scalars_go_to_the_metrics_file_and_tensorboard_at_the_same_steps(tmp_path):
    log = open_training_log(tmp_path, "s2", first_step=1)
    log.start(epochs=2, total_steps=4)
    for step in (1, 2, 3):
        log.scalars(step, 1, {"loss/mel": 10.0 / step, "loss/kl": float("nan") if step == 2 else 1.0})
    log.close()
    lines = metric_lines(tmp_path)
    assert [line["step"] for line in lines] == [1, 2, 3] and lines[0]["epoch"] == 1
    assert lines[1]["loss/kl"] is None and lines[2]["loss/mel"] == pytest.approx(10 / 3)  # strict JSON: NaN -> null
    accumulator = events(tmp_path)
    assert set(accumulator.Tags()["scalars"]) == {"loss/mel", "loss/kl"}
    assert [(e.step, round(e.value, 4)) for e in accumulator.Scalars("loss/mel")] == [(1, 10.0), (2, 5.0), (3, 3.3333)]
    assert math.isnan(accumulator.Scalars("loss/kl")[1].value)  # TensorBoard keeps the real value
    plan = read_plan(tmp_path)
    assert (plan.trainer, plan.epochs, plan.total_steps, plan.first_step) == ("s2", 2, 4, 1)


def test_a_resumed_run_replaces_the_unsaved_steps_instead_of_repeating_them(tmp_path):
    log_steps(tmp_path, range(1, 6), first_step=1)  # interrupted after step 5; its last save was at step 3
    log = open_training_log(tmp_path, "s1", first_step=4)
    log.audio("sample/gpt", 5, torch.zeros(100), 16000)  # written by the interrupted run...
    log.close()
    (tmp_path / METRICS_FILE).open("a").write('{"step": 6, "epo')  # ...which died mid-line
    log_steps(tmp_path, range(4, 7), first_step=4, offset=100.0)
    assert [(line["step"], line["loss/sum"]) for line in metric_lines(tmp_path)] == [
        (1, 1.0), (2, 2.0), (3, 3.0), (4, 104.0), (5, 105.0), (6, 106.0)]
    scalars = [(e.step, e.value) for e in events(tmp_path).Scalars("loss/sum")]
    assert scalars == [(1, 1.0), (2, 2.0), (3, 3.0), (4, 104.0), (5, 105.0), (6, 106.0)]
    assert latest_sample(tmp_path) is None  # the interrupted run's step-5 sample went with its steps


def test_samples_are_files_and_events_and_only_the_newest_are_kept(tmp_path):
    log = open_training_log(tmp_path, "s2", first_step=1)
    for step in range(1, KEEP_SAMPLES + 3):
        path = log.audio("sample/generated", step, torch.sin(torch.arange(3200) / 5.0), 32000)
    log.text("sample/tokens", 3, "utt0.wav: 3 tokens: 1 2 3")
    log.image("mel/real", 4, training_log.spectrogram_image(torch.randn(8, 20)))
    log.close()
    assert path.name == f"step{KEEP_SAMPLES + 2:08d}-sample-generated.wav" and latest_sample(tmp_path) == path
    assert len(list((tmp_path / "samples").iterdir())) == KEEP_SAMPLES
    accumulator = events(tmp_path)
    assert [e.step for e in accumulator.Audio("sample/generated")] == list(range(1, KEEP_SAMPLES + 3))
    assert [e.step for e in accumulator.Images("mel/real")] == [4]
    assert accumulator.Images("mel/real")[0].height == 8  # one row per mel bin


def test_the_reader_follows_appends_partial_lines_and_rewrites(tmp_path):
    reader = MetricsReader(tmp_path)
    assert reader.read_new() == [] and not reader.reset
    path = tmp_path / METRICS_FILE
    path.write_text('{"step": 1, "epoch": 1}\n{"step": 2, "ep')
    assert [row["step"] for row in reader.read_new()] == [1] and reader.reset
    with path.open("a") as handle:
        handle.write('och": 1}\n')
    assert [row["step"] for row in reader.read_new()] == [2] and not reader.reset
    path.with_name("new").write_text('{"step": 1, "epoch": 1}\n')
    path.with_name("new").replace(path)  # a resumed run rewrote the file
    assert [row["step"] for row in reader.read_new()] == [1] and reader.reset


def test_without_tensorboard_the_metrics_file_still_works_and_says_how_to_install_it(tmp_path, monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # import now fails as if not installed
    with caplog.at_level(logging.WARNING, logger="GPT_SoVITS.training_log"):
        log_steps(tmp_path, (1, 2), first_step=1)
    assert [line["step"] for line in metric_lines(tmp_path)] == [1, 2]
    assert not list(tmp_path.glob("events.out.tfevents.*"))
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "tensorboard is not installed" in warnings[0] and "pip install tensorboard" in warnings[0]


def test_an_unwritable_folder_is_reported_once_and_training_goes_on(read_only_folder, caplog):
    folder, cause = read_only_folder
    with caplog.at_level(logging.WARNING, logger="GPT_SoVITS.training_log"):
        log = open_training_log(folder / "logs_s2_v2", "s2", first_step=1)
        log.start(1, 2)
        log.scalars(1, 1, {"loss/mel": 1.0})
        assert log.audio("sample/generated", 1, torch.zeros(10), 32000) is None
        log.close()
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 2, warnings  # the metrics file and the event files, once each
    assert all(str(folder / "logs_s2_v2") in w and "training goes on" in w for w in warnings)


def test_the_sample_utterance_is_the_first_by_name_and_held_out_only_from_a_large_set():
    small = [SimpleNamespace(name=f"b{i}.wav") for i in range(5)] + [SimpleNamespace(name="a.wav")]
    training, sample = set_sample_aside(small)
    assert sample.name == "a.wav" and len(training) == 6
    large = [SimpleNamespace(name=f"u{i:02d}.wav") for i in range(training_log.HOLD_OUT_MIN_UTTERANCES, 0, -1)]
    training, sample = set_sample_aside(large)
    assert sample.name == "u01.wav" and "u01.wav" not in [u.name for u in training] and len(training) == len(large) - 1


def test_the_log_announces_the_steps_and_the_time_the_first_step_predicts(tmp_path, caplog, monkeypatch):
    """Issue 27 item 5: steps per epoch before training, the time estimate after the first step, the
    repetition of a small dataset with what changes it."""
    import logging

    from GPT_SoVITS import training_log

    from types import SimpleNamespace

    clock = iter([1000.0, 1012.0, 1013.0])
    monkeypatch.setattr(training_log, "time", SimpleNamespace(time=lambda: next(clock)))  # this module's clock only
    with caplog.at_level(logging.INFO, logger="GPT_SoVITS.training_log"):
        log = training_log.open_training_log(tmp_path, "s2", 1)
        log.start(8, 192, 24)
        log.scalars(1, 1, {"loss/mel": 1.0})
        log.scalars(2, 1, {"loss/mel": 0.9})
        log.close()
        training_log.log_repetition("s2", 20, 100, "train.min_epoch_items 100")
        training_log.log_repetition("s2", 120, 120, "train.min_epoch_items 100")
    assert "s2: 24 step(s) per epoch, 192 step(s) in this run up to epoch 8" in caplog.text
    assert caplog.text.count("the first step took") == 1
    assert "s2: the first step took 12 s: about 4 min 48 s per epoch, 38 min 24 s for this run" in caplog.text
    assert caplog.text.count("repeated to") == 1
    assert "s2: 20 utterance(s) repeated to 100 items per epoch (train.min_epoch_items 100; --min-epoch-items" in caplog.text
    assert training_log.read_plan(tmp_path).steps_per_epoch == 24
