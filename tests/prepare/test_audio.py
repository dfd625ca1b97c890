"""GPT_SoVITS.audio.load_audio: the one loader (mono float32 at the asked rate, clear errors)."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile

from GPT_SoVITS.audio import load_audio
from GPT_SoVITS.errors import DataError


def test_stereo_is_mixed_down_and_resampled(tmp_path):
    t = np.arange(48000) / 48000
    left, right = 0.5 * np.sin(2 * np.pi * 300 * t), np.zeros_like(t)
    soundfile.write(tmp_path / "s.flac", np.stack([left, right], axis=1), 48000)
    audio = load_audio(tmp_path / "s.flac", 32000)
    assert audio.dtype == np.float32 and audio.ndim == 1 and audio.size == 32000
    assert abs(np.abs(audio).max() - 0.25) < 0.01  # mono = mean of the channels


def test_missing_folder_and_garbage_name_the_file(tmp_path):
    with pytest.raises(DataError, match=rf"{tmp_path / 'none.wav'}: audio file not found"):
        load_audio(tmp_path / "none.wav", 32000)
    with pytest.raises(DataError, match=f"^{tmp_path}: a folder, not an audio file; check the wav path"):
        load_audio(tmp_path, 32000)
    (tmp_path / "bad.wav").write_text("RIFF but not really")
    with pytest.raises(DataError, match=rf"{tmp_path / 'bad.wav'}: cannot decode audio"):
        load_audio(tmp_path / "bad.wav", 32000)


def test_undecodable_file_gives_our_message_and_no_librosa_fallback_warning(tmp_path):
    import warnings

    path = tmp_path / "bad.wav"
    path.write_text("RIFF but not really")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # every warning that reaches the filters is recorded
        with pytest.raises(DataError) as error:
            load_audio(path, 32000)
    assert str(error.value) == f"{path}: cannot decode audio (NoBackendError); convert it to WAV/FLAC/MP3/OGG"
    shown = [f"{w.category.__name__}: {w.message}" for w in caught]
    assert not [text for text in shown if "PySoundFile" in text or "audioread" in text or "FutureWarning" in text], shown


def test_a_fifo_is_named_as_such_and_never_opened(tmp_path):
    import os

    fifo = tmp_path / "pipe.wav"
    os.mkfifo(fifo)  # opening it would block forever
    with pytest.raises(DataError, match=f"^{fifo}: a FIFO \\(named pipe\\), not an audio file"):
        load_audio(fifo, 32000)


def test_nan_samples_say_the_file_holds_invalid_samples(tmp_path):
    samples = np.full(16000, 0.1, dtype=np.float32)
    samples[100] = np.nan
    soundfile.write(tmp_path / "nan.wav", samples, 16000, subtype="FLOAT")
    with pytest.raises(DataError) as error:
        load_audio(tmp_path / "nan.wav", 32000)
    assert str(error.value) == (f"{tmp_path / 'nan.wav'}: the file holds invalid samples (NaN or infinite values); "
                                "re-export it from the original recording")
