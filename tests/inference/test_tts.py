"""Synthesis API on tiny random models: lengths, seeds, the Russian frontend, bad inputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from GPT_SoVITS.errors import CheckpointError, ConfigError, DataError
from GPT_SoVITS.inference import SynthesisParams, TTS
from GPT_SoVITS.text.cleaner import clean_text
from tests.inference.fixtures import save_tiny_gpt, save_tiny_sovits, write_reference

REF_TEXT = "Это тестовая фраза."
SAMPLES_PER_TOKEN = 1280  # one 25 Hz token = two 50 Hz frames of 640 samples at 32 kHz
FAST = dict(max_new_tokens=30)


def test_audio_length_follows_generated_tokens_pieces_and_pauses(tiny_tts, tiny_voice):
    params = SynthesisParams(seed=1, fragment_interval=0.25, **FAST)
    result = tiny_tts.synthesize(tiny_voice.reference, REF_TEXT, "Привет, мир! Как дела? Всё хорошо.", params=params)
    assert result.sample_rate == 32000
    assert result.audio.dtype == np.float32 and np.isfinite(result.audio).all()
    assert [piece.text for piece in result.pieces] == ["Привет, мир!", "Как дела?", "Всё хорошо."]
    for piece in result.pieces:
        assert 1 <= piece.tokens <= 30
        assert piece.samples == SAMPLES_PER_TOKEN * piece.tokens
    assert len(result.audio) == SAMPLES_PER_TOKEN * result.tokens + 2 * 8000
    assert np.all(result.audio[result.pieces[0].samples:][:8000] == 0)  # the pause
    assert result.timings.gpt > 0 and result.timings.sovits > 0 and result.real_time_factor > 0


def test_speed_changes_the_rendered_length(tiny_tts, tiny_voice):
    result = tiny_tts.synthesize(tiny_voice.reference, REF_TEXT, "Быстрее.", params=SynthesisParams(seed=2, speed=1.6, **FAST))
    (piece,) = result.pieces
    assert piece.samples == 640 * (int(2 * piece.tokens / 1.6) + 1)  # upstream's frame count at speed != 1


def test_same_seed_same_audio_other_seed_other_audio(tiny_tts, tiny_voice):
    def run(seed):
        return tiny_tts.synthesize(tiny_voice.reference, REF_TEXT, "Раз. Два.", params=SynthesisParams(seed=seed, **FAST))

    first, again, other = run(7), run(7), run(8)
    assert first.seed == 7
    assert np.array_equal(first.audio, again.audio)
    assert not np.array_equal(first.audio[: len(other.audio)], other.audio[: len(first.audio)])


def test_no_seed_draws_one_that_reproduces(tiny_tts, tiny_voice):
    first = tiny_tts.synthesize(tiny_voice.reference, REF_TEXT, "Слово.", params=SynthesisParams(**FAST))
    again = tiny_tts.synthesize(tiny_voice.reference, REF_TEXT, "Слово.", params=SynthesisParams(seed=first.seed, **FAST))
    assert np.array_equal(first.audio, again.audio)


def _spy_on_gpt(tts, monkeypatch) -> list:
    """(phones [1, N], bert [1, 1024, N], prompt [1, P]) of every piece the GPT decodes."""
    from GPT_SoVITS.inference import tts as tts_module

    calls = []
    original = tts_module.decode_steps

    def spy(model, phones, berts, prompt, *args, **kwargs):
        calls.extend((row.unsqueeze(0).clone(), bert.unsqueeze(0).clone(), prompt.clone()) for row, bert in zip(phones, berts))
        return original(model, phones, berts, prompt, *args, **kwargs)

    monkeypatch.setattr(tts_module, "decode_steps", spy)
    return calls


def test_russian_text_with_numbers_and_stress_marks_reaches_the_gpt(tiny_tts, tiny_voice, monkeypatch):
    calls = _spy_on_gpt(tiny_tts, monkeypatch)
    params = SynthesisParams(seed=3, **FAST)
    text_a = "В 2024 году он купил з+амок."
    tiny_tts.synthesize(tiny_voice.reference, REF_TEXT, text_a, params=params)
    tiny_tts.synthesize(tiny_voice.reference, REF_TEXT, "В две тысячи двадцать четвёртом году он купил зам+ок.", params=params)
    table = tiny_tts.table
    ref_ids = table.to_ids(clean_text(REF_TEXT, "ru").phones)
    (phones_a, bert_a, prompt_a), (phones_b, _, _) = calls
    assert phones_a[0, : len(ref_ids)].tolist() == ref_ids  # reference phones come first
    target_a = [table.symbols[i] for i in phones_a[0, len(ref_ids):].tolist()]
    target_b = [table.symbols[i] for i in phones_b[0, len(ref_ids):].tolist()]
    assert target_a == clean_text(text_a, "ru").phones
    # the number is read out: "2024" and its words give the same phones up to the last word
    assert target_a[:-6] == target_b[:-6]
    # user stress: з+амок is /'zamək/ (stressed a), зам+ок is /zɐ'mok/ (stressed o)
    assert target_a[-6:] == ["ru_z", "ru_a1", "ru_m", "ru_ax", "ru_k", "."]
    assert target_b[-6:] == ["ru_z", "ru_ah", "ru_m", "ru_o1", "ru_k", "."]
    assert bert_a.shape == (1, 1024, phones_a.shape[1]) and not bert_a.any()  # zeros for non-Chinese
    assert prompt_a.shape[0] == 1 and prompt_a.shape[1] > 0 and int(prompt_a.max()) < 1024


def test_prompt_has_25_tokens_per_second_of_reference_plus_tail(tiny_tts, tiny_voice):
    reference = tiny_tts.reference(tiny_voice.reference)
    assert reference.seconds == pytest.approx(4.0, abs=1e-3)
    # 4 s + upstream's tail of 9600 zero samples (0.3 s at 32 kHz, appended at 16 kHz: 0.6 s)
    ssl_frames = (4 * 16000 + 9600 - 400) // 320 + 1
    assert reference.prompt.shape == (1, ssl_frames // 2)
    assert reference.spec.shape[:2] == (1, 1025)
    assert tiny_tts.reference(tiny_voice.reference) is reference  # cached while the file is unchanged


def test_espeak_reference_clip_works(tiny_tts, tmp_path):
    from tests.prepare.audio_fixtures import write_speech

    text = "Это тестовая фраза для проверки синтеза речи, она длится несколько секунд."
    clip = write_speech(tmp_path / "espeak.wav", text)
    result = tiny_tts.synthesize(clip, text, "Проверка.", params=SynthesisParams(seed=0, **FAST))
    assert len(result.audio) == SAMPLES_PER_TOKEN * result.tokens


@pytest.mark.parametrize("seconds, shown", [(2.0, "2.00 s"), (11.0, "11.00 s")])
def test_reference_out_of_range_is_a_clear_error(tiny_tts, tmp_path, seconds, shown):
    clip = write_reference(tmp_path / "clip.wav", seconds=seconds)
    with pytest.raises(DataError) as caught:
        tiny_tts.synthesize(clip, REF_TEXT, "Текст.", params=SynthesisParams(seed=0, **FAST))
    message = str(caught.value)
    assert "clip.wav" in message and shown in message and "3-10 s" in message


def test_missing_reference_file_names_it(tiny_tts, tmp_path):
    with pytest.raises(DataError, match="nope.wav: audio file not found"):
        tiny_tts.synthesize(tmp_path / "nope.wav", REF_TEXT, "Текст.")


@pytest.mark.parametrize("text, expected", [
    ("", "the text to synthesise is empty"),
    ("   \n", "the text to synthesise is empty"),
    ("... !", "nothing to pronounce"),
])
def test_empty_text_is_a_clear_error(tiny_tts, tiny_voice, text, expected):
    with pytest.raises(DataError, match=expected):
        tiny_tts.synthesize(tiny_voice.reference, REF_TEXT, text)


def test_empty_reference_text_is_a_clear_error(tiny_tts, tiny_voice):
    with pytest.raises(DataError, match="reference text is empty"):
        tiny_tts.synthesize(tiny_voice.reference, " ", "Текст.")


def test_unsupported_language_is_named(tiny_tts, tiny_voice):
    from GPT_SoVITS.errors import UnsupportedLanguageError

    with pytest.raises(UnsupportedLanguageError, match="'de'.*supported: .*ru"):
        tiny_tts.synthesize(tiny_voice.reference, REF_TEXT, "Hallo.", language="de")


@pytest.mark.parametrize("field, value", [("top_k", 0), ("top_p", 1.5), ("temperature", 0), ("speed", 0), ("max_new_tokens", 0)])
def test_bad_parameters_are_rejected_by_name(field, value):
    with pytest.raises(ConfigError, match=field):
        SynthesisParams(**{field: value})


def test_gpt_and_sovits_with_different_tables_are_refused(tiny_voice, tmp_path):
    sovits_v2 = save_tiny_sovits(tmp_path / "v2.pth", table="v2", store_symbols=False)
    with pytest.raises(CheckpointError) as caught:
        TTS.from_files(tiny_voice.gpt, sovits_v2, tiny_voice.hubert, device="cpu")
    message = str(caught.value)
    assert "tiny-e1.ckpt" in message and "'v2+ru'" in message and "v2.pth" in message and "'v2'" in message


def test_upstream_format_v2_weights_load_but_refuse_russian(tiny_voice, tmp_path):
    """Files without `symbols` and 732 rows (like the public pretrained ones) are table v2."""
    gpt = save_tiny_gpt(tmp_path / "s1.ckpt", table="v2", store_symbols=False)
    sovits = save_tiny_sovits(tmp_path / "s2G.pth", table="v2", store_symbols=False)
    tts = TTS.from_files(gpt, sovits, tiny_voice.hubert, device="cpu")
    assert tts.table.name == "v2" and len(tts.table) == 732
    with pytest.raises(CheckpointError) as caught:
        tts.synthesize(tiny_voice.reference, REF_TEXT, "Привет.")
    message = str(caught.value)
    assert "'v2'" in message and "not trained for this language" in message and "ru_" in message


def test_swapped_files_say_which_goes_where(tiny_voice):
    with pytest.raises(CheckpointError, match="expected GPT \\(s1\\) weights but this is an s2G checkpoint"):
        TTS.from_files(tiny_voice.sovits, tiny_voice.gpt, tiny_voice.hubert, device="cpu")


def test_missing_hubert_folder_says_where_to_put_it(tiny_voice, tmp_path):
    with pytest.raises(CheckpointError, match="chinese-hubert-base"):
        TTS.from_files(tiny_voice.gpt, tiny_voice.sovits, tmp_path / "absent", device="cpu")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_half_precision_on_cuda_gives_finite_audio_of_the_right_length(tiny_voice):
    tts = TTS.from_files(tiny_voice.gpt, tiny_voice.sovits, tiny_voice.hubert, device="cuda", half=True)
    assert tts.dtype == torch.float16
    result = tts.synthesize(tiny_voice.reference, REF_TEXT, "Проверка.", params=SynthesisParams(seed=0, **FAST))
    assert np.isfinite(result.audio).all() and len(result.audio) == SAMPLES_PER_TOKEN * result.tokens


def test_half_is_ignored_on_cpu(tiny_voice):
    tts = TTS.from_files(tiny_voice.gpt, tiny_voice.sovits, tiny_voice.hubert, device="cpu", half=True)
    assert tts.dtype == torch.float32
