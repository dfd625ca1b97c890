"""Benchmark the GPT (s1): training steps/s and tokens/s, and the KV-cache speed-up of generation.

`python bench/s1_step.py [--layers 6] [--width 256] [--tokens 500]` prints one table. CPU by
default; on a CUDA machine it also times the training step there (fp32 and 16-mixed).
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path

import torch
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bench scripts run by path

from GPT_SoVITS.AR.data.dataset import collate  # noqa: E402
from GPT_SoVITS.AR.models.t2s_model import build_text2semantic  # noqa: E402
from GPT_SoVITS.AR.train import autocast_context  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def small_config(layers: int, width: int) -> dict:
    config = copy.deepcopy(yaml.safe_load((REPO / "configs" / "s1longer-v2.yaml").read_text()))
    config["model"].update(n_layer=layers, embedding_dim=width, hidden_dim=width, head=max(1, width // 64),
                           linear_units=4 * width)
    return config


def random_batch(batch: int, phones: int, tokens: int, seed: int = 0) -> dict:
    g = torch.Generator().manual_seed(seed)
    items = [{"phoneme_ids": torch.randint(1, 732, (phones - 3 * i,), generator=g),
              "semantic_ids": torch.randint(0, 1024, (tokens - 7 * i,), generator=g),
              "bert_feature": torch.zeros(1024, phones - 3 * i)} for i in range(batch)]
    return collate(items)


def time_training(config: dict, device: torch.device, precision: str, steps: int, batch: dict) -> tuple[float, float]:
    """(steps/s, semantic tokens/s) of full optimiser steps after two warm-up steps."""
    torch.manual_seed(0)
    model = build_text2semantic(config, "v2").to(device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    scaler = torch.amp.GradScaler("cuda", enabled=device.type == "cuda" and precision == "16-mixed")
    b = {k: v.to(device) for k, v in batch.items()}
    for i in range(steps + 2):
        if i == 2:
            if device.type == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
        with autocast_context(precision, device):
            loss, _ = model(b["phoneme_ids"], b["phoneme_ids_len"], b["semantic_ids"], b["semantic_ids_len"], b["bert_feature"])
        optimizer.zero_grad()
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
    if device.type == "cuda":
        torch.cuda.synchronize()
    elapsed = time.perf_counter() - start
    return steps / elapsed, steps * int(b["semantic_ids_len"].sum()) / elapsed


def time_generation(config: dict, tokens: int, use_cache: bool) -> float:
    """Seconds to generate exactly `tokens` tokens (EOS suppressed) after a 75-token prompt."""
    torch.manual_seed(0)
    model = build_text2semantic(config, "v2").eval()
    with torch.no_grad():
        model.ar_predict_layer.weight[model.EOS] = -10.0  # never stop early: time a fixed length
    g = torch.Generator().manual_seed(0)
    phones = torch.randint(0, 732, (1, 60), generator=g)
    prompt = torch.randint(0, 1024, (1, 75), generator=g)
    start = time.perf_counter()
    out = model.infer(phones, torch.zeros(1, 1024, 60), prompt, top_k=15, max_new_tokens=tokens,
                      generator=torch.Generator().manual_seed(1), use_cache=use_cache)
    elapsed = time.perf_counter() - start
    if out.shape[1] != tokens:
        raise RuntimeError(f"generated {out.shape[1]} tokens, expected {tokens}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--layers", type=int, default=6)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--tokens", type=int, default=500)
    args = parser.parse_args()
    config = small_config(args.layers, args.width)
    batch = random_batch(4, 60, 150)
    print(f"GPT {args.layers} layers x {args.width} wide, batch 4 x ~60 phones x ~150 tokens, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads")
    print("| measurement | device | precision | result |")
    print("|---|---|---|---|")
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    for device in devices:
        for precision in ("32",) + (("16-mixed",) if device.type == "cuda" else ()):
            steps_s, tokens_s = time_training(config, device, precision, args.steps, batch)
            print(f"| training step | {device.type} | {precision} | {steps_s:.2f} steps/s, {tokens_s:.0f} tokens/s |")
    cached = time_generation(config, args.tokens, use_cache=True)
    plain = time_generation(config, args.tokens, use_cache=False)
    print(f"| generate {args.tokens} tokens, KV cache | cpu | 32 | {cached:.2f} s ({args.tokens / cached:.0f} tokens/s) |")
    print(f"| generate {args.tokens} tokens, no cache | cpu | 32 | {plain:.2f} s ({args.tokens / plain:.0f} tokens/s) |")
    print(f"| KV-cache speed-up | cpu | 32 | {plain / cached:.1f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
