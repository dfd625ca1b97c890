"""Step `synthesis_batch`: `bench/synthesis_batch.py`'s rows on the device: the 10-sentence
paragraph at GPT batch 1-16 with and without split_bucket, streaming modes 1-3 against the
non-streamed time, SoVITS rendering of 4 pieces one by one against one padded batch, in fp16 on
CUDA (fp32 in a CPU dry run), on seeded v2ProPlus models.

Greedy decoding; whether every batch size gave batch 1's tokens is a figure, not a check, since
fp16 sums in another order at another batch shape and may flip a token at a near tie (the CI
test checks batch invariance in fp32 with the tie margin).
"""

from __future__ import annotations

from bench import synthesis_batch as sb
from bench.gpucheck.context import Context
from bench.gpucheck.report import StepRecord

BATCH_SIZES = (1, 2, 4, 8, 16)
TOKENS = {"full": 40, "tiny": 12}
SOVITS_TOLERANCE = {"fp32": 1e-4, "fp16": 2e-2}  # fp16 sums in another order at another batch shape


def run_synthesis_batch_check(ctx: Context, record: StepRecord) -> None:
    files = ctx.shared("synthesis_batch_models", lambda: sb.build_files(_folder(ctx), ctx.size))
    half = ctx.cuda
    tts = sb.load_tts(files, ctx.device.type, half=half)
    label = "fp16" if half else "fp32"
    tokens = TOKENS[ctx.size]
    rows = sb.batch_rows(tts, files.reference, tokens, BATCH_SIZES)
    record.check("every batch size gave audio for all 10 pieces", all(row[2] == 10 for row in rows))
    record.figure("batch sizes with batch 1's tokens", sum(bool(row[-1]) for row in rows))
    best = max(rows, key=lambda row: row[5])
    record.figure(f"best tokens/s ({label})", best[5])
    record.table(f"Batched GPT decoding on {ctx.device.type} ({label}), 10 sentences, {tokens} tokens each, greedy",
                 ["batch", "split_bucket", "pieces", "tokens", "GPT s", "tokens/s", "x batch 1", "wall s",
                  "tokens = batch 1"], rows)
    ctx.synchronize()
    stream = sb.stream_rows(tts, files.reference, tokens)
    record.check("each streaming mode yielded a first chunk", all(row[1] is not None for row in stream))
    record.table(f"Streaming on {ctx.device.type} ({label}), 3 sentences", ["variant", "first chunk s",
                 "last chunk s", "chunks", "first / not streamed"], stream)
    sovits = sb.sovits_rows(tts, files.reference, tokens)
    errors = [float(row[3]) for row in sovits if row[3] != "-"]
    record.check(f"batched SoVITS pieces equal the pieces alone (rel. L2 < {SOVITS_TOLERANCE[label]:g}, {label})",
                 max(errors) < SOVITS_TOLERANCE[label])
    record.table(f"SoVITS rendering on {ctx.device.type} ({label}), 4 pieces", ["variant", "s", "x one by one",
                 "max rel. L2 vs alone"], sovits)


def _folder(ctx: Context):
    folder = ctx.work / "synthesis_batch"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
