"""Benchmark: synthesis real-time factor, split into frontend, reference, GPT and SoVITS time.

Random-weight models of a chosen size are saved in upstream format (table v2+ru) to a
temporary folder and loaded through `TTS.from_files` like trained ones. Random GPT weights
rarely emit EOS, so every piece generates exactly `--tokens` tokens (25 per second of audio):
the audio length, and therefore the RTF, is fixed by the settings. One warm-up call (Russian
frontend start-up, reference HuBERT pass) is excluded; the reference is then cached as in the
web UI, so "reference" is ~0 in the measured calls.

    python bench/synthesis.py [--size tiny|small|full] [--tokens 125] [--repeats 3] [--device cpu]
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
TEXT = "Сегодня хорошая погода, и мы идём гулять в парк. Завтра, говорят, будет дождь."
REF_TEXT = "Это тестовая фраза для проверки синтеза речи."

SIZES = {
    # GPT model section, SoVITS model overrides, HuBERT config overrides
    "tiny": (  # the GPU check's CPU dry run: seconds to build and run, the same code paths
        dict(embedding_dim=32, hidden_dim=32, head=2, n_layer=2, linear_units=64),
        dict(hidden_channels=16, inter_channels=16, filter_channels=32, n_layers=1, resblock_kernel_sizes=[3],
             resblock_dilation_sizes=[[1, 3]], upsample_initial_channel=32, gin_channels=16),
        dict(num_hidden_layers=1, num_attention_heads=2, intermediate_size=64, conv_dim=[32] * 7,
             num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=16),
    ),
    "small": (
        dict(embedding_dim=256, hidden_dim=256, head=8, n_layer=6, linear_units=1024),
        dict(hidden_channels=96, inter_channels=96, filter_channels=384, upsample_initial_channel=256, gin_channels=256),
        dict(num_hidden_layers=2, intermediate_size=1024, conv_dim=[256] * 7),
    ),
    "full": ({}, {}, {}),  # configs/s1longer-v2.yaml, configs/s2.json, the real chinese-hubert-base config
}
# Random codewords at about the scale of random projected features, so that codes follow the audio:
# a freshly built quantizer's codebook is all zeros (k-means fills it in training), i.e. every code 0.
CODEBOOK_SCALE = 0.6


def gpt_config(size: str, table) -> dict:
    """configs/s1longer-v2.yaml with the size's model section and one phoneme row per symbol of `table`."""
    import yaml

    config = yaml.safe_load((REPO_ROOT / "configs" / "s1longer-v2.yaml").read_text(encoding="utf-8"))
    config["model"].update(SIZES[size][0], phoneme_vocab_size=len(table))
    return config


def s2_values(size: str) -> dict:
    """configs/s2.json as a plain dict, with the size's SoVITS model section."""
    from GPT_SoVITS.module.config import S2Config

    values = S2Config.from_file(REPO_ROOT / "configs" / "s2.json").to_dict()
    values["model"].update(copy.deepcopy(SIZES[size][1]))
    return values


def seed_codebook(generator, seed: int = 0) -> None:
    """Mark the quantizer's codebook initialised and fill it with seeded random codewords."""
    import torch

    codebook = generator.quantizer.vq.layers[0]._codebook
    noise = torch.randn(codebook.embed.shape, generator=torch.Generator().manual_seed(seed))
    codebook.embed.copy_(noise * CODEBOOK_SCALE)
    codebook.inited.fill_(1)


def build_files(folder: Path, size: str) -> tuple[Path, Path, Path]:
    """Random GPT (.ckpt), SoVITS (.pth, with a seeded codebook) and HuBERT folder of `size`,
    saved like trained ones."""
    import torch
    from transformers import HubertConfig, HubertModel

    from GPT_SoVITS import weights_compat as wc
    from GPT_SoVITS.AR.models.t2s_model import build_text2semantic
    from GPT_SoVITS.module.config import S2Config
    from GPT_SoVITS.module.models import build_generator
    from GPT_SoVITS.text.symbols import get_table

    table = get_table("v2+ru")
    torch.manual_seed(0)
    config = gpt_config(size, table)
    gpt = build_text2semantic(config, table)
    gpt_path = folder / "bench-e1.ckpt"
    wc.save_checkpoint(gpt_path, {f"model.{k}": v for k, v in gpt.state_dict().items()},
                       config=config, info="GPT-e1", table=table)
    s2_config = S2Config.from_dict(s2_values(size))
    sovits = build_generator(s2_config, table)
    seed_codebook(sovits)
    sovits_path = folder / "bench_e1_s1.pth"
    wc.save_checkpoint(sovits_path, sovits.state_dict(), config=s2_config.to_dict(),
                       info="1epoch_1iteration", table=table, exclude=("enc_q.*",))
    hubert_values = json.loads((REPO_ROOT / "tests" / "data" / "chinese_hubert_base_config.json").read_text())
    hubert_values.update(SIZES[size][2])
    hubert_dir = folder / "chinese-hubert-base"
    HubertModel(HubertConfig(**hubert_values)).save_pretrained(hubert_dir)
    return gpt_path, sovits_path, hubert_dir


def write_reference(path: Path, seconds: float = 5.0, rate: int = 32000) -> Path:
    import numpy as np
    import soundfile as sf

    t = np.arange(int(seconds * rate)) / rate
    voice = sum(np.sin(2 * np.pi * 150 * k * t) / k for k in range(1, 6)) * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t) ** 2)
    sf.write(path, (0.3 * voice / np.abs(voice).max()).astype(np.float32), rate)
    return path


def measure(tts, reference: Path, tokens: int, repeats: int) -> list:
    from GPT_SoVITS.inference import SynthesisParams

    results = []
    for seed in range(repeats + 1):
        params = SynthesisParams(seed=seed, max_new_tokens=tokens, top_k=1024)  # wide top_k: EOS stays unlikely
        result = tts.synthesize(reference, REF_TEXT, TEXT, params=params)
        if seed == 0:
            print(f"warm-up call (excluded): frontend start-up {result.timings.frontend:.2f} s, "
                  f"uncached reference {result.timings.reference:.2f} s")
        else:
            results.append(result)
    return results


def print_table(size: str, results: list, load_seconds: float, device: str) -> None:
    def median(get) -> float:
        return statistics.median(get(r) for r in results)

    audio = median(lambda r: r.duration)
    rows = [
        ("frontend", median(lambda r: r.timings.frontend)),
        ("reference (cached)", median(lambda r: r.timings.reference)),
        ("GPT", median(lambda r: r.timings.gpt)),
        ("SoVITS", median(lambda r: r.timings.sovits)),
        ("total", median(lambda r: r.timings.total)),
    ]
    tokens = results[0].tokens
    print(f"size {size}, device {device}, {len(results)} runs (median), {len(results[0].pieces)} pieces, "
          f"{tokens} tokens, audio {audio:.2f} s, model load {load_seconds:.1f} s")
    print(f"| part | seconds | RTF |\n|---|---|---|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.3f} | {seconds / audio:.3f} |")
    print(f"GPT {tokens / median(lambda r: r.timings.gpt):.1f} tokens/s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--tokens", type=int, default=125, help="GPT tokens per piece (125 = 5 s)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    args = parser.parse_args(argv)
    # Run by path: import GPT_SoVITS from the repository root, not from bench/.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
    sys.path.insert(0, str(REPO_ROOT))
    import torch

    from GPT_SoVITS.inference import TTS

    if args.threads:
        torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        gpt_path, sovits_path, hubert_dir = build_files(folder, args.size)
        reference = write_reference(folder / "ref.wav")
        start = time.perf_counter()
        tts = TTS.from_files(gpt_path, sovits_path, hubert_dir, device=args.device)
        load_seconds = time.perf_counter() - start
        print_table(args.size, measure(tts, reference, args.tokens, args.repeats), load_seconds, args.device)
    return 0


if __name__ == "__main__":
    sys.exit(main())
