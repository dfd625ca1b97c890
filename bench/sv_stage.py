"""Stage 2-get-sv end to end: the per-file loop (upstream's way, `batch_size` 1) versus padded batches.

`python bench/sv_stage.py [--clips 24] [--min-seconds 1] [--max-seconds 8] [--batch-sizes 4,8,16] [--repeats 3]
[--device cpu|cuda] [--half]`
writes seeded speech-like clips as stage 2 leaves them (`5-wav32k/`, int16 32 kHz), then runs
`run_sv_stage` on a fresh `7-sv_cn/` per variant with a seeded full-size ERes2NetV2 (speed does not
depend on the weights' values): reading, 32->16 kHz resampling, fbank, network and atomic saves all
count. Rounds interleave the variants (a shared machine's load drifts); medians are reported, with
the largest difference of each variant's vectors from the per-file ones.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run by path: import GPT_SoVITS from the repository root without installing it.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from typing import Callable, Iterable  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from scipy.io import wavfile  # noqa: E402

from GPT_SoVITS.data_files.sv_vectors import read_sv_vector  # noqa: E402
from GPT_SoVITS.prepare.stage_env import StageEnv  # noqa: E402
from GPT_SoVITS.prepare.sv_stage import run_sv_stage  # noqa: E402
from bench.sv_embed import make_clips, print_speed_table, seeded_encoder  # noqa: E402


def write_experiment(root: Path, clips: list[torch.Tensor]) -> dict[str, str]:
    """`5-wav32k/clip<i>.wav` (the 16 kHz clips at 32 kHz, int16) and a .list naming them."""
    wav_dir = root / "5-wav32k"
    wav_dir.mkdir(parents=True)
    lines = []
    for index, clip in enumerate(clips):
        wave = np.repeat(clip.numpy(), 2)  # 32 kHz; content does not change the speed
        wavfile.write(wav_dir / f"clip{index}.wav", 32000, (wave * 32767).astype(np.int16))
        lines.append(f"clip{index}.wav|spk|ru|текст\n")
    (root / "data.list").write_text("".join(lines), encoding="utf-8")
    return {"inp_text": str(root / "data.list"), "opt_dir": str(root)}


def run_variant(env: dict[str, str], model, batch_size: int, device: str) -> tuple[float, dict[str, torch.Tensor]]:
    shutil.rmtree(Path(env["opt_dir"]) / "7-sv_cn", ignore_errors=True)
    start = time.perf_counter()
    summary = run_sv_stage(StageEnv.from_environ(env), model=model, batch_size=batch_size)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    if summary.failed:
        raise SystemExit(f"the stage failed on {summary.failed} clip(s): {summary.failures[:2]}")
    folder = Path(env["opt_dir"]) / "7-sv_cn"
    return seconds, {path.name: read_sv_vector(path) for path in sorted(folder.iterdir())}


def time_batch_sizes(env: dict[str, str], model, sizes: list[int], device: str, rounds: Iterable[int],
                     on_run: Callable[[int, int, float], None] | None = None
                     ) -> tuple[dict[int, float], dict[int, dict[str, torch.Tensor]]]:
    """Median seconds and the last vectors of each batch size: one untimed warm-up run, then the
    sizes interleaved in each round of `rounds` (a shared machine's load drifts between rounds);
    `on_run(round, size, seconds)` after each timed run."""
    run_variant(env, model, sizes[-1], device)  # warm-up
    times: dict[int, list[float]] = {size: [] for size in sizes}
    vectors: dict[int, dict[str, torch.Tensor]] = {}
    for round_index in rounds:
        for size in sizes:
            seconds, vectors[size] = run_variant(env, model, size, device)
            times[size].append(seconds)
            if on_run is not None:
                on_run(round_index, size, seconds)
    return {size: statistics.median(values) for size, values in times.items()}, vectors


def largest_difference(vectors: dict[str, torch.Tensor], reference: dict[str, torch.Tensor]) -> float:
    scale = max(float(v.abs().max()) for v in reference.values())
    return max(float((vectors[k] - reference[k]).abs().max()) for k in reference) / scale


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=24)
    parser.add_argument("--min-seconds", type=float, default=1.0)
    parser.add_argument("--max-seconds", type=float, default=8.0)
    parser.add_argument("--batch-sizes", default="4,8,16")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--half", action="store_true", help="fp16 model, as the stage runs with is_half on a GPU")
    args = parser.parse_args()
    model = seeded_encoder(args.device, torch.float16 if args.half else torch.float32)
    clips = make_clips(args.clips, args.min_seconds, args.max_seconds)
    audio_seconds = sum(c.numel() for c in clips) / 16000
    sizes = [1, *(int(s) for s in args.batch_sizes.split(","))]
    with tempfile.TemporaryDirectory(prefix="sv-stage-bench-") as folder:
        env = write_experiment(Path(folder), clips)
        median, vectors = time_batch_sizes(
            env, model, sizes, args.device, range(args.repeats),
            lambda index, size, seconds: print(f"round {index + 1}: batch {size}: {seconds:.2f} s", file=sys.stderr,
                                               flush=True))
    dtype = "float16" if args.half else "float32"
    print(f"{args.clips} clips, {audio_seconds:.1f} s of audio ({args.min_seconds:g}-{args.max_seconds:g} s), "
          f"{args.device} {dtype}, {torch.get_num_threads()} torch threads, load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores; median of {args.repeats} rounds")
    print_speed_table(median, args.clips, audio_seconds, "per-file loop (batch 1, upstream's way)",
                      {"max diff vs per-file (rel.)": lambda size: f"{largest_difference(vectors[size], vectors[1]):.1e}"})


if __name__ == "__main__":
    main()
