"""Synthesis parameters and results: plain records shared by the API, the CLI and the web UI.

Defaults follow upstream's inference defaults for v2 (top_k 15, top_p 1, temperature 1,
repetition penalty 1.35, noise scale 0.5, 0.3 s pauses) and its API's names for batching and
splitting (`batch_size`, `split_bucket`, `batch_threshold`, `text_split_method`,
`fragment_interval`, `parallel_infer`). The split default is `cut3` (at sentence ends, long
sentences cut at ; : and commas), which is what synthesis did before the method names existed;
upstream's API defaults to `cut5`. Nothing here touches a model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from GPT_SoVITS.errors import ConfigError

SAMPLE_RATE = 32000
SPLIT_METHODS = ("cut0", "cut1", "cut2", "cut3", "cut4", "cut5")
DEFAULT_SPLIT_METHOD = "cut3"
CPU_PRECISIONS = ("fp32", "bf16", "int8")
REF_MIN_SECONDS = 3.0
REF_MAX_SECONDS = 10.0


@dataclass(frozen=True)
class SynthesisParams:
    """How to sample, batch and render. `seed` None draws a fresh seed (reported in the result).

    Greedy decoding (top_k 1) gives the same tokens at every `batch_size`; sampled decoding is
    reproducible for a seed *at a given batch size* (the rows of a batch share one generator).
    """

    top_k: int = 15
    top_p: float = 1.0
    temperature: float = 1.0
    repetition_penalty: float = 1.35
    speed: float = 1.0
    noise_scale: float = 0.5
    seed: int | None = None
    fragment_interval: float = 0.3  # seconds of silence between pieces (upstream's name; was pause_seconds)
    max_piece_chars: int = 150  # cut3/cut4: longer sentences are cut at ; : then commas
    max_new_tokens: int | None = None  # per piece; None = the GPT's max_sec * 25 (54 s)
    batch_size: int = 1  # pieces decoded together by the GPT
    split_bucket: bool = True  # batch pieces of similar length (sorted), results still in text order
    batch_threshold: float = 0.75  # a bucket ends where shortest/longest phone count would drop below this
    text_split_method: str = DEFAULT_SPLIT_METHOD  # cut0..cut5, see text_split.SPLIT_METHOD_HELP
    parallel_infer: bool = True  # False: one piece at a time whatever batch_size says

    @property
    def pause_seconds(self) -> float:
        """The old name of `fragment_interval`."""
        return self.fragment_interval

    @property
    def gpt_batch_size(self) -> int:
        """Pieces per GPT batch once `parallel_infer` is applied."""
        return self.batch_size if self.parallel_infer else 1
    latin: str = "english"  # Latin words in Russian text: English phones, or "translit" (Russian sounds)

    def __post_init__(self) -> None:
        problems = []
        if self.top_k < 1:
            problems.append(f"top_k must be >= 1, got {self.top_k}")
        if not 0.0 < self.top_p <= 1.0:
            problems.append(f"top_p must be in (0, 1], got {self.top_p}")
        if self.temperature <= 0:
            problems.append(f"temperature must be > 0, got {self.temperature}")
        if self.repetition_penalty <= 0:
            problems.append(f"repetition_penalty must be > 0, got {self.repetition_penalty}")
        if not 0.25 <= self.speed <= 4.0:
            problems.append(f"speed must be in [0.25, 4], got {self.speed}")
        if self.noise_scale < 0:
            problems.append(f"noise_scale must be >= 0, got {self.noise_scale}")
        if self.fragment_interval < 0:
            problems.append(f"fragment_interval must be >= 0, got {self.fragment_interval}")
        if self.batch_size < 1:
            problems.append(f"batch_size must be >= 1, got {self.batch_size}")
        if not 0.0 < self.batch_threshold <= 1.0:
            problems.append(f"batch_threshold must be in (0, 1], got {self.batch_threshold}")
        if self.text_split_method not in SPLIT_METHODS:
            problems.append(f"text_split_method must be one of {', '.join(SPLIT_METHODS)}, got {self.text_split_method!r}")
        if self.max_piece_chars < 10:
            problems.append(f"max_piece_chars must be >= 10, got {self.max_piece_chars}")
        if self.max_new_tokens is not None and self.max_new_tokens < 1:
            problems.append(f"max_new_tokens must be >= 1, got {self.max_new_tokens}")
        if self.latin not in ("english", "translit"):
            problems.append(f"latin must be english or translit, got {self.latin!r}")
        if problems:
            raise ConfigError("synthesis parameters: " + "; ".join(problems))


@dataclass(frozen=True)
class Timings:
    """Wall-clock seconds per part of the pipeline (for the benchmark and the CLI summary)."""

    frontend: float = 0.0  # text splitting, normalisation, g2p, ids
    reference: float = 0.0  # reference audio decoding, spectrogram, HuBERT, prompt codes
    gpt: float = 0.0
    sovits: float = 0.0

    @property
    def total(self) -> float:
        return self.frontend + self.reference + self.gpt + self.sovits


@dataclass(frozen=True)
class PieceResult:
    """One synthesised piece: its text, target phones, GPT token count and audio samples
    (`codes`: the GPT's semantic tokens themselves)."""

    text: str
    phones: tuple[str, ...]
    tokens: int
    samples: int
    codes: tuple[int, ...] = ()


@dataclass(frozen=True, eq=False)
class SynthesisResult:
    """Audio (float32 mono, -1..1) at `sample_rate`, the pieces it was made of, and timings."""

    sample_rate: int
    audio: np.ndarray
    pieces: tuple[PieceResult, ...]
    timings: Timings
    seed: int

    @property
    def duration(self) -> float:
        return len(self.audio) / self.sample_rate

    @property
    def tokens(self) -> int:
        return sum(piece.tokens for piece in self.pieces)

    @property
    def real_time_factor(self) -> float:
        """Synthesis time divided by audio duration (below 1 is faster than real time)."""
        return self.timings.total / self.duration if self.duration > 0 else float("inf")
