"""Stage 2 throughput: sequential load-resample-infer versus the overlapped background loader.

`python bench/ssl_features.py [--files 100] [--seconds 3] [--hidden 64] [--layers 1] [--workers 1] [--repeats 3]`
writes the same audio files (44.1 kHz tones plus noise, so decoding resamples) and runs stage
2's own code (`prepare_audio`, `iter_prepared`, `ssl_features`) both ways with a small random
HubertModel on CPU. The model gets one torch thread so the loader thread has the other core,
and is sized so its cost per file is close to decoding's, as with the real model on a GPU.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run by path: import GPT_SoVITS from the repository root without installing it.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import soundfile  # noqa: E402
import torch  # noqa: E402

from GPT_SoVITS.prepare.ssl_stage import iter_prepared, prepare_audio  # noqa: E402
from GPT_SoVITS.feature_extractor.cnhubert import ssl_features  # noqa: E402


def write_files(folder: Path, count: int, seconds: float, sr: int = 44100) -> list[Path]:
    rng = np.random.default_rng(0)
    paths = []
    for index in range(count):
        t = np.arange(int(seconds * sr)) / sr
        audio = 0.4 * np.sin(2 * np.pi * (150 + index) * t) + 0.05 * rng.standard_normal(t.size)
        path = folder / f"u{index:03d}.wav"
        soundfile.write(path, audio, sr, subtype="PCM_16")
        paths.append(path)
    return paths


def small_hubert(hidden: int, layers: int):
    """A random HubertModel with the real convolution strides; `hidden` and `layers` set its cost."""
    from transformers import HubertConfig, HubertModel

    torch.manual_seed(0)
    config = HubertConfig(hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=4, intermediate_size=2 * hidden,
                          conv_dim=[32] * 7, num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=16)
    return HubertModel(config).eval()


def files_per_second(paths: list[Path], model, workers: int) -> float:
    start = time.perf_counter()
    for path, audio in iter_prepared(paths, prepare_audio, workers=workers, prefetch=8):
        if isinstance(audio, Exception):
            raise audio
        ssl_features(model, torch.from_numpy(audio.ssl_input)).cpu()  # as the stage saves them (waits for a GPU)
    return len(paths) / (time.perf_counter() - start)


def stage_costs(paths: list[Path], model) -> tuple[float, float]:
    """Seconds per file of decoding+resampling alone and of the model alone."""
    start = time.perf_counter()
    prepared = [prepare_audio(path) for path in paths]
    decode = (time.perf_counter() - start) / len(paths)
    start = time.perf_counter()
    for audio in prepared:
        ssl_features(model, torch.from_numpy(audio.ssl_input)).cpu()
    return decode, (time.perf_counter() - start) / len(paths)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--hidden", type=int, default=64, help="model width (768 = the real one)")
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3, help="interleaved rounds; medians are reported")
    args = parser.parse_args()
    torch.set_num_threads(1)
    model = small_hubert(args.hidden, args.layers)
    with tempfile.TemporaryDirectory() as folder:
        paths = write_files(Path(folder), args.files, args.seconds)
        files_per_second(paths[:3], model, workers=0)  # warm-up (allocators, soxr plans)
        decode, infer = stage_costs(paths[: min(20, len(paths))], model)
        # Interleaved rounds, median of each: the shared machine's load drifts during a run.
        rounds = [(files_per_second(paths, model, 0), files_per_second(paths, model, args.workers))
                  for _ in range(args.repeats)]
        sequential = statistics.median(r[0] for r in rounds)
        overlapped = statistics.median(r[1] for r in rounds)
    print(f"{args.files} files x {args.seconds:.1f} s at 44.1 kHz, HubertModel {args.hidden}x{args.layers} layers, "
          f"CPU, 1 torch thread, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"per file: decode+resample {decode * 1000:.1f} ms, model {infer * 1000:.1f} ms; "
          f"perfect overlap would give {(decode + infer) / max(decode, infer):.2f}x")
    print("| variant | files/s |")
    print("|---|---|")
    print(f"| sequential (load, resample, infer) | {sequential:.2f} |")
    print(f"| overlapped loader ({args.workers} thread, prefetch 8) | {overlapped:.2f} |")
    print(f"| ratio | {overlapped / sequential:.2f}x |")
    print("per-round ratios: " + ", ".join(f"{o / s:.2f}x" for s, o in rounds))


if __name__ == "__main__":
    main()
