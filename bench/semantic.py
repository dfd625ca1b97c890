"""Stage 3 speed: a per-file loop (load one .pt, extract, next) versus `run_semantic_stage`.

All variants use the same full-size generator (random weights, CPU) on the same random feature
files (lengths 2-12 s at 50 Hz); model loading is excluded from the timings. The stage runs with
a float32 and with a bfloat16 first pass (the default here is marked), on two codebooks: random
codewords (the easy case: a clear nearest code) and codewords drawn from the features' own
projections (like a trained codebook: several codes nearly as close). Each variant's best of
`--repeats` interleaved rounds is reported (the machine may be shared). Prints files/s, the ratio
to the loop and how many frames differ from the float64 nearest code.

    python bench/semantic.py [--files 200] [--threads N] [--repeats 3]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

# Run by path: import GPT_SoVITS from the repository root without installing it.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import torch  # noqa: E402

from GPT_SoVITS.module.code_search import SemanticCodeSearch, bfloat16_is_native, pick_fast_dtype  # noqa: E402
from GPT_SoVITS.module.config import S2Config  # noqa: E402
from GPT_SoVITS.module.models import build_generator  # noqa: E402
from GPT_SoVITS.prepare.semantic import default_prefetch, run_semantic_stage  # noqa: E402
from GPT_SoVITS.prepare.stage_env import StageEnv  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]


def make_inputs(root: Path, files: int, seed: int = 0) -> list[str]:
    generator = torch.Generator().manual_seed(seed)
    folder = root / "exp" / "4-cnhubert"
    folder.mkdir(parents=True)
    names = []
    for i in range(files):
        frames = int(torch.randint(100, 601, (1,), generator=generator))
        name = f"utt{i:04d}.wav"
        torch.save(torch.randn(1, 768, frames, generator=generator), folder / f"{name}.pt")
        names.append(name)
    (root / "data.list").write_text("".join(f"/data/{n}|spk|ru|текст\n" for n in names), encoding="utf-8")
    return names


def device_of(model) -> torch.device:
    return next(model.parameters()).device


def per_file_loop(model, root: Path, names: list[str]) -> dict[str, list[int]]:
    """The baseline: upstream's shape of the loop, one utterance at a time (load, move to the
    model's device, project and quantize, read the codes back)."""
    out = {}
    with torch.no_grad():
        for name in names:
            ssl = load(root, name).to(device_of(model))
            _, codes, _, _ = model.quantizer(model.ssl_proj(ssl))  # [1, B, T] (n_q first)
            out[name] = codes[0, 0].tolist()
    return out


def build_model(config: S2Config | None = None):
    """The generator of `config` (default: the full-size configs/s2.json), random weights, eval mode."""
    model = build_generator(config or S2Config.from_file(REPO_ROOT / "configs" / "s2.json"), "v2").eval()
    model.quantizer.vq.layers[0]._codebook.inited.fill_(1)
    return model


def set_codebook(model, regime: str, root: Path, names: list[str]) -> None:
    """Random codewords, or the projections of 1024 of the features' own frame pairs."""
    embed = model.quantizer.vq.layers[0]._codebook.embed
    generator = torch.Generator().manual_seed(1)
    if regime == "random":
        embed.copy_(torch.randn(embed.shape, generator=generator))  # copy_ moves it to the model's device
        return
    frames = torch.cat([model._ssl_frames(load(root, n).to(embed.device))[0] for n in names[:8]])
    picks = torch.randperm(frames.size(0), generator=generator)[: embed.size(0)].to(embed.device)  # distinct codewords
    with torch.no_grad():
        embed.copy_(model.project_ssl(frames[picks]))


def load(root: Path, name: str) -> torch.Tensor:
    return torch.load(root / "exp" / "4-cnhubert" / f"{name}.pt", weights_only=True)


def float64_codes(model, root: Path, names: list[str]) -> dict[str, list[int]]:
    """The exact nearest codes, by float64 arithmetic (the reference, not a timed variant)."""
    embed = model.quantizer.vq.layers[0]._codebook.embed.double()
    weight = model.ssl_proj.weight.double().reshape(768, -1)
    out = {}
    for name in names:
        frames = model._ssl_frames(load(root, name).to(embed.device))[0]
        projected = frames.double() @ weight.t() + model.ssl_proj.bias.double()
        out[name] = (embed.pow(2).sum(1) - 2 * projected @ embed.t()).argmin(1).tolist()
    return out


def run_stage(model, root: Path, search) -> tuple[float, dict[str, list[int]]]:
    output = root / "exp" / "6-name2semantic-0.tsv"
    output.unlink(missing_ok=True)
    env = StageEnv.from_environ({"inp_text": str(root / "data.list"), "opt_dir": str(root / "exp")})
    start = time.perf_counter()
    run_semantic_stage(env, model=model, search=search)
    seconds = time.perf_counter() - start
    lines = output.read_text(encoding="utf-8").split("\n")
    return seconds, {n: [int(c) for c in codes.split()] for n, codes in (line.split("\t") for line in lines)}


def differing_frames(codes: dict[str, list[int]], reference: dict[str, list[int]]) -> int:
    return sum(a != b for n in reference for a, b in zip(codes[n], reference[n]))


LOOP = "per-file loop (float32)"


def time_variants(model, root: Path, names: list[str], repeats: int) -> list[tuple[str, float, dict]]:
    """(label, best seconds of `repeats`, codes) per variant, the variants interleaved in each round
    so that load from other processes hits them alike; the best run is the least disturbed one."""
    fast = pick_fast_dtype(device_of(model))
    best: dict[str, float] = {}
    codes: dict[str, dict] = {}
    decided: dict[str, dict] = {}  # label -> rows decided per precision (the same every round)
    for _ in range(repeats):
        start = time.perf_counter()
        codes[LOOP] = per_file_loop(model, root, names)
        best[LOOP] = min(best.get(LOOP, math.inf), time.perf_counter() - start)
        for dtype in (torch.float32, torch.bfloat16):
            label = f"stage, {str(dtype).removeprefix('torch.')} first pass{' (default here)' if dtype == fast else ''}"
            search = SemanticCodeSearch.for_model(model, fast_dtype=dtype)
            seconds, codes[label] = run_stage(model, root, search)
            best[label] = min(best.get(label, math.inf), seconds)
            decided[label] = search.counts.by_precision
    return [(f"{label} {decided.get(label, '')}".strip(), best[label], codes[label]) for label in best]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--repeats", type=int, default=3, help="rounds; each variant's best round is reported")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    model = build_model()
    prefetch = default_prefetch(torch.device("cpu"))
    print(f"{args.files} files, torch threads {torch.get_num_threads()} of {os.cpu_count()} cores, CPU, full-size model, "
          f"features loaded {'ahead in a thread' if prefetch else 'inline'}; bfloat16 native on this CPU: "
          f"{bfloat16_is_native(torch.device('cpu'))}; best of {args.repeats} interleaved rounds")
    print("| codebook | variant | seconds | files/s | vs loop | frames differing from float64 |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        names = make_inputs(root, args.files)
        for regime in ("random", "from features"):
            set_codebook(model, regime, root, names)
            reference = float64_codes(model, root, names)
            rows = time_variants(model, root, names, args.repeats)
            loop_s = rows[0][1]
            for label, seconds, codes in rows:
                print(f"| {regime} | {label} | {seconds:.2f} | {args.files / seconds:.1f} | "
                      f"{loop_s / seconds:.2f}x | {differing_frames(codes, reference)} |")


if __name__ == "__main__":
    main()
