"""What a newcomer's full-size run found, in a real browser (issue 27): proofreading never loses what
the box shows, a reloaded page keeps the running job's version and experiment, a second page's start
says which job runs, re-slicing replaces the earlier clips, and the Russian UI has no English words.

One UI server (`webui.py --root <tmp>`, tiny models) serves every test of this module; a second one
with `--lang ru` serves the language test. Helpers come from `test_browser`.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pytest

from tests.external import require_browser, require_espeak
from tests.webui.test_browser import CHROMIUM_ARGS, _click_and_wait, _field, _fill, _open_page, _serving
from tests.webui.ui_fixtures import make_project


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_browser()
    require_espeak()
    project = make_project(tmp_path_factory.mktemp("newcomer"))
    with _serving(project, "en", project.root.parent / "webui.log") as (url, process):
        yield project, url, process


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=require_browser(), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _proofread_list(project, folder: Path, count: int) -> Path:
    """`count` lines over distinct copies of the project's clips, absolute paths."""
    folder.mkdir(parents=True, exist_ok=True)
    clips = sorted(project.wav_dir.glob("*.wav"))
    lines = []
    for number in range(count):
        clip = shutil.copyfile(clips[number % len(clips)], folder / f"clip{number:02d}.wav")
        lines.append(f"{clip}|speaker|ru|Строка номер {number}.")
    path = folder / "proof.list"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _texts_on_disk(path: Path) -> list[str]:
    return [line.split("|")[3] for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.slow
def test_proofreading_saves_what_the_boxes_show(server, browser, tmp_path):
    """Typing at full speed, a paste, Save at once, a page turn right after typing: the .list on disk
    holds exactly what the boxes showed."""
    from playwright.sync_api import expect

    project, url, _ = server
    list_path = _proofread_list(project, tmp_path / "proof", 7)
    context = browser.new_context(viewport={"width": 1400, "height": 1100}, locale="en-US",
                                  permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#btn_slice", timeout=60_000)
    page.get_by_role("tab", name="0c. Proofreading").click()
    _fill(page, "pr_list", list_path)
    page.locator("#btn_pr_open").click()
    expect(page.locator("#pr_info")).to_contain_text("Page 1 of 2, 7 lines", timeout=60_000)

    fast = "Быстро набранный текст без пауз между клавишами."
    box = _field(page, "pr_text_0")
    box.fill("")
    box.press_sequentially(fast)  # no delay between keys
    pasted = "Вставленная из буфера строка."
    page.evaluate("text => navigator.clipboard.writeText(text)", pasted)
    box = _field(page, "pr_text_1")
    box.click()
    box.press("Control+A")
    box.press("Control+V")
    expect(box).to_have_value(pasted)
    page.locator("#btn_pr_save").click()  # at once
    expect(_field(page, "pr_status")).to_have_value(re.compile(r"^saved 7 line"), timeout=30_000)
    texts = _texts_on_disk(list_path)
    assert texts[:2] == [fast, pasted] and texts[2:] == [f"Строка номер {n}." for n in range(2, 7)], texts

    # Typing then turning the page at once: the edit is kept, and saved from page 2.
    box = _field(page, "pr_text_4")
    box.fill("")
    box.press_sequentially("Последняя строка первой страницы.")
    page.locator("#btn_pr_next").click()
    expect(page.locator("#pr_info")).to_contain_text("Page 2 of 2", timeout=30_000)
    box = _field(page, "pr_text_1")
    box.press("End")
    box.press_sequentially(" И ещё.")
    page.locator("#btn_pr_save").click()
    expect(_field(page, "pr_status")).to_have_value(re.compile(r"^saved 7 line"), timeout=30_000)
    texts = _texts_on_disk(list_path)
    assert texts[4] == "Последняя строка первой страницы." and texts[6] == "Строка номер 6. И ещё.", texts
    assert texts[:2] == [fast, pasted]
    context.close()


def _new_page(browser, url: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1100}, locale="en-US")
    page.goto(url)
    page.wait_for_selector("#btn_slice", timeout=60_000)
    return page


@pytest.mark.slow
def test_a_reloaded_page_keeps_the_running_jobs_version_and_a_second_page_follows_it(server, browser, tmp_path):
    """Issue 27 item 6 and issue 26 item 9: while a v2ProPlus formatting runs, a reload shows v2ProPlus,
    its experiment, its notice and weight folders; a start on a second page names the running job and
    shows its status marked as not its own; after the run, a reload still shows its summary."""
    from playwright.sync_api import expect

    project, url, _ = server
    # 12 lines (copies of the 3 clips): a run long enough to reload and open a second page while it goes
    list_path = _proofread_list(project, tmp_path / "follow", 12)
    page = _new_page(browser, url)
    page.locator("#model_version").get_by_label("v2ProPlus", exact=True).check()
    page.get_by_role("tab", name="1. Dataset formatting").click()
    _fill(page, "exp_name", "ru_follow")
    _fill(page, "list_path", list_path)
    _fill(page, "wav_dir", "")
    _click_and_wait(page, "btn_all", "dataset_status", r"running", 60)

    page.reload()
    page.wait_for_selector("#btn_slice", timeout=60_000)
    expect(page.locator("#model_version input[value=v2ProPlus]")).to_be_checked(timeout=30_000)
    expect(_field(page, "exp_name")).to_have_value("ru_follow")
    expect(page.locator("#pretrained_notice")).to_contain_text("s2Dv2ProPlus.pth", timeout=20_000)
    assert "s2D2333k.pth" not in page.locator("#pretrained_notice").inner_text()  # not the v2 notice
    page.get_by_role("tab", name="1. Dataset formatting").click()
    expect(_field(page, "dataset_s2g")).to_have_value(re.compile(r"v2Pro/s2Gv2ProPlus\.pth$"))
    expect(_field(page, "dataset_status")).to_have_value(
        re.compile(r"^↪ not started on this page: dataset formatting, experiment ru_follow, v2ProPlus"), timeout=30_000)
    page.get_by_role("tab", name="3. Synthesis").click()
    expect(page.locator("#tts_gpt")).to_contain_text("GPT_weights_v2ProPlus/")
    expect(page.locator("#tts_sovits")).to_contain_text("SoVITS_weights_v2ProPlus/")

    other = _new_page(browser, url)
    other.get_by_role("tab", name="1. Dataset formatting").click()
    other.locator("#btn_text").click()
    toast = other.get_by_test_id("toast-body").filter(has_text="started on another page")
    expect(toast.first).to_contain_text("experiment ru_follow, v2ProPlus", timeout=20_000)
    expect(_field(other, "dataset_status")).to_have_value(re.compile(r"^↪ not started on this page: .*ru_follow"),
                                                          timeout=20_000)

    page.get_by_role("tab", name="1. Dataset formatting").click()
    done = re.compile(r"\n(finished;|failed |stopped |error)")
    expect(_field(page, "dataset_status")).to_have_value(done, timeout=480_000)
    expect(_field(other, "dataset_status")).to_have_value(done, timeout=30_000)
    summary = _field(page, "dataset_status").input_value()
    assert "done 2-get-sv.py: 12/12" in summary, summary
    page.reload()  # the finished run's summary survives a reload
    page.wait_for_selector("#btn_slice", timeout=60_000)
    page.get_by_role("tab", name="1. Dataset formatting").click()
    expect(_field(page, "dataset_status")).to_have_value(re.compile(r"done 2-get-sv\.py: 12/12"), timeout=30_000)
    other.close()
    page.close()


@pytest.mark.slow
def test_slicing_again_replaces_the_earlier_clips(server, browser, tmp_path):
    """Issue 27 items 2 and 4: tab 0 says what the minimum does; a second slicing of the same recording
    with other settings leaves only its own clips in the folder (the ASR then sees no stale clip)."""
    from playwright.sync_api import expect

    from tests.tools.recordings import espeak_recording

    project, url, _ = server
    recording = espeak_recording(tmp_path / "chapter.wav", pauses=[0.7, 0.8, 0.7, 0.9, 0.7])
    page = _new_page(browser, url)
    expect(page.locator("#slice_min_clip")).to_contain_text("a higher value merges sentences")
    assert _field(page, "slice_min_clip").input_value() == "1"
    clips_dir = tmp_path / "clips"
    _fill(page, "slice_input", recording.path)
    _fill(page, "slice_output", clips_dir)
    status = _click_and_wait(page, "btn_slice", "slice_status", r"^(done|failed|stopped|error)", 120)
    first = sorted(p.name for p in clips_dir.glob("chapter.wav_*.wav"))
    assert status.startswith("done tools.slice") and len(first) >= 4, (status, first)
    _fill(page, "slice_min_clip", 6)
    _fill(page, "slice_max_clip", 20)
    status = _click_and_wait(page, "btn_slice", "slice_status", r"^(done|failed|stopped|error)", 120)
    assert f"replaced: {len(first)} clip(s) of an earlier slicing" in status, status
    second = sorted(p.name for p in clips_dir.glob("chapter.wav_*.wav"))
    assert 0 < len(second) < len(first), (first, second)
    assert re.search(rf"; {len(second)} clip\(s\)", status), status  # the folder holds exactly these
    page.close()


# Names (programs, models, settings named as in their docs) and units that stay as written in Russian.
LATIN_NAMES = {
    "GPT", "SoVITS", "HuBERT", "Whisper", "faster-whisper", "v2", "v2Pro", "v2ProPlus", "s1", "s2", "s2G", "s2D",
    "KL", "CUDA", "GPU", "CPU", "TensorBoard", "tensorboard", "top_k", "top_p", "ru", "en", "zh", "ja", "ko", "yue",
    "silero-vad", "kHz", "SSL", "list", "wav_path", "speaker", "language", "text", "text_low_lr_rate", "python",
    "logdir", "mel", "ASR", "top-3", "API", "Gradio", "GPT-SoVITS-RU", "librosa", "chinese-hubert-base", "large-v3",
    "synthesize", "SSL", "Google", "USB",  # the last two: examples of Latin words in the Latin-mode field's help
}
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*")
# paths, file and module names (a.wav, tools.asr), flags (-m, --model), tab and stage numbers (0a, 2-get-sv), phones
_PATH_LIKE = re.compile(r"\S*[/\\<>]\S*|[\w-]+(\.[\w-]+)+|(?<!\w)--?[A-Za-z][\w-]*|\b\d[\w-]*|\bru_\w+|(?<!\w)\.\w+")


def _latin_words(text: str) -> set[str]:
    """Latin words of `text` that are neither paths, file names, flags, nor names of `LATIN_NAMES`."""
    words = {word.rstrip("-") for word in _LATIN_WORD.findall(_PATH_LIKE.sub(" ", text))}
    return {word for word in words if word not in LATIN_NAMES}


@pytest.mark.slow
def test_every_tab_in_russian_has_no_english_words(server, browser, tmp_path):
    """Issue 27 item 7: `--lang ru` renders every tab, the missing-weights notice (wrapped, not cut off),
    the ASR's missing-model error, the proofreading warnings and the dataset report without English."""
    from playwright.sync_api import expect

    project = server[0]
    list_path = tmp_path / "long.list"
    long_text = "Очень длинная строка " * 12
    list_path.write_text(f"{project.wav_dir / 'a.wav'}|speaker|ru|{long_text}\n"
                         f"{project.wav_dir / 'b.wav'}|speaker|ru|Мы поехали на дачу в субботу утром.\n", encoding="utf-8")
    with _serving(project, "ru", project.root.parent / "webui-ru-tabs.log") as (url, _):
        page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="en-US")
        page.goto(url)
        page.wait_for_selector("#btn_slice", timeout=60_000)
        seen = {}
        notice = page.locator("#pretrained_notice")
        expect(notice).to_contain_text("s2D2333k.pth")
        assert notice.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), "the notice is cut off at the right"
        seen["notice"] = notice.inner_text()
        for tab in ("0a. Нарезка", "0b. Распознавание речи", "0c. Вычитка", "0d. Отчёт о наборе"):
            page.get_by_role("tab", name=tab).click()
            seen[tab] = page.locator("body").inner_text()
        page.get_by_role("tab", name="0b. Распознавание речи").click()
        _fill(page, "asr_input", project.wav_dir)
        seen["asr error"] = _click_and_wait(page, "btn_asr", "asr_status", r"^ошибка", 60)
        page.get_by_role("tab", name="0c. Вычитка").click()
        _fill(page, "pr_list", list_path)
        page.locator("#btn_pr_open").click()
        expect(page.locator("#pr_reading_0")).to_contain_text("букв/с", timeout=60_000)
        seen["proofreading"] = page.locator("#pr_reading_0").inner_text() + page.locator("#pr_info").inner_text()
        page.get_by_role("tab", name="0d. Отчёт о наборе").click()
        _fill(page, "report_list", list_path)
        page.locator("#btn_report").click()
        expect(_field(page, "report_text")).to_have_value(re.compile("выброс"), timeout=60_000)
        seen["report"] = _field(page, "report_text").input_value()
        for tab in ("1. Подготовка данных", "2. Дообучение", "3. Синтез"):
            page.get_by_role("tab", name=tab).click()
            seen[tab] = page.locator("body").inner_text()
        page.close()
    english = {where: sorted(_latin_words(text)) for where, text in seen.items() if _latin_words(text)}
    assert not english, json.dumps(english, ensure_ascii=False)
