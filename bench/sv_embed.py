"""Speaker-encoder throughput: `embed` one clip at a time (upstream's way) versus padded batches.

`python bench/sv_embed.py [--clips 20] [--min-seconds 1] [--max-seconds 6] [--batch-sizes 4,8] [--repeats 3]
[--device cpu] [--half]`
embeds the same seeded 16 kHz clips of mixed lengths with a seeded full-size ERes2NetV2
(speed does not depend on the weights' values). Batches hold clips sorted by length, zero-padded,
with `lengths` so each vector equals the one-by-one vector; the table gives clips/s, the padding
overhead and the largest difference from the per-clip vectors. For the 2-get-sv stage.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run by path: import GPT_SoVITS from the repository root without installing it.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from typing import Callable  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from GPT_SoVITS.sv import SpeakerEncoder  # noqa: E402
from GPT_SoVITS.sv.fbank import batch_fbank, frame_count  # noqa: E402


def make_clips(count: int, low: float, high: float) -> list[torch.Tensor]:
    """Seeded speech-like clips: a few harmonics with a wandering pitch plus noise, mixed lengths."""
    rng = np.random.default_rng(0)
    clips = []
    for seconds in rng.uniform(low, high, count):
        t = np.arange(int(seconds * 16000)) / 16000
        pitch = 120 + 40 * np.sin(2 * np.pi * rng.uniform(0.2, 1.0) * t)
        phase = 2 * np.pi * np.cumsum(pitch) / 16000
        voice = sum(np.sin(k * phase) / k for k in range(1, 6))
        clips.append(torch.from_numpy((0.2 * voice + 0.02 * rng.standard_normal(t.size)).astype(np.float32)))
    return clips


def seeded_encoder(device: str, dtype: torch.dtype) -> SpeakerEncoder:
    torch.manual_seed(0)
    model = SpeakerEncoder()
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_var.uniform_(0.5, 1.5)
    return model.to(device=device, dtype=dtype).eval()


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def embed_one_by_one(model: SpeakerEncoder, clips: list[torch.Tensor], device: str) -> list[torch.Tensor]:
    return [model.embed(clip.unsqueeze(0).to(device))[0].float().cpu() for clip in clips]


def embed_batched(model: SpeakerEncoder, clips: list[torch.Tensor], batch_size: int, device: str) -> list[torch.Tensor]:
    """Clips sorted by length, `batch_size` per padded batch; vectors returned in the input order."""
    order = sorted(range(len(clips)), key=lambda i: clips[i].numel())
    vectors: list[torch.Tensor | None] = [None] * len(clips)
    for start in range(0, len(order), batch_size):
        chosen = order[start:start + batch_size]
        lengths = torch.tensor([clips[i].numel() for i in chosen])
        batch = torch.zeros(len(chosen), int(lengths.max()))
        for row, i in enumerate(chosen):
            batch[row, : clips[i].numel()] = clips[i]
        for i, vector in zip(chosen, model.embed(batch.to(device), lengths)):
            vectors[i] = vector.float().cpu()
    return vectors


def padding_overhead(clips: list[torch.Tensor], batch_size: int) -> float:
    """Padded fbank frames over real ones, for sorted batches of `batch_size`."""
    frames = sorted(frame_count(c.numel()) for c in clips)
    padded = sum(max(frames[i:i + batch_size]) * len(frames[i:i + batch_size]) for i in range(0, len(frames), batch_size))
    return padded / sum(frames)


def timed(run) -> tuple[float, list[torch.Tensor]]:
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def relative_difference(vectors: list[torch.Tensor], reference: list[torch.Tensor]) -> float:
    scale = max(float(r.abs().max()) for r in reference)
    return max(float((v - r).abs().max()) for v, r in zip(vectors, reference)) / scale


def print_speed_table(median: dict[int, float], clips: int, audio_seconds: float, loop_name: str,
                      extra: dict[str, Callable[[int], str]]) -> None:
    """The markdown table of the speaker-encoder benches: one row per batch size (1 = the one-by-one
    loop) with its speed-up over the loop, then the `extra` columns (header -> cell of a batch size)."""
    print("| variant | seconds | clips/s | audio s per s | speed-up | " + " | ".join(extra) + " |")
    print("|---|---:|---:|---:|---:|" + "---:|" * len(extra))
    for size, seconds in median.items():
        name = loop_name if size == 1 else f"sorted padded batches of {size}"
        cells = " | ".join(cell(size) for cell in extra.values())
        print(f"| {name} | {seconds:.2f} | {clips / seconds:.2f} | {audio_seconds / seconds:.1f} | "
              f"{median[1] / seconds:.2f}x | {cells} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=20)
    parser.add_argument("--min-seconds", type=float, default=1.0)
    parser.add_argument("--max-seconds", type=float, default=6.0)
    parser.add_argument("--batch-sizes", default="4,8")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved rounds; medians are reported")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--half", action="store_true", help="fp16 model (as stage 2-get-sv with is_half on a GPU)")
    args = parser.parse_args()
    dtype = torch.float16 if args.half else torch.float32
    model = seeded_encoder(args.device, dtype)
    clips = make_clips(args.clips, args.min_seconds, args.max_seconds)
    audio_seconds = sum(c.numel() for c in clips) / 16000
    sizes = [int(s) for s in args.batch_sizes.split(",")]
    embed_one_by_one(model, clips[:2], args.device)  # warm-up (allocator, kernels)
    fbank_seconds, _ = timed(lambda: [batch_fbank(c.unsqueeze(0)) for c in clips])

    def run(size: int) -> list[torch.Tensor]:
        vectors = embed_one_by_one(model, clips, args.device) if size == 1 else embed_batched(model, clips, size, args.device)
        _sync(args.device)
        return vectors

    # Interleaved rounds, median of each variant: a shared machine's load drifts during a run.
    times: dict[int, list[float]] = {size: [] for size in [1, *sizes]}
    outputs: dict[int, list[torch.Tensor]] = {}
    for _ in range(args.repeats):
        for size in times:
            seconds, outputs[size] = timed(lambda size=size: run(size))
            times[size].append(seconds)
            print(f"round {len(times[size])}: B={size} {seconds:.1f} s", file=sys.stderr, flush=True)
    median = {size: statistics.median(values) for size, values in times.items()}
    print(f"{args.clips} clips, {audio_seconds:.1f} s of 16 kHz audio ({args.min_seconds:g}-{args.max_seconds:g} s), "
          f"{args.device} {str(dtype).removeprefix('torch.')}, {torch.get_num_threads()} torch threads, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; fbank alone {fbank_seconds:.2f} s; "
          f"median of {args.repeats} rounds")
    print_speed_table(median, args.clips, audio_seconds, "per-clip loop (B=1)",
                      {"padded/real frames": lambda size: f"{padding_overhead(clips, size):.2f}",
                       "max diff vs per-clip (rel.)": lambda size: f"{relative_difference(outputs[size], outputs[1]):.1e}"})
    print("per-round seconds: " + "; ".join(f"B={size}: " + ", ".join(f"{t:.1f}" for t in values)
                                           for size, values in times.items()))


if __name__ == "__main__":
    main()
