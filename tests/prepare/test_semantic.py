"""Stage 3: features -> semantic codes, through the environment interface the web UI uses."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest
import torch

from GPT_SoVITS.manifest import random_state_dict, read_manifest
from GPT_SoVITS.module.models import build_generator
from GPT_SoVITS.data_files.failures import failures_path
from GPT_SoVITS.prepare.semantic import default_prefetch, plan_batches, run_semantic_stage
from GPT_SoVITS.prepare.stage_env import StageEnv
from tests.conftest import REPO_ROOT, manifest_path
from tests.module.tiny import tiny_s2_config


def _write_features(opt_dir, lengths: dict[str, int], seed: int = 0) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    folder = opt_dir / "4-cnhubert"
    folder.mkdir(parents=True, exist_ok=True)
    features = {}
    for name, frames in lengths.items():
        features[name] = torch.randn(1, 768, frames, generator=generator)
        torch.save(features[name], folder / f"{name}.pt")
    return features


def _write_list(path, names, extra_lines=()):
    lines = [f"/data/{name}|spk|ru|привет" for name in names] + list(extra_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _expected_codes(ssl: torch.Tensor, proj_weight, proj_bias, embed) -> list[int]:
    """Direct computation: stride-2 projection, then the nearest codeword (float64)."""
    projected = torch.nn.functional.conv1d(ssl.double(), proj_weight.double(), proj_bias.double(), stride=2)[0].t()
    return torch.cdist(projected, embed.double()).argmin(dim=1).tolist()


def _read_part(path) -> dict[str, list[int]]:
    text = path.read_text(encoding="utf-8")
    assert not text.endswith("\n")  # upstream's part format: no final newline, no header
    return {name: [int(c) for c in codes.split()] for name, codes in (line.split("\t") for line in text.split("\n"))}


@pytest.fixture
def tiny_model():
    torch.manual_seed(0)
    model = build_generator(tiny_s2_config(), "v2").eval()
    codebook = model.quantizer.vq.layers[0]._codebook
    codebook.embed.copy_(torch.randn_like(codebook.embed) * 0.05)
    codebook.inited.fill_(1)
    return model


def _env(tmp_path, **extra) -> StageEnv:
    return StageEnv.from_environ({"inp_text": str(tmp_path / "data.list"), "opt_dir": str(tmp_path / "exp"), **extra})


def test_bad_inputs_are_reported_and_the_rest_is_written(tmp_path, tiny_model):
    features = _write_features(tmp_path / "exp", {"a.wav": 50, "b.wav": 7, "c.wav": 31})
    (tmp_path / "exp" / "4-cnhubert" / "corrupt.wav.pt").write_bytes(b"not a torch file")
    _write_list(tmp_path / "data.list", ["a.wav", "missing.wav", "corrupt.wav", "b.wav", "c.wav"],
                extra_lines=["only|three|fields"])
    summary = run_semantic_stage(_env(tmp_path), model=tiny_model, max_batch=2)
    part = _read_part(tmp_path / "exp" / "6-name2semantic-0.tsv")
    assert list(part) == ["a.wav", "b.wav", "c.wav"]  # .list order, whatever the batching
    for name, codes in part.items():
        single = tiny_model.extract_latent(features[name])[0, 0].tolist()
        assert codes == single and len(codes) == features[name].size(2) // 2
    assert (summary.done, summary.failed) == (3, 3)
    reasons = dict(summary.failures)
    assert "missing.wav.pt is missing" in reasons["missing.wav"]
    assert "cannot be read" in reasons["corrupt.wav"]
    assert any("expected 4 fields" in reason for reason in reasons.values())
    failed = failures_path(tmp_path / "exp", "semantic", 0).read_text(encoding="utf-8")
    assert "missing.wav" in failed and "corrupt.wav" in failed


def test_wrong_shape_and_too_short_features_are_reported(tmp_path, tiny_model):
    folder = tmp_path / "exp" / "4-cnhubert"
    folder.mkdir(parents=True)
    torch.save(torch.randn(1, 1024, 20), folder / "wide.wav.pt")
    torch.save(torch.randn(1, 768, 1), folder / "short.wav.pt")
    torch.save(torch.randn(1, 768, 9), folder / "ok.wav.pt")
    _write_list(tmp_path / "data.list", ["wide.wav", "short.wav", "ok.wav"])
    summary = run_semantic_stage(_env(tmp_path), model=tiny_model)
    reasons = dict(summary.failures)
    assert "expected shape [1, 768, T], got [1, 1024, 20]" in reasons["wide.wav"]
    assert "too short" in reasons["short.wav"]
    assert list(_read_part(tmp_path / "exp" / "6-name2semantic-0.tsv")) == ["ok.wav"]


def test_nan_and_inf_features_are_reported_but_huge_finite_ones_are_kept(tmp_path, tiny_model):
    folder = tmp_path / "exp" / "4-cnhubert"
    folder.mkdir(parents=True)
    for name, value in (("nan.wav", math.nan), ("inf.wav", -math.inf)):
        ssl = torch.randn(1, 768, 12)
        ssl[0, 5, 7] = value
        torch.save(ssl, folder / f"{name}.pt")
    huge = torch.full((1, 768, 12), 3e36)  # finite, though its float32 sum overflows
    torch.save(huge, folder / "huge.wav.pt")
    _write_list(tmp_path / "data.list", ["nan.wav", "huge.wav", "inf.wav"])
    summary = run_semantic_stage(_env(tmp_path), model=tiny_model)
    reasons = dict(summary.failures)
    assert "NaN or inf" in reasons["nan.wav"] and "NaN or inf" in reasons["inf.wav"]
    assert list(_read_part(tmp_path / "exp" / "6-name2semantic-0.tsv")) == ["huge.wav"]


def test_existing_part_is_skipped(tmp_path, tiny_model):
    _write_features(tmp_path / "exp", {"a.wav": 10})
    _write_list(tmp_path / "data.list", ["a.wav"])
    output = tmp_path / "exp" / "6-name2semantic-0.tsv"
    output.write_text("a.wav\t1 2 3", encoding="utf-8")
    summary = run_semantic_stage(_env(tmp_path), model=None)  # no model needed: nothing to do
    assert (summary.done, summary.skipped) == (0, 1)
    assert output.read_text(encoding="utf-8") == "a.wav\t1 2 3"


def test_parts_split_the_list(tmp_path, tiny_model):
    _write_features(tmp_path / "exp", {f"{i}.wav": 6 + i for i in range(5)})
    _write_list(tmp_path / "data.list", [f"{i}.wav" for i in range(5)])
    for part in range(2):
        run_semantic_stage(_env(tmp_path, i_part=str(part), all_parts="2"), model=tiny_model)
    assert list(_read_part(tmp_path / "exp" / "6-name2semantic-0.tsv")) == ["0.wav", "2.wav", "4.wav"]
    assert list(_read_part(tmp_path / "exp" / "6-name2semantic-1.tsv")) == ["1.wav", "3.wav"]


@pytest.mark.parametrize("prefetch", [0, 2])
def test_loading_inline_or_ahead_gives_the_same_part(tmp_path, tiny_model, prefetch):
    features = _write_features(tmp_path / "exp", {f"{i}.wav": 4 + 3 * i for i in range(7)})
    _write_list(tmp_path / "data.list", ["missing.wav", *features])
    summary = run_semantic_stage(_env(tmp_path), model=tiny_model, max_batch=2, prefetch=prefetch)
    part = _read_part(tmp_path / "exp" / "6-name2semantic-0.tsv")
    assert list(part) == list(features) and (summary.done, summary.failed) == (7, 1)
    for name, codes in part.items():
        assert codes == tiny_model.extract_latent(features[name])[0, 0].tolist()


def test_loader_thread_only_when_it_has_something_to_overlap(monkeypatch):
    monkeypatch.setattr(torch, "get_num_threads", lambda: 2)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert default_prefetch(torch.device("cpu")) == 0  # torch's threads fill the cores
    assert default_prefetch(torch.device("cuda")) == 2  # the CPU waits on the GPU anyway
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert default_prefetch(torch.device("cpu")) == 2


def test_batches_keep_list_order_within_the_budget(tmp_path):
    lengths = {"a.wav": 100, "b.wav": 10, "c.wav": 95, "d.wav": 12, "e.wav": 5}
    _write_features(tmp_path, lengths)
    entries = [type("E", (), {"name": name})() for name in lengths]
    batches = plan_batches(entries, tmp_path / "4-cnhubert", batch_frames=120, max_batch=2)
    names = [[entry.name for _, entry in batch] for batch in batches]
    assert names == [["a.wav", "b.wav"], ["c.wav", "d.wav"], ["e.wav"]]
    assert [index for batch in batches for index, _ in batch] == [0, 1, 2, 3, 4]
    assert len(plan_batches(entries, tmp_path / "4-cnhubert", batch_frames=100, max_batch=8)) == 4


@pytest.mark.slow
def test_stage_runs_from_environment_variables(tmp_path):
    """End to end as the web UI runs it, with a random full-size upstream-format checkpoint."""
    weight = random_state_dict(read_manifest(manifest_path("s2G_v2")), seed=5)
    config = json.loads((REPO_ROOT / "configs" / "s2.json").read_text())
    torch.save({"weight": weight, "config": config, "info": "pretrained"}, tmp_path / "s2G.pth")
    opt_dir = tmp_path / "logs" / "exp"
    features = _write_features(opt_dir, {"x.wav": 60, "y.wav": 23, "z.wav": 101})
    _write_list(tmp_path / "data.list", ["x.wav", "y.wav", "gone.wav", "z.wav"])
    env = {**os.environ, "inp_text": str(tmp_path / "data.list"), "exp_name": "exp", "opt_dir": str(opt_dir),
           "i_part": "0", "all_parts": "1", "_CUDA_VISIBLE_DEVICES": "0", "is_half": "False", "version": "v2",
           "pretrained_s2G": str(tmp_path / "s2G.pth"), "s2config_path": str(REPO_ROOT / "configs" / "s2.json")}
    result = subprocess.run([sys.executable, "GPT_SoVITS/prepare_datasets/3-get-semantic.py"], cwd=REPO_ROOT,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "done 3, skipped 0 (already finished), failed 1" in result.stdout
    assert "gone.wav.pt is missing" in result.stderr
    assert "s2G v2 from s2G.pth" in result.stderr and "732 rows copied by name" in result.stderr
    part = _read_part(opt_dir / "6-name2semantic-0.tsv")
    embed = weight["quantizer.vq.layers.0._codebook.embed"]
    for name, ssl in features.items():
        expected = _expected_codes(ssl, weight["ssl_proj.weight"], weight["ssl_proj.bias"], embed)
        assert part[name] == expected


def test_shim_fails_with_one_message_on_a_bad_checkpoint(tmp_path):
    (tmp_path / "bad.pth").write_bytes(b"garbage")
    _write_features(tmp_path / "exp", {"a.wav": 8})
    _write_list(tmp_path / "data.list", ["a.wav"])
    env = {**os.environ, "inp_text": str(tmp_path / "data.list"), "opt_dir": str(tmp_path / "exp"),
           "pretrained_s2G": str(tmp_path / "bad.pth"), "s2config_path": str(REPO_ROOT / "configs" / "s2.json")}
    result = subprocess.run([sys.executable, "GPT_SoVITS/prepare_datasets/3-get-semantic.py"], cwd=REPO_ROOT,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "bad.pth" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "exp" / "6-name2semantic-0.tsv").exists()
