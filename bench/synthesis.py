"""Benchmark: synthesis real-time factor, split into frontend, reference, GPT and SoVITS time.

Random-weight models of a chosen size are saved in upstream format (table v2+ru) to a
temporary folder and loaded through `TTS.from_files` like trained ones. Random GPT weights
rarely emit EOS, so every piece generates exactly `--tokens` tokens (25 per second of audio):
the audio length, and therefore the RTF, is fixed by the settings. One warm-up call (Russian
frontend start-up, reference HuBERT pass) is excluded; the reference is then cached as in the
web UI, so "reference" is ~0 in the measured calls.

    python bench/synthesis.py [--size small|full] [--tokens 125] [--repeats 3] [--device cpu]
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
    "small": (
        dict(embedding_dim=256, hidden_dim=256, head=8, n_layer=6, linear_units=1024),
        dict(hidden_channels=96, inter_channels=96, filter_channels=384, upsample_initial_channel=256, gin_channels=256),
        dict(num_hidden_layers=2, intermediate_size=1024, conv_dim=[256] * 7),
    ),
    "full": ({}, {}, {}),  # configs/s1longer-v2.yaml, configs/s2.json, the real chinese-hubert-base config
}


def build_files(folder: Path, size: str) -> tuple[Path, Path, Path]:
    """Random GPT (.ckpt), SoVITS (.pth) and HuBERT folder of `size`, saved like trained ones."""
    import torch
    import yaml
    from transformers import HubertConfig, HubertModel

    from GPT_SoVITS import weights_compat as wc
    from GPT_SoVITS.AR.models.t2s_model import build_text2semantic
    from GPT_SoVITS.module.config import S2Config
    from GPT_SoVITS.module.models import build_generator
    from GPT_SoVITS.text.symbols import get_table

    gpt_overrides, sovits_overrides, hubert_overrides = SIZES[size]
    table = get_table("v2+ru")
    torch.manual_seed(0)
    gpt_config = yaml.safe_load((REPO_ROOT / "configs" / "s1longer-v2.yaml").read_text(encoding="utf-8"))
    gpt_config["model"].update(gpt_overrides, phoneme_vocab_size=len(table))
    gpt = build_text2semantic(gpt_config, table)
    gpt_path = folder / "bench-e1.ckpt"
    wc.save_checkpoint(gpt_path, {f"model.{k}": v for k, v in gpt.state_dict().items()},
                       config=gpt_config, info="GPT-e1", table=table)
    s2_values = S2Config.from_file(REPO_ROOT / "configs" / "s2.json").to_dict()
    s2_values["model"].update(sovits_overrides)
    s2_config = S2Config.from_dict(copy.deepcopy(s2_values))
    sovits_path = folder / "bench_e1_s1.pth"
    wc.save_checkpoint(sovits_path, build_generator(s2_config, table).state_dict(), config=s2_config.to_dict(),
                       info="1epoch_1iteration", table=table, exclude=("enc_q.*",))
    hubert_values = json.loads((REPO_ROOT / "tests" / "data" / "chinese_hubert_base_config.json").read_text())
    hubert_values.update(hubert_overrides)
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
