"""Synthesis with v2Pro/v2ProPlus SoVITS weights: the version is read from the file, the reference's
speaker vector is computed as upstream computes it, and a missing speaker encoder is one clear error."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
import torch

from GPT_SoVITS.audio import load_audio
from GPT_SoVITS.errors import CheckpointError
from GPT_SoVITS.inference import SynthesisParams, TTS, list_weights
from GPT_SoVITS.sv import load_speaker_encoder
from GPT_SoVITS.sv.resample import resample_to_16k
from GPT_SoVITS.synthesize import main as synthesize_main
from tests.inference.fixtures import write_reference
from tests.pro_fixtures import save_tiny_pro_s2g
from tests.sv_fixtures import save_seeded_sv

REF_TEXT = "Это тестовая фраза."


@pytest.fixture(scope="module")
def pro_voice(tmp_path_factory, tiny_voice):
    root = tmp_path_factory.mktemp("pro_voice")
    sv = root / "sv" / "pretrained_eres2netv2w24s4ep4.ckpt"
    save_seeded_sv(sv)
    sovits = save_tiny_pro_s2g(root / "SoVITS_weights_v2ProPlus" / "tiny_e1_s4.pth", "v2ProPlus", export=True)
    return sovits, sv


@pytest.fixture(scope="module")
def pro_tts(pro_voice, tiny_voice):
    sovits, sv = pro_voice
    return TTS.from_files(tiny_voice.gpt, sovits, tiny_voice.hubert, device="cpu", sv_path=sv)


def _decode_spy(tts, monkeypatch) -> list:
    calls = []
    original = tts.sovits.decode_batch

    def spy(codes, texts, refer, generators, **kwargs):  # one reference: the main clip (a list of one, or the tensor)
        sv = kwargs.get("sv_emb")
        calls.append(((refer[0] if isinstance(refer, list) else refer).clone(), sv[0] if isinstance(sv, list) else sv))
        return original(codes, texts, refer, generators, **kwargs)

    monkeypatch.setattr(tts.sovits, "decode_batch", spy)
    return calls


def test_pro_weights_are_recognised_and_use_the_references_speaker_vector(pro_tts, pro_voice, tiny_voice, monkeypatch):
    assert pro_voice[0].read_bytes()[:2] == b"06" and pro_tts.version == "v2ProPlus"
    calls = _decode_spy(pro_tts, monkeypatch)
    result = pro_tts.synthesize(tiny_voice.reference, REF_TEXT, "Привет. Пока.", params=SynthesisParams(seed=3, max_new_tokens=20))
    assert np.isfinite(result.audio).all() and len(result.pieces) == 2 and len(calls) == 2
    assert all(piece.samples == 1280 * piece.tokens for piece in result.pieces)
    # Upstream's recipe, step by step: 32 kHz audio, peak-limited, resampled to 16 kHz, embedded.
    encoder = load_speaker_encoder(pro_voice[1])
    expected = encoder.embed(resample_to_16k(torch.from_numpy(load_audio(tiny_voice.reference, 32000))).unsqueeze(0))
    for _, sv in calls:
        assert sv.shape == (1, 20480) and torch.allclose(sv, expected, atol=1e-6)


def test_a_loud_reference_is_peak_limited_before_its_speaker_vector(pro_tts, pro_voice, tmp_path, monkeypatch):
    loud = tmp_path / "loud.wav"
    audio, rate = sf.read(write_reference(tmp_path / "quiet.wav", rate=32000), dtype="float32")
    sf.write(loud, audio / np.abs(audio).max() * 1.6, rate, subtype="FLOAT")  # a float file peaking at 1.6
    calls = _decode_spy(pro_tts, monkeypatch)
    pro_tts.synthesize(loud, REF_TEXT, "Громко.", params=SynthesisParams(seed=1, max_new_tokens=10))
    encoder = load_speaker_encoder(pro_voice[1])
    limited = torch.from_numpy(load_audio(loud, 32000)) / 1.6
    expected = encoder.embed(resample_to_16k(limited).unsqueeze(0))
    assert torch.allclose(calls[0][1], expected, rtol=1e-4, atol=1e-5)


def test_missing_speaker_encoder_says_where_it_goes(pro_voice, tiny_voice, tmp_path):
    with pytest.raises(CheckpointError) as caught:
        TTS.from_files(tiny_voice.gpt, pro_voice[0], tiny_voice.hubert, device="cpu", sv_path=tmp_path / "none.ckpt")
    message = str(caught.value)
    assert message.startswith("tiny_e1_s4.pth is a v2ProPlus model, which needs the speaker encoder: ")
    assert f"{tmp_path / 'none.ckpt'}: speaker-encoder weights not found" in message
    assert "python tools/download_pretrained.py --only sv" in message and "--sv FILE" in message


def test_cli_takes_pro_weights_with_no_extra_option_but_sv(pro_voice, tiny_voice, tmp_path, capsys):
    out = tmp_path / "pro.wav"
    code = synthesize_main(["--gpt", str(tiny_voice.gpt), "--sovits", str(pro_voice[0]), "--hubert", str(tiny_voice.hubert),
                            "--sv", str(pro_voice[1]), "--ref", str(tiny_voice.reference), "--ref-text", REF_TEXT,
                            "--text", "Добрый день.", "--seed", "5", "--max-new-tokens", "10", "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    audio, rate = sf.read(out)
    assert rate == 32000 and len(audio) > 0
    code = synthesize_main(["--gpt", str(tiny_voice.gpt), "--sovits", str(pro_voice[0]), "--hubert", str(tiny_voice.hubert),
                            "--sv", str(tmp_path / "none.ckpt"), "--ref", str(tiny_voice.reference), "--ref-text", REF_TEXT,
                            "--text", "Добрый день.", "-o", str(tmp_path / "x.wav")])
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]
    assert code == 1 and "Traceback" not in err and last.startswith("error: ") and "needs the speaker encoder" in last


def test_exports_of_every_version_are_listed(tmp_path):
    for folder, name in (("GPT_weights_v2", "a-e1.ckpt"), ("GPT_weights_v2ProPlus", "b-e1.ckpt"),
                         ("SoVITS_weights_v2Pro", "c_e1_s1.pth"), ("SoVITS_weights_v2", "d_e1_s1.pth")):
        (tmp_path / folder).mkdir(exist_ok=True)
        (tmp_path / folder / name).write_bytes(b"x")
    gpt, sovits = list_weights(tmp_path)
    assert [p.name for p in gpt] == ["a-e1.ckpt", "b-e1.ckpt"] and [p.name for p in sovits] == ["d_e1_s1.pth", "c_e1_s1.pth"]


def test_pro_aux_references_average_style_and_speaker_vector(pro_tts, tiny_voice, tmp_path, monkeypatch):
    params = SynthesisParams(seed=0, top_k=1, max_new_tokens=12)
    plain = pro_tts.synthesize(tiny_voice.reference, REF_TEXT, "Слово.", params=params)
    same = pro_tts.synthesize(tiny_voice.reference, REF_TEXT, "Слово.", params=params, aux_refs=[tiny_voice.reference])
    assert np.array_equal(same.audio, plain.audio)  # the mean of one clip's (style + sv) twice is that clip's
    other = write_reference(tmp_path / "other.wav", seconds=5.0, seed=7)
    original = pro_tts.sovits.decode_batch
    seen = []

    def spy(codes, texts, refer, generators, **kwargs):
        seen.append((len(refer), len(kwargs["sv_emb"])))
        return original(codes, texts, refer, generators, **kwargs)

    monkeypatch.setattr(pro_tts.sovits, "decode_batch", spy)
    mixed = pro_tts.synthesize(tiny_voice.reference, REF_TEXT, "Слово.", params=params, aux_refs=[other])
    assert seen == [(2, 2)]  # both spectrograms and both speaker vectors reach the style average
    assert not np.array_equal(mixed.audio, plain.audio)
