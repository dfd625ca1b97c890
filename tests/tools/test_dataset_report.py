"""Dataset report: totals, the outliers it names with their lines, the PNG, the command line."""

from __future__ import annotations

import numpy as np
import soundfile

from tools import dataset_report
from tools.dataset_report import build_report, plot_report

TEXT = "Сегодня хорошая погода и тёплый день"  # 31 letters


def _dataset(tmp_path, durations: list[float], texts: list[str] | None = None):
    (tmp_path / "wavs").mkdir()
    lines = []
    for index, seconds in enumerate(durations):
        soundfile.write(tmp_path / "wavs" / f"{index}.wav", np.zeros(round(seconds * 16000)), 16000)
        lines.append(f"{index}.wav|anna|ru|{texts[index] if texts else TEXT}")
    lines.append(f"missing.wav|anna|ru|{TEXT}")
    path = tmp_path / "voice.list"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_totals_outliers_and_problems(tmp_path):
    durations = [2.5, 2.6, 2.4, 2.5, 2.7, 0.4, 2.5]
    texts = [TEXT] * 5 + ["Да", "Hello there my friend, how are you"]
    path = _dataset(tmp_path, durations, texts)
    report = build_report(path, tmp_path / "wavs")
    assert len(report.clips) == 7 and abs(report.total_seconds - sum(durations)) < 1e-6
    reasons = {(clip.name, reason.split(":")[0]) for clip, reason in report.outliers}
    assert ("5.wav", "outside 0.6-54 s") in reasons
    assert ("6.wav", "no Cyrillic letters") in reasons
    assert all(name in ("5.wav", "6.wav") for name, _ in reasons)
    assert report.problems == [f"{path}:8: {tmp_path / 'wavs' / 'missing.wav'}: audio file not found; "
                               "check the wav path in the .list (or --wav-dir)"]
    lines = report.lines()
    assert lines[0].startswith(f"{path}: 7 clip(s), 15.6 s (0.00 h);")
    assert any(line.startswith(f"  outlier {path}:6 5.wav (0.4 s)") for line in lines)


def test_a_speech_rate_far_from_the_median_is_an_outlier(tmp_path):
    durations = [2.5, 2.6, 2.4, 2.5, 2.7, 2.5, 2.6, 9.0]  # the last clip: same text, much longer audio
    report = build_report(_dataset(tmp_path, durations), tmp_path / "wavs")
    far = [(clip.name, reason) for clip, reason in report.outliers if "median" in reason]
    assert [name for name, _ in far] == ["7.wav"]


def test_png_and_command_line(tmp_path, capsys):
    path = _dataset(tmp_path, [2.5, 3.0, 4.0])
    png = plot_report(build_report(path, tmp_path / "wavs"), tmp_path / "out" / "report.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert dataset_report.main([str(path), "--wav-dir", str(tmp_path / "wavs")]) == 0
    out = capsys.readouterr().out
    assert f"plot: {tmp_path / 'voice.list.report.png'}" in out and (tmp_path / "voice.list.report.png").is_file()
    assert dataset_report.main([str(tmp_path / "nope.list")]) == 1
    assert ".list file not found" in capsys.readouterr().err


def test_an_empty_or_unusable_list_says_so_without_numpy_warnings(tmp_path, capsys):
    import warnings

    empty = tmp_path / "empty.list"
    empty.write_text("", encoding="utf-8")
    broken = tmp_path / "broken.list"
    broken.write_text("only|three|fields\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a numpy "Mean of empty slice" warning fails the test
        assert dataset_report.main([str(empty)]) == 1
        assert dataset_report.main([str(broken)]) == 1
    err = capsys.readouterr().err
    assert f"error: {empty}: no clip to report on: the list is empty" in err
    assert f"error: {broken}: no clip to report on: none of its 1 line(s) is usable ({broken}:1: expected 4" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.list", "empty.list"]  # no PNG written


def test_a_device_or_fifo_given_as_the_list_is_named_and_nothing_is_written_beside_it(tmp_path, capsys):
    import os

    fifo = tmp_path / "pipe.list"
    os.mkfifo(fifo)  # reading it would block forever
    assert dataset_report.main([str(fifo)]) == 1
    assert f"error: {fifo}: a FIFO (named pipe), not a .list file" in capsys.readouterr().err
    assert dataset_report.main(["/dev/null"]) == 1
    assert "error: /dev/null: a character device, not a .list file" in capsys.readouterr().err
    assert not os.path.exists("/dev/null.report.png") and sorted(p.name for p in tmp_path.iterdir()) == ["pipe.list"]
