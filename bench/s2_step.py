"""SoVITS training-step speed on CPU: steps/s with and without the spectrogram cache.

Builds a small experiment (8 utterances of 2-4 s) in a temp folder, a small generator and the
real five-period discriminator, then times (a) loading batches alone and (b) full training
steps (data + D step + G step), each with the `<wav>.spec.pt` cache off and warm.

    python bench/s2_step.py [--steps 4] [--batch 4] [--segment-frames 8]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

# Run by path: import GPT_SoVITS from the repository root without installing it.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import torch  # noqa: E402

from GPT_SoVITS.s2 import trainer  # noqa: E402
from GPT_SoVITS.module.config import S2Config  # noqa: E402
from GPT_SoVITS.text.symbols import get_table  # noqa: E402
from tests.s2.configs import tiny_config  # noqa: E402
from tests.s2.experiment import make_experiment  # noqa: E402


def _loader(config: dict, cache: bool):
    config = S2Config.from_dict({**config, "train": {**config["train"], "spec_cache": cache}})
    runtime = trainer.Runtime(0, 1, torch.device("cpu"))
    loader = trainer.make_loader(config, get_table("v2"), runtime).loader
    return config, runtime, loader


def time_loading(config: dict, cache: bool, rounds: int = 3) -> float:
    """Batches per second of the data pipeline alone."""
    _, _, loader = _loader(config, cache)
    list(loader)  # warm-up (writes the cache when on)
    start, batches = time.perf_counter(), 0
    for _ in range(rounds):
        batches += sum(1 for _ in loader)
    return batches / (time.perf_counter() - start)


def time_steps(config: dict, cache: bool, steps: int) -> float:
    """Training steps per second, data loading included."""
    config, runtime, loader = _loader(config, cache)
    torch.manual_seed(0)
    table = get_table("v2")
    run = trainer.Run(config, runtime, table, trainer.build_models(config, table, runtime))
    batches = iter(loader)
    trainer.train_step(run, next(batches))  # warm-up
    start = time.perf_counter()
    for _ in range(steps):
        try:
            batch = next(batches)
        except StopIteration:
            batches = iter(loader)
            batch = next(batches)
        trainer.train_step(run, batch)
    return steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--segment-frames", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        exp = make_experiment(root / "exp", get_table("v2"), count=8, seconds=(2.0, 2.5, 3.0, 3.5, 4.0))
        config = tiny_config(exp, root, batch_size=args.batch, segment_size=args.segment_frames * 640, fp16_run=False)
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, CPU; batch {args.batch}, "
              f"segment {args.segment_frames} frames, tiny generator + full discriminator")
        rows = []
        for cache in (False, True):
            rows.append((cache, time_loading(config, cache), time_steps(config, cache, args.steps)))
        print("| spectrogram cache | batches/s (loading only) | steps/s (full step) |")
        print("|---|---|---|")
        for cache, loading, steps in rows:
            print(f"| {'warm' if cache else 'off'} | {loading:.2f} | {steps:.3f} |")
        print(f"loading speed-up from the cache: {rows[1][1] / rows[0][1]:.2f}x")


if __name__ == "__main__":
    main()
