"""Stage 2-get-sv: vectors from stage 2's wavs as upstream computes them, batching, resume, failures,
the script's environment interface, and the pipeline running it for Pro experiments only."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch

from GPT_SoVITS.data_files.failures import read_part_failures
from GPT_SoVITS.data_files.features import read_wav32k
from GPT_SoVITS.data_files.sv_vectors import read_sv_vector
from GPT_SoVITS.errors import ConfigError, DataError
from GPT_SoVITS.prepare.pipeline import PipelineConfig, check_config
from GPT_SoVITS.prepare.stage_env import StageEnv
from GPT_SoVITS.prepare.sv_stage import CPU_BATCH_SIZE, default_batch_size, run_sv_stage
from GPT_SoVITS.sv import load_speaker_encoder
from GPT_SoVITS.sv.resample import resample_to_16k
from tests.conftest import REPO_ROOT
from tests.s2.experiment import write_wav
from tests.sv_fixtures import save_seeded_sv

SECONDS = {"a.wav": 1.3, "b.wav": 0.7, "c.wav": 1.0}


@pytest.fixture(scope="module")
def sv_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("sv") / "pretrained_eres2netv2w24s4ep4.ckpt"
    save_seeded_sv(path)
    return path


@pytest.fixture(scope="module")
def encoder(sv_file):
    return load_speaker_encoder(sv_file)


def _experiment(tmp_path, names=tuple(SECONDS), missing=()) -> tuple[dict, object]:
    """A .list and stage 2's `5-wav32k/` (int16, 32 kHz) for `names`; `missing` lines have no wav."""
    opt_dir = tmp_path / "exp"
    for index, name in enumerate(names):
        write_wav(opt_dir / "5-wav32k" / name, SECONDS[name], seed=index)
    list_path = tmp_path / "data.list"
    list_path.write_text("".join(f"/src/{name}|spk|ru|текст\n" for name in (*names, *missing)), encoding="utf-8")
    return {"inp_text": str(list_path), "opt_dir": str(opt_dir)}, opt_dir


def _alone(encoder, opt_dir, name) -> torch.Tensor:
    """Upstream's way, one clip: the 32 kHz int16 wav / 32768, resampled to 16 kHz, embedded alone."""
    wave = resample_to_16k(read_wav32k(opt_dir / "5-wav32k" / name))
    return encoder.embed(wave.unsqueeze(0))[0]


def test_vectors_are_upstreams_and_batching_changes_nothing(tmp_path, encoder):
    env, opt_dir = _experiment(tmp_path)
    summary = run_sv_stage(StageEnv.from_environ(env), model=encoder, batch_size=8)
    assert (summary.done, summary.failed, summary.skipped) == (3, 0, 0)
    for name in SECONDS:
        saved = torch.load(opt_dir / "7-sv_cn" / f"{name}.pt", weights_only=True)
        assert saved.shape == (1, 20480) and saved.dtype == torch.float32
        alone = _alone(encoder, opt_dir, name)
        assert torch.allclose(saved[0], alone, rtol=1e-4, atol=1e-5)
        assert torch.equal(read_sv_vector(opt_dir / "7-sv_cn" / f"{name}.pt"), saved[0])
    batched = {name: read_sv_vector(opt_dir / "7-sv_cn" / f"{name}.pt") for name in SECONDS}
    for path in (opt_dir / "7-sv_cn").iterdir():
        path.unlink()
    assert default_batch_size(encoder) == CPU_BATCH_SIZE == 1  # on the CPU clip by clip is faster (benchmarks.md)
    run_sv_stage(StageEnv.from_environ(env), model=encoder)  # clip by clip, as upstream
    for name, vector in batched.items():
        assert torch.allclose(read_sv_vector(opt_dir / "7-sv_cn" / f"{name}.pt"), vector, rtol=1e-4, atol=1e-5)


def test_resume_skips_finished_and_retries_only_what_changed(tmp_path, encoder):
    env, opt_dir = _experiment(tmp_path, names=("a.wav", "b.wav"), missing=("c.wav",))
    first = run_sv_stage(StageEnv.from_environ(env), model=encoder)
    assert (first.done, first.failed) == (2, 1)
    [record] = read_part_failures(opt_dir, "sv")
    assert record.stage == "2-get-sv" and record.item == "c.wav"
    assert "5-wav32k/c.wav is missing: stage 2 (2-get-hubert-wav32k) did not produce it" in record.reason
    stamps = {p.name: p.stat().st_mtime_ns for p in (opt_dir / "7-sv_cn").iterdir()}

    again = run_sv_stage(StageEnv.from_environ(env), model=encoder)  # nothing changed: nothing to do
    assert (again.done, again.skipped, again.failed, again.held) == (0, 2, 1, 1)
    assert {p.name: p.stat().st_mtime_ns for p in (opt_dir / "7-sv_cn").iterdir()} == stamps

    (opt_dir / "7-sv_cn" / "a.wav.pt").unlink()
    write_wav(opt_dir / "5-wav32k" / "c.wav", 1.0, seed=2)  # stage 2 produced it after all
    third = run_sv_stage(StageEnv.from_environ(env), model=encoder)
    assert (third.done, third.skipped, third.failed) == (2, 1, 0)
    assert sorted(p.name for p in (opt_dir / "7-sv_cn").iterdir()) == ["a.wav.pt", "b.wav.pt", "c.wav.pt"]
    assert (opt_dir / "7-sv_cn" / "b.wav.pt").stat().st_mtime_ns == stamps["b.wav.pt"]
    assert read_part_failures(opt_dir, "sv") == []


def test_bad_wavs_fail_alone_and_the_rest_goes_on(tmp_path, encoder):
    env, opt_dir = _experiment(tmp_path)
    (opt_dir / "5-wav32k" / "b.wav").write_bytes(b"RIFF not really a wav")
    write_wav(opt_dir / "5-wav32k" / "c.wav", 0.01, seed=3)  # 10 ms: shorter than one fbank window
    summary = run_sv_stage(StageEnv.from_environ(env), model=encoder)
    assert summary.done == 1 and dict(summary.failures).keys() == {"b.wav", "c.wav"}
    reasons = dict(summary.failures)
    assert "5-wav32k/b.wav: cannot read audio" in reasons["b.wav"] and "data.list:2" in reasons["b.wav"]
    assert "5-wav32k/c.wav: too short (10 ms); every utterance needs at least 300 ms of audio" in reasons["c.wav"]


def test_short_and_truncated_wavs_are_reported_not_embedded(tmp_path, encoder):
    """A 50 ms clip and a 32 kHz wav cut short by a kill get no vector and are not counted ready."""
    env, opt_dir = _experiment(tmp_path)
    write_wav(opt_dir / "5-wav32k" / "b.wav", 0.05, seed=3)
    whole = (opt_dir / "5-wav32k" / "c.wav").read_bytes()
    (opt_dir / "5-wav32k" / "c.wav").write_bytes(whole[: len(whole) // 2])
    summary = run_sv_stage(StageEnv.from_environ(env), model=encoder)
    reasons = dict(summary.failures)
    assert summary.done == 1 and reasons.keys() == {"b.wav", "c.wav"}
    assert "5-wav32k/b.wav: too short (50 ms); every utterance needs at least 300 ms of audio" in reasons["b.wav"]
    assert "5-wav32k/c.wav: truncated (shorter than its header says); delete it and rerun stage 2" in reasons["c.wav"]
    assert sorted(p.name for p in (opt_dir / "7-sv_cn").iterdir()) == ["a.wav.pt"]


def test_vector_reader_names_the_file_and_the_stage(tmp_path):
    with pytest.raises(DataError, match=r"x\.wav\.pt is missing: run stage 2-get-sv"):
        read_sv_vector(tmp_path / "x.wav.pt")
    torch.save(torch.zeros(1, 192), tmp_path / "short.pt")
    with pytest.raises(DataError, match=r"short\.pt: expected shape \[1, 20480\], got \[1, 192\]; delete it and rerun"):
        read_sv_vector(tmp_path / "short.pt")
    torch.save(torch.full((1, 20480), float("nan")).half(), tmp_path / "nan.pt")
    with pytest.raises(DataError, match="NaN or inf"):
        read_sv_vector(tmp_path / "nan.pt")


@pytest.mark.slow
def test_script_runs_from_the_environment_as_the_ui_starts_it(tmp_path, sv_file):
    env, opt_dir = _experiment(tmp_path)
    for i_part in range(2):
        done = subprocess.run(
            [sys.executable, "GPT_SoVITS/prepare_datasets/2-get-sv.py"], cwd=REPO_ROOT, capture_output=True, text=True,
            env={**os.environ, **env, "sv_path": str(sv_file), "i_part": str(i_part), "all_parts": "2",
                 "is_half": "True", "_CUDA_VISIBLE_DEVICES": "", "exp_name": "ignored"}, timeout=300)
        assert done.returncode == 0, done.stderr
        assert f"2-get-sv: done {2 - i_part}, skipped 0" in done.stdout
    assert sorted(p.name for p in (opt_dir / "7-sv_cn").iterdir()) == ["a.wav.pt", "b.wav.pt", "c.wav.pt"]
    # is_half on a machine without CUDA: float32, as upstream (half only with a GPU)
    assert torch.load(opt_dir / "7-sv_cn" / "b.wav.pt", weights_only=True).dtype == torch.float32
    missing = subprocess.run([sys.executable, "GPT_SoVITS/prepare_datasets/2-get-sv.py"], cwd=REPO_ROOT,
                             capture_output=True, text=True, timeout=300,
                             env={**os.environ, **env, "sv_path": str(tmp_path / "nowhere.ckpt")})
    assert missing.returncode == 0 and "done 0, skipped 3" in missing.stdout  # finished: the model is not even loaded
    (opt_dir / "7-sv_cn" / "a.wav.pt").unlink()
    missing = subprocess.run([sys.executable, "GPT_SoVITS/prepare_datasets/2-get-sv.py"], cwd=REPO_ROOT,
                             capture_output=True, text=True, timeout=300,
                             env={**os.environ, **env, "sv_path": str(tmp_path / "nowhere.ckpt")})
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert f"{tmp_path / 'nowhere.ckpt'}: speaker-encoder weights not found" in missing.stderr


def test_pipeline_runs_the_sv_stage_for_pro_experiments_only(tmp_path):
    list_path = tmp_path / "data.list"
    list_path.write_text("a.wav|spk|ru|текст\n", encoding="utf-8")
    v2 = PipelineConfig(list_path, "demo", logs_dir=tmp_path / "logs")
    plus = PipelineConfig(list_path, "demo", logs_dir=tmp_path / "logs", version="v2ProPlus",
                          sv_path=tmp_path / "no-sv.ckpt")
    assert v2.stage_keys == ("text", "ssl", "semantic") and plus.stage_keys == ("text", "ssl", "sv", "semantic")
    assert plus.s2g.name == "s2Gv2ProPlus.pth" and plus.s2_config.name == "s2v2ProPlus.json"
    with pytest.raises(ConfigError, match="2-get-sv.py is for v2Pro/v2ProPlus experiments only"):
        check_config(v2, ("sv",))
    with pytest.raises(ConfigError, match=rf"speaker encoder of v2Pro/v2ProPlus.*file {tmp_path / 'no-sv.ckpt'}"):
        check_config(plus, ("sv",))
    with pytest.raises(ConfigError, match=r"unknown version 'v2Pro\+'; choose one of v2, v2Pro, v2ProPlus"):
        PipelineConfig(list_path, "demo", version="v2Pro+")


def test_the_latin_mode_reaches_the_stage_environment(tmp_path):
    from GPT_SoVITS.errors import ConfigError
    from GPT_SoVITS.prepare.__main__ import _config, build_parser
    from GPT_SoVITS.prepare.pipeline import stage_environment
    from GPT_SoVITS.text.russian.latin import ENV_VAR

    list_path = tmp_path / "data.list"
    assert stage_environment(PipelineConfig(list_path, "demo"), 0)[ENV_VAR] == "english"
    args = build_parser().parse_args(["--list", str(list_path), "--exp", "demo", "--latin", "translit"])
    assert stage_environment(_config(args), 0)[ENV_VAR] == "translit"
    with pytest.raises(ConfigError, match="latin='greek'"):
        PipelineConfig(list_path, "demo", latin="greek")
