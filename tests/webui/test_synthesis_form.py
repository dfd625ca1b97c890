"""The synthesis tab's form reaches the engine: batch size and split method become
`SynthesisParams`, a bad batch size is refused in the form's words."""

from __future__ import annotations

import numpy as np
import pytest

from GPT_SoVITS.i18n import UiError
from GPT_SoVITS.webui.settings import UiSettings
from GPT_SoVITS.webui.synthesis import SynthesisForm, synthesize_form
from tests.feature_extractor.tiny_hubert import tiny_hubert
from tests.inference.fixtures import save_tiny_gpt, save_tiny_sovits, write_reference


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("ui_tts")
    gpt = save_tiny_gpt(root / "GPT_weights_v2" / "v-e1.ckpt")
    sovits = save_tiny_sovits(root / "SoVITS_weights_v2" / "v_e1_s1.pth")
    tiny_hubert(seed=0).save_pretrained(root / "hubert")
    reference = write_reference(root / "ref.wav")
    settings = UiSettings(root=root, s2_config=root / "s2.json", s1_config=root / "s1.yaml")
    return settings, gpt, sovits, root / "hubert", reference


def _form(project, **extra) -> SynthesisForm:
    _, gpt, sovits, hubert, reference = project
    values = dict(gpt_path=str(gpt), sovits_path=str(sovits), hubert_dir=str(hubert), ref_audio=str(reference),
                  ref_text="Это тест.", ref_lang="ru", text="Раз, два. Три!", lang="ru", top_k=1, top_p=1.0,
                  temperature=1.0, repetition_penalty=1.35, speed=1.0, seed=3, max_new_tokens=12)
    return SynthesisForm(**{**values, **extra})


def test_batch_size_and_split_method_reach_the_engine(project):
    settings = project[0]
    (rate, audio), status = synthesize_form(settings, _form(project, batch_size=2, split_method="cut5"))
    assert rate == 32000 and audio.dtype == np.int16 and audio.size > 0
    assert "3 piece(s)" in status  # cut5: "Раз," "два." "Три!"
    (_, alone), _ = synthesize_form(settings, _form(project, batch_size=1, split_method="cut5"))
    assert np.array_equal(alone, audio)  # greedy: the batch size does not change the audio
    _, status = synthesize_form(settings, _form(project))
    assert "2 piece(s)" in status  # the default, cut3: at sentence ends


def test_a_batch_size_below_one_is_refused(project):
    with pytest.raises(UiError) as caught:
        synthesize_form(project[0], _form(project, batch_size=0))
    assert "batch_size" in str(caught.value)
