"""`tools.asr` through the real faster-whisper path with a tiny converted model (offline).

The tiny model says `мама мыла раму` for any speech (tests/tools/tiny_whisper.py), so the
lines, the flags (a long clip makes that text implausibly slow), the drops and the resume
are all checkable.
"""

from __future__ import annotations

import numpy as np
import pytest
import soundfile

from GPT_SoVITS.errors import ConfigError
from tests.prepare.audio_fixtures import write_speech
from tests.tools.tiny_whisper import TEXT
from tools import asr
from tools.asr import AsrOptions, Transcriber, transcribe_folder
from tools.whisper_models import choose_device, download_whisper, resolve_model, whisper_folder


@pytest.fixture
def clips(tmp_path):
    folder = tmp_path / "anna"
    folder.mkdir()
    write_speech(folder / "a.wav", "Привет, как у тебя дела сегодня?")
    speech, sr = soundfile.read(folder / "a.wav")
    soundfile.write(folder / "b_slow.wav", np.concatenate([speech, np.zeros(sr * 8)]), sr)  # 3 words in ~10 s
    soundfile.write(folder / "c_silent.wav", np.zeros(16000 * 2), 16000)
    (folder / "d_broken.wav").write_bytes(b"RIFF but not really")
    return folder


def test_lines_flags_drops_and_skips(clips, tiny_whisper, tmp_path):
    output = tmp_path / "anna.list"
    summary = transcribe_folder(clips, output, Transcriber(tiny_whisper, AsrOptions()))
    assert output.read_text(encoding="utf-8").splitlines() == [
        f"{clips / 'a.wav'}|anna|ru|{TEXT}", f"{clips / 'b_slow.wav'}|anna|ru|{TEXT}"]
    assert len(summary.flagged) == 1 and summary.flagged[0].startswith("anna.list:2 b_slow.wav: ")
    assert "letters/s: too few" in summary.flagged[0]
    assert summary.dropped == ["c_silent.wav: empty transcript (no speech recognised)"]
    assert len(summary.skipped) == 1 and "d_broken.wav: cannot decode audio" in summary.skipped[0]
    report = summary.report("asr")
    assert report[0] == f"asr: 2 line(s) written to {output}; 1 flagged, 1 dropped, 1 skipped"


def test_an_interrupted_run_resumes_and_keeps_edited_lines(clips, tiny_whisper, tmp_path):
    output = tmp_path / "anna.list"
    output.write_text(f"{clips / 'a.wav'}|anna|ru|Привет, как дела?\n", encoding="utf-8")
    summary = transcribe_folder(clips, output, Transcriber(tiny_whisper, AsrOptions(speaker="Анна")))
    lines = output.read_text(encoding="utf-8").splitlines()
    assert lines == [f"{clips / 'a.wav'}|anna|ru|Привет, как дела?", f"{clips / 'b_slow.wav'}|Анна|ru|{TEXT}"]
    assert summary.resumed == 1 and "after 1 already there" in summary.report("asr")[0]


def test_lines_proofread_while_the_asr_runs_keep_their_edits(clips, tiny_whisper, tmp_path, monkeypatch):
    """The proofreading page may save the lines written so far while the ASR goes on: its later
    writes add their lines to the file as it is then, instead of writing back their own copy."""
    from tools.proofread import ListDocument

    output = tmp_path / "anna.list"
    transcriber = Transcriber(tiny_whisper, AsrOptions())

    class ProofreadMidway:
        options = transcriber.options

        def transcribe(self, clip):
            if clip.name == "b_slow.wav":  # a.wav's line is in the file by now
                page = ListDocument.open(output)
                page.edit(0, "Привет, как у тебя дела сегодня?")
                page.save()
            return transcriber.transcribe(clip)

    monkeypatch.setattr(asr, "SAVE_EVERY", 1)
    transcribe_folder(clips, output, ProofreadMidway())
    assert output.read_text(encoding="utf-8").splitlines() == [
        f"{clips / 'a.wav'}|anna|ru|Привет, как у тебя дела сегодня?", f"{clips / 'b_slow.wav'}|anna|ru|{TEXT}"]


def test_overwrite_starts_the_list_over(clips, tiny_whisper, tmp_path):
    output = tmp_path / "anna.list"
    output.write_text(f"{clips / 'a.wav'}|anna|ru|Старая строка.\nnot a line\n", encoding="utf-8")
    summary = transcribe_folder(clips, output, Transcriber(tiny_whisper, AsrOptions()), overwrite=True)
    assert output.read_text(encoding="utf-8").splitlines() == [
        f"{clips / 'a.wav'}|anna|ru|{TEXT}", f"{clips / 'b_slow.wav'}|anna|ru|{TEXT}"]
    assert summary.resumed == 0


def test_auto_language_writes_the_detected_code(clips, tiny_whisper, tmp_path):
    transcriber = Transcriber(tiny_whisper, AsrOptions(language="auto"))
    assert transcriber.transcribe(clips / "a.wav").language == "ru"


def test_missing_model_says_where_to_put_it_and_how_to_fetch_it(tmp_path, monkeypatch):
    from tools import whisper_models

    monkeypatch.setattr(whisper_models, "REPO_ROOT", tmp_path / "repo")  # a real model there must not matter
    with pytest.raises(ConfigError) as caught:
        resolve_model("large-v3", roots=(tmp_path,))
    message = str(caught.value)
    assert str(whisper_folder("large-v3", tmp_path)) in message
    assert "python -m tools.asr --download --model large-v3" in message
    assert "hf download Systran/faster-whisper-large-v3" in message
    with pytest.raises(ConfigError, match="tokenizer.json missing"):
        (tmp_path / "half").mkdir()
        (tmp_path / "half" / "model.bin").write_bytes(b"")
        (tmp_path / "half" / "config.json").write_text("{}")
        resolve_model(str(tmp_path / "half"))
    with pytest.raises(ConfigError, match="expected a size"):
        resolve_model("huge")


def test_size_names_are_found_in_the_pretrained_folder(tiny_whisper, tmp_path):
    import shutil

    shutil.copytree(tiny_whisper, whisper_folder("tiny", tmp_path))
    assert resolve_model("tiny", roots=(tmp_path,)) == whisper_folder("tiny", tmp_path)


def test_download_failure_is_one_clear_error(monkeypatch, tmp_path):
    import faster_whisper

    def offline(*args, **kwargs):
        raise OSError("Network is unreachable")

    monkeypatch.setattr(faster_whisper, "download_model", offline)
    with pytest.raises(ConfigError, match="could not download Whisper tiny .*are you online"):
        download_whisper("tiny", tmp_path)


def test_download_pretrained_fetches_whisper_on_request_only(monkeypatch, tmp_path, capsys):
    import faster_whisper

    from tools import download_pretrained, whisper_models

    calls = []
    monkeypatch.setattr(whisper_models, "REPO_ROOT", tmp_path)
    monkeypatch.setattr(faster_whisper, "download_model", lambda size, output_dir: calls.append((size, output_dir)))
    assert download_pretrained.main(["--whisper", "small"]) == 0
    assert calls == [("small", str(whisper_folder("small", tmp_path)))]
    assert download_pretrained.main(["--whisper", "huge"]) == 1
    assert "Whisper model size 'huge': expected one of" in capsys.readouterr().err


def test_device_choice():
    assert choose_device("cpu") == ("cpu", "int8")
    assert choose_device("cuda") == ("cuda", "float16")
    assert choose_device("cpu", "float32") == ("cpu", "float32")
    with pytest.raises(ConfigError, match="device 'tpu'"):
        choose_device("tpu")


def test_command_line(clips, tiny_whisper, tmp_path, capsys):
    assert asr.main([str(clips), "--model", str(tiny_whisper), "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"asr (ru, ct2 on cpu/int8): 2 line(s) written to {tmp_path / 'anna.list'}")
    assert (tmp_path / "anna.list").is_file()
    assert asr.main([str(clips), "--model", str(tmp_path / "no_model")]) == 1
    assert f"Whisper model folder {tmp_path / 'no_model'} not found" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert asr.main([str(tmp_path / "empty"), "--model", str(tiny_whisper)]) == 1
    assert "the folder has no clips" in capsys.readouterr().err
