"""Stage 2: the scaling recipe reaches HuBERT and the wav, resume, bad audio, the loader, the shim."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from types import SimpleNamespace

import librosa
import numpy as np
import pytest
import soundfile
import torch

from GPT_SoVITS.errors import DataError
from GPT_SoVITS.data_files.failures import failures_path
from GPT_SoVITS.prepare.ssl_stage import iter_prepared, run_ssl_stage
from GPT_SoVITS.prepare.stage_env import StageEnv
from tests.conftest import REPO_ROOT
from tests.feature_extractor.tiny_hubert import save_legacy_folder, tiny_hubert
from tests.prepare.audio_fixtures import write_noise, write_speech, write_tone


@pytest.fixture(scope="module")
def hubert():
    return tiny_hubert(seed=7)


def _env(tmp_path, names, wav_dir="wavs", **extra) -> StageEnv:
    list_path = tmp_path / "data.list"
    list_path.write_text("".join(f"/elsewhere/{name}|spk|ru|текст\n" for name in names), encoding="utf-8")
    return StageEnv.from_environ({"inp_text": str(list_path), "inp_wav_dir": str(tmp_path / wav_dir),
                                  "opt_dir": str(tmp_path / "exp"), **extra})


def _recipe(path):
    """Upstream's stage-2 recipe, written out independently of the implementation."""
    audio, _ = librosa.load(path, sr=32000, mono=True)
    peak = np.abs(audio).max()
    wav = (audio / peak * (0.95 * 0.5 * 32768) + 0.5 * 32768 * audio).astype(np.int16)
    ssl = librosa.resample(audio / peak * (0.95 * 0.5 * 1145.14) + 0.5 * 1145.14 * audio, orig_sr=32000, target_sr=16000)
    return wav, ssl


def test_outputs_follow_the_recipe(tmp_path, hubert):
    wavs = tmp_path / "wavs"
    wavs.mkdir()
    write_tone(wavs / "tone.wav", seconds=1.3, sr=44100, amplitude=0.4)
    write_speech(wavs / "speech.wav")
    write_noise(wavs / "noise.wav", seconds=0.7, sr=16000)
    captured = {}
    hook = hubert.register_forward_pre_hook(lambda module, args: captured.setdefault(len(captured), args[0].clone()))
    try:
        summary = run_ssl_stage(_env(tmp_path, ["tone.wav", "speech.wav", "noise.wav"]), model=hubert)
    finally:
        hook.remove()
    assert (summary.done, summary.failed) == (3, 0)
    for index, name in enumerate(["tone.wav", "speech.wav", "noise.wav"]):
        wav, ssl = _recipe(wavs / name)
        assert torch.allclose(captured[index], torch.from_numpy(ssl).unsqueeze(0), atol=1e-5)
        saved, sr = soundfile.read(tmp_path / "exp" / "5-wav32k" / name, dtype="int16")
        assert sr == 32000 and saved.ndim == 1 and np.array_equal(saved, wav)
        features = torch.load(tmp_path / "exp" / "4-cnhubert" / f"{name}.pt", weights_only=True)
        frames = (len(ssl) - 400) // 320 + 1
        assert features.shape == (1, 768, frames) and features.dtype == torch.float32
        assert abs(frames - 50 * len(wav) / 32000) <= 1.5  # 50 frames/s
        with torch.no_grad():
            expected = hubert(torch.from_numpy(ssl).float().unsqueeze(0)).last_hidden_state.transpose(1, 2)
        assert torch.allclose(features, expected, atol=1e-5)


def test_resume_skips_finished_utterances(tmp_path, hubert):
    wavs = tmp_path / "wavs"
    wavs.mkdir()
    names = [write_tone(wavs / f"t{i}.wav", seconds=0.5, frequency=200 + 50 * i).name for i in range(3)]
    env = _env(tmp_path, names)
    assert run_ssl_stage(env, model=hubert).done == 3
    outputs = tmp_path / "exp" / "4-cnhubert"
    stamps = {name: (outputs / f"{name}.pt").stat().st_mtime_ns for name in names}
    (outputs / "t1.wav.pt").unlink()
    summary = run_ssl_stage(env, model=hubert)
    assert (summary.done, summary.skipped) == (1, 2)
    assert (outputs / "t1.wav.pt").exists()
    assert all((outputs / f"{name}.pt").stat().st_mtime_ns == stamps[name] for name in ("t0.wav", "t2.wav"))
    # Nothing left to do: the model is not even needed.
    assert run_ssl_stage(env, model=None).skipped == 3


def test_bad_audio_is_reported_and_the_rest_goes_on(tmp_path, hubert):
    wavs = tmp_path / "wavs"
    wavs.mkdir()
    write_tone(wavs / "good.wav", seconds=0.6)
    (wavs / "garbage.wav").write_bytes(b"this is not audio at all" * 10)
    soundfile.write(wavs / "empty.wav", np.zeros(0), 32000, subtype="PCM_16")
    soundfile.write(wavs / "silent.wav", np.zeros(16000), 32000, subtype="PCM_16")
    write_tone(wavs / "loud.wav", seconds=0.5, amplitude=3.0, subtype="FLOAT")
    write_tone(wavs / "click.wav", seconds=0.01, sr=32000)
    write_tone(wavs / "blip.wav", seconds=0.05, sr=32000)  # long enough for HuBERT, too short to train on
    names = ["missing.wav", "garbage.wav", "empty.wav", "silent.wav", "loud.wav", "click.wav", "blip.wav", "good.wav"]
    env = _env(tmp_path, names)
    summary = run_ssl_stage(env, model=hubert)
    assert summary.done == 1 and (tmp_path / "exp" / "4-cnhubert" / "good.wav.pt").exists()
    reasons = dict(summary.failures)
    assert set(reasons) == set(names) - {"good.wav"}
    for line, name in enumerate(names[:-1], start=1):
        assert reasons[name].startswith(f"{env.inp_text}:{line}: {wavs / name}: ")
    assert "audio file not found" in reasons["missing.wav"]
    assert "cannot decode audio" in reasons["garbage.wav"]
    assert "the audio is empty" in reasons["empty.wav"]
    assert "silent (peak 0)" in reasons["silent.wav"]
    assert "peak 3.00 > 2.2" in reasons["loud.wav"]
    assert "too short (10 ms); every utterance needs at least 300 ms of audio" in reasons["click.wav"]
    assert f"{wavs / 'blip.wav'}: too short (50 ms); every utterance needs at least 300 ms" in reasons["blip.wav"]
    written = failures_path(env.opt_dir, "ssl", 0).read_text(encoding="utf-8").splitlines()
    assert len(written) == 7 and written[0].startswith("2-get-hubert-wav32k\tmissing.wav\t")
    assert not list((tmp_path / "exp" / "5-wav32k").glob("*.tmp")) and len(list((tmp_path / "exp" / "5-wav32k").iterdir())) == 1


def test_loader_keeps_order_and_bounded_lookahead():
    started, lock = [], threading.Lock()
    consumed = []

    def prepare(item):
        with lock:
            started.append(item)
        time.sleep(0.002)
        if item % 5 == 4:
            raise DataError(f"bad {item}")
        return item * 10

    results = []
    for item, result in iter_prepared(range(20), prepare, workers=2, prefetch=3):
        # Never more than `prefetch` items beyond the one being consumed are started.
        assert len(started) <= len(consumed) + 1 + 3
        consumed.append(item)
        results.append(result if isinstance(result, int) else str(result))
    assert consumed == list(range(20))
    assert results == [f"bad {i}" if i % 5 == 4 else i * 10 for i in range(20)]
    sequential = [r if isinstance(r, int) else str(r) for _, r in iter_prepared(range(20), prepare, workers=0)]
    assert sequential == results


class _NanInHalf(torch.nn.Module):
    """Stands in for HuBERT whose half-precision output overflows to NaN (seen on some GPUs)."""

    def __init__(self):
        super().__init__()
        self.scale = torch.nn.Parameter(torch.ones(()))

    def forward(self, audio):
        frames = (audio.shape[-1] - 400) // 320 + 1
        hidden = torch.ones(1, frames, 768, dtype=audio.dtype) * self.scale
        if audio.dtype == torch.float16:
            hidden = hidden * float("nan")
        return SimpleNamespace(last_hidden_state=hidden)


def test_nan_in_half_precision_is_redone_in_float32(tmp_path):
    wavs = tmp_path / "wavs"
    wavs.mkdir()
    write_tone(wavs / "a.wav", seconds=0.5)
    model = _NanInHalf().half()
    summary = run_ssl_stage(_env(tmp_path, ["a.wav"]), model=model)
    assert (summary.done, summary.failed) == (1, 0)
    features = torch.load(tmp_path / "exp" / "4-cnhubert" / "a.wav.pt", weights_only=True)
    assert features.dtype == torch.float32 and not torch.isnan(features).any()


@pytest.mark.slow
def test_shim_loads_legacy_hubert_from_the_environment(tmp_path):
    model = tiny_hubert(seed=2)
    folder = save_legacy_folder(model, tmp_path / "chinese-hubert-base")
    wavs = tmp_path / "wavs"
    wavs.mkdir()
    write_tone(wavs / "a.wav", seconds=0.8)
    write_tone(wavs / "b.wav", seconds=0.4)
    list_path = tmp_path / "data.list"
    list_path.write_text("a.wav|spk|ru|раз\nb.wav|spk|ru|два\n", encoding="utf-8")
    outputs = []
    for i_part in range(2):
        env = {**os.environ, "inp_text": str(list_path), "inp_wav_dir": str(wavs), "opt_dir": str(tmp_path / "exp"),
               "i_part": str(i_part), "all_parts": "2", "is_half": "True", "cnhubert_base_dir": str(folder)}
        done = subprocess.run([sys.executable, "GPT_SoVITS/prepare_datasets/2-get-hubert-wav32k.py"], cwd=REPO_ROOT,
                              env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stderr)
    _, ssl = _recipe(wavs / "a.wav")
    with torch.no_grad():
        expected = model(torch.from_numpy(ssl).float().unsqueeze(0)).last_hidden_state.transpose(1, 2)
    saved = torch.load(tmp_path / "exp" / "4-cnhubert" / "a.wav.pt", weights_only=True)
    assert torch.allclose(saved, expected, atol=1e-5)
    assert (tmp_path / "exp" / "4-cnhubert" / "b.wav.pt").exists()
    assert "done 1, skipped 0" in outputs[0] and "done 1, skipped 0" in outputs[1]


def test_shim_without_hubert_says_where_to_put_it(tmp_path):
    wavs = tmp_path / "wavs"
    wavs.mkdir()
    write_tone(wavs / "a.wav", seconds=0.5)
    list_path = tmp_path / "data.list"
    list_path.write_text("a.wav|spk|ru|раз\n", encoding="utf-8")
    env = {**os.environ, "inp_text": str(list_path), "inp_wav_dir": str(wavs), "opt_dir": str(tmp_path / "exp"),
           "cnhubert_base_dir": str(tmp_path / "nowhere")}
    done = subprocess.run([sys.executable, "GPT_SoVITS/prepare_datasets/2-get-hubert-wav32k.py"], cwd=REPO_ROOT,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "HuBERT folder" in done.stderr and "tools/download_pretrained.py" in done.stderr
    assert "Traceback" not in done.stderr
