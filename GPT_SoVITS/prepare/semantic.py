"""Stage 3: HuBERT features `4-cnhubert/<name>.pt` -> semantic codes `6-name2semantic-{i}.tsv`.

The SoVITS checkpoint is loaded through weights_compat into the full generator (so a wrong file
is refused), but only `ssl_proj` and the quantizer's codebook are used, folded into one
nearest-code search (`module/code_search.py`). Features are read ahead by a thread where that
overlaps with something (`default_prefetch`) and extracted in batches of concatenated frames;
each code reads only its own two frames and is the exact (float64) nearest code, so batching
never changes a result.
Rows finished earlier are copied, not recomputed (prepare/resume.py).
"""

from __future__ import annotations

import itertools
import logging
import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import torch

from GPT_SoVITS.data_files.failures import write_part_failures
from GPT_SoVITS.data_files.features import read_ssl_features
from GPT_SoVITS.data_files.layout import SSL_DIR
from GPT_SoVITS.data_files.list_file import ListEntry
from GPT_SoVITS.data_files.name2semantic import format_name2semantic_line, write_name2semantic_part
from GPT_SoVITS.errors import DataError
from GPT_SoVITS.module.code_search import SemanticCodeSearch
from GPT_SoVITS.module.config import S2Config
from GPT_SoVITS.model_files import load_sovits
from GPT_SoVITS.module.models import SSL_DIM, SynthesizerTrn
from GPT_SoVITS.prepare.progress import ProgressWriter
from GPT_SoVITS.prepare.resume import plan_part
from GPT_SoVITS.prepare.semantic_codes import code_search_for, extract_codes
from GPT_SoVITS.prepare.stage_env import StageEnv, choose_device
from GPT_SoVITS.prepare.stages import STAGES
from GPT_SoVITS.prepare.summary import StageSummary
from GPT_SoVITS.text.symbols import default_table_name

logger = logging.getLogger(__name__)

STAGE = STAGES["semantic"].name
BATCH_FRAMES = 16384  # 50 Hz frames per batch: ~50 MB of float32 features
MAX_BATCH = 64


@dataclass(frozen=True)
class Features:
    """One utterance's loaded HuBERT features [768, T] and its position in the part."""

    index: int
    entry: ListEntry
    ssl: torch.Tensor


def load_semantic_model(env: StageEnv, device: str = "cpu", half: bool = False) -> SynthesizerTrn:
    """The generator of `pretrained_s2G` (through the one loader, `model_files.load_sovits`), built
    from `s2config_path` for the project's symbol table.

    The architecture version comes from the checkpoint's content; `enc_q.*` may be absent
    (inference-format files drop it). Upstream builds a non-Pro model for Pro files and ignores
    the extra keys; the codes are the same, but here the file loads strictly.
    """
    config = S2Config.from_file(env.s2config_path)
    return load_sovits(env.pretrained_s2G, device, half, config=config, table=default_table_name()).model


def plan_batches(entries: Sequence[ListEntry], ssl_dir: Path, batch_frames: int = BATCH_FRAMES,
                 max_batch: int = MAX_BATCH) -> list[list[tuple[int, ListEntry]]]:
    """Cut the part into batches of (index, entry) in list order, each with at most `max_batch`
    items and about `batch_frames` frames (estimated from file sizes, without loading).

    Batches concatenate frames instead of padding, so no length sorting is needed.
    """
    bytes_per_frame = SSL_DIM * 4  # float32 files; fp16 ones make batches up to 2x the budget
    batches: list[list[tuple[int, ListEntry]]] = []
    current: list[tuple[int, ListEntry]] = []
    frames = 0
    for index, entry in enumerate(entries):
        path = ssl_dir / f"{entry.name}.pt"
        size = max((path.stat().st_size if path.is_file() else 0) // bytes_per_frame, 1)
        if current and (len(current) >= max_batch or frames + size > batch_frames):
            batches.append(current)
            current, frames = [], 0
        current.append((index, entry))
        frames += size
    if current:
        batches.append(current)
    return batches


def _load_batch(batch: list[tuple[int, ListEntry]], ssl_dir: Path) -> list[Features | tuple[ListEntry, DataError]]:
    loaded: list[Features | tuple[ListEntry, DataError]] = []
    for index, entry in batch:
        try:
            loaded.append(Features(index, entry, read_ssl_features(ssl_dir / f"{entry.name}.pt")))
        except DataError as error:
            loaded.append((entry, error))
    return loaded


def default_prefetch(device: torch.device) -> int:
    """Batches to load ahead in a thread: 2 when something is left to overlap with, else 0.

    On a GPU, or with cores torch does not use, reading the next files costs nothing. When torch's
    threads already fill every core, a loader thread only preempts them: on 2 cores the stage ran
    ~20 % slower with it than loading in between (docs/benchmarks.md).
    """
    if device.type == "cuda" or (os.cpu_count() or 1) > torch.get_num_threads():
        return 2
    return 0


def iter_loaded(batches: list[list[tuple[int, ListEntry]]], ssl_dir: Path, prefetch: int = 2) -> Iterator[list]:
    """Yield each batch's loaded features, loading the next `prefetch` batches in a thread
    (prefetch 0: each batch when it is asked for, in the caller's thread)."""
    if prefetch <= 0:
        yield from (_load_batch(batch, ssl_dir) for batch in batches)
        return
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="semantic-loader")
    try:
        source = iter(batches)
        pending = deque(pool.submit(_load_batch, b, ssl_dir) for b in itertools.islice(source, prefetch))
        while pending:
            future = pending.popleft()
            for upcoming in itertools.islice(source, 1):
                pending.append(pool.submit(_load_batch, upcoming, ssl_dir))
            yield future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)




def run_semantic_stage(env: StageEnv, model: SynthesizerTrn | None = None, batch_frames: int = BATCH_FRAMES,
                       max_batch: int = MAX_BATCH, prefetch: int | None = None,
                       search: SemanticCodeSearch | None = None, progress: ProgressWriter | None = None) -> StageSummary:
    """Run stage 3 for part `env.i_part`: write `6-name2semantic-{i}.tsv` (no header, no final
    newline) with the rows finished earlier and those of the utterances whose features load now;
    report the others and go on.
    `search` overrides the code search built from the model (the benchmark compares precisions);
    `prefetch` (batches loaded ahead in a thread) defaults to `default_prefetch`."""
    plan = plan_part(env, "semantic")
    summary = StageSummary.from_plan(STAGE, plan)
    progress = progress or ProgressWriter(env.progress_file)
    progress.begin(len(plan.todo), len(plan.done))
    if model is None and plan.todo:
        progress.loading("sovits")
        model = load_semantic_model(env, *choose_device(env, "the SoVITS model"))
    if search is None and plan.todo:
        search = code_search_for(model)
    if prefetch is None:
        prefetch = default_prefetch(next(model.parameters()).device) if model is not None else 0
    rows = dict(plan.done)
    rows.update(_extract_part(model, search, plan.todo, env.opt_dir / SSL_DIR, summary, batch_frames, max_batch,
                              prefetch, plan.fingerprints, progress))
    write_name2semantic_part(env.opt_dir, env.i_part, [rows[e.name] for e in plan.entries if e.name in rows])
    write_part_failures(env.opt_dir, "semantic", env.i_part, summary)
    logger.info(summary.line())
    return summary


def _extract_part(model: SynthesizerTrn | None, search: SemanticCodeSearch | None, entries: Sequence[ListEntry],
                  ssl_dir: Path, summary: StageSummary, batch_frames: int, max_batch: int, prefetch: int,
                  fingerprints: dict[str, str], progress: ProgressWriter) -> dict[str, str]:
    """name -> output row for the `entries` whose features load; failures go to `summary`."""
    rows: dict[str, str] = {}
    batches = plan_batches(entries, ssl_dir, batch_frames, max_batch)
    for loaded in iter_loaded(batches, ssl_dir, prefetch):
        good = [item for item in loaded if isinstance(item, Features)]
        for item in loaded:
            if not isinstance(item, Features):
                entry, error = item
                summary.fail(entry.name, f"{entry.where}: {error}", fingerprints[entry.name])
        if good:
            for item, codes in zip(good, extract_codes(model, [g.ssl for g in good], search)):
                rows[item.entry.name] = format_name2semantic_line(item.entry.name, codes.tolist())
                summary.done += 1
        progress.advance(len(loaded))
    return rows
