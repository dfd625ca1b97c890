"""Synthesis of English and of Russian with English words: routing, the `latin` choice in the
CLI and the UI, and the error for weights whose table has no English phones."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from GPT_SoVITS import synthesize as cli
from GPT_SoVITS.errors import CheckpointError, ConfigError
from GPT_SoVITS.inference import TTS, SynthesisParams
from GPT_SoVITS.text.cleaner import clean_text
from GPT_SoVITS.text.symbols import SymbolTable, get_table
from GPT_SoVITS.webui.settings import parse_settings
from GPT_SoVITS.webui.synthesis import SynthesisForm, synthesize_form
from tests.inference.fixtures import save_tiny_gpt, save_tiny_sovits
from tests.inference.test_cli import REF_TEXT, _args

MIXED = "Я купил iPhone и смотрю YouTube."


@pytest.mark.parametrize("language", ["ru", "auto"])
def test_ru_and_auto_route_latin_words_to_english(tiny_tts, language):
    phones, ids = tiny_tts.phone_ids(MIXED, language)
    assert "AY1" in phones and "ru_k" in phones
    assert phones == clean_text(MIXED, "ru").phones and ids == tiny_tts.table.to_ids(phones)
    translit, _ = tiny_tts.phone_ids(MIXED, language, "translit")
    assert not any(p[:1].isupper() for p in translit)


def test_english_text_is_synthesised(tiny_tts, tiny_voice):
    result = tiny_tts.synthesize(tiny_voice.reference, REF_TEXT, "Hello, world! It costs $5.", language="en",
                                 params=SynthesisParams(seed=3, max_new_tokens=20))
    assert result.audio.size > 0 and result.pieces


def test_the_cli_and_the_ui_pass_the_latin_choice(tiny_voice, tmp_path):
    args = cli.build_parser().parse_args(_args(tiny_voice, tmp_path / "x.wav", "--text", MIXED, "--latin", "translit"))
    assert args.latin == "translit"
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(_args(tiny_voice, tmp_path / "x.wav", "--text", MIXED, "--latin", "pinyin"))
    output = tmp_path / "cli.wav"
    assert cli.main(_args(tiny_voice, output, "--seed", "4", "--text", MIXED, "--latin", "translit")) == 0
    cli_audio, _ = sf.read(output, dtype="int16")
    form = SynthesisForm(
        gpt_path=str(tiny_voice.gpt), sovits_path=str(tiny_voice.sovits), hubert_dir=str(tiny_voice.hubert),
        ref_audio=str(tiny_voice.reference), ref_text=REF_TEXT, ref_lang="ru", text=MIXED, lang="ru", top_k=15,
        top_p=1.0, temperature=1.0, repetition_penalty=1.35, speed=1.0, seed=4, max_new_tokens=30, latin="translit")
    settings = parse_settings(["--root", str(tmp_path), "--allow-dir", str(tiny_voice.gpt.parents[1])], {})
    (_, ui_audio), _ = synthesize_form(settings, form)  # the voice's folder is allowed, as a user would
    assert np.array_equal(ui_audio, cli_audio)


def test_a_bad_latin_parameter_is_refused():
    with pytest.raises(ConfigError, match="latin must be english or translit, got 'greek'"):
        SynthesisParams(latin="greek")


def test_weights_without_english_phones_say_to_choose_translit(tiny_voice, tmp_path):
    ru = get_table("v2+ru")
    no_english = SymbolTable("no-english", tuple(s for s in ru.symbols if not (s[:1].isupper() and s[:2] != "SP")))
    tts = TTS.from_files(save_tiny_gpt(tmp_path / "g.ckpt", table=no_english),
                         save_tiny_sovits(tmp_path / "s.pth", table=no_english), tiny_voice.hubert, device="cpu")
    with pytest.raises(CheckpointError) as caught:
        tts.phone_ids(MIXED, "ru")
    message = str(caught.value)
    assert "no English phone 'AY1'" in message and "--latin translit" in message
    phones, _ = tts.phone_ids(MIXED, "ru", "translit")
    assert phones == clean_text(MIXED, "ru", "translit").phones
