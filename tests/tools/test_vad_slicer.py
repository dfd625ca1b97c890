"""The speech-aware slicer: phrase grouping on known phrase layouts, then silero-vad on espeak-ng Russian."""

from __future__ import annotations

import pytest

from tests.tools.recordings import espeak_recording
from tools.vad_slicer import VadParams, clip_spans, group_phrases, load_vad_model, vad_spans

SR = 1000  # one sample per millisecond keeps the layouts readable
TOLERANCE = 0.020


def _phrases(lengths: list[float], pauses: list[float], lead: float = 1.0) -> list[tuple[int, int]]:
    segments, at = [], lead
    for index, length in enumerate(lengths):
        segments.append((round(at * SR), round((at + length) * SR)))
        at += length + (pauses[index] if index < len(pauses) else 0.0)
    return segments


def _durations(segments, groups) -> list[float]:
    return [(segments[last][1] - segments[first][0]) / SR for first, last in groups]


def test_groups_cover_every_phrase_once_within_the_target_lengths():
    segments = _phrases([2.0] * 6, [0.6] * 5)
    groups = group_phrases(segments, SR, 3.0, 12.0, 1.0)
    assert [index for first, last in groups for index in range(first, last + 1)] == list(range(6))
    assert all(3.0 <= seconds <= 12.0 for seconds in _durations(segments, groups)), groups


def test_the_cut_goes_to_the_sentence_pause_not_the_comma_pauses():
    segments = _phrases([3.0] * 4, [0.35, 0.9, 0.35])
    assert group_phrases(segments, SR, 3.0, 12.0, 1.0) == [(0, 1), (2, 3)]


def test_a_pause_longer_than_max_inner_pause_is_always_cut():
    segments = _phrases([1.0, 1.0], [1.5])
    assert group_phrases(segments, SR, 3.0, 12.0, 1.0) == [(0, 0), (1, 1)]  # short clips rather than a long gap


def test_clips_grow_until_the_maximum_then_cut():
    segments = _phrases([2.5] * 8, [0.3] * 7)
    groups = group_phrases(segments, SR, 3.0, 12.0, 1.0)
    assert max(_durations(segments, groups)) <= 12.0
    assert len(groups) >= 2


def test_edges_keep_the_pad_but_never_more_than_half_a_pause():
    segments = _phrases([2.0, 2.0, 2.0], [0.2, 2.0], lead=0.05)
    spans = clip_spans(segments, [(0, 1), (2, 2)], pad=round(0.3 * SR), total=round(9.0 * SR))
    assert spans[0] == (0, segments[1][1] + 300)  # 50 ms lead only; 300 ms into the 2 s pause
    assert spans[1] == (segments[2][0] - 300, segments[2][1] + 300)


@pytest.fixture(scope="module")
def vad_model():
    return load_vad_model()


def test_vad_on_russian_speech_cuts_only_between_sentences(tmp_path, vad_model):
    import librosa

    recording = espeak_recording(tmp_path / "long.wav", pauses=[0.5, 0.8, 0.45, 0.9, 0.6])
    audio, sr = librosa.load(recording.path, sr=32000)
    clips = [(start / sr, end / sr) for start, end in vad_spans(audio, sr, vad_model, VadParams(), 3.0, 12.0)]
    for start, end in recording.speech:  # every sentence whole inside one clip
        assert any(a <= start + TOLERANCE and end - TOLERANCE <= b for a, b in clips), (start, end, clips)
    for boundary in [edge for clip in clips for edge in clip]:
        assert not any(start + TOLERANCE < boundary < end - TOLERANCE for start, end in recording.speech), boundary
    assert all(3.0 <= end - start <= 12.0 for start, end in clips), clips
    assert 2 <= len(clips) < len(recording.speech)  # sentences were joined, and the file was cut


def test_vad_hears_no_speech_in_silence(vad_model):
    import numpy as np

    assert vad_spans(np.zeros(32000 * 3, dtype=np.float32), 32000, vad_model, VadParams(), 3.0, 12.0) == []


def test_a_lone_short_word_between_long_pauses_is_kept(tmp_path, vad_model):
    import librosa

    sentences = ("Мы поехали на дачу в субботу утром.", "Да.", "Завтра будет тёплый и солнечный день.")
    recording = espeak_recording(tmp_path / "yes.wav", pauses=[1.5, 1.5], sentences=sentences)
    audio, sr = librosa.load(recording.path, sr=32000)
    clips = [(start / sr, end / sr) for start, end in vad_spans(audio, sr, vad_model, VadParams(), 3.0, 12.0)]
    start, end = recording.speech[1]
    assert any(a <= start + TOLERANCE and end - TOLERANCE <= b for a, b in clips), (recording.speech, clips)
