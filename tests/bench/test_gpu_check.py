"""The GPU check (`bench/gpu_check.py`) without a GPU: the one-line refusal, its arguments, step
isolation and the incremental report, the time budget, the dataset fallback, and a dry run of
every step on the CPU with tiny models."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile
import torch

from bench.gpucheck import assets, cli
from bench.gpucheck.context import Budget
from bench.gpucheck.report import JSON_NAME, TABLE_NAME, Report, StepSkipped, run_step
from GPT_SoVITS.data_files.list_file import read_list
from tests.conftest import REPO_ROOT

SCRIPT = REPO_ROOT / "bench" / "gpu_check.py"


@pytest.fixture
def main_in_process(monkeypatch):
    """`cli.main` as an entry point sets the log level variable and configures logging; here both
    stay with this test, so later tests (and the processes they start) log as before."""
    from GPT_SoVITS import logging_setup

    monkeypatch.setenv("GPT_SOVITS_LOG_LEVEL", "WARNING")
    monkeypatch.setattr(logging_setup, "setup_logging", lambda *args, **kwargs: None)
    return cli.main


def run_script(*args: str, timeout: int = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=timeout, check=False)


def test_without_cuda_it_says_so_in_one_line_and_exits_0(tmp_path, monkeypatch, capsys, main_in_process):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert main_in_process([str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("gpu_check: no CUDA device here")
    assert "--device cpu --tiny" in out
    assert not (tmp_path / "out").exists()  # nothing written, nothing built


def test_arguments(tmp_path):
    parser = cli.build_parser()
    args = parser.parse_args([str(tmp_path)])
    assert (args.device, args.tiny, args.steps, args.budget_s, args.work) == ("cuda", False, list(cli.STEPS), 420.0, None)
    args = parser.parse_args([str(tmp_path), "--device", "cpu", "--tiny", "--steps", "synthesis, stages",
                              "--budget-s", "90"])
    assert (args.device, args.tiny, args.steps, args.budget_s) == ("cpu", True, ["stages", "synthesis"], 90.0)


@pytest.mark.parametrize("flags,message", [
    (["--steps", "stages,warp"], "unknown step(s) warp; the steps are assets, stages"),
    (["--steps", ","], "unknown step(s) (none given)"),
    (["--budget-s", "0"], "must be more than 0, got 0"),
    (["--budget-s", "soon"], "expected seconds, got 'soon'"),
    (["--device", "tpu"], "invalid choice: 'tpu'"),
])
def test_bad_arguments_are_refused_by_the_script_with_exit_2(tmp_path, flags, message):
    result = run_script(str(tmp_path / "out"), *flags)
    assert result.returncode == 2 and message in result.stderr
    assert not (tmp_path / "out").exists()


def _passing(ctx, record):
    record.figure("speed", 1.5)
    record.check("holds", True)


def _failing_check(ctx, record):
    record.check("codes equal", False, "3 of 4")


def _crashing(ctx, record):
    record.figure("reached", "before the crash")
    raise RuntimeError("CUDA kernel failed")


def _skipping(ctx, record):
    raise StepSkipped("needs CUDA")


def _partly_crashing(ctx, record):
    for part in ("fp16", "bf16"):
        with record.isolated(part):
            if part == "fp16":
                raise ValueError("NaN in the scaler")
            record.check("bf16 losses finite", True)


@pytest.mark.parametrize("steps,code", [
    ({"a": _passing, "s": _skipping}, 0),
    ({"a": _passing, "f": _failing_check, "s": _skipping}, 1),
    ({"c": _crashing, "a": _passing}, 1),
    ({"p": _partly_crashing}, 1),
])
def test_each_step_is_isolated_and_only_failures_set_the_exit_code(tmp_path, monkeypatch, main_in_process, steps, code):
    table = {name: (f"step {name}", f"{__name__}:{function.__name__}") for name, function in steps.items()}
    monkeypatch.setattr(cli, "STEPS", table)
    out = tmp_path / "out"
    assert main_in_process([str(out), "--device", "cpu", "--work", str(tmp_path / "work")]) == code
    results = json.loads((out / JSON_NAME).read_text(encoding="utf-8"))
    expected = {"a": "passed", "f": "failed", "c": "error", "s": "skipped", "p": "failed"}
    assert {name: step["status"] for name, step in results["steps"].items()} == {n: expected[n] for n in steps}
    assert results["failing_steps"] == [n for n in steps if n in ("f", "c", "p")]
    assert results["environment"]["device"] == "cpu" and "packages" in results["environment"]
    table_text = (out / TABLE_NAME).read_text(encoding="utf-8")
    if "c" in steps:  # the crash is recorded with its traceback, and the next step still ran
        assert "RuntimeError: CUDA kernel failed" in results["steps"]["c"]["error"]
        assert results["steps"]["c"]["figures"] == {"reached": "before the crash"}
        assert "| c | error |" in table_text
    if "f" in steps:
        assert "| f | failed |" in table_text and "0/1 hold (not: codes equal)" in table_text
        assert "| codes equal | **no** | 3 of 4 |" in table_text
    if "s" in steps:
        assert results["steps"]["s"]["notes"] == ["skipped: needs CUDA"]
    if "p" in steps:  # the part that crashed is a failed check; the next part still ran
        checks = results["steps"]["p"]["checks"]
        assert [(c["name"], c["ok"]) for c in checks] == [("fp16: ran", False), ("bf16 losses finite", True)]
        assert checks[0]["detail"] == "ValueError: NaN in the scaler"
        error = results["steps"]["p"]["error"]
        assert error.startswith("[fp16]\nTraceback") and "ValueError: NaN in the scaler" in error


def test_the_report_is_on_disk_while_a_step_runs(tmp_path):
    report = Report(tmp_path, {"mode": "test"})

    def step(record):
        record.figure("first", 1.0)
        on_disk = json.loads((tmp_path / JSON_NAME).read_text(encoding="utf-8"))
        assert on_disk["steps"]["slow"] == {**on_disk["steps"]["slow"], "status": "running", "figures": {"first": 1.0}}

    assert run_step(report, "slow", "a slow step", step).status == "passed"


def test_budget_keeps_the_first_round_and_skips_repeats_that_would_not_fit(tmp_path):
    report = Report(tmp_path, {})
    record = report.add("timing", "t")
    assert list(Budget(1000.0).rounds(3, record, "x")) == [0, 1, 2] and record.notes == []
    spent = Budget(1.0, start=time.monotonic() - 5.0)
    rounds = []
    for index in spent.rounds(3, record, "stage 3 timing"):
        rounds.append(index)
        time.sleep(0.01)
    assert rounds == [0]
    assert record.notes and record.notes[0].startswith("stage 3 timing: 2 of 3 rounds skipped (budget:")


def test_dataset_without_espeak_is_synthetic_russian_speechlike_audio(tmp_path, monkeypatch):
    monkeypatch.setattr(assets.shutil, "which", lambda name: None)
    dataset = assets.write_dataset(tmp_path, 3)
    assert (dataset.source, dataset.clips) == ("synthetic tones", 3)
    entries, problems = read_list(dataset.list_path)
    assert not problems and [e.language for e in entries] == ["ru"] * 3
    assert len({e.text for e in entries}) == 3
    audio, rate = soundfile.read(entries[0].audio_path(""))
    assert rate == assets.SYNTHETIC_RATE and 1.5 <= len(audio) / rate <= 6.0
    assert 0.4 < np.abs(audio).max() < 0.6 and np.abs(audio[: rate // 10]).std() > 0.05


def test_sentences_are_distinct():
    texts = assets.sentences(40)
    assert len(set(texts)) == 40 and all(text.endswith(".") for text in texts)


@pytest.mark.slow  # ~35 s on an idle 2-core machine: every step once, tiny models
def test_dry_run_of_every_step_on_the_cpu(tmp_path):
    out = tmp_path / "out"
    result = run_script(str(out), "--device", "cpu", "--tiny", "--work", str(tmp_path / "work"), timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    results = json.loads((out / JSON_NAME).read_text(encoding="utf-8"))
    steps = results["steps"]
    assert list(steps) == list(cli.STEPS) and results["failing_steps"] == []
    assert all(step["status"] == "passed" for step in steps.values()), {n: s["error"] for n, s in steps.items()}
    checks = {check["name"]: check["ok"] for step in steps.values() for check in step["checks"]}
    assert checks["stage 3 on cpu equals the CPU exactly on the same features"]
    assert checks["s2 fp32: the restart resumed at step 1"] and checks["s1 fp32: the restart resumed after epoch 1"]
    assert checks["cpu fp32: greedy tokens equal the CPU's"] and checks["DDP averages the gradients"]
    assert "AMP (fp16, bf16) skipped: needs CUDA; the dry run trains in fp32" in steps["s2_train"]["notes"]
    assert steps["torchrun"]["figures"]["backend"] == "gloo"
    assert checks["2-get-sv fp32, batch 2: vectors finite and within 0.01 of CPU fp32"]  # batching changes no vector
    assert "half precision skipped: the stage runs fp32 on a CPU" in steps["sv_stage"]["notes"]
    assert checks["every batch size gave audio for all 10 pieces"]
    assert steps["synthesis_batch"]["figures"]["batch sizes with batch 1's tokens"] == 9  # fp32: batch-invariant
    assert "| stage3_speed | passed |" in (out / TABLE_NAME).read_text(encoding="utf-8")
    assert "| stage2_speed | passed |" in result.stdout  # the summary table is printed last


@pytest.mark.slow  # tiny v2ProPlus models, the paragraph at batch 1-16, the three streaming modes, SoVITS batching
def test_dry_run_of_the_synthesis_batch_step(tmp_path):
    out = tmp_path / "out"
    result = run_script(str(out), "--device", "cpu", "--tiny", "--steps", "synthesis_batch", "--work",
                        str(tmp_path / "work"), timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    step = json.loads((out / JSON_NAME).read_text(encoding="utf-8"))["steps"]["synthesis_batch"]
    assert step["status"] == "passed", step["error"]
    assert step["figures"]["batch sizes with batch 1's tokens"] == 9
    table = (out / TABLE_NAME).read_text(encoding="utf-8")
    assert "| 16 | True | 10 |" in table and "| stream mode 2 |" in table
    assert "| -20..+10 %: one padded batch of 4 |" in table
    checks = {check["name"]: check["ok"] for check in step["checks"]}
    assert checks["batched SoVITS pieces equal the pieces alone (rel. L2 < 0.0001, fp32)"]
