"""Stage 2-get-sv (v2Pro/v2ProPlus only): `5-wav32k/<name>` -> speaker vector `7-sv_cn/<name>.pt`.

As upstream: the input is stage 2's 32 kHz wav (its loudness mix, never the source audio),
resampled to 16 kHz with upstream's filter (`sv.resample`) and embedded by the ERes2NetV2
speaker encoder; the vector is saved as [1, 20480], float16 under half precision. Clips can go
through the network in zero-padded batches of similar length (each vector equals the one-by-one
vector); on the CPU one clip at a time is faster (bench/sv_stage.py), so batches are used on a
GPU only. Finished utterances are skipped (prepare/resume.py). It does not touch the other
stages' files.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import soundfile
import torch

from GPT_SoVITS.audio import check_min_duration
from GPT_SoVITS.data_files.failures import write_part_failures
from GPT_SoVITS.data_files.features import WAV_SR, read_wav32k
from GPT_SoVITS.data_files.layout import SV_DIR, wav32k_path
from GPT_SoVITS.data_files.list_file import ListEntry
from GPT_SoVITS.data_files.sv_vectors import write_sv_vector
from GPT_SoVITS.errors import DataError
from GPT_SoVITS.prepare.progress import ProgressWriter
from GPT_SoVITS.prepare.resume import plan_part
from GPT_SoVITS.prepare.stage_env import StageEnv, choose_device
from GPT_SoVITS.prepare.stages import STAGES
from GPT_SoVITS.prepare.summary import StageSummary
from GPT_SoVITS.sv import SpeakerEncoder, load_speaker_encoder
from GPT_SoVITS.sv.resample import resample_to_16k, resampled_length

logger = logging.getLogger(__name__)

STAGE = STAGES["sv"].name
# Clips per padded batch. On the CPU batches were 0.5-0.6x as fast as one clip at a time when the
# machine was quiet (docs/benchmarks.md); on a GPU a single clip leaves it mostly idle. The GPU
# figure is not measured yet: bench/sv_stage.py --device cuda [--half] decides it.
CPU_BATCH_SIZE = 1
GPU_BATCH_SIZE = 8
MAX_BATCH_SECONDS = 160.0  # padded 16 kHz audio per batch, bounding activation memory


@dataclass(frozen=True)
class Clip:
    """One utterance to embed: its line and the length of its 16 kHz wave (from the wav header)."""

    entry: ListEntry
    path: Path
    samples16k: int


def find_clip(opt_dir: Path, entry: ListEntry) -> Clip:
    """The utterance's 32 kHz wav and its length; `DataError` when it is missing, unreadable or too short."""
    path = wav32k_path(opt_dir, entry.name)
    if not path.is_file():
        raise DataError(f"{path} is missing: stage 2 (2-get-hubert-wav32k) did not produce it (see its failures); "
                        f"rerun stage 2 first")
    try:
        info = soundfile.info(str(path))
        with soundfile.SoundFile(str(path)) as handle:  # read to the end: a truncated file holds fewer frames
            frames = len(handle.read(dtype="int16", always_2d=True))
        truncated = frames < info.frames or _truncated_riff(path)
    except (RuntimeError, OSError, soundfile.LibsndfileError) as error:
        raise DataError(f"{path}: cannot read audio ({error}); rerun stage 2 for it") from None
    if info.samplerate != WAV_SR:
        raise DataError(f"{path}: {info.samplerate} Hz, expected {WAV_SR}; rerun stage 2 for it")
    if truncated:
        raise DataError(f"{path}: truncated (shorter than its header says); delete it and rerun stage 2 for it")
    check_min_duration(path, frames, WAV_SR)  # far above the encoder's one fbank window
    return Clip(entry, path, resampled_length(frames))


def _truncated_riff(path: Path) -> bool:
    """Whether a RIFF (WAV) file is shorter than its header says. libsndfile quietly reads only the
    samples present, so a file cut short by a kill or a full disk would otherwise be embedded."""
    with open(path, "rb") as handle:
        head = handle.read(12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return False
    declared = int.from_bytes(head[4:8], "little") + 8
    return declared not in (8, 0xFFFFFFFF + 8) and path.stat().st_size < declared  # 0 / -1: a streamed header


def default_batch_size(model: SpeakerEncoder) -> int:
    """Clips per batch for the device the model runs on (see CPU_BATCH_SIZE / GPU_BATCH_SIZE)."""
    return GPU_BATCH_SIZE if next(model.parameters()).device.type == "cuda" else CPU_BATCH_SIZE


def plan_batches(clips: list[Clip], batch_size: int = CPU_BATCH_SIZE,
                 max_samples: int = int(MAX_BATCH_SECONDS * 16000)) -> list[list[Clip]]:
    """Clips sorted by length, cut into batches of at most `batch_size` whose padded size stays
    within `max_samples` (a longer clip alone is one batch): little padding, bounded memory."""
    batches: list[list[Clip]] = []
    for clip in sorted(clips, key=lambda c: c.samples16k):
        current = batches[-1] if batches else None
        if current and len(current) < batch_size and clip.samples16k * (len(current) + 1) <= max_samples:
            current.append(clip)
        else:
            batches.append([clip])
    return batches


def embed_batch(model: SpeakerEncoder, clips: list[Clip]) -> torch.Tensor:
    """Read, resample and embed one batch -> [B, 20480] in the model's dtype, on the CPU.

    Each clip is resampled alone, then zero-padded; `lengths` makes every vector the one its clip
    gives by itself.
    """
    waves = [resample_to_16k(read_wav32k(clip.path)) for clip in clips]
    lengths = torch.tensor([wave.numel() for wave in waves])
    batch = torch.zeros(len(waves), int(lengths.max()))
    for row, wave in enumerate(waves):
        batch[row, : wave.numel()] = wave
    device = next(model.parameters()).device
    return model.embed(batch.to(device), lengths.to(device)).cpu()


def _collect_clips(env: StageEnv, entries: list[ListEntry], summary: StageSummary,
                   fingerprints: dict[str, str], progress: ProgressWriter) -> list[Clip]:
    clips = []
    for entry in entries:
        try:
            clips.append(find_clip(env.opt_dir, entry))
        except DataError as error:
            summary.fail(entry.name, f"{entry.where}: {error}", fingerprints[entry.name])
            progress.advance()
    return clips


def load_stage_encoder(env: StageEnv) -> SpeakerEncoder:
    """The encoder from `env.sv_path`: on CUDA when present (float16 when `is_half`), else CPU float32."""
    device, half = choose_device(env, "the speaker encoder")
    return load_speaker_encoder(env.sv_path, device=device, dtype=torch.float16 if half else torch.float32)


def run_sv_stage(env: StageEnv, model: SpeakerEncoder | None = None, batch_size: int | None = None,
                 progress: ProgressWriter | None = None) -> StageSummary:
    """Run stage 2-get-sv for part `env.i_part`; `model` is loaded from `env.sv_path` when None and
    there is work to do. `batch_size` 1 embeds clip by clip, as upstream; None: the device's default."""
    plan = plan_part(env, "sv")
    summary = StageSummary.from_plan(STAGE, plan)
    progress = progress or ProgressWriter(env.progress_file)
    progress.begin(len(plan.todo), len(plan.done))
    (env.opt_dir / SV_DIR).mkdir(parents=True, exist_ok=True)
    clips = _collect_clips(env, plan.todo, summary, plan.fingerprints, progress)
    if clips and model is None:
        progress.loading("sv")
        model = load_stage_encoder(env)
    size = batch_size or (default_batch_size(model) if clips else CPU_BATCH_SIZE)
    for batch in plan_batches(clips, size):
        for clip, vector in _embedded(model, batch, summary, plan.fingerprints):
            _save(env, clip, vector, summary, plan.fingerprints)
        progress.advance(len(batch))
    write_part_failures(env.opt_dir, "sv", env.i_part, summary)
    logger.info(summary.line())
    return summary


def _embedded(model: SpeakerEncoder, batch: list[Clip], summary: StageSummary,
              fingerprints: dict[str, str]) -> list[tuple[Clip, torch.Tensor]]:
    """(clip, vector) for the clips of `batch`; a wav that cannot be read fails alone (its batch is
    retried clip by clip), the others are still embedded."""
    try:
        return list(zip(batch, embed_batch(model, batch)))
    except DataError as error:
        if len(batch) == 1:
            summary.fail(batch[0].entry.name, f"{batch[0].entry.where}: {error}", fingerprints[batch[0].entry.name])
            return []
    return [pair for clip in batch for pair in _embedded(model, [clip], summary, fingerprints)]


def _save(env: StageEnv, clip: Clip, vector: torch.Tensor, summary: StageSummary, fingerprints: dict[str, str]) -> None:
    if not bool(torch.isfinite(vector).all()):
        hint = "; rerun with is_half=False" if vector.dtype == torch.float16 else ""
        summary.fail(clip.entry.name, f"{clip.entry.where}: the speaker vector holds NaN or inf{hint}",
                     fingerprints[clip.entry.name])
        return
    write_sv_vector(env.opt_dir, clip.entry.name, vector)
    summary.done += 1
