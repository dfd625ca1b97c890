"""The web UI in a real browser (headless Chromium via Playwright): the whole button flow in Russian.

The UI runs as `python webui.py --root <tmp>` on a free localhost port with tiny configs and tiny
pretrained files; the test fills the forms, presses the buttons and checks the files the stages and
trainers write, the status boxes, and the synthesised audio. Screenshots of each tab go to a
temporary folder (printed), or to `$GSV_SCREENSHOT_DIR` when set. Without Playwright or Chromium the
test skips with the reason, and fails in CI (tests/tools.py).
"""

from __future__ import annotations

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
from tests.tools import require_browser, require_espeak
from tests.webui.ui_fixtures import REFERENCE_TEXT, make_project

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


@pytest.fixture(scope="module")
def ui(tmp_path_factory):
    require_browser()  # before minutes of setup: skip (locally) or fail (CI) when it is missing
    require_espeak()
    project = make_project(tmp_path_factory.mktemp("ui"))
    port = _free_port()
    log = project.root.parent / "webui.log"
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "GPT_SOVITS_UI_LANG": "en"}
    command = [sys.executable, str(REPO_ROOT / "webui.py"), "--root", str(project.root), "--port", str(port),
               "--s2-config", str(project.s2_config), "--s1-config", str(project.s1_config)]
    with open(log, "w") as log_file:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_serving(url, process, log)
        yield project, url, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def page(ui):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=require_browser(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(ui[1])
        page.wait_for_selector("#btn_all", timeout=60_000)
        yield page
        browser.close()


def _field(page, elem_id: str):
    return page.locator(f"#{elem_id}").locator("textarea, input").first


def _fill(page, elem_id: str, value) -> None:
    field = _field(page, elem_id)
    field.fill(str(value))
    field.blur()


def _click_and_wait(page, button_id: str, status_id: str, pattern: str, timeout_s: float) -> str:
    """Press a button, then wait until its status box changes to a value matching `pattern`."""
    status = _field(page, status_id)
    before = status.input_value()
    page.locator(f"#{button_id}").click()
    regex = re.compile(pattern, re.S)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = status.input_value()
        if value != before and regex.search(value):
            return value
        time.sleep(0.5)
    pytest.fail(f"#{status_id} did not reach {pattern!r} within {timeout_s} s; it shows:\n{status.input_value()}")


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    """Where the screenshots go: `$GSV_SCREENSHOT_DIR`, else a temporary folder; never the repository."""
    folder = Path(os.environ["GSV_SCREENSHOT_DIR"]) if os.environ.get("GSV_SCREENSHOT_DIR") else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"screenshots: {folder}")
    return folder


def _screenshot(page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"webui-{name}.png"), full_page=True)


@pytest.mark.slow
def test_full_flow_dataset_training_synthesis(ui, page, screenshots):
    project, _, log = ui
    opt_dir = project.root / "logs" / "ru_test"
    notice = page.locator("#pretrained_notice").inner_text()
    assert "s2D2333k.pth" in notice and "s1bert25hz" in notice  # tiny HuBERT and s2G are present
    assert "chinese-hubert-base" not in notice

    # 1. Dataset formatting: a bad experiment name is refused in the status box, then the real run.
    _fill(page, "exp_name", "bad name!")
    _fill(page, "list_path", project.list_path)
    _fill(page, "wav_dir", project.wav_dir)
    status = _click_and_wait(page, "btn_text", "dataset_status", r"^error: experiment name", 30)
    assert "not allowed" in status
    _fill(page, "exp_name", "ru_test")
    status = _click_and_wait(page, "btn_text", "dataset_status", r"(^|\n)(finished;|failed |stopped |error)", 120)
    assert "done 1-get-text.py: 3/3" in status, status
    assert len((opt_dir / "2-name2text.txt").read_text(encoding="utf-8").splitlines()) == 3
    # One click: stage 1 skipped (its output exists), then stages 2 and 3.
    status = _click_and_wait(page, "btn_all", "dataset_status", r"(^|\n)(finished;|failed |stopped |error)", 180)
    assert "skipped, 2-name2text.txt already exists" in status, status
    assert "done 2-get-hubert-wav32k.py: 3/3" in status and "done 3-get-semantic.py: 3/3" in status, status
    assert sorted(p.name for p in (opt_dir / "4-cnhubert").iterdir()) == ["a.wav.pt", "b.wav.pt", "c.wav.pt"]
    assert sorted(p.name for p in (opt_dir / "5-wav32k").iterdir()) == ["a.wav", "b.wav", "c.wav"]
    semantic = (opt_dir / "6-name2semantic.tsv").read_text(encoding="utf-8").splitlines()
    assert semantic[0] == "item_name\tsemantic_audio" and len(semantic) == 4
    _screenshot(page, screenshots, "1-dataset")

    # 2. Fine-tuning: one epoch of each tiny model, from scratch where no pretrained file exists.
    page.get_by_role("tab", name="2. Fine-tuning").click()
    _fill(page, "s2_batch_size", 3)  # the 3 clips in one batch: one SoVITS step per epoch
    _fill(page, "s1_batch_size", 2)
    for prefix in ("s2", "s1"):
        _fill(page, f"{prefix}_epochs", 1)
    _fill(page, "s2_save_every_epoch", 1)
    _fill(page, "s1_save_every_n_epoch", 1)
    _fill(page, "s2_pretrained_s2d", "")
    _fill(page, "s1_pretrained", "")
    status = _click_and_wait(page, "btn_train_s2", "s2_status", r"^(done|failed|stopped|error)", 240)
    assert status.startswith("done s2_train.py"), status
    sovits = sorted((project.root / "SoVITS_weights_v2").glob("ru_test_e1_s*.pth"))
    assert sovits and sovits[0].name in status
    status = _click_and_wait(page, "btn_train_s1", "s1_status", r"^(done|failed|stopped|error)", 240)
    assert status.startswith("done s1_train.py"), status
    gpt = sorted((project.root / "GPT_weights_v2").glob("ru_test-e1.ckpt"))
    assert gpt and gpt[0].name in status
    _screenshot(page, screenshots, "2-training")

    # 3. Synthesis with the exported weights.
    page.get_by_role("tab", name="3. Synthesis").click()
    page.locator("#btn_refresh").click()
    from playwright.sync_api import expect

    expect(_field(page, "tts_gpt")).to_have_value(re.compile(r"ru_test-e1\.ckpt$"), timeout=20_000)
    expect(_field(page, "tts_sovits")).to_have_value(re.compile(r"ru_test_e1_s\d+\.pth$"), timeout=20_000)
    page.locator("#tts_ref_audio input[type=file]").set_input_files(str(project.reference))
    _fill(page, "tts_ref_text", REFERENCE_TEXT)
    _fill(page, "tts_text", "Добрый вечер! Как прошёл ваш день?")
    _fill(page, "tts_seed", 7)
    _fill(page, "tts_max_new", 20)
    page.wait_for_timeout(1000)  # let the upload finish
    status = _click_and_wait(page, "btn_synthesize", "tts_status", r"^(done|error)", 120)
    assert status.startswith("done:"), status
    assert re.search(r"seed 7\b", status)
    expect(page.locator("#tts_output audio, #tts_output [data-testid='waveform-Result']").first).to_be_attached(
        timeout=20_000)
    _screenshot(page, screenshots, "3-synthesis")
