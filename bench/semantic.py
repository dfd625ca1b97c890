"""Stage 3 speed: a per-file loop (load one .pt, extract, next) versus `run_semantic_stage`.

Both use the same full-size generator (random weights, CPU, float32) on the same random
feature files (lengths 2-12 s at 50 Hz); model loading is excluded from both timings. Prints
files/s for each and the ratio, and checks that both give the same codes.

    python bench/semantic.py [--files 200] [--threads N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

# Run by path: import GPT_SoVITS from the repository root without installing it.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import torch  # noqa: E402

from GPT_SoVITS.module.config import S2Config  # noqa: E402
from GPT_SoVITS.module.models import build_generator  # noqa: E402
from GPT_SoVITS.prepare.semantic import run_semantic_stage  # noqa: E402
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


def per_file_loop(model, root: Path, names: list[str]) -> dict[str, list[int]]:
    """The baseline: upstream's shape of the loop, one utterance at a time."""
    out = {}
    with torch.no_grad():
        for name in names:
            ssl = torch.load(root / "exp" / "4-cnhubert" / f"{name}.pt", weights_only=True)
            _, codes, _, _ = model.quantizer(model.ssl_proj(ssl))  # [1, B, T] (n_q first)
            out[name] = codes[0, 0].tolist()
    return out


def build_model():
    model = build_generator(S2Config.from_file(REPO_ROOT / "configs" / "s2.json"), "v2").eval()
    codebook = model.quantizer.vq.layers[0]._codebook
    codebook.embed.copy_(torch.randn_like(codebook.embed))
    codebook.inited.fill_(1)
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    model = build_model()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        names = make_inputs(root, args.files)
        start = time.perf_counter()
        baseline = per_file_loop(model, root, names)
        loop_s = time.perf_counter() - start
        env = StageEnv.from_environ({"inp_text": str(root / "data.list"), "opt_dir": str(root / "exp")})
        start = time.perf_counter()
        run_semantic_stage(env, model=model)
        stage_s = time.perf_counter() - start
        lines = (root / "exp" / "6-name2semantic-0.tsv").read_text(encoding="utf-8").split("\n")
        ours = {n: [int(c) for c in codes.split()] for n, codes in (line.split("\t") for line in lines)}
    same = sum(ours[n] == baseline[n] for n in names)
    print(f"{args.files} files, torch threads {torch.get_num_threads()}, CPU float32, full-size model")
    print("| variant | seconds | files/s |")
    print("|---|---|---|")
    print(f"| per-file loop | {loop_s:.2f} | {args.files / loop_s:.1f} |")
    print(f"| run_semantic_stage | {stage_s:.2f} | {args.files / stage_s:.1f} |")
    print(f"speed-up {loop_s / stage_s:.2f}x; identical codes for {same}/{len(names)} files")


if __name__ == "__main__":
    main()
