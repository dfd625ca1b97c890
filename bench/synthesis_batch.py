"""Benchmark: batched GPT decoding of a paragraph's pieces, streaming latency, SoVITS batching and
the GPT's CPU precision, on seeded v2ProPlus models (random weights, the real configs' shapes).

    python bench/synthesis_batch.py [--size full|tiny] [--threads 2] [--tokens 40] [--device cpu]
                                    [--parts batch,stream,sovits,precision]

Tables (printed as markdown, variants side by side):
- batch: tokens/s of the GPT and wall time for the 10-sentence paragraph at batch 1, 2, 4, 8,
  with and without split_bucket; greedy, so the tokens must equal batch 1's (checked).
- stream: a 3-sentence text non-streamed vs streaming modes 1/2/3: time to the first chunk and
  to the last one.
- sovits: SoVITS rendering of 4 pieces one by one vs as one padded batch, of equal lengths (the
  best case) and of lengths spread over -20..+10 %; the batched audio's distance from alone.
- pool: the memory one more loaded GPT + SoVITS pair takes (process RSS before and after
  loading it next to a first one; HuBERT and the speaker encoder are shared, not counted).
- gemm: why batching the GPT gains what it gains on this CPU: the time of one decoding step's
  matrix products (every layer's q/k/v, output and feed-forward Linear, as `F.linear`) when
  they carry 1, 2, 4, 8 or 16 rows, against 1 row (rows / time ratio = what batching can gain),
  with torch's `F.linear` (MKL on the CPU) and, for comparison, oneDNN's Linear.
- precision: the GPT at batch 1 in fp32, bf16 and dynamic int8 on the CPU: tokens/s and
  teacher-forced top-1 agreement with fp32 over the positions of an fp32 greedy decode.
Random GPT weights rarely emit EOS, so each piece decodes `--tokens` tokens (all rows end
together, which favours batching less than a real text's unequal pieces would hurt it: a batch
runs as long as its longest row). One warm-up call loads the frontend and caches the reference.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run by path: import GPT_SoVITS and bench from the repository root
    sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

PARAGRAPH = (
    "Утром мы вышли из дома рано. На улице было тихо и свежо. Мама купила хлеб и молоко в маленьком магазине "
    "у станции. Потом мы долго ждали автобус. Он пришёл с опозданием, но водитель был вежлив. В парке уже гуляли "
    "люди с собаками. Дети кормили уток у пруда. Мы сели на скамейку и открыли термос с чаем. Солнце поднялось выше, "
    "и стало тепло. Домой мы вернулись только к обеду."
)
THREE_SENTENCES = "Сегодня хорошая погода. Мы идём гулять в парк. Завтра, говорят, будет дождь."
REF_TEXT = "Это тестовая фраза для проверки синтеза речи."
VERSION = "v2ProPlus"
TINY_SOVITS = {"inter_channels": 16, "hidden_channels": 16, "filter_channels": 32, "n_heads": 2, "n_layers": 1,
               "kernel_size": 3, "resblock_kernel_sizes": [3], "resblock_dilation_sizes": [[1, 3]],
               "gin_channels": 24, "upsample_initial_channel": 48}
PARTS = ("batch", "stream", "sovits", "precision", "pool", "gemm")


@dataclass(frozen=True)
class Files:
    gpt: Path
    sovits: Path
    hubert: Path
    reference: Path


def build_files(folder: Path, size: str) -> Files:
    """Seeded GPT (s1longer-v2 shapes), v2ProPlus SoVITS (configs/s2v2ProPlus.json, seeded codebook),
    HuBERT folder and a reference clip, saved as trained ones are."""
    from transformers import HubertConfig, HubertModel

    from bench import synthesis
    from GPT_SoVITS import weights_compat as wc
    from GPT_SoVITS.AR.models.t2s_model import build_text2semantic
    from GPT_SoVITS.module.config import S2Config
    from GPT_SoVITS.module.models import build_generator
    from GPT_SoVITS.text.symbols import get_table

    table = get_table("v2+ru")
    torch.manual_seed(0)
    config = synthesis.gpt_config(size, table)
    gpt = build_text2semantic(config, table)
    gpt_path = folder / "bench-e1.ckpt"
    wc.save_checkpoint(gpt_path, {f"model.{k}": v for k, v in gpt.state_dict().items()}, config=config,
                       info="GPT-e1", table=table)
    values = json.loads((REPO_ROOT / "configs" / f"s2{VERSION}.json").read_text(encoding="utf-8"))
    values["model"].update(copy.deepcopy(TINY_SOVITS) if size == "tiny" else {}, version=VERSION)
    s2_config = S2Config.from_dict(values)
    sovits = build_generator(s2_config, table)
    synthesis.seed_codebook(sovits)
    sovits_path = folder / "bench_e1_s1.pth"
    wc.save_checkpoint(sovits_path, sovits.state_dict(), config=s2_config.export_dict(), info="1epoch_1iteration",
                       table=table, version=VERSION, exclude=("enc_q.*",), upstream_header=True)
    hubert_values = json.loads((REPO_ROOT / "tests" / "data" / "chinese_hubert_base_config.json").read_text())
    hubert_values.update(synthesis.SIZES[size][2])
    hubert_dir = folder / "chinese-hubert-base"
    HubertModel(HubertConfig(**hubert_values)).save_pretrained(hubert_dir)
    return Files(gpt_path, sovits_path, hubert_dir, synthesis.write_reference(folder / "ref.wav"))


def load_tts(files: Files, device: str = "cpu", half: bool = False, cpu_precision: str = "fp32"):
    """The `TTS` of `files` with a seeded full-size speaker encoder (the real one is not on disk)."""
    from bench.sv_embed import seeded_encoder
    from GPT_SoVITS.feature_extractor.cnhubert import load_cnhubert
    from GPT_SoVITS.inference import TTS
    from GPT_SoVITS.inference.loading import load_gpt, load_sovits
    from GPT_SoVITS.inference.precision import apply_cpu_precision

    gpt = apply_cpu_precision(load_gpt(files.gpt, device, half), cpu_precision, device)
    sovits = load_sovits(files.sovits, device, half)
    encoder = seeded_encoder(device, torch.float16 if half else torch.float32)
    return TTS(gpt, sovits, load_cnhubert(files.hubert, device=device, half=half), device, encoder)


def _params(tokens: int, **extra):
    from GPT_SoVITS.inference import SynthesisParams

    return SynthesisParams(seed=0, top_k=1, max_new_tokens=tokens, **extra)


def batch_rows(tts, reference: Path, tokens: int, batch_sizes=(1, 2, 4, 8)) -> list[list]:
    """[batch, split_bucket, pieces, tokens, GPT s, tokens/s, x batch 1, wall s, same tokens as batch 1]."""
    tts.synthesize(reference, REF_TEXT, PARAGRAPH, params=_params(tokens))  # warm-up: frontend, reference
    rows, base = [], None
    for size in batch_sizes:
        for bucket in ((False,) if size == 1 else (True, False)):
            result = tts.synthesize(reference, REF_TEXT, PARAGRAPH,
                                    params=_params(tokens, batch_size=size, split_bucket=bucket))
            rate = result.tokens / result.timings.gpt
            codes = [piece.codes for piece in result.pieces]
            base = base or (rate, codes)
            rows.append([size, bucket, len(result.pieces), result.tokens, round(result.timings.gpt, 2), round(rate, 1),
                         round(rate / base[0], 2), round(result.timings.total, 2), codes == base[1]])
    return rows


def stream_rows(tts, reference: Path, tokens: int) -> list[list]:
    """[variant, first chunk s, last chunk s, chunks, first / non-streamed]."""
    params = _params(tokens)
    tts.synthesize(reference, REF_TEXT, THREE_SENTENCES, params=params)  # warm-up
    start = time.perf_counter()
    tts.synthesize(reference, REF_TEXT, THREE_SENTENCES, params=params)
    whole = time.perf_counter() - start
    rows = [["not streamed", round(whole, 2), round(whole, 2), 1, 1.0]]
    for mode in (1, 2, 3):
        start, first, count = time.perf_counter(), None, 0
        for _ in tts.stream(reference, REF_TEXT, THREE_SENTENCES, params=params, mode=mode):
            first = first if first is not None else time.perf_counter() - start
            count += 1
        last = time.perf_counter() - start
        rows.append([f"stream mode {mode}", round(first, 2), round(last, 2), count, round(first / whole, 3)])
    return rows


def sovits_rows(tts, reference: Path, tokens: int, pieces: int = 4) -> list[list]:
    """`TTS.render` of `pieces` pieces one by one vs `render_batch` as one padded batch, for equal
    lengths (the best case) and for lengths spread over -20 %..+10 % (what bucketing lets through):
    [variant, s, x one by one, largest relative L2 of a batched piece against it alone]."""
    from GPT_SoVITS.inference import SynthesisParams

    ref, params = tts.reference(reference), SynthesisParams(noise_scale=0.5)
    generator = torch.Generator().manual_seed(0)
    rows = []
    for label, lengths in (("equal", [tokens] * pieces),
                           ("-20..+10 %", [round(tokens * (0.8 + 0.3 * i / max(1, pieces - 1))) for i in range(pieces)])):
        work = [(torch.randint(0, 1024, (n,), generator=generator).tolist(),
                 torch.randint(1, 100, (n,), generator=generator).tolist()) for n in lengths]

        def one_by_one() -> list[np.ndarray]:
            return [tts.render(codes, text, [ref], params, seed) for seed, (codes, text) in enumerate(work)]

        def batched() -> list[np.ndarray]:
            return tts.render_batch(work, [ref], params, list(range(len(work))))

        timed = {}
        for name, run in (("one", one_by_one), ("batch", batched)):
            with torch.inference_mode():
                run()  # warm-up
                start = time.perf_counter()
                audio = [run() for _ in range(2)][-1]
            if tts.device.type == "cuda":
                torch.cuda.synchronize(tts.device)
            timed[name] = ((time.perf_counter() - start) / 2, audio)
        error = max(float(np.linalg.norm(b - a) / np.linalg.norm(a)) for a, b in zip(timed["one"][1], timed["batch"][1]))
        one, batch = timed["one"][0], timed["batch"][0]
        rows += [[f"{label}: {pieces} pieces one by one", round(one, 3), 1.0, "-"],
                 [f"{label}: one padded batch of {pieces}", round(batch, 3), round(one / batch, 2), f"{error:.1e}"]]
    return rows


def _phones(tts, text: str) -> torch.Tensor:
    ref_ids = tts.phone_ids(REF_TEXT, "ru")[1]
    return torch.tensor(ref_ids + tts.phone_ids(text, "ru")[1], dtype=torch.long)


def precision_rows(files: Files, positions: int, reference: Path, speed_tokens: int = 60) -> list[list]:
    """[precision, tokens/s at batch 1, top-1 agreement with fp32, positions compared]."""
    from GPT_SoVITS.AR.models.batch_decode import DecodeSettings, decode_rows
    from GPT_SoVITS.inference.precision import convert_gpt

    tts = load_tts(files)
    prompt = tts.reference(reference).prompt
    phones = _phones(tts, "Сегодня хорошая погода, и мы идём гулять в парк.")
    bert = torch.zeros((1024, phones.numel()))
    with torch.inference_mode():
        forced = decode_rows(tts.gpt, [phones], [bert], prompt, DecodeSettings(top_k=1, max_new_tokens=positions))[0]
    y = torch.cat((prompt[0], forced)).unsqueeze(0)
    x, x_lens, y_lens = phones.unsqueeze(0), torch.tensor([phones.numel()]), torch.tensor([y.shape[1]])
    base_model, rows, base_top = tts.gpt, [], None
    for precision in ("fp32", "bf16", "int8"):
        model = convert_gpt(copy.deepcopy(base_model), precision)
        with torch.inference_mode():
            logits, _ = model.logits_and_targets(x, x_lens, y, y_lens, bert.unsqueeze(0))
            top = logits[0, prompt.shape[1]:prompt.shape[1] + forced.numel()].float().argmax(-1)
            decode_rows(model, [phones], [bert], prompt, DecodeSettings(top_k=1, max_new_tokens=8))  # warm-up
            start = time.perf_counter()
            made = decode_rows(model, [phones], [bert], prompt, DecodeSettings(top_k=1, max_new_tokens=speed_tokens))
            seconds = time.perf_counter() - start
        base_top = top if base_top is None else base_top
        rate = made[0].numel() / seconds
        rows.append([precision, round(rate, 1), f"{float((top == base_top).float().mean()):.2%}", int(top.numel())])
    fp32_rate = rows[0][1]
    for row in rows:
        row.insert(2, round(row[1] / fp32_rate, 2))
    return rows


def _onednn_linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    """oneDNN's fp32 Linear (a private torch op), for comparison only: the engine uses `F.linear`."""
    return torch.ops.mkldnn._linear_pointwise(x, weight, bias, "none", [], "")


def gemm_rows(gpt: torch.nn.Module, rows=(1, 2, 4, 8, 16), calls: int = 100) -> list[list]:
    """[rows, then per kernel (F.linear = MKL here, oneDNN): ms of one step's Linear products,
    x the 1-row time, rows per time vs 1 row]."""
    import torch.nn.functional as F

    layer = gpt.h.layers[0]
    weights = [(layer.self_attn.in_proj_weight, layer.self_attn.in_proj_bias),
               (layer.self_attn.out_proj.weight, layer.self_attn.out_proj.bias),
               (layer.linear1.weight, layer.linear1.bias), (layer.linear2.weight, layer.linear2.bias)]
    kernels = [F.linear] + ([_onednn_linear] if hasattr(torch.ops.mkldnn, "_linear_pointwise") else [])
    table_rows, base = [], {}
    for count in rows:
        inputs = [torch.randn(count, w.shape[1], dtype=w.dtype, device=w.device) for w, _ in weights]
        row = [count]
        for kernel in kernels:
            with torch.inference_mode():
                for _ in range(10):
                    for x, (w, b) in zip(inputs, weights):
                        kernel(x, w, b)
                start = time.perf_counter()
                for _ in range(calls):
                    for x, (w, b) in zip(inputs, weights):
                        kernel(x, w, b)
            step_ms = (time.perf_counter() - start) / calls * 1e3 * len(gpt.h.layers)
            first = base.setdefault(kernel, step_ms)
            row += [round(step_ms, 2), round(step_ms / first, 2), round(count * first / step_ms, 2)]
        table_rows.append(row)
    return table_rows


def _rss_mib() -> float:
    with open("/proc/self/statm", encoding="ascii") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def pool_rows(files: Files, device: str = "cpu") -> list[list]:
    """[what, MiB] for a second pair loaded the way `ModelPool` loads one (the first stays loaded)."""
    import gc

    from GPT_SoVITS.inference.loading import load_gpt, load_sovits

    first = (load_gpt(files.gpt, device), load_sovits(files.sovits, device))
    gc.collect()
    before = _rss_mib()
    second = (load_gpt(files.gpt, device), load_sovits(files.sovits, device))
    gc.collect()
    after = _rss_mib()
    tensors = sum(t.numel() * t.element_size() for loaded in second
                  for t in (*loaded.model.parameters(), *loaded.model.buffers())) / 2**20
    del first
    return [["process RSS growth for one more pair", round(after - before)],
            ["its parameters and buffers (GPT + SoVITS, fp32)", round(tensors)]]


def table(title: str, header: list[str], rows: list[list]) -> str:
    lines = [f"\n{title}\n", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=("tiny", "full"), default="full")
    parser.add_argument("--tokens", type=int, default=40, help="GPT tokens per piece (40 = 1.6 s of audio)")
    parser.add_argument("--positions", type=int, default=520, help="teacher-forced positions for the precision rows")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default: %(default)s)")
    parser.add_argument("--parts", default=",".join(PARTS), help="which tables (default: all)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    parts = args.parts.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        files = build_files(Path(tmp), args.size)
        tts = load_tts(files, args.device)
        print(f"size {args.size}, {VERSION}, device {args.device}, {torch.get_num_threads()} threads, "
              f"{args.tokens} tokens per piece, greedy")
        if "batch" in parts:
            print(table("Batched GPT decoding, 10-sentence paragraph", ["batch", "split_bucket", "pieces", "tokens",
                        "GPT s", "tokens/s", "x batch 1", "wall s", "tokens = batch 1"],
                        batch_rows(tts, files.reference, args.tokens)), flush=True)
        if "stream" in parts:
            print(table("Streaming, 3 sentences (seconds from the call)", ["variant", "first chunk s", "last chunk s",
                        "chunks", "first / not streamed"], stream_rows(tts, files.reference, args.tokens)), flush=True)
        if "sovits" in parts:
            print(table("SoVITS rendering, 4 pieces", ["variant", "s", "x one by one", "max rel. L2 vs alone"],
                        sovits_rows(tts, files.reference, args.tokens)), flush=True)
        if "precision" in parts and args.device == "cpu":
            print(table("GPT precision on the CPU, batch 1", ["precision", "tokens/s", "x fp32",
                        "top-1 agreement with fp32", "positions"],
                        precision_rows(files, args.positions, files.reference)), flush=True)
        if "gemm" in parts:
            print(table("One decoding step's Linear products by rows in the batch", ["rows", "F.linear ms", "x 1 row",
                        "rows per time", "oneDNN ms", "x 1 row", "rows per time"], gemm_rows(tts.gpt)), flush=True)
        if "pool" in parts:
            print(table(f"Memory of one more loaded {VERSION} pair on {args.device}", ["what", "MiB"],
                        pool_rows(files, args.device)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
