"""Stage 2: audio -> `5-wav32k/<name>` (int16, 32 kHz) and HuBERT features `4-cnhubert/<name>.pt`.

Audio decoding and resampling run in a background loader pool with a bounded look-ahead so the
model never waits on the disk or the resampler. Finished utterances (their `.pt` exists) are
skipped, so the stage resumes after a crash. It does not touch the text or semantic files.
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

from GPT_SoVITS.atomic import atomic_output, torch_save_atomic
from GPT_SoVITS.audio import load_audio
from GPT_SoVITS.errors import DataError
from GPT_SoVITS.feature_extractor.cnhubert import load_cnhubert, ssl_features
from GPT_SoVITS.prepare.list_file import ListEntry, read_list
from GPT_SoVITS.prepare.merge import write_part_failures
from GPT_SoVITS.prepare.stage_env import StageEnv
from GPT_SoVITS.prepare.summary import StageSummary

logger = logging.getLogger(__name__)

STAGE = "2-get-hubert-wav32k"
WAV_SR = 32000
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
    peak = float(np.abs(audio).max())
    if not np.isfinite(peak):
        raise DataError(f"{path}: the audio holds NaN or infinite samples")
    if peak == 0.0:
        raise DataError(f"{path}: the audio is silent (peak 0)")
    if peak > MAX_PEAK:
        raise DataError(f"{path}: peak {peak:.2f} > {MAX_PEAK} (filtered as upstream); re-export it at a normal level")
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


def save_outputs(name: str, audio: PreparedAudio, features: torch.Tensor, opt_dir: Path) -> None:
    """Write the wav, then the `.pt` (whose presence marks the utterance done), both atomically."""
    from scipy.io import wavfile

    with atomic_output(opt_dir / "5-wav32k" / name) as tmp:
        wavfile.write(tmp, WAV_SR, audio.wav32k)
    torch_save_atomic(features.detach().cpu(), opt_dir / "4-cnhubert" / f"{name}.pt")


def choose_device(env: StageEnv) -> tuple[str, bool]:
    """CUDA when present (half precision if `is_half`), else CPU in float32."""
    if torch.cuda.is_available():
        return "cuda", env.is_half
    if env.is_half:
        logger.info("is_half=True but no CUDA device: running HuBERT in float32 on the CPU")
    return "cpu", False


def _extract(model: torch.nn.Module, audio: PreparedAudio) -> torch.Tensor:
    return ssl_features(model, torch.from_numpy(audio.ssl_input))


def _redo_in_float32(model: torch.nn.Module, retry: list, env: StageEnv, summary: StageSummary) -> None:
    """Upstream's fallback: files whose half-precision features hold NaN are redone in float32."""
    if not retry:
        return
    logger.info("%d files gave NaN in half precision; redoing them in float32", len(retry))
    model.float()
    for entry, audio in retry:
        features = _extract(model, audio)
        if torch.isnan(features).any():
            summary.fail(entry.name, f"{entry.where}: HuBERT features hold NaN even in float32")
            continue
        save_outputs(entry.name, audio, features, env.opt_dir)
        summary.done += 1


def _pending_entries(env: StageEnv, summary: StageSummary) -> list[ListEntry]:
    entries, problems = read_list(env.inp_text, env.i_part, env.all_parts)
    for problem in problems:
        summary.fail(f"{problem.source}:{problem.line_number}", problem.message)
    todo = []
    for entry in entries:
        if (env.opt_dir / "4-cnhubert" / f"{entry.name}.pt").exists():
            summary.skipped += 1
        else:
            todo.append(entry)
    return todo


def run_ssl_stage(
    env: StageEnv, model: torch.nn.Module | None = None, workers: int = 1, prefetch: int = 8
) -> StageSummary:
    """Run stage 2 for part `env.i_part`; `model` (a loaded HubertModel) is loaded from
    `env.cnhubert_base_dir` when None and there is work to do."""
    summary = StageSummary(STAGE)
    todo = _pending_entries(env, summary)
    for folder in ("4-cnhubert", "5-wav32k"):
        (env.opt_dir / folder).mkdir(parents=True, exist_ok=True)
    if todo and model is None:
        device, half = choose_device(env)
        model = load_cnhubert(env.cnhubert_base_dir, device=device, half=half)
    retry = []
    prepared = iter_prepared(todo, lambda entry: prepare_audio(entry.audio_path(env.inp_wav_dir)), workers, prefetch)
    for entry, audio in prepared:
        if isinstance(audio, DataError):
            summary.fail(entry.name, f"{entry.where}: {audio}")
            continue
        features = _extract(model, audio)
        if torch.isnan(features).any():
            if next(model.parameters()).dtype == torch.float16:
                retry.append((entry, audio))
            else:
                summary.fail(entry.name, f"{entry.where}: HuBERT features hold NaN")
            continue
        save_outputs(entry.name, audio, features, env.opt_dir)
        summary.done += 1
    _redo_in_float32(model, retry, env, summary)
    write_part_failures(env.opt_dir, "ssl", env.i_part, summary)
    logger.info(summary.line())
    return summary
