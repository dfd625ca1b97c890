"""Stage 2: audio -> `5-wav32k/<name>` (int16, 32 kHz) and HuBERT features `4-cnhubert/<name>.pt`.

Audio decoding and resampling run in a background loader pool with a bounded look-ahead so the
model never waits on the disk or the resampler. Finished utterances (both files exist) are
skipped, so the stage resumes after a crash (prepare/resume.py). It does not touch the text or
semantic files.
"""

from __future__ import annotations

import itertools
import logging
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, TypeVar

import numpy as np
import torch

from GPT_SoVITS.audio import check_min_duration, load_audio
from GPT_SoVITS.data_files.failures import write_part_failures
from GPT_SoVITS.data_files.features import WAV_SR, write_stage2_outputs
from GPT_SoVITS.data_files.layout import SSL_DIR, WAV_DIR
from GPT_SoVITS.errors import DataError
from GPT_SoVITS.feature_extractor.cnhubert import load_cnhubert, ssl_features
from GPT_SoVITS.prepare.progress import ProgressWriter
from GPT_SoVITS.prepare.resume import plan_part
from GPT_SoVITS.prepare.stage_env import StageEnv, choose_device
from GPT_SoVITS.prepare.stages import STAGES
from GPT_SoVITS.prepare.summary import StageSummary

logger = logging.getLogger(__name__)

STAGE = STAGES["ssl"].name
SSL_SR = 16000
MAX_PEAK = 2.2  # upstream filters louder files (decoded float audio can exceed 1.0)
WAV_FULL_SCALE = 32768.0
SSL_FULL_SCALE = 1145.14  # upstream's HuBERT input level; the pretrained quantizer expects it
PEAK_LEVEL = 0.95
MIX = 0.5  # half peak-normalised copy, half original level
MIN_SSL_SAMPLES = 400  # HuBERT's receptive field: shorter input gives no frame at all

Item = TypeVar("Item")


@dataclass(frozen=True)
class PreparedAudio:
    """One utterance ready for the model: the int16 32 kHz wav and the float32 16 kHz HuBERT input."""

    wav32k: np.ndarray
    ssl_input: np.ndarray


def level_mix(audio: np.ndarray, peak: float, full_scale: float) -> np.ndarray:
    """Upstream's scaling: `x/peak*(0.95*0.5*full_scale) + 0.5*full_scale*x` (float32)."""
    return audio / peak * (PEAK_LEVEL * MIX * full_scale) + (1 - MIX) * full_scale * audio


def to_int16(samples: np.ndarray) -> np.ndarray:
    """Round toward zero like upstream's cast, but clip instead of wrapping (peaks in 1..2.2)."""
    return np.clip(samples, -32768, 32767).astype(np.int16)


def prepare_audio(path: str | Path) -> PreparedAudio:
    """Decode and scale one file; `DataError` says why it is unusable (missing, empty, silent, loud)."""
    audio = load_audio(path, WAV_SR)
    if audio.size == 0:
        raise DataError(f"{path}: the audio is empty (no samples)")
    peak = float(np.abs(audio).max())  # finite: load_audio refuses NaN/inf samples
    if peak == 0.0:
        raise DataError(f"{path}: the audio is silent (peak 0)")
    if peak > MAX_PEAK:
        raise DataError(f"{path}: peak {peak:.2f} > {MAX_PEAK} (filtered as upstream); re-export it at a normal level")
    check_min_duration(path, audio.size, WAV_SR)
    import librosa

    ssl_input = librosa.resample(level_mix(audio, peak, SSL_FULL_SCALE), orig_sr=WAV_SR, target_sr=SSL_SR)
    if ssl_input.size < MIN_SSL_SAMPLES:
        raise DataError(f"{path}: too short ({audio.size / WAV_SR * 1000:.0f} ms); HuBERT needs at least 25 ms")
    return PreparedAudio(to_int16(level_mix(audio, peak, WAV_FULL_SCALE)), np.ascontiguousarray(ssl_input, np.float32))


def _attempt(prepare: Callable[[Item], PreparedAudio], item: Item) -> PreparedAudio | DataError:
    try:
        return prepare(item)
    except DataError as error:
        return error  # carried to the consumer, which reports it in order


def iter_prepared(
    items: Iterable[Item],
    prepare: Callable[[Item], PreparedAudio],
    workers: int = 1,
    prefetch: int = 8,
) -> Iterator[tuple[Item, PreparedAudio | DataError]]:
    """Yield `(item, prepare(item) or its DataError)` in input order.

    With `workers > 0` a thread pool prepares up to `prefetch` items ahead of the consumer
    (bounded memory); `workers == 0` prepares each item only when asked (sequential baseline).
    """
    if workers <= 0:
        for item in items:
            yield item, _attempt(prepare, item)
        return
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="audio-loader")
    try:
        source = iter(items)
        pending = deque((item, pool.submit(_attempt, prepare, item)) for item in itertools.islice(source, max(prefetch, 1)))
        while pending:
            item, future = pending.popleft()
            for upcoming in itertools.islice(source, 1):
                pending.append((upcoming, pool.submit(_attempt, prepare, upcoming)))
            yield item, future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _extract(model: torch.nn.Module, audio: PreparedAudio) -> torch.Tensor:
    return ssl_features(model, torch.from_numpy(audio.ssl_input))


def _redo_in_float32(model: torch.nn.Module, retry: list, env: StageEnv, summary: StageSummary,
                     fingerprints: dict[str, str]) -> None:
    """Upstream's fallback: files whose half-precision features hold NaN are redone in float32."""
    if not retry:
        return
    logger.info("%d files gave NaN in half precision; redoing them in float32", len(retry))
    model.float()
    for entry, audio in retry:
        features = _extract(model, audio)
        if torch.isnan(features).any():
            summary.fail(entry.name, f"{entry.where}: HuBERT features hold NaN even in float32", fingerprints[entry.name])
            continue
        write_stage2_outputs(env.opt_dir, entry.name, audio.wav32k, features)
        summary.done += 1


def run_ssl_stage(env: StageEnv, model: torch.nn.Module | None = None, workers: int = 1, prefetch: int = 8,
                  progress: ProgressWriter | None = None) -> StageSummary:
    """Run stage 2 for part `env.i_part`; `model` (a loaded HubertModel) is loaded from
    `env.cnhubert_base_dir` when None and there is work to do."""
    plan = plan_part(env, "ssl")
    summary = StageSummary.from_plan(STAGE, plan)
    progress = progress or ProgressWriter(env.progress_file)
    progress.begin(len(plan.todo), len(plan.done))
    for folder in (SSL_DIR, WAV_DIR):
        (env.opt_dir / folder).mkdir(parents=True, exist_ok=True)
    if plan.todo and model is None:
        progress.loading("hubert")
        model = load_cnhubert(env.cnhubert_base_dir, *choose_device(env, "HuBERT"))
    retry = []
    prepared = iter_prepared(plan.todo, lambda entry: prepare_audio(entry.audio_path(env.inp_wav_dir)), workers, prefetch)
    for entry, audio in prepared:
        progress.advance()
        if isinstance(audio, DataError):
            summary.fail(entry.name, f"{entry.where}: {audio}", plan.fingerprints[entry.name])
            continue
        features = _extract(model, audio)
        if torch.isnan(features).any():
            if next(model.parameters()).dtype == torch.float16:
                retry.append((entry, audio))
            else:
                summary.fail(entry.name, f"{entry.where}: HuBERT features hold NaN", plan.fingerprints[entry.name])
            continue
        write_stage2_outputs(env.opt_dir, entry.name, audio.wav32k, features)
        summary.done += 1
    _redo_in_float32(model, retry, env, summary, plan.fingerprints)
    write_part_failures(env.opt_dir, "ssl", env.i_part, summary)
    logger.info(summary.line())
    return summary
