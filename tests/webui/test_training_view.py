"""The fine-tuning tab's view of a running trainer, read from a real training log folder: curves,
progress and ETA, the log lines without progress bars, and the newest sample."""

from __future__ import annotations

import re
import time

import numpy as np
import torch

from GPT_SoVITS.training_log import RunPlan, open_training_log
from GPT_SoVITS.i18n import translator
from GPT_SoVITS.webui.training_view import (TrainingMonitor, curves_frame, format_duration, log_lines, progress_text,
                                            read_sample_audio)

EN, RU = translator("en"), translator("ru")


def test_log_lines_leave_out_the_progress_bars():
    tail = [
        "10:00:01 INFO s2 training ru_voice: table v2+ru (783 symbols), 1 process(es) on cpu",
        "s2 epoch 1/8:   0%|          | 0/25 [00:00<?, ?it/s]",
        "s2 epoch 1/8:  40%|████      | 10/25 [00:05<00:07,  2.00it/s, d=2.1, g=1.9, kl=3.2, mel=30.1]",
        "GPT epoch 2/15: 100%|##########| 7/7 [00:03<00:00,  2.31it/s, acc=0.412, loss=812.3, lr=9.81e-05]",
        "10:00:09 INFO epoch 1 step 25: disc 2.1, gen 1.9",
        "",
    ]
    assert log_lines(tail) == [tail[0], tail[4]]
    assert log_lines([f"line {i}" for i in range(10)], 3) == ["line 7", "line 8", "line 9"]


def test_progress_and_eta_come_from_the_plan_and_this_runs_steps():
    plan = RunPlan("s2", epochs=4, total_steps=100, first_step=41, started=0.0)
    earlier = [{"step": s, "epoch": 2, "time": 0.0} for s in range(1, 41)]  # before the resume
    now = [{"step": 41, "epoch": 3, "time": 1000.0}, {"step": 51, "epoch": 3, "time": 1005.0}]
    assert progress_text(plan, earlier + now, EN) == "epoch 3/4, step 51/100 (51 %), 0.50 s/step, about 24 s left"
    # one step so far: the estimate comes from it (its time since the run started)
    assert progress_text(plan, earlier + now[:1], EN) == "epoch 3/4, step 41/100 (41 %), 1000.00 s/step, about 16 h 23 min left"
    assert progress_text(plan, earlier, RU) == "эпоха -/4: подготовка первого шага (кривые начнутся после него)"
    assert progress_text(None, [], EN).startswith("starting")
    assert format_duration(3725, EN) == "1 h 02 min" and format_duration(185, RU) == "3 мин 05 с"


def test_long_curves_are_averaged_to_a_bounded_number_of_points():
    rows = [{"step": s, "loss/mel": float(s), "loss/kl": float("nan") if s == 3 else 1.0} for s in range(1, 1001)]
    frame = curves_frame(rows, ("loss/mel", "loss/kl", "loss/adversarial"), max_points=100)
    mel = frame[frame.curve == "loss/mel"]
    assert len(mel) == 100 and mel.step.iloc[0] == 5.5 and mel.value.iloc[0] == 5.5  # mean of steps 1-10
    assert len(frame[frame.curve == "loss/kl"]) == 100 and set(frame.curve) == {"loss/mel", "loss/kl"}


def test_the_monitor_follows_a_trainer_log_and_ignores_an_older_runs_plan(tmp_path):
    old = open_training_log(tmp_path, "s2", first_step=1)
    old.start(epochs=1, total_steps=2)
    old.scalars(1, 1, {"loss/mel": 30.0})
    old.close()
    monitor = TrainingMonitor(tmp_path, "s2", started=time.time() + 1)
    frame = monitor.refresh("running s2_train.py, 1 s", ["s2 epoch 1/2:  50%|#   | 1/2 [00:01<00:01, 1.0it/s]"])
    assert frame.status.splitlines() == ["running s2_train.py, 1 s", EN("tv_starting")]  # old plan, no bar
    assert list(frame.curves.step) == [1.0]  # the earlier run's curve (a resume continues it)
    assert monitor.refresh("running", []).curves is None  # nothing new: the plot is not re-sent

    monitor = TrainingMonitor(tmp_path, "s2")
    log = open_training_log(tmp_path, "s2", first_step=2)  # resumed after step 1
    log.start(epochs=2, total_steps=3)
    log.scalars(2, 2, {"loss/mel": 20.0, "loss/kl": 2.0})
    path = log.audio("sample/generated", 2, torch.full((320,), 0.5), 32000)
    log.close()
    frame = monitor.refresh("running", ["10:00:00 INFO saved"])
    progress, *rest = frame.status.splitlines()[1:]
    assert re.fullmatch(r"epoch 2/2, step 2/3 \(66 %\)(, [\d.]+ s/step, about \d+ s left)?", progress) and \
        rest == ["10:00:00 INFO saved"], frame.status  # the one step's estimate, when it took measurable time
    assert sorted(zip(frame.curves.curve, frame.curves.step)) == [("KL divergence", 2.0), ("mel spectrogram loss", 1.0),
                                                                  ("mel spectrogram loss", 2.0)]
    assert frame.sample == path and monitor.refresh("running", []).sample is None  # sent once
    rate, audio = read_sample_audio(path)
    assert rate == 32000 and audio.dtype.name == "int16" and len(audio) == 320 and audio[0] == 16384


def test_before_the_first_step_the_page_says_how_many_steps_come():
    """Issue 27 item 5: a small dataset's long first epoch is announced with its step count, and the time
    estimate appears with the first measured step."""
    plan = RunPlan("s2", epochs=8, total_steps=192, first_step=1, started=100.0, steps_per_epoch=24)
    assert progress_text(plan, [], EN) == ("epoch -/8: preparing the first step (the curves start after it); "
                                           "24 steps per epoch, 192 in this run")
    assert progress_text(plan, [], RU).endswith("; шагов за эпоху: 24, за весь запуск: 192")
    first = [{"step": 1, "epoch": 1, "time": 112.0}]
    assert progress_text(plan, first, EN) == "epoch 1/8, step 1/192 (0 %), 12.00 s/step, about 38 min 12 s left"


def test_curves_of_very_different_sizes_share_a_log_like_axis_and_are_named_in_the_ui_language():
    """Issue 27 items 7 and 9: KL ~1e5 next to a mel loss of ~30 no longer flattens it; legends are words."""
    from GPT_SoVITS.webui.training_view import log_axis_curves, named_curves

    rows = [{"step": s, "epoch": 1, "time": 0.0, "loss/mel": 30.0 - s, "loss/kl": 1e5 / s} for s in range(1, 5)]
    frame, log_axis = log_axis_curves(curves_frame(rows, ("loss/mel", "loss/kl")))
    assert log_axis
    mel = frame[frame.curve == "loss/mel"].value.to_numpy()
    assert abs(mel[0] - np.log10(30.0)) < 1e-9 and mel[0] > mel[-1]  # still falling, visibly
    close = [{"step": 1, "epoch": 1, "time": 0.0, "loss/mel": 30.0, "loss/kl": 5.0}]
    same, log_axis = log_axis_curves(curves_frame(close, ("loss/mel", "loss/kl")))
    assert not log_axis and list(same.value) == [30.0, 5.0]
    named = named_curves(frame, RU)
    assert set(named.curve) == {"потери мел-спектрограммы", "расхождение Кульбака-Лейблера"}
    assert set(named_curves(frame, EN).curve) == {"mel spectrogram loss", "KL divergence"}


def test_after_the_last_step_the_page_says_what_the_trainer_still_does():
    """Issue 27 item 8: not "100 %, about 0 s left" for minutes while the sample is decoded."""
    plan = RunPlan("s1", epochs=1, total_steps=3, first_step=1, started=0.0, steps_per_epoch=3)
    rows = [{"step": s, "epoch": 1, "time": float(s)} for s in (1, 2, 3)]
    text = progress_text(plan, rows, EN)
    assert text == "epoch 1/1, step 3/3 (100 %); every step done, then: saving, exports and the sample (log lines below)"
    assert "осталось" not in progress_text(plan, rows, RU)
