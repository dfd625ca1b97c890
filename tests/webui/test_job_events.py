"""Start and stop buttons: a second start is refused (not queued), Stop ends the run, texts in the UI's language."""

import os
import re
import sys
import threading
import time

import pytest

from GPT_SoVITS.webui import dataset, job_events, recordings, training
from GPT_SoVITS.webui.app import build_app, refreshed_weight_lists
from GPT_SoVITS.i18n import translator
from GPT_SoVITS.webui.jobs import JobSlots, ProcessSpec
from GPT_SoVITS.webui.settings import parse_settings
from GPT_SoVITS.webui.training_view import TrainingMonitor

EN, RU = translator("en"), translator("ru")
START_BUTTONS = {  # every start button of tabs 0-2 and the slot it runs in
    "btn_slice": recordings.SLOT, "btn_asr": recordings.SLOT, "btn_text": dataset.SLOT, "btn_ssl": dataset.SLOT,
    "btn_semantic": dataset.SLOT, "btn_all": dataset.SLOT, "btn_train_s2": training.S2_SLOT,
    "btn_train_s1": training.S1_SLOT,
}


@pytest.fixture
def warnings_shown(monkeypatch):
    import gradio

    shown = []
    monkeypatch.setattr(gradio, "Warning", lambda message, title="Warning", **kwargs: shown.append((title, message)))
    return shown


def _app(tmp_path, lang="en"):
    app = build_app(parse_settings(["--root", str(tmp_path), "--lang", lang], {}), cuda=False)
    ids = {block._id: getattr(block, "elem_id", None) for block in app.blocks.values()}
    return app, ids


def _click_events(app, ids):
    return {ids[target]: fn for fn in app.fns.values() for target, event in fn.targets
            if event == "click" and ids.get(target) in START_BUTTONS}


@pytest.mark.parametrize("lang,notice", [("en", ("Not started", "a job is running (long job); stop it first")),
                                         ("ru", ("Не запущено", "задача уже выполняется (long job); сначала остановите её"))])
def test_every_start_button_refuses_a_second_start_at_once(tmp_path, warnings_shown, lang, notice):
    import gradio

    app, ids = _app(tmp_path, lang)
    events = _click_events(app, ids)
    assert set(events) == set(START_BUTTONS)
    for button, fn in events.items():
        # Gradio neither drops the click in the page nor queues it behind the running event.
        assert (fn.trigger_mode, fn.concurrency_limit) == ("multiple", None), button
        with app.callbacks.slots.claim(START_BUTTONS[button], "long job"):
            outputs = list(fn.fn(*[None] * len(fn.inputs)))
        skipped = outputs[0] if len(fn.outputs) == 1 else outputs[0][0]
        assert len(outputs) == 1 and skipped == gradio.skip(), (button, outputs)  # the running job's status stays
    assert warnings_shown == [notice] * len(START_BUTTONS)
    assert not (tmp_path / "logs").exists() and not (tmp_path / "TEMP").exists()  # nothing was started


STOP_BUTTONS = {"btn_slice_stop": recordings.SLOT, "btn_asr_stop": recordings.SLOT, "btn_dataset_stop": dataset.SLOT,
                "btn_stop_s2": training.S2_SLOT, "btn_stop_s1": training.S1_SLOT}


def test_stop_buttons_answer_with_a_notice_and_leave_the_status_to_the_run(tmp_path, monkeypatch):
    """A Stop reply written into the status box could land after the run's own "stopped ..." line
    and stay there; with nothing running it would hide the last run's summary."""
    import gradio

    shown = []
    monkeypatch.setattr(gradio, "Info", lambda message, title="Info", **kwargs: shown.append((title, message)))
    app, ids = _app(tmp_path, "ru")
    events = {ids[target]: fn for fn in app.fns.values() for target, event in fn.targets
              if event == "click" and ids.get(target) in STOP_BUTTONS}
    assert set(events) == set(STOP_BUTTONS)
    for button, fn in events.items():
        assert fn.outputs == [], button  # nothing is written into a status box
        assert fn.fn() is None
        assert shown.pop() == ("Остановка", "ничего не выполняется"), button
        with app.callbacks.slots.claim(STOP_BUTTONS[button], "long job"):
            fn.fn()
            assert app.callbacks.slots.cancelled(STOP_BUTTONS[button])  # the run's next step will not start
        assert shown.pop() == ("Остановка", "останавливается..."), button


def _sleeper(tmp_path, seconds=30, writes=None):
    code = f"import time; time.sleep({seconds})"
    if writes is not None:
        code = f"open({str(writes)!r}, 'wb').write(b'w'); print('exported')"
    return ProcessSpec((sys.executable, "-u", "-c", code), dict(os.environ), tmp_path)


def test_training_stream_and_stop_in_russian(tmp_path, warnings_shown):
    import gradio

    slots, weights = JobSlots(), tmp_path / "SoVITS_weights_v2"
    weights.mkdir()
    stop = job_events.stop_callback(RU, slots, training.S2_SLOT)
    assert stop() == "ничего не выполняется"

    def stream(sleeper):
        monitor = TrainingMonitor(tmp_path / "logs_s2_v2", "s2", "ru")
        return training.stream_training(slots, training.S2_SLOT, "s2_train.py", sleeper, weights, monitor, 0.05, tr=RU)

    runner = job_events.job_stream(gradio, RU, slots, training.S2_SLOT, lambda: stream(_sleeper(tmp_path)))
    statuses = []
    for frame in runner():
        statuses.append(frame.status)
        if len(statuses) == 1:
            assert frame.status.startswith("выполняется s2_train.py, 0 с"), frame.status
            second = list(runner())  # a second click while it runs
            assert second == [gradio.skip()] and len(warnings_shown) == 1
            assert stop() == "останавливается..."
    assert statuses[-1].startswith("остановлен s2_train.py (кнопкой «Остановить»)"), statuses[-1]
    assert not slots.busy(training.S2_SLOT)
    done = list(stream(_sleeper(tmp_path, writes=weights / "voice_e1_s1.pth")))
    assert done[-1].status.startswith("готово s2_train.py за 0 с; экспортировано: voice_e1_s1.pth"), done[-1].status


def test_a_run_goes_on_when_its_page_goes_away_and_a_new_page_follows_it(tmp_path):
    """Gradio closes the click's generator when the page reloads or closes: the run goes on, and
    a page that opens meanwhile gets its latest outputs at once (the curves from the start, not
    only what changed since), then each change, then the outcome."""
    import json

    import gradio

    slots, weights = JobSlots(), tmp_path / "SoVITS_weights_v2"
    weights.mkdir()
    rejoin = job_events.rejoin_stream(gradio, slots, training.S2_SLOT, outputs=2)
    assert list(rejoin()) == [(gradio.skip(), gradio.skip())]  # nothing runs: the outputs stay
    log_dir = tmp_path / "logs_s2_v2"
    log_dir.mkdir()
    (log_dir / "metrics.jsonl").write_text("".join(json.dumps({"step": step, "loss/mel": 30.0 - step}) + "\n"
                                                   for step in range(1, 6)), encoding="utf-8")

    def train():
        monitor = TrainingMonitor(log_dir, "s2", "en")
        for frame in training.stream_training(slots, training.S2_SLOT, "s2_train.py", _sleeper(tmp_path), weights,
                                              monitor, 0.05, tr=EN):
            yield frame.status, gradio.skip() if frame.curves is None else frame.curves

    clicked = job_events.job_stream(gradio, EN, slots, training.S2_SLOT, train, outputs=2)()
    assert next(clicked)[0].startswith("running s2_train.py")
    clicked.close()  # what Gradio does when the page goes away
    time.sleep(0.3)
    assert slots.busy(training.S2_SLOT) and slots.get(training.S2_SLOT).running  # the run went on
    follower = rejoin()
    status, curves = next(follower)
    assert status.startswith("running s2_train.py") and sorted(curves["step"]) == [1, 2, 3, 4, 5]
    status, curves = next(follower)
    assert status.startswith("running s2_train.py") and curves == gradio.skip()  # the plot is not re-sent
    assert slots.stop(training.S2_SLOT)
    assert list(follower)[-1][0].startswith("stopped s2_train.py")
    [(status, curves)] = list(rejoin())  # it ended: a page opened now shows how (issue 27 item 6)
    assert status.startswith("stopped s2_train.py") and sorted(curves["step"]) == [1, 2, 3, 4, 5]


def test_every_job_view_is_rejoined_on_page_load(tmp_path):
    import gradio

    app, ids = _app(tmp_path)
    loads = {fn.name: fn for fn in app.fns.values() if any(event == "load" for _, event in fn.targets)}
    views = {name: tuple(block.elem_id for block in fn.outputs) for name, fn in loads.items() if name.startswith("rejoin_")}
    assert views == {"rejoin_slice": ("slice_status", "slice_output"), "rejoin_asr": ("asr_status", "asr_output"),
                     "rejoin_dataset": ("dataset_status",), "rejoin_sovits": ("s2_status", "s2_plot", "s2_sample"),
                     "rejoin_gpt": ("s1_status", "s1_plot", "s1_sample")}
    for name in views:
        assert loads[name].concurrency_limit is None  # every open page follows, none waits for another
        outputs = len(views[name])
        assert list(loads[name].fn()) == [gradio.skip() if outputs == 1 else (gradio.skip(),) * outputs]


def test_a_stop_between_two_steps_reports_the_step_not_started(tmp_path):
    import gradio

    slots, pressed = JobSlots(), threading.Event()

    def two_steps():
        first = slots.start(dataset.SLOT, "1-get-text.py", [_sleeper(tmp_path, seconds=0)])
        first.wait(timeout=30)
        yield "step 1 done"
        assert pressed.wait(30)  # the run goes on in its own thread: hold it until Stop was pressed
        slots.start(dataset.SLOT, "2-get-hubert-wav32k.py", [_sleeper(tmp_path)])
        yield "step 2 started"

    runner = job_events.job_stream(gradio, RU, slots, dataset.SLOT, two_steps)
    statuses = []
    for status in runner():
        statuses.append(status)
        if status == "step 1 done":
            assert job_events.stop_callback(RU, slots, dataset.SLOT)() == "останавливается..."
            pressed.set()
    assert statuses == ["step 1 done", "остановлено: 2-get-hubert-wav32k.py не запущен (кнопкой «Остановить»)"]


def test_job_outcome_lines_in_english():
    class FinishedJob:
        name, stopped, succeeded, return_codes = "tools.asr", False, False, [2]

        def elapsed(self):
            return 3.4

    assert job_events.outcome_text(EN, FinishedJob()) == "failed tools.asr (exit 2); see the output below"
    FinishedJob.succeeded = True
    assert job_events.outcome_text(EN, FinishedJob(), []) == "done tools.asr in 3 s; exported: none"


def test_weight_lists_follow_a_finished_training_run(tmp_path):
    import gradio

    app, ids = _app(tmp_path)
    starts = {fn.name: index for index, fn in app.fns.items() if fn.name in ("train_sovits", "train_gpt")}
    followers = [fn for fn in app.fns.values() if fn.trigger_after in starts.values()
                 and [ids[block._id] for block in fn.outputs] == ["tts_gpt", "tts_sovits"]]
    assert len(followers) == 2  # after each training button, success or not
    gpt_list, sovits_list = followers[0].fn()
    assert (gpt_list.choices, sovits_list.choices, gpt_list.value) == ([], [], None)
    settings = app.callbacks.settings
    for folder, name in ((settings.gpt_weights_for("v2"), "voice-e1.ckpt"), (settings.sovits_weights_for("v2"), "voice_e1_s3.pth")):
        folder.mkdir(parents=True)
        (folder / name).write_bytes(b"exported")
    gpt_list, sovits_list = refreshed_weight_lists(gradio, settings)
    assert gpt_list.value == str(settings.gpt_weights_for("v2") / "voice-e1.ckpt")
    assert sovits_list.value == str(settings.sovits_weights_for("v2") / "voice_e1_s3.pth")
    assert followers[1].fn()[1].value == sovits_list.value


def test_a_start_on_a_second_page_names_the_running_job_and_follows_it_marked(warnings_shown):
    """Two pages, one slot (issue 26 item 9): page B's start is not ignored; it names page A's job and
    shows its status, each frame marked as not started there; page A's own second click only warns."""
    from types import SimpleNamespace

    import gradio
    from gradio.context import LocalContext

    from GPT_SoVITS.webui.app import _describe

    slots, release = JobSlots(), threading.Event()

    def formatting(exp, *rest):
        yield f"running stage for {exp}"
        release.wait(10)
        yield f"finished {exp}"

    runner = job_events.job_stream(gradio, EN, slots, dataset.SLOT, formatting, describe=_describe("dataset"))
    LocalContext.request.set(SimpleNamespace(session_hash="page-a"))
    page_a = runner("voice_a", "", False, "v2ProPlus")
    assert next(page_a) == "running stage for voice_a"
    assert list(runner("other", "", False, "v2")) == [gradio.skip()]  # page A again: its status stays
    LocalContext.request.set(SimpleNamespace(session_hash="page-b"))
    page_b = runner("voice_b", "", False, "v2")
    first = next(page_b)
    assert re.fullmatch(r"↪ not started on this page: dataset formatting, experiment voice_a, v2ProPlus, "
                        r"started \d\d:\d\d:\d\d\nrunning stage for voice_a", first), first
    release.set()
    assert list(page_b)[-1].endswith("\nfinished voice_a") and list(page_a) == ["finished voice_a"]
    LocalContext.request.set(None)
    titles = {title for title, _ in warnings_shown}
    [own, other] = [message for _, message in warnings_shown]
    assert titles == {"Not started"}
    assert re.fullmatch(r"a job is running \(dataset formatting, experiment voice_a, v2ProPlus, started [\d:]+\); "
                        r"stop it first", own), own
    assert other.endswith("started on another page: this page shows its status now (Stop ends it)"), other
    # A page opened later shows how the run ended, marked the same way, and the job's settings.
    rejoin = job_events.rejoin_stream(gradio, slots, dataset.SLOT, tr=EN)
    [shown] = list(rejoin())
    assert shown.startswith("↪ not started on this page: dataset formatting, experiment voice_a") and \
        shown.endswith("finished voice_a")


def test_a_page_opened_during_a_run_takes_its_version_and_experiment():
    """Issue 27 item 6: a reload while a v2ProPlus job runs keeps v2ProPlus and the experiment name."""
    import gradio

    from GPT_SoVITS.webui.app import _describe

    slots, release = JobSlots(), threading.Event()
    settings_now = job_events.running_settings(gradio, slots)
    assert settings_now() == (gradio.skip(), gradio.skip())  # nothing runs: the page keeps its defaults

    def training_run(*args):
        yield "running"
        release.wait(10)

    clicked = job_events.job_stream(gradio, EN, slots, training.S2_SLOT, training_run,
                                    describe=_describe(training.S2_SLOT))("ru_pro", "", False, 4, 8, "v2ProPlus")
    next(clicked)
    assert settings_now() == ("v2ProPlus", "ru_pro")
    release.set()
    list(clicked)
    assert settings_now() == (gradio.skip(), gradio.skip())
