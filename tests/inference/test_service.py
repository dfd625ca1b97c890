"""What the web UI uses: listing exported weights, the cached loader and one-call synthesis."""

from __future__ import annotations

import os

import numpy as np

from GPT_SoVITS.inference import SynthesisParams, list_weights
from GPT_SoVITS.inference import service


def test_list_weights_finds_exports_sorted(tmp_path):
    (tmp_path / "GPT_weights_v2").mkdir()
    (tmp_path / "SoVITS_weights_v2").mkdir()
    for name in ("b-e2.ckpt", "a-e1.ckpt", "notes.txt"):
        (tmp_path / "GPT_weights_v2" / name).write_bytes(b"x")
    (tmp_path / "SoVITS_weights_v2" / "a_e1_s10.pth").write_bytes(b"x")
    gpt, sovits = list_weights(tmp_path)
    assert [p.name for p in gpt] == ["a-e1.ckpt", "b-e2.ckpt"]
    assert [p.name for p in sovits] == ["a_e1_s10.pth"]


def test_list_weights_without_folders_is_empty(tmp_path):
    assert list_weights(tmp_path) == ([], [])


def test_cached_loader_reuses_the_pair_until_a_file_changes(tiny_voice):
    service.clear_cache()
    first = service.get_tts(tiny_voice.gpt, tiny_voice.sovits, tiny_voice.hubert, device="cpu")
    assert service.get_tts(tiny_voice.gpt, tiny_voice.sovits, tiny_voice.hubert, device="cpu") is first
    stat = tiny_voice.gpt.stat()
    os.utime(tiny_voice.gpt, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # "re-exported"
    assert service.get_tts(tiny_voice.gpt, tiny_voice.sovits, tiny_voice.hubert, device="cpu") is not first
    service.clear_cache()


def test_synthesize_returns_rate_and_float_audio(tiny_voice):
    rate, audio = service.synthesize(
        tiny_voice.gpt, tiny_voice.sovits, tiny_voice.reference, "Это тестовая фраза.", "Привет.",
        params=SynthesisParams(seed=4, max_new_tokens=20), hubert_dir=tiny_voice.hubert, device="cpu",
    )
    assert rate == 32000 and audio.dtype == np.float32 and audio.ndim == 1
    assert len(audio) % 1280 == 0 and 0 < len(audio) <= 20 * 1280
    service.clear_cache()
