"""The web UI in a real browser (headless Chromium via Playwright): the whole button flow in Russian.

The UI runs as `python webui.py --root <tmp>` on a free localhost port with tiny configs and tiny
pretrained files; the test fills the forms, presses the buttons and checks the files the stages and
trainers write, the status boxes, and the synthesised audio. Double clicks on start buttons are
refused, Stop leaves no process of the job behind (read from /proc), the UI's audio has the CLI's
level, and a second server with `--lang ru` speaks Russian. Screenshots of each tab go to a
temporary folder (printed), or to `$GSV_SCREENSHOT_DIR` when set. Without Playwright or Chromium the
test skips with the reason, and fails in CI (tests/external.py).
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.external import require_browser, require_espeak
from tests.webui.ui_fixtures import REFERENCE_TEXT, make_project

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _proc_table() -> dict[int, tuple[str, int, int]]:
    """pid -> (state, parent pid, process group) of every process, from /proc."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # ended while we looked
                continue
            table[int(entry.name)] = (fields[0], int(fields[1]), int(fields[2]))
    return table


def _job_processes(server_pid: int) -> dict[int, int]:
    """The live processes the UI server started, with their descendants: pid -> process group."""
    table, found, frontier = _proc_table(), {}, [server_pid]
    while frontier:
        parent = frontier.pop()
        for pid, (state, ppid, pgid) in table.items():
            if ppid == parent and state != "Z" and pid not in found:
                found[pid] = pgid
                frontier.append(pid)
    return found


def _left_of(groups: set[int]) -> list[int]:
    """Live processes still in one of `groups` (a stopped job's grandchildren are re-parented, not gone)."""
    return [pid for pid, (state, _, pgid) in _proc_table().items() if pgid in groups and state != "Z"]


def _wait_until_serving(url: str, process: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the web UI exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"the web UI did not answer on {url}:\n{log.read_text()[-3000:]}")


@contextlib.contextmanager
def _serving(project, lang: str, log: Path):
    """`webui.py --lang LANG` on a free port over `project`; yields (url, server process)."""
    port = _free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "GPT_SOVITS_UI_LANG": "en"}
    # The test's data sits in pytest's temp folders beside the root: allowed at start-up, as a user would.
    command = [sys.executable, str(REPO_ROOT / "webui.py"), "--root", str(project.root), "--port", str(port),
               "--allow-dir", str(project.root.parent.parent),
               "--s2-config", str(project.s2_config), "--s1-config", str(project.s1_config),
               "--s2v2ProPlus-config", str(project.s2_plus_config), "--lang", lang]
    with open(log, "w") as log_file:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_serving(url, process, log)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def ui(tmp_path_factory):
    require_browser()  # before minutes of setup: skip (locally) or fail (CI) when it is missing
    require_espeak()
    project = make_project(tmp_path_factory.mktemp("ui"))
    log = project.root.parent / "webui.log"
    with _serving(project, "en", log) as (url, process):
        yield project, url, log, process


def _open_page(browser, url: str):
    """A page (English browser locale) on the UI, once tab 0 has rendered."""
    page = browser.new_page(viewport={"width": 1400, "height": 1100}, locale="en-US")
    page.goto(url)
    page.wait_for_selector("#btn_slice", timeout=60_000)  # tab 0 opens first
    return page


@pytest.fixture(scope="module")
def page(ui):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=require_browser(), args=CHROMIUM_ARGS)
        yield _open_page(browser, ui[1])
        browser.close()


def _field(page, elem_id: str):
    return page.locator(f"#{elem_id}").locator("textarea, input").first


def _fill(page, elem_id: str, value) -> None:
    field = _field(page, elem_id)
    field.fill(str(value))
    field.blur()


def _click_and_wait(page, button_id: str, status_id: str, pattern: str, timeout_s: float,
                    refused: str | None = None) -> str:
    """Press a button, then wait until its status box changes to a value matching `pattern`.

    With `refused`, the button is double-clicked and the second start must be refused with a
    notice containing `refused` (checked at once: Gradio closes the notice after a while).
    """
    status = _field(page, status_id)
    before = status.input_value()
    button = page.locator(f"#{button_id}")
    if refused:
        button.dblclick()
        _expect_refusal_notice(page, refused)
    else:
        button.click()
    regex = re.compile(pattern, re.S)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = status.input_value()
        if value != before and regex.search(value):
            return value
        time.sleep(0.5)
    pytest.fail(f"#{status_id} did not reach {pattern!r} within {timeout_s} s; it shows:\n{status.input_value()}")


def _plot_points(page, plot_id: str) -> int:
    """Points on the longest line of a gr.LinePlot (Vega draws each curve as one SVG path)."""
    paths = page.locator(f"#{plot_id} .mark-line path").evaluate_all("els => els.map(e => e.getAttribute('d') || '')")
    return max((d.count("L") + 1 for d in paths if d), default=0)


def _train_and_watch_plot(page, button_id: str, status_id: str, plot_id: str, timeout_s: float,
                          refused: str | None = None) -> tuple[str, list[int]]:
    """Press a training button; return its final status and the plot's point counts seen while it ran.

    With `refused`, the button is double-clicked and the second start must be refused with a notice
    containing `refused`.
    """
    status = _field(page, status_id)
    if refused:
        page.locator(f"#{button_id}").dblclick()
        _expect_refusal_notice(page, refused)
    else:
        page.locator(f"#{button_id}").click()
    seen, deadline = [], time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = status.input_value()
        if re.match(r"(done|failed|stopped|error)", value):
            return value, seen
        if value.startswith("running"):
            seen.append(_plot_points(page, plot_id))
        time.sleep(0.3)
    pytest.fail(f"#{status_id} did not finish within {timeout_s} s; it shows:\n{status.input_value()}")


def _synthesize(page, project, text: str, seed: int, max_new: int, timeout_s: float) -> str:
    """Fill the synthesis tab (reference clip, its text, the text, seed, token cap), press the button.

    The clip is uploaded unless an earlier test of this page already did (the field then shows it).
    """
    upload = page.locator("#tts_ref_audio input[type=file]")
    if upload.count():
        upload.set_input_files(str(project.reference))
    _fill(page, "tts_ref_text", REFERENCE_TEXT)
    _fill(page, "tts_text", text)
    _fill(page, "tts_seed", seed)
    _fill(page, "tts_max_new", max_new)
    page.wait_for_timeout(1000)  # let the upload finish
    return _click_and_wait(page, "btn_synthesize", "tts_status", r"^(done|error)", timeout_s)


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    """Where the screenshots go: `$GSV_SCREENSHOT_DIR`, else a temporary folder; never the repository."""
    folder = Path(os.environ["GSV_SCREENSHOT_DIR"]) if os.environ.get("GSV_SCREENSHOT_DIR") else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"screenshots: {folder}")
    return folder


def _screenshot(page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"webui-{name}.png"), full_page=True)


def _expect_refusal_notice(page, text: str) -> None:
    """The notice a refused second start or a Stop click shows (a Gradio toast), then closed."""
    from playwright.sync_api import expect

    toast = page.get_by_test_id("toast-body").filter(has_text=text)
    expect(toast.first).to_be_visible(timeout=20_000)
    page.get_by_test_id("toast-close").first.click()


def _expect_no_job_left(server: subprocess.Popen, groups: set[int], timeout_s: float = 15) -> None:
    """No process the UI started (nor any process of their groups) is alive."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        left = {**_job_processes(server.pid), **dict.fromkeys(_left_of(groups), 0)}
        if not left:
            return
        time.sleep(0.2)
    pytest.fail(f"processes of the stopped job are still alive: {left}")


def _double_click_then_stop(page, server: subprocess.Popen) -> str:
    """One-click formatting twice at once: the second start is refused; Stop ends every process of the job."""
    status = _click_and_wait(page, "btn_all", "dataset_status", r"\nrunning 1-get-text\.py", 60,
                             refused="stop it first")
    groups = set(_job_processes(server.pid).values())
    assert groups, f"no stage process is running:\n{status}"
    # Stop answers with a notice; the status box gets the run's own last line, which nothing overwrites.
    status = _click_and_wait(page, "btn_dataset_stop", "dataset_status", r"stopped 1-get-text\.py", 30)
    _expect_refusal_notice(page, "stopping...")
    time.sleep(1.0)
    assert _field(page, "dataset_status").input_value() == status
    _expect_no_job_left(server, groups)
    assert "2-get-hubert" not in _field(page, "dataset_status").input_value()  # no further stage started
    return status


def _compare_with_the_cli(page, project, gpt: Path, sovits: Path, text: str, folder: Path) -> None:
    """The page's audio file has the level the CLI writes for the same weights, inputs and seed."""
    import numpy as np
    import soundfile

    from GPT_SoVITS import synthesize as cli

    link = page.locator("#tts_output [data-testid='download-link']").first.get_attribute("href")
    ui_file, cli_file = folder / "ui.wav", folder / "cli.wav"
    with urllib.request.urlopen(link, timeout=30) as response:
        ui_file.write_bytes(response.read())
    hubert = project.root / "GPT_SoVITS" / "pretrained_models" / "chinese-hubert-base"
    assert cli.main(["--gpt", str(gpt), "--sovits", str(sovits), "--hubert", str(hubert), "--ref", str(project.reference),
                     "--ref-text", REFERENCE_TEXT, "--text", text, "--seed", "7", "--max-new-tokens", "20",
                     "-o", str(cli_file)]) == 0
    (ui_audio, ui_rate), (cli_audio, cli_rate) = (soundfile.read(f, dtype="int16") for f in (ui_file, cli_file))
    levels = {name: (int(np.abs(audio).max()), float(np.sqrt(np.mean(audio.astype(np.float64) ** 2))))
              for name, audio in (("ui", ui_audio), ("cli", cli_audio))}
    assert ui_rate == cli_rate and levels["cli"][0] < 0.5 * 32767, levels  # the tiny model is far from full scale
    assert abs(levels["ui"][0] - levels["cli"][0]) <= 0.02 * levels["cli"][0] + 2, levels  # peak
    assert abs(levels["ui"][1] - levels["cli"][1]) <= 0.02 * levels["cli"][1] + 2, levels  # RMS


@pytest.mark.slow
def test_full_flow_dataset_training_synthesis(ui, page, screenshots, tmp_path):
    project, _, log, server = ui
    opt_dir = project.root / "logs" / "ru_test"
    notice = page.locator("#pretrained_notice").inner_text()
    assert "s2D2333k.pth" in notice and "s1bert25hz" in notice  # tiny HuBERT and s2G are present
    assert "chinese-hubert-base" not in notice

    page.get_by_role("tab", name="1. Dataset formatting").click()
    # 1. Dataset formatting: a bad experiment name is refused in the status box, then the real run.
    _fill(page, "exp_name", "bad name!")
    _fill(page, "list_path", project.list_path)
    _fill(page, "wav_dir", project.wav_dir)
    status = _click_and_wait(page, "btn_text", "dataset_status", r"^error: experiment name", 30)
    assert "not allowed" in status
    _fill(page, "exp_name", "ru_test")
    _double_click_then_stop(page, server)
    status = _click_and_wait(page, "btn_text", "dataset_status", r"(^|\n)(finished;|failed |stopped |error)", 120)
    assert "done 1-get-text.py: 3/3" in status, status
    assert len((opt_dir / "2-name2text.txt").read_text(encoding="utf-8").splitlines()) == 3
    # One click: stage 1 skipped (its output exists), then stages 2 and 3; the page is reloaded while
    # stage 2 runs, which neither stops the run nor loses its status: the reloaded page follows it.
    _click_and_wait(page, "btn_all", "dataset_status", r"\nrunning 2-get-hubert-wav32k\.py", 120)
    status = _reload_and_follow(page, "1. Dataset formatting", "dataset_status",
                                r"(^|\n)(finished;|failed |stopped |error)", opt_dir / "6-name2semantic.tsv", 180)
    _fill(page, "exp_name", "ru_test")  # a reload gives the fields their defaults again
    _fill(page, "list_path", project.list_path)
    _fill(page, "wav_dir", project.wav_dir)
    assert "skipped, 2-name2text.txt already exists" in status, status
    assert "done 2-get-hubert-wav32k.py: 3/3" in status and "done 3-get-semantic.py: 3/3" in status, status
    assert sorted(p.name for p in (opt_dir / "4-cnhubert").iterdir()) == ["a.wav.pt", "b.wav.pt", "c.wav.pt"]
    assert sorted(p.name for p in (opt_dir / "5-wav32k").iterdir()) == ["a.wav", "b.wav", "c.wav"]
    semantic = (opt_dir / "6-name2semantic.tsv").read_text(encoding="utf-8").splitlines()
    assert semantic[0] == "item_name\tsemantic_audio" and len(semantic) == 4
    _screenshot(page, screenshots, "1-dataset")

    # 2. Fine-tuning: one epoch of each tiny model (three SoVITS steps of one clip), from scratch where
    # no pretrained file exists; the loss plots appear and grow while the trainers run.
    page.get_by_role("tab", name="2. Fine-tuning").click()
    from playwright.sync_api import expect

    expect(page.locator("#tensorboard_note")).to_contain_text(f"tensorboard --logdir {project.root / 'logs'}/")
    _fill(page, "s2_batch_size", 1)  # one clip per batch: three SoVITS steps, seconds apart on a CPU
    _fill(page, "s1_batch_size", 2)
    for prefix in ("s2", "s1"):
        _fill(page, f"{prefix}_epochs", 1)
    _fill(page, "s2_save_every_epoch", 1)
    _fill(page, "s1_save_every_n_epoch", 1)
    _fill(page, "s2_pretrained_s2d", "")
    _fill(page, "s1_pretrained", "")
    assert _plot_points(page, "s2_plot") == 0
    status, seen = _train_and_watch_plot(page, "btn_train_s2", "s2_status", "s2_plot", 240, refused="a job is running")
    assert status.startswith("done s2_train.py") and "epoch 1/1, step 3/3 (100 %)" in status, status
    growing = [count for count in seen if count]
    assert growing and growing[0] < 3 and _plot_points(page, "s2_plot") == 3, seen  # it grew while running
    assert "s2 epoch" not in status  # log lines, not the progress-bar stream
    _expect_no_job_left(server, set())  # the second click started nothing that outlived the run
    sovits = sorted((project.root / "SoVITS_weights_v2").glob("ru_test_e1_s*.pth"))
    assert sovits and sovits[0].name in status
    expect(page.locator("#s2_sample audio[src]")).to_be_attached(timeout=20_000)  # the latest save's sample
    assert (opt_dir / "logs_s2_v2" / "samples" / "step00000003-sample-generated.wav").is_file()
    status, _ = _train_and_watch_plot(page, "btn_train_s1", "s1_status", "s1_plot", 240)
    assert status.startswith("done s1_train.py"), status
    gpt = sorted((project.root / "GPT_weights_v2").glob("ru_test-e1.ckpt"))
    assert gpt and gpt[0].name in status
    assert _plot_points(page, "s1_plot") >= 2, status
    expect(page.locator("#s1_sample audio[src]")).to_be_attached(timeout=20_000)  # rendered through ru_test_e1_s3.pth
    assert list((opt_dir / "logs_s1_v2" / "samples").glob("step*-sample-gpt.wav")), status
    _screenshot(page, screenshots, "2-training")

    # 3. Synthesis with the exported weights: the lists were refreshed when each training ended.
    page.get_by_role("tab", name="3. Synthesis").click()
    expect(_field(page, "tts_gpt")).to_have_value(re.compile(r"ru_test-e1\.ckpt$"), timeout=20_000)
    expect(_field(page, "tts_sovits")).to_have_value(re.compile(r"ru_test_e1_s\d+\.pth$"), timeout=20_000)
    status = _synthesize(page, project, "Добрый вечер! Как прошёл ваш день?", seed=7, max_new=20, timeout_s=120)
    assert status.startswith("done:"), status
    assert re.search(r"seed 7\b", status)
    expect(page.locator("#tts_output audio, #tts_output [data-testid='waveform-Result']").first).to_be_attached(
        timeout=20_000)
    _screenshot(page, screenshots, "3-synthesis")
    _compare_with_the_cli(page, project, gpt[0], sovits[0], "Добрый вечер! Как прошёл ваш день?", tmp_path)
    _second_page_follows_and_stops_a_running_training(page, server)


def _reload_and_follow(page, tab: str, status_id: str, pattern: str, last_output: Path, timeout_s: float) -> str:
    """Reload the page while a job runs; return the status the reloaded page shows when the job ends.

    The reloaded page follows the job: its status as it was, then each change. (A job that ended
    before the page was back leaves nothing to follow; that is reported as such, with the job's
    last output as proof that the reload did not stop it.)
    """
    page.reload()
    page.wait_for_selector("#btn_slice", timeout=60_000)
    reloaded = time.monotonic()
    page.get_by_role("tab", name=tab).click()
    status = _field(page, status_id)
    regex, deadline = re.compile(pattern, re.S), reloaded + timeout_s
    while time.monotonic() < deadline:
        if regex.search(status.input_value()):
            return status.input_value()
        if status.input_value() == "idle" and last_output.is_file() and time.monotonic() > reloaded + 10:
            pytest.fail(f"the job ended before the reloaded page was back ({last_output.name} exists); "
                        "nothing to follow: rerun, or lengthen the job")
        time.sleep(0.5)
    pytest.fail(f"#{status_id} did not reach {pattern!r} within {timeout_s} s after the reload:\n{status.input_value()}")


def _second_page_follows_and_stops_a_running_training(page, server: subprocess.Popen) -> None:
    """A page reloaded or opened while a trainer runs shows that run, its curves from the start,
    and its Stop ends it: the GPT resumes for many epochs (no save before the stop), the page is
    reloaded, a second page of the same browser joins and stops it; both end with the stopped line."""
    from playwright.sync_api import expect

    page.get_by_role("tab", name="2. Fine-tuning").click()
    _fill(page, "s1_epochs", 100_000)
    _fill(page, "s1_save_every_n_epoch", 100_000)
    _click_and_wait(page, "btn_train_s1", "s1_status", r"^running s1_train\.py", 60)
    page.reload()  # the run goes on, and the reloaded page follows it
    page.wait_for_selector("#btn_slice", timeout=60_000)
    page.get_by_role("tab", name="2. Fine-tuning").click()
    expect(_field(page, "s1_status")).to_have_value(re.compile(r"^running s1_train\.py"), timeout=30_000)
    other = _open_page(page.context.browser, page.url)
    try:
        other.get_by_role("tab", name="2. Fine-tuning").click()
        expect(_field(other, "s1_status")).to_have_value(re.compile(r"^running s1_train\.py"), timeout=30_000)
        expect(other.locator("#s1_plot .mark-line path").first).to_be_attached(timeout=30_000)
        assert _plot_points(other, "s1_plot") >= 2  # the first run's steps too: the curves from the start
        other.locator("#btn_stop_s1").click()
        _expect_refusal_notice(other, "stopping...")
        for shown in (other, page):
            expect(_field(shown, "s1_status")).to_have_value(re.compile(r"^stopped s1_train\.py"), timeout=60_000)
        _expect_no_job_left(server, set())
    finally:
        other.close()


@pytest.mark.slow
def test_recordings_tab_from_a_long_recording_to_a_proofread_list(ui, page, screenshots, tmp_path_factory):
    """Tab 0 alone: slice an espeak-ng chapter, transcribe it with a tiny Whisper, proofread, report, format."""
    from playwright.sync_api import expect

    from tests.tools.recordings import espeak_recording
    from tests.tools.tiny_whisper import TEXT, build_tiny_whisper

    project = ui[0]
    work = tmp_path_factory.mktemp("recordings")
    model = build_tiny_whisper(work / "whisper")
    recording = espeak_recording(work / "chapter.wav", pauses=[0.5, 0.8, 0.45, 0.9, 0.6])
    page.get_by_role("tab", name="0. Recordings").click()

    # 0a. Slicing (speech-aware mode, the default) into the default folder.
    page.get_by_role("tab", name="0a. Slicing").click()
    _fill(page, "slice_input", recording.path)
    status = _click_and_wait(page, "btn_slice", "slice_status", r"^(done|failed|stopped|error)", 120,
                             refused="a job is running")
    assert status.startswith("done tools.slice") and "slice (vad): 1 file(s) read, 0 skipped" in status, status
    clips_dir = project.root / "output" / "slicer_opt"
    clips = sorted(clips_dir.glob("chapter.wav_*.wav"))
    assert len(clips) >= 3, clips
    _screenshot(page, screenshots, "0a-slicing")

    # 0b. ASR: the slicer's folder is filled in; the model is given as a folder.
    page.get_by_role("tab", name="0b. Speech recognition").click()
    expect(_field(page, "asr_input")).to_have_value(str(clips_dir))
    model_field = page.locator("#asr_model input").first
    model_field.fill(str(work / "no-model"))
    model_field.press("Enter")
    status = _click_and_wait(page, "btn_asr", "asr_status", r"^(done|failed|stopped|error)", 60)
    assert status == f"error: Whisper model folder {work / 'no-model'} not found", status  # and nothing started
    model_field.fill(str(model))
    model_field.press("Enter")
    status = _click_and_wait(page, "btn_asr", "asr_status", r"^(done|failed|stopped|error)", 120)
    assert status.startswith("done tools.asr"), status
    list_path = project.root / "output" / "asr_opt" / "slicer_opt.list"
    original = list_path.read_text(encoding="utf-8")
    assert original.splitlines() == [f"{clip}|slicer_opt|ru|{TEXT}" for clip in clips]
    expect(_field(page, "asr_output")).to_have_value(str(list_path))
    _screenshot(page, screenshots, "0b-asr")
    page.get_by_role("tab", name="1. Dataset formatting").click()
    expect(_field(page, "list_path")).to_have_value(str(list_path))  # filled into tab 1
    page.get_by_role("tab", name="0. Recordings").click()

    # 0c. Proofreading: edit with a stress mark, delete a line, merge two, save.
    page.get_by_role("tab", name="0c. Proofreading").click()
    expect(_field(page, "pr_list")).to_have_value(str(list_path))
    page.locator("#btn_pr_open").click()
    expect(page.locator("#pr_info")).to_contain_text(f"Page 1 of 1, {len(clips)} lines", timeout=60_000)
    expect(page.locator("#pr_reading_0")).to_contain_text("ма\u0301ма", timeout=60_000)
    _field(page, "pr_text_0").fill("Он открыл з+амок")
    _field(page, "pr_text_0").press_sequentially(".")  # a key press is what fires Gradio's input event
    expect(page.locator("#pr_reading_0")).to_contain_text("за\u0301мок", timeout=30_000)
    expect(page.locator("#pr_info")).to_contain_text("unsaved changes")
    _screenshot(page, screenshots, "0c-proofreading")
    page.locator("#pr_select_2 input[type=checkbox]").check()
    status = _click_and_wait(page, "btn_pr_delete", "pr_status", r"^(deleted|error)", 30)
    assert status.startswith("deleted 1 line(s)"), status
    for slot in (0, 1):
        page.locator(f"#pr_select_{slot} input[type=checkbox]").check()
    status = _click_and_wait(page, "btn_pr_merge", "pr_status", r"^(merged|error)", 30)
    assert status.startswith("merged lines 1 and 2"), status
    status = _click_and_wait(page, "btn_pr_save", "pr_status", r"^(saved|error|nothing)", 30)
    assert status.startswith(f"saved {len(clips) - 2} line(s)"), status
    saved = list_path.read_text(encoding="utf-8").splitlines()
    merged_path, _, _, merged_text = saved[0].split("|")
    assert merged_text == f"Он открыл з+амок. {TEXT}" and len(saved) == len(clips) - 2
    assert saved[1:] == original.splitlines()[3:]
    import soundfile

    assert soundfile.info(merged_path).frames == sum(soundfile.info(str(clip)).frames for clip in clips[:2])
    backups = list(list_path.parent.glob("slicer_opt.list.*.bak"))
    assert len(backups) == 1 and backups[0].read_text(encoding="utf-8") == original

    # 0d. Dataset report of the proofread list.
    page.get_by_role("tab", name="0d. Dataset report").click()
    expect(_field(page, "report_list")).to_have_value(str(list_path))
    page.locator("#btn_report").click()
    expect(_field(page, "report_text")).to_have_value(re.compile(rf"^{re.escape(str(list_path))}: {len(saved)} clip"),
                                                      timeout=60_000)
    expect(page.locator("#report_image img")).to_be_visible()
    _screenshot(page, screenshots, "0d-report")

    # One-click formatting accepts the proofread list, and its report follows.
    page.get_by_role("tab", name="1. Dataset formatting").click()
    _fill(page, "exp_name", "ru_rec")
    _fill(page, "wav_dir", "")
    status = _click_and_wait(page, "btn_all", "dataset_status", r"(^|\n)(finished;|failed |stopped |error)", 180)
    for script in ("1-get-text.py", "2-get-hubert-wav32k.py", "3-get-semantic.py"):
        assert f"done {script}: {len(saved)}/{len(saved)}" in status, status
    expect(_field(page, "dataset_report_text")).to_have_value(re.compile(rf": {len(saved)} clip"), timeout=60_000)
    assert (project.root / "logs" / "ru_rec" / "dataset_report.png").is_file()


@pytest.mark.slow
def test_status_lines_follow_the_interface_language(ui, page, screenshots):
    """`--lang ru` with an English browser: the status and error lines and Gradio's upload prompt are Russian."""
    from playwright.sync_api import expect

    project = ui[0]
    words = re.compile(r"\b(done|finished|running|skipped|stopped|failed|error|nothing|experiment|utterances)\b")

    def english(status: str):  # file paths (…/failed.txt) aside
        return words.search(re.sub(r"\S*/\S*", "", status))

    with _serving(project, "ru", project.root.parent / "webui-ru.log") as (url, _):
        page = _open_page(page.context.browser, url)  # the module's browser, a second page
        page.get_by_role("tab", name="1. Подготовка данных").click()
        _fill(page, "exp_name", "ru_lang")
        _fill(page, "list_path", project.list_path)
        _fill(page, "wav_dir", project.wav_dir)
        status = _click_and_wait(page, "btn_text", "dataset_status", r"(^|\n)(завершено;|ошибка|остановлен)", 120)
        assert status.startswith("эксперимент ru_lang:") and "готово 1-get-text.py: 3/3 записей готовы" in status, status
        assert "завершено; к обучению готовы 0 из 3 записей, с ошибками 0" in status and not english(status), status  # 1a only
        status = _click_and_wait(page, "btn_text", "dataset_status", r"(^|\n)завершено;", 60)
        assert "1-get-text.py: пропущен, 2-name2text.txt уже есть" in status and not english(status), status
        page.locator("#btn_dataset_stop").click()  # nothing runs: a notice, and the last run's summary stays
        _expect_refusal_notice(page, "ничего не выполняется")
        assert _field(page, "dataset_status").input_value() == status
        _screenshot(page, screenshots, "ru-1-dataset")

        page.get_by_role("tab", name="3. Синтез").click()
        prompt = page.locator("#tts_ref_audio")
        expect(prompt).to_contain_text("Перетащите аудио сюда")
        expect(prompt).to_contain_text("Нажмите, чтобы выбрать файл")
        status = _click_and_wait(page, "btn_synthesize", "tts_status", r"^ошибка", 60)
        assert re.fullmatch(r"ошибка: (веса GPT: путь не указан|опорная запись: загрузите запись голоса длиной 3-10 с)",
                            status), status
        _screenshot(page, screenshots, "ru-3-synthesis")


@pytest.mark.slow
def test_v2proplus_flow_dataset_with_speaker_vectors_training_synthesis(ui, page, screenshots):
    """The version choice above the tabs: v2ProPlus runs 2-get-sv, trains and exports Pro weights, synthesises."""
    from playwright.sync_api import expect

    project = ui[0]
    opt_dir = project.root / "logs" / "ru_pro"
    page.locator("#model_version").get_by_label("v2ProPlus", exact=True).check()
    notice = page.locator("#pretrained_notice")
    expect(notice).to_contain_text("s2Dv2ProPlus.pth", timeout=20_000)  # the v2ProPlus files are listed now
    assert "s1v3.ckpt" in notice.inner_text() and "s2Gv2ProPlus.pth" not in notice.inner_text()
    assert "pretrained_eres2netv2w24s4ep4" not in notice.inner_text()  # present under the root

    page.get_by_role("tab", name="1. Dataset formatting").click()
    expect(_field(page, "dataset_s2g")).to_have_value(re.compile(r"v2Pro/s2Gv2ProPlus\.pth$"))
    _fill(page, "exp_name", "ru_pro")
    _fill(page, "list_path", project.list_path)
    _fill(page, "wav_dir", project.wav_dir)
    status = _click_and_wait(page, "btn_all", "dataset_status", r"(^|\n)(finished;|failed |stopped |error)", 240)
    for stage in ("1-get-text", "2-get-hubert-wav32k", "2-get-sv", "3-get-semantic"):
        assert f"done {stage}.py: 3/3" in status, status
    assert sorted(p.name for p in (opt_dir / "7-sv_cn").iterdir()) == ["a.wav.pt", "b.wav.pt", "c.wav.pt"]
    _screenshot(page, screenshots, "pro-1-dataset")

    page.get_by_role("tab", name="2. Fine-tuning").click()
    expect(_field(page, "s2_pretrained_s2g")).to_have_value(re.compile(r"v2Pro/s2Gv2ProPlus\.pth$"))
    expect(_field(page, "s1_pretrained")).to_have_value(re.compile(r"s1v3\.ckpt$"))
    _fill(page, "s2_batch_size", 3)
    _fill(page, "s1_batch_size", 2)
    for prefix in ("s2", "s1"):
        _fill(page, f"{prefix}_epochs", 1)
    _fill(page, "s2_pretrained_s2d", "")  # not shipped with the test: random D and GPT
    _fill(page, "s1_pretrained", "")
    status = _click_and_wait(page, "btn_train_s2", "s2_status", r"^(done|failed|stopped|error)", 300)
    assert status.startswith("done s2_train.py"), status
    [sovits] = sorted((project.root / "SoVITS_weights_v2ProPlus").glob("ru_pro_e1_s*.pth"))
    assert sovits.read_bytes()[:2] == b"06" and sovits.name in status
    status = _click_and_wait(page, "btn_train_s1", "s1_status", r"^(done|failed|stopped|error)", 240)
    assert status.startswith("done s1_train.py"), status
    assert (project.root / "GPT_weights_v2ProPlus" / "ru_pro-e1.ckpt").is_file()
    _screenshot(page, screenshots, "pro-2-training")

    page.get_by_role("tab", name="3. Synthesis").click()
    page.locator("#btn_refresh").click()
    expect(_field(page, "tts_gpt")).to_have_value(re.compile(r"GPT_weights_v2ProPlus/ru_pro-e1\.ckpt$"), timeout=20_000)
    expect(_field(page, "tts_sovits")).to_have_value(re.compile(r"SoVITS_weights_v2ProPlus/ru_pro_e1_s\d+\.pth$"),
                                                     timeout=20_000)
    status = _synthesize(page, project, "Добрый вечер!", seed=5, max_new=15, timeout_s=180)
    assert status.startswith("done:") and "ru_pro_e1_s" in status, status
    _screenshot(page, screenshots, "pro-3-synthesis")
