"""Tab 0's callbacks without a browser: checks before a start, the tool jobs, the proofreading page model."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile

from GPT_SoVITS.errors import ConfigError
from GPT_SoVITS.webui import recordings
from GPT_SoVITS.i18n import translator
from GPT_SoVITS.webui.jobs import JobSlots
from GPT_SoVITS.webui.settings import parse_settings
from tests.tools.conftest import tiny_whisper  # noqa: F401  (a fixture)
from tests.tools.recordings import noise_recording

TR = translator("en")
SLICE_FIELDS = dict(mode="silence", min_clip=3.0, max_clip=12.0, threshold=-34, min_length=4000, min_interval=300,
                    hop_size=10, max_sil_kept=500, max_peak=0.9, alpha=0.25)


@pytest.fixture
def settings(tmp_path):
    return parse_settings(["--root", str(tmp_path / "root"), "--allow-dir", str(tmp_path)], {})


def test_slicing_runs_as_a_job_and_reports_its_summary(settings, tmp_path):
    recording = noise_recording(tmp_path / "talk.wav", [("speech", 4.5), ("pause", 0.6), ("speech", 4.5)])
    argv, output = recordings.slice_argv(settings, source=str(recording.path), out_dir="", **SLICE_FIELDS)
    assert output == settings.root / "output" / "slicer_opt"
    statuses = list(recordings.stream_tool(settings, JobSlots(), "tools.slice", argv, interval=0.2))
    assert statuses[-1].startswith("done tools.slice"), statuses[-1]
    assert "slice (silence): 1 file(s) read, 0 skipped; 2 clip(s)" in statuses[-1]
    assert len(list(output.glob("talk.wav_*.wav"))) == 2
    assert recordings.existing_path(settings, str(output), want_dir=True) == str(output)


def test_slicing_inputs_are_checked_before_a_start(settings, tmp_path):
    with pytest.raises(ConfigError, match="recording: give an audio file"):
        recordings.slice_argv(settings, source=" ", out_dir="", **SLICE_FIELDS)
    with pytest.raises(ConfigError, match="recording: .*nope.wav not found"):
        recordings.slice_argv(settings, source=str(tmp_path / "nope.wav"), out_dir="", **SLICE_FIELDS)
    with pytest.raises(ConfigError, match="min_length >= min_interval"):
        recordings.slice_argv(settings, source=str(tmp_path), out_dir="", **{**SLICE_FIELDS, "min_length": 100})


def test_asr_names_the_missing_model_folder_before_a_start(settings, tmp_path, monkeypatch):
    from tools import whisper_models

    monkeypatch.setattr(whisper_models, "REPO_ROOT", tmp_path / "repo")
    clips = tmp_path / "clips"
    clips.mkdir()
    soundfile.write(clips / "a.wav", np.zeros(16000), 16000)
    with pytest.raises(ConfigError, match="pretrained_models/faster-whisper-large-v3") as caught:
        recordings.asr_argv(settings, clips_dir=str(clips), output="", language="ru", model="large-v3", speaker="")
    assert str(settings.root) in str(caught.value)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="the folder has no clips"):
        recordings.asr_argv(settings, clips_dir=str(tmp_path / "empty"), output="", language="ru", model="tiny",
                            speaker="")


def test_asr_command_and_default_output(tmp_path, tiny_whisper):
    settings = parse_settings(["--root", str(tmp_path / "root"), "--allow-dir", str(tmp_path),
                               "--allow-dir", str(tiny_whisper.parent)], {})  # a model folder: allowed at start-up
    clips = tmp_path / "anna"
    clips.mkdir()
    soundfile.write(clips / "a.wav", np.zeros(16000), 16000)
    argv, target = recordings.asr_argv(settings, clips_dir=str(clips), output="", language="ru",
                                       model=str(tiny_whisper), speaker="Анна")
    assert target == settings.root / "output" / "asr_opt" / "anna.list"
    assert argv[1:] == ["-m", "tools.asr", str(clips), "-o", str(target), "--language", "ru", "--model",
                        str(tiny_whisper), "--speaker", "Анна"]


def _document(settings, tmp_path):
    (tmp_path / "clips").mkdir()
    lines = []
    for index in range(7):
        soundfile.write(tmp_path / "clips" / f"{index}.wav", 0.1 * np.ones(8000), 16000)
        lines.append(f"clips/{index}.wav|anna|ru|Строка номер {index + 1}.")
    (tmp_path / "voice.list").write_text("\n".join(lines) + "\n", encoding="utf-8")
    doc, status = recordings.open_document(settings, str(tmp_path / "voice.list"))
    assert status == f"opened {tmp_path / 'voice.list'}: 7 line(s)"
    return doc


def test_pages_show_audio_text_and_the_frontends_reading(settings, tmp_path):
    doc = _document(settings, tmp_path)
    first, second = recordings.page_view(doc, 0, TR), recordings.page_view(doc, 5, TR)
    assert (first.page, first.pages, len(first.rows), second.page, len(second.rows)) == (0, 2, 5, 1, 2)
    row = second.rows[1]
    assert row.index == 6 and row.label == "7. 6.wav" and row.text == "Строка номер 7."
    assert row.audio[0] == 16000 and row.audio[1].dtype == np.int16 and len(row.audio[1]) == 8000
    assert "**stress:** строка\u0301 но\u0301мер семь." in row.reading and "**phones:** `ru_" in row.reading
    assert first.info == f"Page 1 of 2, 7 lines ({tmp_path / 'voice.list'})"


def test_page_actions(settings, tmp_path):
    doc = _document(settings, tmp_path)
    with pytest.raises(ConfigError, match="select exactly two adjacent lines"):
        recordings.merge_selected(doc, 0, [True, False, True, False, False])
    with pytest.raises(ConfigError, match="select the lines to delete first"):
        recordings.delete_selected(doc, 0, [False] * 5)
    assert recordings.delete_selected(doc, 1, [False, True, False, False, False]).startswith("deleted 1 line(s)")
    assert recordings.merge_selected(doc, 0, [False, False, True, True, False]).startswith(
        "merged lines 3 and 4 into 2+3.wav")
    assert "unsaved changes" in recordings.page_view(doc, 0, TR).info
    status = recordings.save_document(doc)
    assert status.startswith(f"saved 5 line(s) to {tmp_path / 'voice.list'} (previous version: voice.list.")
    assert recordings.save_document(doc).startswith("nothing to save")


def test_dataset_report_picture_and_errors(settings, tmp_path):
    doc = _document(settings, tmp_path)
    png, text = recordings.build_dataset_report(settings, str(doc.path))
    assert png == tmp_path / "voice.list.report.png" and png.is_file() and text.startswith(f"{doc.path}: 7 clip(s)")
    assert recordings.build_dataset_report(settings, str(tmp_path / "nope.list")) == (
        None, f"error: .list file: file {tmp_path / 'nope.list'} not found")


def test_the_shown_boxes_are_the_texts_an_action_starts_from(settings, tmp_path):
    """What the page's boxes show is applied before Save or a page turn; unchanged boxes change nothing."""
    from GPT_SoVITS.errors import DataError

    doc = _document(settings, tmp_path)
    shown = [row.text for row in recordings.page_view(doc, 1, TR).rows]
    assert recordings.apply_shown_texts(doc, 1, shown + ["", "", ""]) == 0 and not doc.dirty
    assert recordings.apply_shown_texts(doc, 1, ["Строка  номер 6.", "Новый текст|седьмой"]) == 1
    assert doc.lines[6].text == "Новый текст седьмой"
    with pytest.raises(DataError, match="the text cannot be empty; delete the line instead"):
        recordings.apply_shown_texts(doc, 0, ["   "])
    assert recordings.save_document(doc).startswith("saved 7 line(s)")
    assert (tmp_path / "voice.list").read_text(encoding="utf-8").splitlines()[6].endswith("|Новый текст седьмой")


def test_a_refused_formatting_run_leaves_no_experiment_folder_and_no_report(settings, tmp_path):
    """The report after a formatting click is only written into a folder the run made."""
    from GPT_SoVITS.webui.recordings_tab import report_after_formatting

    doc = _document(settings, tmp_path)
    for name in ("typed_name", "bad name!"):
        assert report_after_formatting(settings, str(doc.path), "", name) == (None, "")
    assert not settings.logs_dir.exists()
    assert not list(tmp_path.glob("*.png"))
    (settings.exp_dir("made")).mkdir(parents=True)
    image, text = report_after_formatting(settings, str(doc.path), "", "made")
    assert image is not None and (settings.exp_dir("made") / "dataset_report.png").is_file()
