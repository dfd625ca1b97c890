"""The silence slicer on noise bursts with known pauses: where it cuts, what it keeps, what it refuses."""

from __future__ import annotations

import numpy as np
import pytest

from GPT_SoVITS.errors import ConfigError
from tests.tools.recordings import noise_signal
from tools.silence_slicer import SilenceParams, silence_spans, silent_runs

SR = 32000
TOLERANCE = 0.020  # s
LAYOUT = [("pause", 0.8), ("speech", 4.2), ("pause", 0.4), ("speech", 4.2), ("pause", 1.5), ("speech", 1.9),
          ("pause", 0.2), ("speech", 2.8), ("pause", 0.35), ("speech", 0.65), ("pause", 1.0)]


def _signal(layout=LAYOUT):
    return noise_signal(layout, SR)


def _seconds(spans):
    return [(start / SR, end / SR) for start, end in spans]


def test_cuts_fall_in_the_pauses_and_keep_upstreams_silence_margins():
    audio, speech = _signal()
    clips = _seconds(silence_spans(audio, SR, SilenceParams()))
    # 0.4 s pause: one cut; 1.5 s pause: 0.5 s kept each side; 0.2 s pause: too short to cut;
    # 0.35 s pause: cut (the clip is past min_length); edges trimmed to 0.5 s of silence.
    assert len(clips) == 4, clips
    assert clips[0][0] == pytest.approx(0.8 - 0.5, abs=TOLERANCE)
    assert 5.0 - TOLERANCE <= clips[0][1] == clips[1][0] <= 5.4 + TOLERANCE
    assert clips[1][1] == pytest.approx(9.6 + 0.5, abs=TOLERANCE)
    assert clips[2][0] == pytest.approx(11.1 - 0.5, abs=TOLERANCE)
    assert 16.0 - TOLERANCE <= clips[2][1] == clips[3][0] <= 16.35 + TOLERANCE
    assert clips[3][1] == pytest.approx(17.0 + 0.5, abs=TOLERANCE)


def test_no_speech_is_lost_and_no_cut_lands_inside_speech():
    audio, speech = _signal()
    clips = _seconds(silence_spans(audio, SR, SilenceParams()))
    for start, end in speech:
        assert any(a <= start + TOLERANCE and end - TOLERANCE <= b for a, b in clips), (start, end, clips)
    for boundary in [edge for clip in clips for edge in clip]:
        assert not any(start + TOLERANCE < boundary < end - TOLERANCE for start, end in speech), boundary


def test_min_length_keeps_a_pause_inside_a_short_clip():
    audio, _ = _signal([("speech", 1.0), ("pause", 0.6), ("speech", 5.0), ("pause", 0.6), ("speech", 1.0)])
    clips = _seconds(silence_spans(audio, SR, SilenceParams()))
    # The first pause comes after only 1 s of clip: no cut there (min_length 4 s).
    assert len(clips) == 2
    assert 6.6 - TOLERANCE <= clips[0][1] <= 7.2 + TOLERANCE


def test_threshold_decides_what_is_silence():
    audio, _ = _signal([("speech", 5.0), ("pause", 0.6), ("speech", 5.0)])
    audio[round(5.0 * SR):round(5.6 * SR)] = 0.01  # -40 dB hum in the pause
    assert len(silence_spans(audio, SR, SilenceParams(threshold=-34))) == 2
    assert len(silence_spans(audio, SR, SilenceParams(threshold=-50))) == 1


def test_silence_only_gives_no_clip():
    assert silence_spans(np.zeros(SR * 3, dtype=np.float32), SR, SilenceParams()) == []


@pytest.mark.parametrize("params, message", [
    (SilenceParams(min_length=200, min_interval=300), "min_length >= min_interval >= hop_size"),
    (SilenceParams(hop_size=0), "hop_size 0"),
    (SilenceParams(max_sil_kept=5), "max_sil_kept 5 ms must be at least hop_size"),
])
def test_impossible_parameters_are_refused_by_name(params, message):
    with pytest.raises(ConfigError, match=message):
        silence_spans(np.zeros(SR, dtype=np.float32), SR, params)


def test_silent_runs():
    mask = np.array([1, 1, 0, 0, 1, 0, 1, 1, 1], dtype=bool)
    assert silent_runs(mask) == [(0, 2), (4, 5), (6, 9)]
