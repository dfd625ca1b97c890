"""`tools.slice` end to end: clip files and names, levels, the summary, and bad inputs that do not stop the run."""

from __future__ import annotations

import re

import numpy as np
import pytest
import soundfile

from GPT_SoVITS.errors import ConfigError
from tests.tools.recordings import clip_bounds, noise_recording
from tools import slice as slicer
from tools.slice import SliceOptions, normalize_peak, slice_inputs

LAYOUT = [("pause", 0.5), ("speech", 4.5), ("pause", 0.6), ("speech", 4.5), ("pause", 0.5)]
SILENCE = SliceOptions(mode="silence")


def test_clips_are_named_by_source_and_samples_and_cover_the_speech(tmp_path):
    recording = noise_recording(tmp_path / "talk.flac", LAYOUT, sr=44100)
    summary = slice_inputs([recording.path], tmp_path / "clips", SILENCE)
    names = sorted(path.name for path, _ in summary.clips)
    assert len(names) == 2 and all(re.fullmatch(r"talk\.flac_\d{10}_\d{10}\.wav", name) for name in names)
    assert sorted(p.name for p in (tmp_path / "clips").iterdir()) == names  # no temporary files left
    for path, seconds in summary.clips:
        info = soundfile.info(str(path))
        assert (info.samplerate, info.channels, info.subtype) == (32000, 1, "PCM_16")
        start, end = clip_bounds(path.name, 32000)
        assert info.frames == round((end - start) * 32000) and seconds == pytest.approx(end - start)
    bounds = [clip_bounds(name, 32000) for name in names]
    for start, end in recording.speech:
        assert any(a <= start + 0.02 and end - 0.02 <= b for a, b in bounds)


def test_stereo_input_becomes_mono(tmp_path):
    recording = noise_recording(tmp_path / "mono.wav", LAYOUT)
    audio, sr = soundfile.read(recording.path)
    soundfile.write(tmp_path / "stereo.wav", np.stack([audio, audio * 0.5], axis=1), sr)
    summary = slice_inputs([tmp_path / "stereo.wav"], tmp_path / "clips", SILENCE)
    assert summary.clips and all(soundfile.info(str(path)).channels == 1 for path, _ in summary.clips)


def test_levels_follow_upstreams_mix():
    clip = np.array([0.0, 0.2, -0.4], dtype=np.float32)
    mixed = normalize_peak(clip, max_peak=0.9, alpha=0.25)
    np.testing.assert_allclose(mixed, clip / 0.4 * 0.9 * 0.25 + 0.75 * clip, rtol=1e-6)
    assert normalize_peak(np.zeros(4, dtype=np.float32), 0.9, 0.25).tolist() == [0.0] * 4


def test_bad_inputs_are_reported_one_line_each_and_the_run_goes_on(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    noise_recording(folder / "good.wav", LAYOUT)
    (folder / "broken.mp3").write_bytes(b"this is not audio")
    soundfile.write(folder / "quiet.wav", np.zeros(32000 * 2), 32000)
    (tmp_path / "empty").mkdir()
    summary = slice_inputs([folder, tmp_path / "empty", tmp_path / "missing.wav"], tmp_path / "clips", SILENCE)
    assert summary.files_read == 1 and len(summary.clips) == 2
    skipped = "\n".join(summary.skipped)
    assert len(summary.skipped) == 4, skipped
    assert "broken.mp3: cannot decode audio" in skipped
    assert "quiet.wav: silence only (no frame above -34 dB)" in skipped
    assert f"{tmp_path / 'empty'}: the folder has no files" in skipped
    assert f"{tmp_path / 'missing.wav'}: no such file or folder" in skipped


def test_summary_counts_lengths_and_drops(tmp_path):
    recording = noise_recording(tmp_path / "a.wav", [("pause", 2.0), ("speech", 4.5), ("pause", 2.0)])
    summary = slice_inputs([recording.path], tmp_path / "clips", SILENCE)
    lines = summary.lines(SILENCE, tmp_path / "clips")
    assert lines[0].startswith("slice (silence): 1 file(s) read, 0 skipped; 1 clip(s), 5.5 s")
    assert "  shorter than 1 s: 0" in lines and "  longer than 12 s: 0" in lines
    assert "  dropped: 3.0 s outside the clips (silence, noise)" in lines


def test_vad_mode_reports_silence_only(tmp_path):
    soundfile.write(tmp_path / "quiet.wav", np.zeros(32000 * 2), 32000)
    summary = slice_inputs([tmp_path / "quiet.wav"], tmp_path / "clips", SliceOptions())
    assert summary.skipped == [f"{tmp_path / 'quiet.wav'}: silence only (the VAD heard no speech); nothing to slice"]


def test_command_line(tmp_path, capsys):
    recording = noise_recording(tmp_path / "a.wav", LAYOUT)
    code = slicer.main([str(recording.path), "-o", str(tmp_path / "clips"), "--mode", "silence", "--min-length", "3000"])
    out = capsys.readouterr().out
    assert code == 0 and "2 clip(s)" in out and len(list((tmp_path / "clips").iterdir())) == 2
    assert slicer.main([str(tmp_path / "nothing"), "-o", str(tmp_path / "clips2")]) == 1
    assert "no such file or folder" in capsys.readouterr().out


@pytest.mark.parametrize("options, message", [
    (SliceOptions(mode="energy"), "slicing mode 'energy'"),
    (SliceOptions(min_clip=5, max_clip=4), "clip length range 5-4 s"),
    (SliceOptions(alpha=1.5), "alpha 1.5"),
])
def test_bad_options_stop_before_any_work(tmp_path, options, message):
    with pytest.raises(ConfigError, match=message):
        slice_inputs([tmp_path], tmp_path / "clips", options)


def test_slicing_again_replaces_that_recordings_earlier_clips_only(tmp_path):
    """Issue 27 item 2: a second slicing with other settings leaves no clip of the first behind, says
    how many it replaced, and keeps other recordings' clips (and other files) in the folder."""
    recording = noise_recording(tmp_path / "talk.wav", LAYOUT)
    clips = tmp_path / "clips"
    clips.mkdir()
    other = clips / "other.wav_0000000000_0000032000.wav"
    soundfile.write(other, np.zeros(32000), 32000)
    (clips / "notes.txt").write_text("mine", encoding="utf-8")
    first = slice_inputs([recording.path], clips, SILENCE)
    second = slice_inputs([recording.path], clips, SliceOptions(mode="silence", silence=slicer.SilenceParams(
        min_length=12000)))  # one clip now
    assert len(first.clips) == 2 and len(second.clips) == 1 and second.replaced == 2
    assert sorted(p.name for p in clips.iterdir()) == sorted([second.clips[0][0].name, other.name, "notes.txt"])
    assert "  replaced: 2 clip(s) of an earlier slicing of the same recording(s)" in second.lines(SILENCE, clips)
    assert first.replaced == 0 and not any(line.startswith("  replaced") for line in first.lines(SILENCE, clips))


def test_short_sentences_stay_clips_of_their_own_by_default():
    """Issue 27 item 4: 1.6 s sentences between 0.7 s pauses are one clip each with the default minimum
    (3 s joined them in pairs: 20 sentences made 12 clips)."""
    from tools.vad_slicer import VadParams, group_phrases

    sr, at, segments = 16000, 0.5, []
    for _ in range(6):
        segments.append((round(at * sr), round((at + 1.6) * sr)))
        at += 1.6 + 0.7
    options = SliceOptions()
    groups = group_phrases(segments, sr, options.min_clip, options.max_clip, VadParams().max_inner_pause)
    assert groups == [(k, k) for k in range(6)]
