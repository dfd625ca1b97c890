"""Step `torchrun`: one process per visible GPU under torchrun. A probe checks NCCL (gloo in a dry
run) with an all-reduce and a DDP backward pass; then both trainers' command lines run under
torchrun for a few steps, as the web UI's multi-GPU choice starts them (CUDA only).

With one GPU the trainers see WORLD_SIZE 1 and train without a process group (their DDP code
needs two GPUs); the probe still runs NCCL and DDP on that one GPU.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import torch

from bench.gpucheck.context import Context
from bench.gpucheck.report import StepRecord
from bench.gpucheck.training import fresh_folder, s1_raw_config, s2_raw_config

REPO_ROOT = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).resolve().parent / "ddp_probe.py"
#: Seconds before a torchrun command is stopped (a hung NCCL start must not eat the whole run).
TIMEOUT_S = {"probe": 120, "trainer": 240}
TAIL_CHARS = 1500


def torchrun(arguments: list[str], processes: int, timeout: float) -> subprocess.CompletedProcess:
    """`python -m torch.distributed.run --standalone --nproc_per_node=N ...` from the repository root.

    One that outlives `timeout` is stopped with its workers (its own process group) and comes back
    as a failure with exit code -1.
    """
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}",
               *arguments]
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        return subprocess.CompletedProcess(command, -1, stdout, f"stopped after {timeout:g} s: {stderr}")
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def _tail(result: subprocess.CompletedProcess) -> str:
    return (result.stderr or result.stdout or "")[-TAIL_CHARS:].replace("\n", " | ")


def run_probe(ctx: Context, record: StepRecord, processes: int) -> None:
    out = fresh_folder(ctx, "torchrun") / "probe.json"
    result = torchrun([str(PROBE), str(out)], processes, TIMEOUT_S["probe"])
    record.check("probe under torchrun exits 0", result.returncode == 0, "" if result.returncode == 0 else _tail(result))
    probe = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else {}
    record.figure("backend", probe.get("backend", "none"))
    record.figure("world size", probe.get("world_size", 0))
    record.check(f"all-reduce over {processes} rank(s)", probe.get("all_reduce_ok", False))
    record.check("DDP averages the gradients", probe.get("ddp_gradient_ok", False))


def run_trainers(ctx: Context, record: StepRecord, processes: int) -> None:
    """Both trainer command lines under torchrun, fp16, a few steps each."""
    from GPT_SoVITS.AR.train_config import s1_config_text
    from GPT_SoVITS.s2.options import s2_config_text

    folder = fresh_folder(ctx, "torchrun", "trainers")
    s1 = s1_raw_config(ctx, "fp16", folder / "s1")
    s1["train"]["epochs"] = 1
    s1_file = folder / "tmp_s1.yaml"
    s1_file.write_text(s1_config_text(s1), encoding="utf-8")
    s2 = s2_raw_config(ctx, "fp16", folder / "s2", max_steps=2)
    s2["train"]["gpu_numbers"] = "-".join(str(index) for index in range(processes))
    if ctx.tiny:
        s2["train"]["pretrained_s2D"] = ""  # the tiny D file fits only the dry run's one-period D
    s2_file = folder / "tmp_s2.json"
    s2_file.write_text(s2_config_text(s2), encoding="utf-8")
    for name, arguments, done in (("s1", ["GPT_SoVITS/s1_train.py", "--config_file", str(s1_file)], "GPT training done"),
                                  ("s2", ["GPT_SoVITS/s2_train.py", "--config", str(s2_file)], "s2 training finished")):
        result = torchrun(arguments, processes, TIMEOUT_S["trainer"])
        ok = result.returncode == 0 and done in result.stdout
        record.check(f"{name} trainer under torchrun ({processes} process(es))", ok,
                     result.stdout.strip().splitlines()[-1] if ok and result.stdout.strip() else _tail(result))


def run_torchrun_check(ctx: Context, record: StepRecord) -> None:
    processes = torch.cuda.device_count() if ctx.cuda else 1
    record.figure("processes", processes)
    with record.isolated("probe"):
        run_probe(ctx, record, processes)
    if not ctx.cuda:
        record.note("NCCL and the trainers under torchrun skipped: need CUDA (the probe ran with gloo on the CPU)")
        return
    if processes == 1:
        record.note("one GPU: the trainers see WORLD_SIZE 1 and run without a process group; NCCL and DDP were "
                    "checked by the probe")
    with record.isolated("trainers under torchrun"):
        run_trainers(ctx, record, processes)
