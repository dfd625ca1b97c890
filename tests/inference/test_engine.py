"""The synthesis engine on tiny models: batch size and bucketing do not change greedy audio,
sampled output is reproducible at a batch size, split methods and aux references reach synthesis."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from GPT_SoVITS.errors import ConfigError
from GPT_SoVITS.inference import SynthesisParams
from GPT_SoVITS.inference.batching import plan_batches
from tests.AR.helpers import FLIP_MARGIN, flip_margin
from tests.inference.fixtures import write_reference

REF_TEXT = "Это тестовая фраза."
TEXT = ("Раз, два. Три четыре пять! Шесть, семь, восемь? Девять. Десять, одиннадцать. "
        "Двенадцать тринадцать четырнадцать пятнадцать.")
GREEDY = dict(seed=3, top_k=1, max_new_tokens=24)


def relative_l2(a: np.ndarray, b: np.ndarray) -> float:
    assert a.shape == b.shape
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


@pytest.fixture(scope="module")
def one_by_one(tiny_tts, tiny_voice):
    return tiny_tts.synthesize(tiny_voice.reference, REF_TEXT, TEXT, params=SynthesisParams(**GREEDY))


@pytest.mark.parametrize("batch_size, bucket, sovits_batching", [
    (2, True, False), (2, False, False), (4, True, False), (4, False, False), (8, True, False), (8, False, False),
    (4, True, True), (8, False, True)])  # True: SoVITS renders each GPT batch as padded batches, as on CUDA
def test_greedy_audio_equals_one_piece_at_a_time(tiny_tts, tiny_voice, one_by_one, batch_size, bucket,
                                                 sovits_batching, monkeypatch):
    monkeypatch.setattr(tiny_tts, "sovits_batching", sovits_batching)
    params = SynthesisParams(**GREEDY, batch_size=batch_size, split_bucket=bucket)
    result = tiny_tts.synthesize(tiny_voice.reference, REF_TEXT, TEXT, params=params)
    assert [p.text for p in result.pieces] == [p.text for p in one_by_one.pieces]  # text order
    prompt = tiny_tts.reference(tiny_voice.reference).prompt.cpu()
    ref_ids = tiny_tts.phone_ids(REF_TEXT + "", "ru")[1]
    for index, (alone, batched) in enumerate(zip(one_by_one.pieces, result.pieces)):
        if alone.codes != batched.codes:  # allowed only at a float-noise tie; report its margin
            position = next(i for i, (a, b) in enumerate(zip(alone.codes, batched.codes)) if a != b)
            phones = torch.tensor(ref_ids + tiny_tts.phone_ids(alone.text, "ru")[1])
            margin = flip_margin(tiny_tts.gpt, phones, prompt, list(alone.codes), position)
            assert margin < FLIP_MARGIN, f"piece {index} token {position} flipped at a top-2 margin of {margin:.2e}"
            return
    assert relative_l2(result.audio, one_by_one.audio) < 1e-5


def test_several_batches_really_ran(tiny_tts, tiny_voice, monkeypatch):
    from GPT_SoVITS.inference import tts as tts_module

    sizes = []
    original = tts_module.decode_steps

    def spy(model, phones, *args, **kwargs):
        sizes.append(len(phones))
        return original(model, phones, *args, **kwargs)

    renders = []
    original_render = tiny_tts.sovits.decode_batch

    def render_spy(codes, texts, *args, **kwargs):
        renders.append(sorted(len(c) for c in codes))
        return original_render(codes, texts, *args, **kwargs)

    assert not tiny_tts.sovits_batching  # on the CPU SoVITS batching only adds padding work
    monkeypatch.setattr(tts_module, "decode_steps", spy)
    monkeypatch.setattr(tiny_tts.sovits, "decode_batch", render_spy)
    monkeypatch.setattr(tiny_tts, "sovits_batching", True)  # what CUDA does
    tiny_tts.synthesize(tiny_voice.reference, REF_TEXT, TEXT, params=SynthesisParams(**GREEDY, batch_size=4,
                                                                                     split_bucket=False))
    assert sizes == [4, 2]
    # SoVITS renders each GPT batch's pieces together, split where token counts differ by > 25 %.
    assert sum(len(r) for r in renders) == 6 and len(renders) >= 2 and max(len(r) for r in renders) > 1
    assert all(r[0] >= 0.75 * r[-1] for r in renders)
    sizes.clear()
    renders.clear()
    tiny_tts.synthesize(tiny_voice.reference, REF_TEXT, TEXT,
                        params=SynthesisParams(**GREEDY, batch_size=4, parallel_infer=False))
    assert sizes == [1] * 6 and [len(r) for r in renders] == [1] * 6


def test_sampled_output_is_reproducible_at_a_batch_size(tiny_tts, tiny_voice):
    def run(seed, batch_size):
        params = SynthesisParams(seed=seed, max_new_tokens=20, batch_size=batch_size)
        return tiny_tts.synthesize(tiny_voice.reference, REF_TEXT, TEXT, params=params)

    first, again = run(9, 4), run(9, 4)
    assert np.array_equal(first.audio, again.audio)
    assert [p.codes for p in first.pieces] != [p.codes for p in run(10, 4).pieces]


def test_split_method_decides_the_pieces(tiny_tts, tiny_voice):
    def pieces(method):
        params = SynthesisParams(**GREEDY, text_split_method=method)
        return [p.text for p in tiny_tts.synthesize(tiny_voice.reference, REF_TEXT, "Раз, два. Три!", params=params).pieces]

    assert pieces("cut0") == ["Раз, два. Три!"]
    assert pieces("cut3") == ["Раз, два.", "Три!"]
    assert pieces("cut4") == ["Раз, два.", "Три!"]
    assert pieces("cut5") == ["Раз,", "два.", "Три!"]


def test_fragment_interval_is_the_pause_between_pieces(tiny_tts, tiny_voice):
    params = SynthesisParams(**GREEDY, fragment_interval=0.5)
    result = tiny_tts.synthesize(tiny_voice.reference, REF_TEXT, "Раз. Два.", params=params)
    first = result.pieces[0].samples
    assert len(result.audio) == sum(p.samples for p in result.pieces) + 16000
    assert not result.audio[first:first + 16000].any() and params.pause_seconds == 0.5


def test_aux_references_average_the_timbre(tiny_tts, tiny_voice, tmp_path):
    plain = tiny_tts.synthesize(tiny_voice.reference, REF_TEXT, "Слово.", params=SynthesisParams(**GREEDY))
    same = tiny_tts.synthesize(tiny_voice.reference, REF_TEXT, "Слово.", params=SynthesisParams(**GREEDY),
                               aux_refs=[tiny_voice.reference])
    other = write_reference(tmp_path / "other.wav", seconds=5.0, seed=4)
    mixed = tiny_tts.synthesize(tiny_voice.reference, REF_TEXT, "Слово.", params=SynthesisParams(**GREEDY),
                                aux_refs=[other])
    assert np.array_equal(same.audio, plain.audio)  # the mean of one clip twice is that clip
    assert mixed.pieces[0].codes == plain.pieces[0].codes  # the prompt comes from the main clip only
    assert not np.array_equal(mixed.audio, plain.audio)  # the timbre moved towards the other clip


def test_plan_batches_buckets_by_length_and_covers_every_piece():
    assert plan_batches([10, 40, 12, 38], 4) == [[0, 2], [3, 1]]
    assert plan_batches([10, 40, 12, 38], 4, threshold=0.2) == [[0, 2, 3, 1]]
    assert plan_batches([10, 40, 12, 38], 2, split_bucket=False) == [[0, 1], [2, 3]]
    assert plan_batches([5] * 5, 2) == [[0, 1], [2, 3], [4]]
    with pytest.raises(ValueError, match="batch_size must be >= 1, got 0"):
        plan_batches([1], 0)


@pytest.mark.parametrize("field, value, message", [
    ("batch_size", 0, "batch_size must be >= 1, got 0"),
    ("batch_threshold", 0.0, r"batch_threshold must be in \(0, 1\], got 0.0"),
    ("batch_threshold", 1.5, r"batch_threshold must be in \(0, 1\], got 1.5"),
    ("text_split_method", "cut9", "text_split_method must be one of cut0, cut1, cut2, cut3, cut4, cut5, got 'cut9'"),
    ("fragment_interval", -0.1, "fragment_interval must be >= 0, got -0.1"),
])
def test_bad_batching_parameters_name_the_field(field, value, message):
    with pytest.raises(ConfigError, match=message):
        SynthesisParams(**{field: value})
