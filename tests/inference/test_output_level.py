"""Same audio from the web UI and the CLI: int16 at the model's level, peak normalisation only on request."""

from __future__ import annotations

import numpy as np
import soundfile as sf

from GPT_SoVITS import synthesize as cli
from GPT_SoVITS.inference.output import normalize_peak, output_pcm16, to_pcm16
from GPT_SoVITS.webui.settings import parse_settings
from GPT_SoVITS.webui.synthesis import SynthesisForm, synthesize_form
from tests.inference.test_cli import REF_TEXT, _args

TEXT = "Добрый вечер! Как прошёл ваш день?"
MINUS_ONE_DBFS = 10 ** (-1 / 20)


def test_pcm16_keeps_the_level_and_normalisation_sets_the_peak():
    quiet = np.array([0.0, 0.02, -0.035, 0.01], dtype=np.float32)
    assert to_pcm16(quiet).tolist() == [0, 655, -1147, 328]  # round(x * 32767), no scaling
    assert output_pcm16(quiet).tolist() == to_pcm16(quiet).tolist()
    assert to_pcm16(np.array([1.5, -2.0], dtype=np.float32)).tolist() == [32767, -32767]  # clipped
    assert abs(float(np.abs(normalize_peak(quiet)).max()) - MINUS_ONE_DBFS) < 1e-6
    assert int(np.abs(output_pcm16(quiet, normalize=True)).max()) == round(MINUS_ONE_DBFS * 32767)
    silence = np.zeros(8, dtype=np.float32)
    assert not output_pcm16(silence, normalize=True).any()


def _form(voice, seed: int, normalize: bool) -> SynthesisForm:
    return SynthesisForm(
        gpt_path=str(voice.gpt), sovits_path=str(voice.sovits), hubert_dir=str(voice.hubert),
        ref_audio=str(voice.reference), ref_text=REF_TEXT, ref_lang="ru", text=TEXT, lang="ru", top_k=15, top_p=1.0,
        temperature=1.0, repetition_penalty=1.35, speed=1.0, seed=seed, max_new_tokens=30, normalize=normalize)


def test_ui_audio_equals_the_cli_wav_with_and_without_normalisation(tiny_voice, tmp_path):
    settings = parse_settings(["--root", str(tmp_path), "--allow-dir", str(tiny_voice.gpt.parents[1])], {})
    for normalize in (False, True):
        (rate, ui_audio), status = synthesize_form(settings, _form(tiny_voice, 9, normalize))
        output = tmp_path / f"cli-{normalize}.wav"
        flags = ["--seed", "9", "--text", TEXT] + (["--normalize"] if normalize else [])
        assert cli.main(_args(tiny_voice, output, *flags)) == 0
        cli_audio, cli_rate = sf.read(output, dtype="int16")
        assert ui_audio.dtype == np.int16 and (rate, len(ui_audio)) == (cli_rate, len(cli_audio)), status
        assert np.array_equal(ui_audio, cli_audio)
        peak = int(np.abs(ui_audio).max())
        if normalize:
            assert peak == round(MINUS_ONE_DBFS * 32767)
        else:  # the tiny model's own level, far from full scale: no hidden normalisation anywhere
            assert 0 < peak < 0.5 * 32767, peak
