"""Training data of the SoVITS trainer, read from a prepared experiment folder.

An experiment folder (`logs/<exp>`) holds `2-name2text.txt` (phones), `4-cnhubert/<name>.pt`
(SSL features [1, 768, T] at 50 Hz) and `5-wav32k/<name>` (int16 32 kHz wavs), written by the
preparation stages, and for the Pro versions `7-sv_cn/<name>.pt` (speaker vectors, stage
2-get-sv). This module turns them into batches of (ssl, spectrogram, audio, phone ids[, speaker
vector]); every utterance it cannot use is counted in a `DataReport`, never silently dropped.
It does not build or run any model.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, Sequence

import soundfile
import torch
import torch.nn.functional as F

from GPT_SoVITS.atomic import torch_save_atomic
from GPT_SoVITS.data_files.features import read_ssl_features, read_wav32k
from GPT_SoVITS.data_files.layout import NAME2TEXT, SV_DIR, ssl_path, sv_path, wav32k_path
from GPT_SoVITS.data_files.list_file import ListProblem
from GPT_SoVITS.data_files.name2text import Name2TextRow, iter_name2text
from GPT_SoVITS.data_files.report import DataReport
from GPT_SoVITS.data_files.sampler import DEFAULT_EDGES, BucketBatchSampler  # noqa: F401  (the trainer's sampler)
from GPT_SoVITS.data_files.sv_vectors import read_sv_vector
from GPT_SoVITS.errors import DataError, UnknownSymbolError
from GPT_SoVITS.text.symbols import PAD_ID, SymbolTable
from GPT_SoVITS.versions import pro_text

logger = logging.getLogger(__name__)

TEXT_FILE = NAME2TEXT
SPEC_SUFFIX = ".spec.pt"
#: Upstream's duration filter: keep 0.6 s < duration < 54 s.
MIN_SECONDS = 0.6
MAX_SECONDS = 54.0
#: Upstream's bucket edges in spectrogram frames (the sampler's default).
BUCKET_EDGES = DEFAULT_EDGES


@dataclass(frozen=True)
class SpectrogramParams:
    """The STFT settings of the `data` section of s2.json (32 kHz, hop 640, n_fft/win 2048)."""

    sampling_rate: int = 32000
    filter_length: int = 2048
    hop_length: int = 640
    win_length: int = 2048

    @classmethod
    def from_config(cls, data: dict) -> "SpectrogramParams":
        return cls(
            sampling_rate=int(data["sampling_rate"]),
            filter_length=int(data["filter_length"]),
            hop_length=int(data["hop_length"]),
            win_length=int(data["win_length"]),
        )


@dataclass(frozen=True)
class Utterance:
    """One usable training item: where its files are and its length in spectrogram frames."""

    name: str
    phone_ids: tuple[int, ...]
    ssl_path: Path
    wav_path: Path
    frames: int
    sv_path: Path | None = None  # the speaker vector (Pro experiments)


SV_STAGE = "stage 2-get-sv (button 1b with a Pro version, or python -m GPT_SoVITS.prepare --version <its version>)"


def scan_experiment(
    exp_dir: str | Path, table: SymbolTable, params: SpectrogramParams = SpectrogramParams(),
    speaker_vectors: bool = False,
) -> tuple[list[Utterance], DataReport]:
    """Read `2-name2text.txt` and keep the utterances whose phones, features and audio are usable.

    Dropped (and counted): malformed lines, unknown phones, a missing/empty `.pt` or wav, a
    wav at the wrong sample rate, and durations outside (0.6 s, 54 s). With `speaker_vectors`
    (Pro versions) an utterance also needs its `7-sv_cn/<name>.pt`, as upstream's filter does.
    """
    exp_dir = Path(exp_dir)
    text_path = exp_dir / TEXT_FILE
    if not text_path.is_file():
        raise DataError(f"{text_path}: not found; run the dataset preparation (buttons 1a-1c, or python -m GPT_SoVITS.prepare) for this experiment first")
    if speaker_vectors and not (exp_dir / SV_DIR).is_dir():
        raise DataError(f"{exp_dir / SV_DIR}: not found; a {pro_text()} model trains on speaker vectors: "
                        f"run {SV_STAGE} for this experiment first")
    report = DataReport("s2 data")
    utterances: list[Utterance] = []
    seen: set[str] = set()
    for row in iter_name2text(text_path):
        where = f"{TEXT_FILE}:{row.line_number}"
        if isinstance(row, ListProblem):
            report.drop("malformed line", f"{where}: {row.message}")
            continue
        utterance = _scan_row(exp_dir, row, where, table, params, report)
        if utterance is not None and speaker_vectors:
            utterance = _with_speaker_vector(exp_dir, utterance, where, report)
        if utterance is None:
            continue
        if utterance.name in seen:
            report.drop("duplicate name", f"{where}: {utterance.name!r} already listed above; this line is ignored")
            continue
        seen.add(utterance.name)
        utterances.append(utterance)
        report.kept += 1
    return utterances, report


def _scan_row(
    exp_dir: Path, row: Name2TextRow, where: str, table: SymbolTable, params: SpectrogramParams, report: DataReport
) -> Utterance | None:
    name = row.name
    try:
        phone_ids = table.to_ids(row.phones, text=row.norm_text, where=where)
    except UnknownSymbolError as error:
        report.unknown_symbols[error.symbol] += 1
        report.drop("unknown phone", f"{where}: {error}")
        return None
    if not phone_ids:
        report.drop("no phones", f"{where}: {name}: the phone column is empty")
        return None
    ssl_file, wav_path = ssl_path(exp_dir, name), wav32k_path(exp_dir, name)
    for path, reason in ((ssl_file, "missing ssl .pt"), (wav_path, "missing wav")):
        if not path.is_file() or path.stat().st_size == 0:
            report.drop(reason, f"{where}: {name}: {path} is missing or empty; re-run stage 2 (button 1b) for it")
            return None
    try:
        info = soundfile.info(str(wav_path))
    except (RuntimeError, soundfile.LibsndfileError) as error:
        report.drop("unreadable wav", f"{where}: {name}: {wav_path}: {error}")
        return None
    if info.samplerate != params.sampling_rate:
        report.drop("wrong sample rate", f"{where}: {name}: {wav_path} is {info.samplerate} Hz, expected {params.sampling_rate}")
        return None
    seconds = info.frames / info.samplerate
    if not MIN_SECONDS < seconds < MAX_SECONDS:
        reason = "too short" if seconds <= MIN_SECONDS else "too long"
        report.drop(reason, f"{where}: {name}: {seconds:.2f} s, kept only between {MIN_SECONDS} and {MAX_SECONDS} s")
        return None
    return Utterance(name, tuple(phone_ids), ssl_file, wav_path, info.frames // params.hop_length)


def _with_speaker_vector(exp_dir: Path, utterance: Utterance, where: str, report: DataReport) -> Utterance | None:
    path = sv_path(exp_dir, utterance.name)
    if not path.is_file() or path.stat().st_size == 0:
        report.drop("missing speaker vector", f"{where}: {utterance.name}: {path} is missing or empty; rerun {SV_STAGE}")
        return None
    return dataclasses.replace(utterance, sv_path=path)


def repeat_small_dataset(utterances: Sequence[Utterance], min_items: int) -> list[Utterance]:
    """Upstream's rule: fewer than `min_items` utterances are repeated max(2, min_items//n) times,
    so an "epoch" of a tiny fine-tuning set is still a meaningful number of steps."""
    count = len(utterances)
    if count == 0 or count >= min_items:
        return list(utterances)
    return list(utterances) * max(2, min_items // count)


# --- loading one item -------------------------------------------------------------------


def read_audio(path: Path, params: SpectrogramParams) -> torch.Tensor:
    """The wav as float32 in [-1, 1], shape [S], checked against the config's sampling rate."""
    return read_wav32k(path, params.sampling_rate)


def spectrogram_of(audio: torch.Tensor, params: SpectrogramParams) -> torch.Tensor:
    """Linear magnitude spectrogram [bins, frames] of one utterance, as the model expects."""
    from GPT_SoVITS.module.mel_processing import spectrogram

    spec = spectrogram(audio.unsqueeze(0), params.filter_length, params.hop_length, params.win_length)
    return spec.squeeze(0)


def _cache_key(wav_path: Path, params: SpectrogramParams) -> dict:
    from GPT_SoVITS.module.mel_processing import MAGNITUDE_FLOOR

    stat = wav_path.stat()
    return {
        "wav_size": int(stat.st_size),
        "wav_mtime_ns": int(stat.st_mtime_ns),
        "stft": [params.filter_length, params.hop_length, params.win_length],
        "magnitude_floor": MAGNITUDE_FLOOR,  # caches written with another floor are recomputed
    }


def cached_spectrogram(wav_path: Path, audio: torch.Tensor, params: SpectrogramParams, use_cache: bool = True) -> torch.Tensor:
    """The spectrogram of `audio`, from `<wav>.spec.pt` when it matches the wav, else computed.

    The cache records the wav's size, mtime and STFT settings; a stale, foreign or unreadable
    cache is recomputed and rewritten (atomically) rather than trusted.
    """
    if not use_cache:
        return spectrogram_of(audio, params)
    cache_path = wav_path.with_name(wav_path.name + SPEC_SUFFIX)
    key = _cache_key(wav_path, params)
    if cache_path.is_file():
        try:
            cached = torch.load(cache_path, map_location="cpu", weights_only=True)
            if isinstance(cached, dict) and cached.get("key") == key and isinstance(cached.get("spec"), torch.Tensor):
                return cached["spec"]
            logger.debug("%s: stale spectrogram cache, recomputing", cache_path)
        except Exception as error:  # any unreadable cache (truncated zip, pickle error) is just recomputed
            logger.warning("%s: unreadable spectrogram cache (%s); recomputing", cache_path, error)
    spec = spectrogram_of(audio, params)
    try:
        torch_save_atomic({"key": key, "spec": spec.contiguous()}, cache_path)
    except OSError as error:
        logger.warning("%s: cannot write the spectrogram cache (%s); training goes on without it", cache_path, error)
    return spec


class Sample(NamedTuple):
    ssl: torch.Tensor  # [768, T]
    spec: torch.Tensor  # [bins, T]
    audio: torch.Tensor  # [1, T * hop]
    text: torch.Tensor  # [N] phone ids
    sv: torch.Tensor | None = None  # [20480] speaker vector (Pro versions)


def align_lengths(ssl: torch.Tensor, spec: torch.Tensor, audio: torch.Tensor, hop: int) -> Sample:
    """Bring ssl, spectrogram and audio to one even frame count T.

    HuBERT usually yields one frame fewer than the spectrogram: upstream then repeats the last
    ssl frame. T is made even because the 25 Hz quantiser halves it and the model doubles it back.
    """
    if ssl.shape[-1] == spec.shape[-1] - 1:
        ssl = F.pad(ssl.unsqueeze(0), (0, 1), mode="replicate").squeeze(0)
    frames = min(ssl.shape[-1], spec.shape[-1], audio.shape[-1] // hop)
    frames -= frames % 2
    return Sample(ssl[:, :frames], spec[:, :frames], audio[: frames * hop].unsqueeze(0), torch.empty(0))


class S2Dataset(torch.utils.data.Dataset):
    """Loads (ssl, spectrogram, audio, phone ids[, speaker vector]) for each utterance; spectrograms are cached."""

    def __init__(self, utterances: Sequence[Utterance], params: SpectrogramParams, use_cache: bool = True):
        self.utterances = list(utterances)
        self.params = params
        self.use_cache = use_cache

    def __len__(self) -> int:
        return len(self.utterances)

    def lengths(self) -> list[int]:
        """Frame counts, for the bucket sampler."""
        return [u.frames for u in self.utterances]

    def __getitem__(self, index: int) -> Sample:
        utterance = self.utterances[index]
        audio = read_audio(utterance.wav_path, self.params)
        spec = cached_spectrogram(utterance.wav_path, audio, self.params, self.use_cache)
        ssl = read_ssl_features(utterance.ssl_path).float()
        if abs(ssl.shape[-1] - spec.shape[-1]) > 2:
            logger.warning("%s: %d SSL frames vs %d spectrogram frames; using the shorter",
                           utterance.name, ssl.shape[-1], spec.shape[-1])
        sample = align_lengths(ssl, spec, audio, self.params.hop_length)
        if sample.ssl.shape[-1] < 2:
            raise DataError(f"{utterance.ssl_path}: fewer than 2 usable frames; re-run stage 2 (button 1b) for {utterance.name}")
        sv = read_sv_vector(utterance.sv_path) if utterance.sv_path is not None else None
        return sample._replace(text=torch.tensor(utterance.phone_ids, dtype=torch.long), sv=sv)


class Batch(NamedTuple):
    ssl: torch.Tensor  # [B, 768, T]
    spec: torch.Tensor  # [B, bins, T]
    spec_lengths: torch.Tensor  # [B]
    audio: torch.Tensor  # [B, 1, T * hop]
    text: torch.Tensor  # [B, N], padded with PAD_ID
    text_lengths: torch.Tensor  # [B]
    sv: torch.Tensor | None = None  # [B, 20480] float32 speaker vectors (Pro versions)

    def to(self, device: torch.device | str) -> "Batch":
        return Batch(*(None if t is None else t.to(device, non_blocking=True) for t in self))


def _pad_stack(tensors: Sequence[torch.Tensor], length: int, value: float = 0) -> torch.Tensor:
    return torch.stack([F.pad(t, (0, length - t.shape[-1]), value=value) for t in tensors])


def collate(samples: Sequence[Sample]) -> Batch:
    """Zero-pad a list of samples to the longest one (text with PAD_ID, masked by its length)."""
    frames = max(s.spec.shape[-1] for s in samples)
    samples_per_frame = samples[0].audio.shape[-1] // max(samples[0].spec.shape[-1], 1)
    spec_lengths = torch.tensor([s.spec.shape[-1] for s in samples], dtype=torch.long)
    text_lengths = torch.tensor([s.text.shape[-1] for s in samples], dtype=torch.long)
    return Batch(
        ssl=_pad_stack([s.ssl for s in samples], frames),
        spec=_pad_stack([s.spec for s in samples], frames),
        spec_lengths=spec_lengths,
        audio=_pad_stack([s.audio for s in samples], frames * samples_per_frame),
        text=_pad_stack([s.text for s in samples], int(text_lengths.max()), value=PAD_ID),
        text_lengths=text_lengths,
        sv=torch.stack([s.sv for s in samples]) if samples[0].sv is not None else None,
    )
