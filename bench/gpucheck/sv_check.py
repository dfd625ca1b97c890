"""Step `sv_stage`: stage 2-get-sv (Pro versions) on the device, through `run_sv_stage`.

The stage embeds clips in padded batches on a GPU only (`GPU_BATCH_SIZE`): on the CPU batches
were measured slower, and the GPU figure that should fix the batch size was never measured. This
step measures it (per-file loop against batches of 4, the default and 16, fp32 and half) with a
seeded full-size ERes2NetV2, and checks every variant's vectors against the CPU float32 per-file
vectors: batching must not change a vector, and half precision must stay close and finite.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import torch

from bench.gpucheck.context import Context
from bench.gpucheck.report import StepRecord

CLIPS = {"full": (16, 1.0, 6.0), "tiny": (3, 0.5, 1.5)}  # clips, shortest and longest seconds
REPEATS = {"full": 3, "tiny": 1}
# Largest difference from the CPU float32 per-file vectors, relative to their largest value. cuDNN
# may run float32 convolutions in TF32 (10-bit mantissa); half precision keeps 11 bits.
TOLERANCE = {"fp32": 1e-2, "half": 5e-2}


def batch_sizes(ctx: Context) -> list[int]:
    """1 (upstream's per-file loop), then the sizes to compare, the stage's own default among them."""
    from GPT_SoVITS.prepare.sv_stage import CPU_BATCH_SIZE, GPU_BATCH_SIZE

    default = GPU_BATCH_SIZE if ctx.cuda else max(CPU_BATCH_SIZE, 2)  # on the CPU: that batching changes nothing
    return sorted({1, 4, default, 16} if not ctx.tiny else {1, default})


def check_precision(ctx: Context, env: dict[str, str], half: bool, reference: dict[str, torch.Tensor],
                    record: StepRecord) -> list[list]:
    """Rows (precision, batch, seconds, clips/s, vs loop, max rel. diff) for one precision, and its checks."""
    from bench.sv_embed import seeded_encoder
    from bench.sv_stage import largest_difference, time_batch_sizes

    label = "half" if half else "fp32"
    model = seeded_encoder(ctx.device.type, torch.float16 if half else torch.float32)
    sizes = batch_sizes(ctx)
    rounds = ctx.budget.rounds(REPEATS[ctx.size], record, f"2-get-sv timing, {label}")
    median, vectors = time_batch_sizes(env, model, sizes, ctx.device.type, rounds)
    rows = []
    for size in sizes:
        found = {name: vector.float() for name, vector in vectors[size].items()}
        finite = all(bool(torch.isfinite(vector).all()) for vector in found.values())
        difference = largest_difference(found, reference)
        record.check(f"2-get-sv {label}, batch {size}: vectors finite and within {TOLERANCE[label]:g} of CPU fp32",
                     finite and difference <= TOLERANCE[label], f"max rel. diff {difference:.1e}")
        rows.append([label, size, round(median[size], 3), round(len(reference) / median[size], 2),
                     f"{median[1] / median[size]:.2f}x", f"{difference:.1e}"])
    best = min(sizes, key=median.get)
    record.figure(f"2-get-sv fastest batch size, {label}", best)
    return rows


def run_sv_check(ctx: Context, record: StepRecord) -> None:
    from bench.sv_embed import make_clips, seeded_encoder
    from bench.sv_stage import run_variant, write_experiment
    from GPT_SoVITS.prepare.sv_stage import GPU_BATCH_SIZE

    count, low, high = CLIPS[ctx.size]
    clips = make_clips(count, low, high)
    with tempfile.TemporaryDirectory(dir=ctx.work) as folder:
        env = write_experiment(Path(folder), clips)
        started = time.monotonic()
        _, reference = run_variant(env, seeded_encoder("cpu", torch.float32), 1, "cpu")
        record.figure("2-get-sv CPU fp32 per-file seconds (reference)", round(time.monotonic() - started, 2))
        rows = []
        for half in (False, True) if ctx.cuda else (False,):
            with record.isolated(f"2-get-sv, {'half' if half else 'fp32'}"):
                rows += check_precision(ctx, env, half, reference, record)
                ctx.free_memory()
        shutil.rmtree(Path(folder) / "7-sv_cn", ignore_errors=True)
    if not ctx.cuda:
        record.note("half precision skipped: the stage runs fp32 on a CPU")
    record.table(f"2-get-sv on {ctx.device.type}: {count} clips of {low:g}-{high:g} s, seeded full-size ERes2NetV2, "
                 f"median of the timed rounds (the stage's GPU batch size is {GPU_BATCH_SIZE})",
                 ["precision", "batch", "seconds", "clips/s", "vs loop", "max rel. diff vs CPU fp32 loop"], rows)
