"""`TTS.stream`: mode 1 equals the non-streamed audio exactly, modes 2-3 stay within a measured
bound of it, cancelling stops the stream and frees the voice, bad options name themselves."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from GPT_SoVITS.errors import ConfigError
from GPT_SoVITS.inference import SynthesisParams
from GPT_SoVITS.inference.stream import crossfade

REF_TEXT = "Это тестовая фраза."
TEXT = "Раз, два. Три четыре пять! Шесть семь? Восемь."
# Relative L2 distance of the joined chunks from the non-streamed audio, measured on these tiny
# models: mode 2 0.006, mode 3 0.016 (chunks have their own edges and prior noise); bounds with room.
BOUNDS = {2: 0.03, 3: 0.05}


def _params(**extra):
    return SynthesisParams(seed=3, max_new_tokens=40, **extra)


@pytest.fixture(scope="module")
def whole(tiny_tts, tiny_voice):
    return tiny_tts.synthesize(tiny_voice.reference, REF_TEXT, TEXT, params=_params()).audio


def test_mode_1_chunks_join_to_the_non_streamed_audio_exactly(tiny_tts, tiny_voice, whole):
    chunks = list(tiny_tts.stream(tiny_voice.reference, REF_TEXT, TEXT, params=_params(), mode=1))
    assert len(chunks) == 4 and all(chunk.dtype == np.float32 for chunk in chunks)
    assert np.array_equal(np.concatenate(chunks), whole)
    batched = _params(batch_size=2, split_bucket=False)
    expected = tiny_tts.synthesize(tiny_voice.reference, REF_TEXT, TEXT, params=batched).audio
    assert np.array_equal(np.concatenate(list(tiny_tts.stream(tiny_voice.reference, REF_TEXT, TEXT, params=batched))),
                          expected)


@pytest.mark.parametrize("sovits_batching", [False, True])
def test_mode_1_yields_a_batch_s_first_piece_as_soon_as_it_is_rendered(tiny_tts, tiny_voice, monkeypatch,
                                                                        sovits_batching):
    """GPT batch of 4: one piece at a time (the CPU), the first chunk follows the first render;
    batched (CUDA), it follows the first group's, and every chunk still comes in text order."""
    renders = []
    original = tiny_tts.sovits.decode_batch

    def spy(codes, *args, **kwargs):
        renders.append(len(codes))
        return original(codes, *args, **kwargs)

    monkeypatch.setattr(tiny_tts.sovits, "decode_batch", spy)
    monkeypatch.setattr(tiny_tts, "sovits_batching", sovits_batching)
    params = _params(batch_size=4, split_bucket=False)
    stream = tiny_tts.stream(tiny_voice.reference, REF_TEXT, TEXT, params=params, mode=1)
    first = next(stream)
    assert renders == ([4] if sovits_batching else [1])  # 40 tokens each: one group of 4 when batching
    chunks = [first, *stream]
    expected = tiny_tts.synthesize(tiny_voice.reference, REF_TEXT, TEXT, params=params).audio
    assert np.array_equal(np.concatenate(chunks), expected)


@pytest.mark.parametrize("mode", [2, 3])
def test_modes_2_and_3_stay_near_the_non_streamed_audio(tiny_tts, tiny_voice, whole, mode):
    chunks = list(tiny_tts.stream(tiny_voice.reference, REF_TEXT, TEXT, params=_params(), mode=mode,
                                  min_chunk_length=16, overlap_length=2))
    joined = np.concatenate(chunks)
    assert len(chunks) == 12  # 40 tokens a piece: chunks of 16, 16 and 8 tokens, 4 pieces
    assert len(joined) == len(whole)  # same length at speed 1
    distance = float(np.linalg.norm(joined - whole) / np.linalg.norm(whole))
    assert 0 < distance < BOUNDS[mode], distance


def test_cancel_stops_the_stream_and_releases_the_voice(tiny_tts, tiny_voice):
    cancel = threading.Event()
    got = []
    for chunk in tiny_tts.stream(tiny_voice.reference, REF_TEXT, TEXT, params=_params(), mode=2, cancel=cancel):
        got.append(chunk)
        cancel.set()  # the client went away after the first chunk
    assert len(got) == 1
    assert not tiny_tts.lock.locked()
    abandoned = tiny_tts.stream(tiny_voice.reference, REF_TEXT, TEXT, params=_params(), mode=1)
    next(abandoned)
    abandoned.close()  # a server closes the generator of a dropped request
    assert not tiny_tts.lock.locked()


def test_crossfade_of_equal_signals_is_the_signal():
    signal = np.sin(np.linspace(0, 20, 300)).astype(np.float32)
    assert np.allclose(crossfade(signal[:100], signal[:100]), signal[:100], atol=1e-6)
    assert len(crossfade(signal[:100], signal[:150])) == 150 and len(crossfade(signal[:0], signal[:5])) == 5


@pytest.mark.parametrize("options, message", [
    (dict(mode=4), "mode must be 1, 2 or 3, got 4"),
    (dict(mode=2, min_chunk_length=0), "min_chunk_length must be >= 1, got 0"),
    (dict(mode=2, min_chunk_length=4, overlap_length=4), r"overlap_length must be >= 0 and below min_chunk_length \(4\), got 4"),
])
def test_bad_stream_options_name_themselves(tiny_tts, tiny_voice, options, message):
    with pytest.raises(ConfigError, match=message):  # at the call, before a chunk is asked for
        tiny_tts.stream(tiny_voice.reference, REF_TEXT, TEXT, **options)


def test_bad_text_and_missing_clips_raise_at_the_call(tiny_tts, tiny_voice, tmp_path):
    from GPT_SoVITS.errors import DataError

    with pytest.raises(DataError, match="the text to synthesise is empty"):
        tiny_tts.stream(tiny_voice.reference, REF_TEXT, "  ")
    with pytest.raises(DataError, match="nope.wav: audio file not found"):
        tiny_tts.stream(tiny_voice.reference, REF_TEXT, TEXT, aux_refs=[tmp_path / "nope.wav"])
    assert not tiny_tts.lock.locked()
