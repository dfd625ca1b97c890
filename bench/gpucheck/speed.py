"""Steps `stage3_speed` and `stage2_speed`: the stage benchmarks of `bench/semantic.py` and
`bench/ssl_features.py` on the device, through their own functions (one warm-up round first, so
CUDA start-up is not timed). A slow figure is reported, never a failure; the stage 3 variants'
exactness (codes equal to the float64 nearest code) is a check.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from bench import semantic, ssl_features, synthesis
from bench.gpucheck import assets
from bench.gpucheck.context import Context
from bench.gpucheck.report import StepRecord

SEMANTIC_FILES = {"full": 200, "tiny": 8}
SSL_FILES = {"full": (100, 3.0), "tiny": (6, 1.0)}  # files, seconds each
REPEATS = {"full": 3, "tiny": 1}  # timed rounds after the warm-up, each variant's best (stage 3) or median (stage 2)
TARGET = 5.0  # stage 3: batched extraction against the per-file loop (docs/benchmarks.md)


def time_stage3(ctx: Context, model, root: Path, names: list[str], regime: str, record: StepRecord) -> list[list]:
    """Rows (codebook, variant, seconds, files/s, vs loop, frames differing) for one codebook."""
    semantic.set_codebook(model, regime, root, names)
    reference = semantic.float64_codes(model, root, names)
    semantic.time_variants(model, root, names, 1)  # warm-up round: kernels, cuBLAS handles, allocator
    best: dict[str, tuple[float, dict]] = {}
    for _ in ctx.budget.rounds(REPEATS[ctx.size], record, f"stage 3 timing, {regime} codebook"):
        for label, seconds, codes in semantic.time_variants(model, root, names, 1):
            if label not in best or seconds < best[label][0]:
                best[label] = (seconds, codes)
    loop = best[next(label for label in best if label.startswith(semantic.LOOP))][0]
    rows = []
    for label, (seconds, codes) in best.items():
        differing = semantic.differing_frames(codes, reference)
        if not label.startswith(semantic.LOOP):
            record.check(f"stage 3 exact ({regime} codebook, {label.split(' {')[0]})", differing == 0,
                         f"{differing} frames differ from the float64 nearest code")
        rows.append([regime, label, round(seconds, 3), round(len(names) / seconds, 1), f"{loop / seconds:.2f}x", differing])
    default = next(row for row in rows if "(default here)" in row[1])
    record.figure(f"stage 3 batched vs loop, {regime} codebook", default[4])
    return rows


def run_stage3_speed(ctx: Context, record: StepRecord) -> None:
    from GPT_SoVITS.module.config import S2Config

    model = semantic.build_model(S2Config.from_dict(synthesis.s2_values(ctx.size))).to(ctx.device)
    rows = []
    with tempfile.TemporaryDirectory(dir=ctx.work) as folder:
        names = semantic.make_inputs(Path(folder), SEMANTIC_FILES[ctx.size])
        for regime in ("random", "from features"):
            with record.isolated(f"stage 3, {regime} codebook"):
                rows += time_stage3(ctx, model, Path(folder), names, regime, record)
    ratios = [float(row[4].rstrip("x")) for row in rows if "(default here)" in row[1]]
    record.figure(f"target >= {TARGET:g}x met", all(ratio >= TARGET for ratio in ratios))
    record.table(f"Stage 3 on {ctx.device.type}: {len(names)} feature files, full-size s2 ssl_proj + quantizer, "
                 f"best of the timed rounds", ["codebook", "variant", "seconds", "files/s", "vs loop",
                                               "frames differing from float64"], rows)


def time_stage2(ctx: Context, paths: list[Path], half: bool, record: StepRecord) -> list:
    """One row (precision, decode ms, model ms, bound, sequential, overlapped, ratio) of the stage 2 loader."""
    from GPT_SoVITS.feature_extractor.cnhubert import load_cnhubert

    model = load_cnhubert(assets.shared_models(ctx).hubert, ctx.device, half)
    ssl_features.files_per_second(paths[:3], model, workers=0)  # warm-up
    decode, infer = ssl_features.stage_costs(paths[:20], model)
    label = "half" if half else "fp32"
    rounds = [(ssl_features.files_per_second(paths, model, 0), ssl_features.files_per_second(paths, model, 1))
              for _ in ctx.budget.rounds(REPEATS[ctx.size], record, f"stage 2 timing, {label}")]
    sequential = statistics.median(r[0] for r in rounds)
    overlapped = statistics.median(r[1] for r in rounds)
    record.figure(f"stage 2 overlapped vs sequential, {label}", f"{overlapped / sequential:.2f}x")
    bound = (decode + infer) / max(decode, infer, 1e-9)
    return [label, round(decode * 1000, 2), round(infer * 1000, 2), f"{bound:.2f}x", round(sequential, 1),
            round(overlapped, 1), f"{overlapped / sequential:.2f}x"]


def run_stage2_speed(ctx: Context, record: StepRecord) -> None:
    files, seconds = SSL_FILES[ctx.size]
    with tempfile.TemporaryDirectory(dir=ctx.work) as folder:
        paths = ssl_features.write_files(Path(folder), files, seconds)
        rows = []
        for half in (False, True) if ctx.cuda else (False,):
            with record.isolated(f"stage 2, {'half' if half else 'fp32'}"):
                rows.append(time_stage2(ctx, paths, half, record))
    layers = "tiny" if ctx.tiny else "full-size"
    record.table(f"Stage 2 on {ctx.device.type}: {files} files x {seconds:g} s at 44.1 kHz, {layers} HuBERT "
                 f"(median of the timed rounds)", ["precision", "decode ms/file", "model ms/file",
                                                   "bound (perfect overlap)", "sequential files/s",
                                                   "overlapped files/s", "ratio"], rows)
