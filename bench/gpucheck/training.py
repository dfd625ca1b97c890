"""Steps `s2_train` and `s1_train`: a few optimiser steps of each trainer on the CPU-prepared
experiment, with AMP on CUDA (fp16, and bf16 where the GPU has it) or fp32 in a dry run, then the
same command again, which must resume from the saved state rather than start over.

Both trainers run in this process through their library entry points, from the configs the web
UI's buttons would write. Each step's time is measured around the trainer's own `train_step`
(waiting for the GPU on both sides); the first step of each run is left out of the median.
"""

from __future__ import annotations

import contextlib
import math
import shutil
import statistics
import time
from pathlib import Path
from typing import Any, Iterator
from unittest import mock

import torch

from bench import synthesis
from bench.gpucheck import assets
from bench.gpucheck.context import Context
from bench.gpucheck.report import StepRecord
from bench.gpucheck.stages import reference_experiment

TABLE = "v2+ru"  # the seeded models' table (bench/synthesis.py)
#: Optimiser steps before the restart and in all (s2: max_steps of the two runs).
S2_STEPS = {"full": (4, 8), "tiny": (1, 2)}
S2_BATCH = {"full": 8, "tiny": 2}
#: s1: batch size and items per epoch (one epoch before the restart, one after).
S1_BATCHES = {"full": (8, 48), "tiny": (4, 8)}
S1_PRECISION = {"fp32": "32", "fp16": "16-mixed", "bf16": "bf16-mixed"}
GIB = 1024**3


def precisions(ctx: Context, record: StepRecord) -> list[str]:
    """fp16 and bf16 (if supported) on CUDA; fp32 in a dry run, noting what it leaves out."""
    if not ctx.cuda:
        record.note("AMP (fp16, bf16) skipped: needs CUDA; the dry run trains in fp32")
        return ["fp32"]
    if torch.cuda.is_bf16_supported():
        return ["fp16", "bf16"]
    record.note("bf16 skipped: this GPU does not support it")
    return ["fp16"]


@contextlib.contextmanager
def timed_calls(ctx: Context, module: Any, name: str) -> Iterator[list[tuple[float, Any]]]:
    """Wrap `module.<name>` for the block: each call appends (seconds, its result)."""
    original = getattr(module, name)
    calls: list[tuple[float, Any]] = []

    def timed(*args, **kwargs):
        ctx.synchronize()
        start = time.perf_counter()
        result = original(*args, **kwargs)
        ctx.synchronize()
        calls.append((time.perf_counter() - start, result))
        return result

    with mock.patch.object(module, name, timed):
        yield calls


@contextlib.contextmanager
def peak_memory(ctx: Context) -> Iterator[dict[str, float]]:
    """The block's peak allocated GPU memory in GiB (`["gib"]`; absent on a CPU)."""
    peak: dict[str, float] = {}
    if ctx.cuda:
        torch.cuda.reset_peak_memory_stats(ctx.device)
    yield peak
    if ctx.cuda:
        peak["gib"] = round(torch.cuda.max_memory_allocated(ctx.device) / GIB, 2)


def median_step(calls: list[tuple[float, Any]], first_run: int) -> float:
    """Median seconds per step without each run's first step (warm-up), when there are others."""
    steady = [seconds for index, (seconds, _) in enumerate(calls) if index not in (0, first_run)]
    return statistics.median(steady or [seconds for seconds, _ in calls])


def fresh_folder(ctx: Context, *parts: str) -> Path:
    folder = ctx.work.joinpath(*parts)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


# --- SoVITS (s2) -------------------------------------------------------------------------------


def s2_raw_config(ctx: Context, precision: str, folder: Path, max_steps: int) -> dict:
    """The SoVITS button's config for the prepared experiment, plus our keys for a short run."""
    from GPT_SoVITS.s2.options import SoVITSChoices, build_s2_config

    models = assets.shared_models(ctx)
    experiment, _ = reference_experiment(ctx)
    choices = SoVITSChoices(experiment.name, batch_size=S2_BATCH[ctx.size], epochs=100, save_every_epoch=1,
                            if_save_every_weights=False, pretrained_s2G=str(models.sovits),
                            pretrained_s2D=str(models.discriminator), half=precision != "fp32")
    raw = build_s2_config(synthesis.s2_values(ctx.size), choices, experiment.parent, folder / "weights", ctx.cuda)
    raw["s2_ckpt_dir"] = str(folder)  # one resume state per precision, not the experiment's own
    raw["symbol_table"] = TABLE
    raw["train"].update(max_steps=max_steps, amp_dtype="bfloat16" if precision == "bf16" else "float16",
                        log_interval=10_000, num_workers=0 if ctx.tiny else 2, min_epoch_items=16)
    if ctx.tiny:
        raw["train"]["segment_size"] = 2 * raw["data"]["hop_length"]  # 2 frames: the dry run needs the path, not the cost
    return raw


def train_s2_twice(ctx: Context, precision: str, record: StepRecord) -> list:
    """Train to the first stop, then restart to the second; returns the table row."""
    from GPT_SoVITS.module.config import S2Config
    from GPT_SoVITS.s2 import trainer

    folder = fresh_folder(ctx, "s2", precision)
    first, last = S2_STEPS[ctx.size]
    patches = contextlib.ExitStack()
    if ctx.tiny:
        patches.enter_context(mock.patch.object(trainer, "build_discriminator",
                                                lambda config: assets.discriminator_for("tiny", config)))
    with patches, timed_calls(ctx, trainer, "train_step") as calls, peak_memory(ctx) as peak:
        before = trainer.train(S2Config.from_dict(s2_raw_config(ctx, precision, folder, first)))
        after = trainer.train(S2Config.from_dict(s2_raw_config(ctx, precision, folder, last)))
    losses = [value for _, step in calls for value in vars(step.losses).values()]  # StepResult(losses, norms)
    record.check(f"s2 {precision}: losses finite", all(math.isfinite(v) for v in losses), f"{len(calls)} steps")
    resumed = (before.step, after.step, len(after.history)) == (first, last, last - first)
    record.check(f"s2 {precision}: the restart resumed at step {first}", resumed,
                 f"steps {before.step} then {after.step}, {len(after.history)} run after the restart")
    total = calls[-1][1].losses.total if calls else float("nan")
    return ["s2", precision, len(calls), round(median_step(calls, first), 4), peak.get("gib", "n/a"), round(total, 3)]


def run_s2_check(ctx: Context, record: StepRecord) -> None:
    _each_precision(ctx, record, "s2", train_s2_twice)


# --- GPT (s1) ----------------------------------------------------------------------------------


def s1_raw_config(ctx: Context, precision: str, folder: Path) -> dict:
    """The GPT button's config for the prepared experiment, for two short epochs."""
    from GPT_SoVITS.AR.train_config import GPTChoices, build_s1_config
    from GPT_SoVITS.text.symbols import get_table

    models = assets.shared_models(ctx)
    experiment, _ = reference_experiment(ctx)
    batch, items = S1_BATCHES[ctx.size]
    choices = GPTChoices(experiment.name, batch_size=batch, epochs=2, save_every_n_epoch=1, if_save_every_weights=False,
                         pretrained_s1=str(models.gpt), half=precision != "fp32", num_workers=0 if ctx.tiny else None)
    base = synthesis.gpt_config(ctx.size, get_table(TABLE))
    raw = build_s1_config(base, choices, experiment.parent, folder / "weights", ctx.cuda)
    raw["train"]["precision"] = S1_PRECISION[precision]
    raw["data"]["min_items_per_epoch"] = items
    raw.update(output_dir=str(folder / "logs_s1"), symbol_table=TABLE)
    return raw


def train_s1_twice(ctx: Context, precision: str, record: StepRecord) -> list:
    """One epoch, then the same command again for the second; returns the table row."""
    from GPT_SoVITS.AR import train as s1
    from GPT_SoVITS.AR.train_config import S1TrainConfig

    folder = fresh_folder(ctx, "s1", precision)
    config = S1TrainConfig.from_dict(s1_raw_config(ctx, precision, folder), "gpu_check s1 config")
    with timed_calls(ctx, s1, "train_step") as calls, peak_memory(ctx) as peak:
        before = s1.train(config, stop_after_epoch=1)
        first_run = len(calls)
        after = s1.train(config)
    losses = [scalars["loss/sum"] for _, scalars in calls]  # train_step returns its curves by tag
    record.check(f"s1 {precision}: losses finite", all(math.isfinite(v) for v in losses), f"{len(calls)} steps")
    resumed = (before.epochs_done, after.epochs_done, after.steps, len(calls)) == (1, 2, 2 * before.steps, 2 * first_run)
    record.check(f"s1 {precision}: the restart resumed after epoch 1", resumed,
                 f"epochs {before.epochs_done} then {after.epochs_done}, steps {before.steps} then {after.steps}")
    return ["s1", precision, len(calls), round(median_step(calls, first_run), 4), peak.get("gib", "n/a"),
            round(after.last_loss, 3)]


def run_s1_check(ctx: Context, record: StepRecord) -> None:
    _each_precision(ctx, record, "s1", train_s1_twice)


def _each_precision(ctx: Context, record: StepRecord, trainer: str, train_twice) -> None:
    """`train_twice` per precision (a crash in one leaves the others to run), then the table."""
    rows = []
    for precision in precisions(ctx, record):
        with record.isolated(f"{trainer} {precision}"):
            rows.append(train_twice(ctx, precision, record))
    for row in rows:
        record.figure(f"{row[0]} {row[1]} s/step", row[3])
        record.figure(f"{row[0]} {row[1]} peak GiB", row[4])
    record.table("Training steps (median step excludes each run's first step)",
                 ["trainer", "precision", "steps", "median s/step", "peak GiB allocated", "last loss"], rows)
