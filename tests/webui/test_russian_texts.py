"""Texts the Russian UI shows that come from below the UI (issue 27 item 7): the missing-weights notice,
the skipped-stage line, transcript warnings, the dataset report and its plot, the ASR's missing model."""

from __future__ import annotations

import re

import numpy as np
import pytest
import soundfile

from GPT_SoVITS.prepare.pipeline import StageUpdate
from GPT_SoVITS.prepare.stages import STAGES
from GPT_SoVITS.webui import dataset, recordings
from GPT_SoVITS.webui.app import pretrained_notice
from GPT_SoVITS.i18n import UiError, translator
from GPT_SoVITS.webui.settings import parse_settings
from tools.dataset_report import build_report
from tools.transcript_checks import suspicious_reasons

RU, EN = translator("ru"), translator("en")
LATIN = re.compile(r"(?<![\w-])[A-Za-z][\w-]+")


def _settings(tmp_path, lang="ru"):
    return parse_settings(["--root", str(tmp_path / "root"), "--lang", lang, "--allow-dir", str(tmp_path)], {})


def test_the_missing_weights_notice_is_russian_and_a_wrapping_list(tmp_path, monkeypatch):
    from GPT_SoVITS import pretrained

    monkeypatch.setattr(pretrained, "REPO_ROOT", tmp_path / "checkout")
    notice = pretrained_notice(_settings(tmp_path), "v2ProPlus")
    assert "```" not in notice  # a list, not a fixed-width block cut off at the right
    assert "- генератор SoVITS v2ProPlus (этап 3, обучение SoVITS): `" in notice
    assert "Скачайте их один раз при подключении к сети: `python tools/download_pretrained.py --only" in notice
    words = set(LATIN.findall(re.sub(r"`[^`]*`|\S+\.md", "", notice)))
    assert words <= {"HuBERT", "SoVITS", "GPT", "v2Pro", "v2ProPlus", "sv"}, words


def test_a_skipped_stage_joins_its_outputs_in_russian():
    update = StageUpdate(STAGES["ssl"], "skipped", None, elapsed=0.0, total=3)
    assert dataset.update_text(RU, update) == (
        "2-get-hubert-wav32k.py: пропущен, весь список уже есть в 4-cnhubert/ и 5-wav32k/")
    assert dataset.update_text(EN, update).endswith("4-cnhubert/ and 5-wav32k/ already exists and covers the list")


def test_transcript_warnings_and_the_dataset_report_speak_russian(tmp_path):
    [reason] = suspicious_reasons("Очень длинная строка " * 10, 1.0, "ru")
    assert str(reason).endswith("too many for 1.0 s of speech (repeated or invented text)")  # the tools print English
    assert reason.render(RU) == "180.0 букв/с: слишком много для 1.0 с речи (повтор или выдуманный текст)"
    soundfile.write(tmp_path / "a.wav", np.zeros(16000), 16000)
    (tmp_path / "v.list").write_text(f"{tmp_path / 'a.wav'}|s|ru|{'Очень длинная строка ' * 10}\n", encoding="utf-8")
    lines = build_report(tmp_path / "v.list").lines(tr=RU)
    assert lines[0] == f"{tmp_path / 'v.list'}: записей 1, 1.0 с (0.00 ч); выбросов 1, проблем 0"
    assert lines[1].startswith("  длительность: медиана 1.0 с") and "букв/с (нормализованного текста)" in lines[1]
    assert lines[2].startswith(f"  выброс {tmp_path / 'v.list'}:1 a.wav (1.0 с): 180.0 букв/с: слишком много")


def test_the_report_plot_is_labelled_in_russian(tmp_path, monkeypatch):
    import matplotlib.figure

    from tools.dataset_report import plot_report

    texts = []
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig",
                        lambda figure, *args, **kwargs: texts.extend(t.get_text() for t in figure.findobj(
                            lambda artist: hasattr(artist, "get_text"))))
    soundfile.write(tmp_path / "a.wav", np.zeros(16000), 16000)
    (tmp_path / "v.list").write_text(f"{tmp_path / 'a.wav'}|s|ru|Привет, как дела?\n", encoding="utf-8")
    plot_report(build_report(tmp_path / "v.list"), tmp_path / "r.png", RU)
    shown = " ".join(texts)
    assert "длительность записи, с" in shown and "темп речи, букв/с" in shown and "выбросы" in shown
    assert not LATIN.findall(shown.replace("v.list", "")), shown


def test_a_missing_asr_model_is_named_in_russian(tmp_path):
    settings = _settings(tmp_path)
    clips = tmp_path / "clips"
    clips.mkdir()
    soundfile.write(clips / "a.wav", np.zeros(16000), 16000)
    with pytest.raises(UiError) as caught:
        recordings.asr_argv(settings, clips_dir=str(clips), output="", language="ru", model="large-v3", speaker="")
    text = caught.value.message.render(RU)
    assert text.startswith("модель Whisper large-v3 не найдена: ожидается модель faster-whisper в ")
    assert "python -m tools.asr --download --model large-v3" in text
    with pytest.raises(UiError) as caught:
        recordings.asr_argv(settings, clips_dir=str(clips), output="", language="ru", model=str(tmp_path / "no"),
                            speaker="")
    assert caught.value.message.render(RU) == f"папка модели Whisper {tmp_path / 'no'} не найдена"
    assert str(caught.value) == f"Whisper model folder {tmp_path / 'no'} not found"
