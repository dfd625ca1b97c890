"""`cpu_precision`: the GPT in bf16 or with dynamic int8 linear layers on the CPU still synthesises,
fp32 stays untouched, and an unknown name is refused."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from GPT_SoVITS.errors import ConfigError
from GPT_SoVITS.inference import SynthesisParams, TTS
from GPT_SoVITS.inference.precision import convert_gpt
from GPT_SoVITS.inference.loading import load_gpt


def test_conversions_change_what_they_say(tiny_voice):
    model = load_gpt(tiny_voice.gpt).model
    assert convert_gpt(model, "fp32") is model
    quantised = convert_gpt(load_gpt(tiny_voice.gpt).model, "int8")
    kinds = {name: type(module).__name__ for name, module in quantised.named_modules()}
    assert "quantized" in type(quantised.h.layers[0].linear1).__module__
    assert "quantized" in type(quantised.ar_predict_layer).__module__
    assert kinds["bert_proj"] == "Linear" and quantised.bert_proj.weight.dtype == torch.float32
    assert next(convert_gpt(load_gpt(tiny_voice.gpt).model, "bf16").parameters()).dtype == torch.bfloat16


@pytest.mark.parametrize("precision", ["bf16", "int8"])
def test_synthesis_runs_with_each_cpu_precision(tiny_voice, precision):
    tts = TTS.from_files(tiny_voice.gpt, tiny_voice.sovits, tiny_voice.hubert, device="cpu", cpu_precision=precision)
    result = tts.synthesize(tiny_voice.reference, "Это тест.", "Раз. Два.",
                            params=SynthesisParams(seed=0, max_new_tokens=15, batch_size=2))
    assert np.isfinite(result.audio).all() and result.tokens > 0 and len(result.pieces) == 2


def test_unknown_precision_is_refused(tiny_voice):
    with pytest.raises(ConfigError, match="cpu_precision must be one of fp32, bf16, int8, got 'int4'"):
        TTS.from_files(tiny_voice.gpt, tiny_voice.sovits, tiny_voice.hubert, device="cpu", cpu_precision="int4")
