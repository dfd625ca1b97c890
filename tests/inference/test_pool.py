"""`ModelPool`: pairs reused by file identity, least recently used dropped, shared HuBERT, one lock
per pair (different voices run at the same time), a reloaded file, bad settings."""

from __future__ import annotations

import os
import threading

import pytest

from GPT_SoVITS.errors import ConfigError, DataError
from GPT_SoVITS.inference import ModelPool, SynthesisParams
from tests.inference.fixtures import save_tiny_gpt, write_reference

REF_TEXT = "Это тестовая фраза."


@pytest.fixture(scope="module")
def second_gpt(tmp_path_factory):
    return save_tiny_gpt(tmp_path_factory.mktemp("gpt2") / "other-e1.ckpt", seed=1)


def test_pairs_are_reused_dropped_lru_and_share_hubert(tiny_voice, second_gpt):
    pool = ModelPool(2, hubert_dir=tiny_voice.hubert, device="cpu")
    first = pool.get(tiny_voice.gpt, tiny_voice.sovits)
    assert pool.get(str(tiny_voice.gpt), tiny_voice.sovits) is first
    second = pool.get(second_gpt, tiny_voice.sovits)
    assert second is not first and second.hubert is first.hubert and len(pool) == 2
    pool.get(tiny_voice.gpt, tiny_voice.sovits)  # first is now the most recent
    small = ModelPool(1, hubert_dir=tiny_voice.hubert, device="cpu")
    a = small.get(tiny_voice.gpt, tiny_voice.sovits)
    small.get(second_gpt, tiny_voice.sovits)
    assert small.loaded() == [(second_gpt, tiny_voice.sovits)]
    assert small.get(tiny_voice.gpt, tiny_voice.sovits) is not a  # dropped, loaded again


def test_a_rewritten_file_loads_again(tiny_voice, tmp_path):
    gpt = save_tiny_gpt(tmp_path / "g-e1.ckpt")
    pool = ModelPool(2, hubert_dir=tiny_voice.hubert, device="cpu")
    first = pool.get(gpt, tiny_voice.sovits)
    stat = gpt.stat()
    os.utime(gpt, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert pool.get(gpt, tiny_voice.sovits) is not first


def test_different_voices_run_concurrently(tiny_voice, second_gpt):
    pool = ModelPool(2, hubert_dir=tiny_voice.hubert, device="cpu")
    busy, other = pool.get(tiny_voice.gpt, tiny_voice.sovits), pool.get(second_gpt, tiny_voice.sovits)
    done = threading.Event()
    with busy.lock:  # a long request holds the first voice
        worker = threading.Thread(target=lambda: (other.synthesize(tiny_voice.reference, REF_TEXT, "Да.",
                                                                   params=SynthesisParams(seed=0, max_new_tokens=12)),
                                                  done.set()))
        worker.start()
        assert done.wait(120), "the second voice waited for the first one's lock"
    worker.join()


def test_reference_cache_keeps_the_last_clips(tiny_voice, tmp_path):
    pool = ModelPool(1, hubert_dir=tiny_voice.hubert, device="cpu", max_references=1)
    tts = pool.get(tiny_voice.gpt, tiny_voice.sovits)
    first = tts.reference(tiny_voice.reference)
    assert tts.reference(tiny_voice.reference) is first
    tts.reference(write_reference(tmp_path / "b.wav", seed=5))
    assert tts.reference(tiny_voice.reference) is not first  # pushed out by the other clip


def test_bad_pool_settings_and_missing_files_are_named(tiny_voice, tmp_path):
    with pytest.raises(ConfigError, match="max_pairs must be >= 1, got 0"):
        ModelPool(0)
    with pytest.raises(ConfigError, match="max_references must be >= 1, got 0"):
        ModelPool(1, max_references=0)
    with pytest.raises(ConfigError, match="cpu_precision must be one of fp32, bf16, int8, got 'fp8'"):
        ModelPool(1, cpu_precision="fp8")
    with pytest.raises(DataError, match="nope.ckpt: GPT weights file not found"):
        ModelPool(1, hubert_dir=tiny_voice.hubert, device="cpu").get(tmp_path / "nope.ckpt", tiny_voice.sovits)
