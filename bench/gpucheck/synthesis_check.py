"""Step `synthesis`: three Russian sentences through `TTS` on the device, with the real-time factor,
and the greedy GPT tokens compared with the CPU's.

Decoding is greedy (top_k 1, fixed seed), so the tokens depend only on the numbers. The prompt
(the reference clip's semantic codes, via HuBERT) is compared first: when it differs, the tokens
may differ for that reason alone and are reported, not checked. The float32 comparison runs with
TF32 off, so the GPU computes in the precision it claims.
"""

from __future__ import annotations

import contextlib
import statistics
from typing import Iterator

import torch

from bench import synthesis
from bench.gpucheck import assets
from bench.gpucheck.context import Context
from bench.gpucheck.report import StepRecord

SENTENCES = ("Сегодня хорошая погода, и мы идём гулять в парк.", "Завтра, говорят, будет сильный дождь.",
             "Вечером вся семья читает новую книгу.")
TOKENS = {"full": 60, "tiny": 20}  # GPT tokens per sentence at most (25 per second of audio)
TIMED_CALLS = {"cpu": 1, "cuda": 2}  # measured calls after the warm-up


@contextlib.contextmanager
def recorded_tokens(tts) -> Iterator[list[list[int]]]:
    """The new tokens of each GPT call made in the block (the instance attribute shadows `infer`)."""
    original = tts.gpt.infer
    calls: list[list[int]] = []

    def infer(*args, **kwargs):
        tokens = original(*args, **kwargs)
        calls.append(tokens[0].tolist())
        return tokens

    tts.gpt.infer = infer
    try:
        yield calls
    finally:
        del tts.gpt.infer


@contextlib.contextmanager
def tf32_off() -> Iterator[None]:
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


def synthesize(ctx: Context, label: str, device: str, half: bool, record: StepRecord) -> dict:
    """Load the models on `device`, synthesise once (warm-up: tokens, prompt), then the timed calls."""
    from GPT_SoVITS.inference import TTS, SynthesisParams

    models = assets.shared_models(ctx)
    reference = synthesis.write_reference(ctx.work / "reference.wav")
    tts = TTS.from_files(models.gpt, models.sovits, models.hubert, device=device, half=half)
    params = SynthesisParams(top_k=1, seed=0, max_new_tokens=TOKENS[ctx.size])
    text = " ".join(SENTENCES)
    with recorded_tokens(tts) as tokens:
        results = [tts.synthesize(reference, synthesis.REF_TEXT, text, params=params)]
    for _ in ctx.budget.rounds(TIMED_CALLS[torch.device(device).type], record, f"synthesis timing, {label}"):
        results.append(tts.synthesize(reference, synthesis.REF_TEXT, text, params=params))
    timed = results[1:] or results
    return {
        "label": label,
        "tokens": tokens,
        "prompt": tts.reference(reference).prompt[0].tolist(),
        "finite": all(bool(torch.isfinite(torch.from_numpy(r.audio)).all()) and r.audio.size > 0 for r in results),
        "rtf": statistics.median(r.real_time_factor for r in timed),
        "gpt_s": statistics.median(r.timings.gpt for r in timed),
        "sovits_s": statistics.median(r.timings.sovits for r in timed),
        "audio_s": round(timed[0].duration, 2),
    }


def agreement(tokens: list[list[int]], expected: list[list[int]]) -> tuple[float, str]:
    """Fraction of positions equal to `expected` and where the first difference is."""
    same = sum(a == b for got, want in zip(tokens, expected) for a, b in zip(got, want))
    total = max(sum(len(want) for want in expected), 1)
    for sentence, (got, want) in enumerate(zip(tokens, expected)):
        if got != want:
            position = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
            return same / total, f"sentence {sentence + 1} differs from token {position} (lengths {len(got)}/{len(want)})"
    return same / total, "identical"


def run_synthesis_check(ctx: Context, record: StepRecord) -> None:
    cpu = synthesize(ctx, "reference, cpu fp32", "cpu", False, record)
    device = ctx.device.type
    runs = [cpu]
    with record.isolated(f"{device} fp32"), tf32_off():
        runs.append(synthesize(ctx, f"{device} fp32", device, False, record))
    if ctx.cuda:
        record.note("the cuda fp32 run had TF32 off (matmul and cuDNN); the half run uses torch's defaults")
        with record.isolated("cuda half"):
            runs.append(synthesize(ctx, "cuda half", "cuda", True, record))
    else:
        record.note("half precision skipped: needs CUDA")
    rows = []
    for run in runs:
        fraction, where = agreement(run["tokens"], cpu["tokens"])
        prompt_same = run["prompt"] == cpu["prompt"]
        record.check(f"{run['label']}: audio finite and not empty", run["finite"])
        if run is not cpu and run["label"].endswith("fp32"):
            if prompt_same:
                record.check(f"{run['label']}: greedy tokens equal the CPU's", where == "identical", where)
            else:
                record.note(f"{run['label']}: the prompt differs from the CPU's (HuBERT features by rounding), so "
                            f"token equality is not expected; tokens {fraction:.2%} equal ({where})")
        record.figure(f"RTF {run['label']}", round(run["rtf"], 4))
        rows.append([run["label"], round(run["rtf"], 4), round(run["gpt_s"], 3), round(run["sovits_s"], 3),
                     run["audio_s"], sum(map(len, run["tokens"])), prompt_same, f"{fraction:.2%}"])
    record.table(f"Synthesis of {len(SENTENCES)} sentences (median of the timed calls after a warm-up; greedy)",
                 ["variant", "RTF", "GPT s", "SoVITS s", "audio s", "tokens", "prompt same as CPU",
                  "tokens equal to CPU"], rows)
