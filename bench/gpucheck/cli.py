"""Command line of the GPU check (`bench/gpu_check.py`): arguments, the one-line refusal without a
GPU, the steps in order (each isolated), the results files and the exit code.
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Sequence

from bench.gpucheck.report import JSON_NAME, TABLE_NAME, Report, run_step

#: name -> (what it checks, "module:function" taking (Context, StepRecord)); run in this order:
#: correctness first, then the timings, so a run cut short has checked the most.
STEPS: dict[str, tuple[str, str]] = {
    "assets": ("seeded models in upstream format and a generated Russian dataset",
               "bench.gpucheck.assets:run_assets_step"),
    "stages": ("stages 1-3 on the device, fp32 and is_half, against the CPU in fp32",
               "bench.gpucheck.stages:run_stages_check"),
    "s2_train": ("SoVITS training steps with AMP, then a resumed run", "bench.gpucheck.training:run_s2_check"),
    "s1_train": ("GPT training steps with AMP, then a resumed run", "bench.gpucheck.training:run_s1_check"),
    "torchrun": ("one process per GPU under torchrun: NCCL/DDP probe and both trainers",
                 "bench.gpucheck.distributed_check:run_torchrun_check"),
    "synthesis": ("3 Russian sentences: real-time factor, greedy tokens against the CPU",
                  "bench.gpucheck.synthesis_check:run_synthesis_check"),
    "synthesis_batch": ("v2ProPlus paragraph at GPT batch 1-16 (fp16), streaming modes 1-3 first chunk",
                        "bench.gpucheck.synthesis_batch_check:run_synthesis_batch_check"),
    "sv_stage": ("stage 2-get-sv (v2Pro) batched and per-file, fp32 and half, against the CPU in fp32",
                 "bench.gpucheck.sv_check:run_sv_check"),
    "stage3_speed": ("stage 3 batched against the per-file loop (target 5x)", "bench.gpucheck.speed:run_stage3_speed"),
    "stage2_speed": ("stage 2 with the overlapped loader against sequential", "bench.gpucheck.speed:run_stage2_speed"),
}
#: Seconds for the whole run; timing repeats stop when the rest would not fit (checks always run).
DEFAULT_BUDGET_S = 420.0


def parse_steps(text: str) -> list[str]:
    """`--steps a,b`: known names, returned in run order."""
    names = {name.strip() for name in text.split(",") if name.strip()}
    unknown = sorted(names - set(STEPS))
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown step(s) {', '.join(unknown) or '(none given)'}; "
                                         f"the steps are {', '.join(STEPS)}")
    return [name for name in STEPS if name in names]


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python3 bench/gpu_check.py",
        description="Run every CUDA path of the project once (stages, AMP training, torchrun, synthesis) and the GPU "
        "benchmarks; write results.json and results.md to OUT. Exits 1 only when a correctness check fails or a "
        "step crashes, never for a slow figure. Without a GPU it says so and exits 0.")
    parser.add_argument("out", type=Path, metavar="OUT", help="folder for results.json and results.md")
    parser.add_argument("--device", choices=("cuda", "cpu"), default="cuda",
                        help="device under test (default cuda; cpu for a dry run, with --tiny)")
    parser.add_argument("--tiny", action="store_true", help="tiny models and 6 clips: every step's code path in seconds")
    parser.add_argument("--steps", type=parse_steps, default=list(STEPS), metavar="A,B",
                        help=f"run only these steps (default all: {', '.join(STEPS)})")
    parser.add_argument("--budget-s", type=positive_seconds, default=DEFAULT_BUDGET_S, metavar="S",
                        help="seconds for the whole run; timing repeats are skipped when short "
                        f"(default {DEFAULT_BUDGET_S:g})")
    parser.add_argument("--work", type=Path, metavar="DIR", help="work folder for models and data (default: a temporary "
                        "folder, removed at the end)")
    return parser


def step_function(target: str):
    module, _, function = target.partition(":")
    return getattr(importlib.import_module(module), function)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    import torch

    from bench.gpucheck.environment import describe, header_lines, no_cuda_line

    if args.device == "cuda" and no_cuda_line() is not None:
        print(no_cuda_line())
        return 0
    from bench.gpucheck.context import Budget, Context
    from GPT_SoVITS.logging_setup import setup_logging

    os.environ.setdefault("GPT_SOVITS_LOG_LEVEL", "WARNING")  # the stage processes inherit it: a readable tail
    setup_logging()
    device = torch.device(args.device)
    environment = describe(device)
    print("\n".join(header_lines(environment)), flush=True)
    mode = f"{device.type}, {'tiny' if args.tiny else 'full-size'} models"
    settings = {"out": str(args.out), "device": args.device, "tiny": args.tiny, "steps": args.steps,
                "budget_s": args.budget_s}
    report = Report(args.out, {"script": "bench/gpu_check.py", "mode": mode, "args": settings, "environment": environment})
    work = args.work or Path(tempfile.mkdtemp(prefix="gpu_check-"))
    ctx = Context(device, args.tiny, work.resolve(), Budget(args.budget_s))
    try:
        for name in args.steps:
            title, target = STEPS[name]
            run_step(report, name, title, lambda record: step_function(target)(ctx, record))
            ctx.free_memory()
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print(report.summary_table())
    print(f"[gpu_check] results: {args.out / JSON_NAME}, {args.out / TABLE_NAME}")
    if report.failing:
        print(f"[gpu_check] correctness failures in: {', '.join(report.failing)}", file=sys.stderr)
        return 1
    return 0
