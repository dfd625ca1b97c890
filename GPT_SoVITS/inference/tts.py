"""`TTS`: synthesis from a GPT + SoVITS pair and a reference clip, whole (`synthesize`) or in
chunks as they are ready (`stream`).

Pipeline per call: cut the target text into pieces (`text_split_method`), clean the reference
text and each piece to phone ids (BERT features are zeros for non-Chinese text, as upstream);
reference audio -> HuBERT -> SoVITS quantizer -> prompt tokens; the GPT continues the prompt
over [reference phones ; piece phones] for `batch_size` pieces at a time (`batching.py` plans
which, `AR.models.batch_decode` decodes them); SoVITS renders each piece's tokens with its
phones and the timbre of the reference spectrogram(s) (plus, for weights of a Pro version, their
speaker vectors), on CUDA the pieces of a GPT batch together in padded batches of similar token
counts (`SynthesizerTrn.decode_batch` masks the padding; `sovits_batching`), each piece's noise
seeded by the piece, so that batching does not change the audio; pieces are joined with
`fragment_interval` seconds of silence. Loading lives in `loading.py`, streaming modes 2-3 in
`stream.py`.
"""

from __future__ import annotations

import logging
import os
import random
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
import torch

from GPT_SoVITS.AR.models.batch_decode import DecodeSettings, decode_steps
from GPT_SoVITS.errors import CheckpointError, DataError, UnknownSymbolError
from GPT_SoVITS.inference.batching import plan_batches
from GPT_SoVITS.inference.loading import LoadedModel, check_same_table, load_gpt, load_sovits, load_sv_for
from GPT_SoVITS.data_files.layout import BERT_DIM
from GPT_SoVITS.inference.params import PieceResult, SynthesisParams, SynthesisResult, Timings
from GPT_SoVITS.inference.precision import apply_cpu_precision
from GPT_SoVITS.inference.reference import Reference, file_identity, load_reference
from GPT_SoVITS.inference.text_split import ensure_final_punctuation, split_by_method

logger = logging.getLogger(__name__)

TOKENS_PER_SECOND = 25
STREAM_MODES = (1, 2, 3)
_PRONOUNCEABLE = re.compile(r"\w")


def _limit_peak(audio: np.ndarray) -> np.ndarray:
    """Scale a piece down to peak 1 when the decoder overshoots (never up)."""
    peak = float(np.abs(audio).max()) if audio.size else 0.0
    return audio / peak if peak > 1.0 else audio


def default_device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


class _Clock:
    """Accumulates wall time per pipeline part; waits for CUDA so GPU work is counted where it ran."""

    def __init__(self, device: torch.device):
        self.device = device
        self.spent = {"frontend": 0.0, "reference": 0.0, "gpt": 0.0, "sovits": 0.0}
        self._start = time.perf_counter()

    def lap(self, part: str) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        now = time.perf_counter()
        self.spent[part] += now - self._start
        self._start = now

    def timings(self) -> Timings:
        return Timings(**self.spent)


@dataclass(frozen=True, eq=False)
class Job:
    """One request, ready to decode: its pieces (text, phones, ids), the reference phone ids,
    the references (main first: its tokens prompt the GPT; all give timbre), seed and params."""

    pieces: tuple[tuple[str, list[str], list[int]], ...]
    ref_ids: list[int]
    references: tuple[Reference, ...]
    seed: int
    params: SynthesisParams
    settings: DecodeSettings


class TTS:
    """A loaded GPT + SoVITS + HuBERT trio sharing one symbol table (plus the speaker encoder for
    SoVITS weights of a Pro version); `synthesize` makes audio.

    One synthesis runs at a time per object (a lock), so a web UI or a server may share one
    instance; a stream holds the lock until it is exhausted, closed or cancelled. The last
    `max_references` reference clips are cached by file identity.
    """

    def __init__(self, gpt: LoadedModel, sovits: LoadedModel, hubert: torch.nn.Module,
                 device: str | torch.device = "cpu", speaker_encoder: torch.nn.Module | None = None,
                 *, max_references: int = 8):
        self.table = check_same_table(gpt, sovits)
        if sovits.needs_speaker_vector and speaker_encoder is None:
            raise CheckpointError(f"{sovits.path.name} is a {sovits.version} model: give it the speaker encoder "
                                  f"(TTS.from_files loads it)")
        self.gpt, self.sovits, self.hubert = gpt.model, sovits.model, hubert
        self.speaker_encoder = speaker_encoder if sovits.needs_speaker_vector else None
        self.version = sovits.version
        self.gpt_path, self.sovits_path = gpt.path, sovits.path
        self.data_config = sovits.config.data
        self.sample_rate = int(self.data_config.sampling_rate)
        self.device = torch.device(device)
        self.dtype = next(self.sovits.parameters()).dtype
        self.lock = threading.Lock()
        self.max_references = max(1, int(max_references))
        # SoVITS renders a GPT batch's pieces as padded batches only on CUDA, where a batch saves
        # launches; on the CPU its convolutions are compute-bound and padding only adds work
        # (full size, 2 threads: equal lengths 1.01x, lengths spread -20..+10 % 0.84x; see
        # docs/benchmarks.md). Either way the audio is the same.
        self.sovits_batching = self.device.type == "cuda"
        self._references: OrderedDict[tuple, Reference] = OrderedDict()

    @classmethod
    def from_files(cls, gpt_path: str | os.PathLike, sovits_path: str | os.PathLike,
                   hubert_dir: str | os.PathLike | None = None, *, device: str | None = None,
                   half: bool = False, sv_path: str | os.PathLike | None = None, cpu_precision: str = "fp32",
                   max_references: int = 8) -> "TTS":
        """Load both weight files (any table and version, via weights_compat) and a local HuBERT folder.

        `half` applies on CUDA only (fp16 on CPU is slow or unsupported); `hubert_dir` defaults
        to `GPT_SoVITS/pretrained_models/chinese-hubert-base`. A SoVITS file of a Pro version (the
        version is read from the file) also loads the speaker encoder from `sv_path`, default
        `GPT_SoVITS/pretrained_models/sv/pretrained_eres2netv2w24s4ep4.ckpt`. `cpu_precision`
        (fp32, bf16, int8) applies to the GPT on the CPU only (see `precision.py`).
        """
        from GPT_SoVITS.feature_extractor.cnhubert import load_cnhubert
        from GPT_SoVITS.pretrained import pretrained_path

        device = device or default_device()
        half = half and torch.device(device).type == "cuda"
        gpt = apply_cpu_precision(load_gpt(gpt_path, device, half), cpu_precision, device)
        sovits = load_sovits(sovits_path, device, half)
        check_same_table(gpt, sovits)  # before the HuBERT load: fail fast on a mismatched pair
        speaker_encoder = load_sv_for(sovits, sv_path, device, half)
        hubert = load_cnhubert(hubert_dir or pretrained_path("cnhubert"), device=device, half=half)
        return cls(gpt, sovits, hubert, device, speaker_encoder, max_references=max_references)

    # --- text --------------------------------------------------------------------------

    def phone_ids(self, text: str, language: str, latin: str | None = None) -> tuple[list[str], list[int]]:
        """Phones and ids of `text`; a clear error when the weights' table lacks a phone."""
        from GPT_SoVITS.text.cleaner import clean_text
        from GPT_SoVITS.text import languages
        from GPT_SoVITS.text.languages import DroppedTextError

        try:
            phones = clean_text(text, language, latin).phones
        except DroppedTextError as error:  # synthesis may skip an emoji; training may not
            logger.warning("%s; synthesising without them", error)
            phones = error.cleaned.phones
        try:
            return phones, self.table.to_ids(phones, text=text)
        except UnknownSymbolError as error:
            if error.symbol[:1].isupper() and languages.get_language(language).takes_latin:
                raise CheckpointError(
                    f"these weights use symbol table {self.table.name!r} ({len(self.table)} symbols), which has no "
                    f"English phone {error.symbol!r} (in {text!r}): Latin words in Russian text are read as English. "
                    "Choose latin 'translit' (synthesize --latin translit, the UI's choice) to read them as Russian "
                    "sounds, or use weights with the v2+ru table"
                ) from None
            raise CheckpointError(
                f"these weights use symbol table {self.table.name!r} ({len(self.table)} symbols), which has no "
                f"{language!r} phone {error.symbol!r} (in {text!r}): they were not trained for this language. "
                f"Use GPT and SoVITS weights fine-tuned with the v2+{language} table (see docs/synthesis.md)"
            ) from None

    def _pieces(self, text: str, language: str, params: SynthesisParams) -> list[tuple[str, list[str], list[int]]]:
        if not text or not text.strip():
            raise DataError("the text to synthesise is empty")
        pieces = [ensure_final_punctuation(p) for p in split_by_method(text, params.text_split_method, params.max_piece_chars)
                  if _PRONOUNCEABLE.search(p)]
        if not pieces:
            raise DataError(f"the text to synthesise has nothing to pronounce: {text!r}")
        return [(piece, *self.phone_ids(piece, language, params.latin)) for piece in pieces]

    def _reference_ids(self, ref_text: str, language: str, latin: str | None = None) -> list[int]:
        if not ref_text or not ref_text.strip():
            raise DataError("the reference text is empty; type exactly what is said in the reference clip")
        return self.phone_ids(ensure_final_punctuation(ref_text), language, latin)[1]

    # --- audio -------------------------------------------------------------------------

    def reference(self, path: str | os.PathLike) -> Reference:
        """The reference's spectrogram, prompt tokens (and speaker vector), cached by file identity
        (path, size, mtime: a changed file is read again), the last `max_references` kept."""
        path = Path(path)
        key = file_identity(path)
        if key is not None and key in self._references:
            self._references.move_to_end(key)
            return self._references[key]
        reference = load_reference(path, self.hubert, self.sovits, self.data_config, self.device, self.dtype,
                                   self.speaker_encoder)
        if key is not None:
            self._references[key] = reference
            while len(self._references) > self.max_references:
                self._references.popitem(last=False)
        return reference

    def render(self, codes: Sequence[int] | torch.Tensor, text_ids: list[int], references: Sequence[Reference],
               params: SynthesisParams, seed: int) -> np.ndarray:
        """SoVITS: semantic tokens + piece phone ids -> float32 audio [640 * 2T / speed], the timbre
        averaged over `references`; the prior noise is drawn from `seed` alone."""
        return self.render_batch([(codes, text_ids)], references, params, [seed])[0]

    def render_batch(self, pieces: Sequence[tuple[Sequence[int] | torch.Tensor, list[int]]],
                     references: Sequence[Reference], params: SynthesisParams, seeds: Sequence[int]) -> list[np.ndarray]:
        """`render` of several (tokens, phone ids) pieces as one padded SoVITS batch; piece i equals
        `render(..., seeds[i])` (the model masks the padding and draws each piece's noise alone)."""
        codes = [torch.as_tensor(c, dtype=torch.long, device=self.device).view(-1) for c, _ in pieces]
        texts = [torch.tensor(ids, dtype=torch.long, device=self.device) for _, ids in pieces]
        specs = [reference.spec for reference in references]
        svs = [reference.sv for reference in references] if self.speaker_encoder is not None else None
        # Generators of their own, not the global one: pairs of the pool decode in parallel threads.
        generators = [torch.Generator(device=self.device).manual_seed(seed) for seed in seeds]
        audios = self.sovits.decode_batch(codes, texts, specs, generators, noise_scale=params.noise_scale,
                                          speed=params.speed, sv_emb=svs)
        return [_limit_peak(audio.float().cpu().numpy()) for audio in audios]

    def pause(self, params: SynthesisParams) -> np.ndarray:
        return np.zeros(int(round(params.fragment_interval * self.sample_rate)), dtype=np.float32)

    # --- requests ----------------------------------------------------------------------

    def prepare(self, ref_audio: str | os.PathLike, ref_text: str, text: str, language: str, ref_language: str,
                params: SynthesisParams, aux_refs: Sequence[str | os.PathLike] = (), clock: _Clock | None = None) -> Job:
        """Text to phone ids and the reference clips to tensors: everything before the GPT."""
        clock = clock or _Clock(self.device)
        seed = params.seed if params.seed is not None else random.SystemRandom().randrange(2**31)
        ref_ids = self._reference_ids(ref_text, ref_language, params.latin)
        pieces = tuple(self._pieces(text, language, params))
        clock.lap("frontend")
        references = tuple(self.reference(path) for path in (ref_audio, *aux_refs))
        clock.lap("reference")
        settings = DecodeSettings(
            top_k=params.top_k, top_p=params.top_p, temperature=params.temperature,
            repetition_penalty=params.repetition_penalty,
            max_new_tokens=params.max_new_tokens or int(self.gpt.max_sec * TOKENS_PER_SECOND))
        return Job(pieces, ref_ids, references, seed, params, settings)

    def decode_steps(self, job: Job, indices: Sequence[int], generator: torch.Generator):
        """`AR.models.batch_decode.decode_steps` over the pieces `indices` of `job` (one batch)."""
        phones = [torch.tensor(job.ref_ids + job.pieces[i][2], dtype=torch.long, device=self.device) for i in indices]
        berts = [torch.zeros((BERT_DIM, row.numel()), dtype=self.dtype, device=self.device) for row in phones]
        return decode_steps(self.gpt, phones, berts, job.references[0].prompt, job.settings, generator)

    def _decode(self, job: Job, indices: Sequence[int], generator: torch.Generator,
                cancel: threading.Event | None = None) -> list[list[int]] | None:
        """The tokens of each piece of one batch (None when `cancel` was set meanwhile)."""
        found: list[list[int]] = [[] for _ in indices]
        for step in self.decode_steps(job, indices, generator):
            if cancel is not None and cancel.is_set():
                return None
            for row, token in zip(step.rows, step.tokens):
                if token is not None:
                    found[row].append(token)
        return found

    def _pieces_audio(self, job: Job, batches: list[list[int]], clock: _Clock,
                      cancel: threading.Event | None = None) -> Iterator[tuple[int, list[int], np.ndarray]]:
        """(piece index, tokens, audio) batch by batch, in the order of `batches`."""
        generator = torch.Generator(device=self.device).manual_seed(job.seed)
        for batch in batches:
            with torch.inference_mode():
                codes = self._decode(job, batch, generator, cancel)
            clock.lap("gpt")
            if codes is None:
                return
            # Groups of similar token counts when batching (sorted), else one piece at a time in
            # order; each piece is yielded as soon as it and every piece before it are rendered.
            groups = plan_batches([len(c) for c in codes], len(batch) if self.sovits_batching else 1,
                                  self.sovits_batching, job.params.batch_threshold)
            rendered: dict[int, np.ndarray] = {}
            next_position = 0
            for group in groups:
                if cancel is not None and cancel.is_set():
                    return
                with torch.inference_mode():
                    audios = self.render_batch([(codes[i], job.pieces[batch[i]][2]) for i in group], job.references,
                                               job.params, [job.seed + batch[i] for i in group])
                rendered.update(zip(group, audios))
                clock.lap("sovits")
                while next_position in rendered:
                    index = batch[next_position]
                    logger.debug("piece %d: %d phones, %d tokens", index, len(job.pieces[index][2]),
                                 len(codes[next_position]))
                    yield index, codes[next_position], rendered.pop(next_position)
                    next_position += 1

    # --- synthesis ---------------------------------------------------------------------

    def synthesize(self, ref_audio: str | os.PathLike, ref_text: str, text: str, *, language: str = "ru",
                   ref_language: str = "ru", params: SynthesisParams | None = None,
                   aux_refs: Sequence[str | os.PathLike] = ()) -> SynthesisResult:
        """Reference clip (3-10 s) + what it says + target text -> audio at `sample_rate`.

        `aux_refs`: more clips of the same voice whose timbre is averaged in (their text is not
        needed). Same `params.seed` (and inputs, weights, device and batch size) -> identical audio.
        """
        params = params or SynthesisParams()
        with self.lock:
            clock = _Clock(self.device)
            with torch.inference_mode():
                job = self.prepare(ref_audio, ref_text, text, language, ref_language, params, aux_refs, clock)
            lengths = [len(job.ref_ids) + len(piece[2]) for piece in job.pieces]
            batches = plan_batches(lengths, params.gpt_batch_size, params.split_bucket, params.batch_threshold)
            done = {index: (codes, audio) for index, codes, audio in self._pieces_audio(job, batches, clock)}
        pause, chunks, results = self.pause(params), [], []
        for index, (piece, phones, _) in enumerate(job.pieces):
            codes, audio = done[index]
            chunks += [pause, audio] if chunks else [audio]
            results.append(PieceResult(piece, tuple(phones), len(codes), len(audio), tuple(codes)))
        return SynthesisResult(self.sample_rate, np.concatenate(chunks).astype(np.float32), tuple(results),
                               clock.timings(), job.seed)

    def stream(self, ref_audio: str | os.PathLike, ref_text: str, text: str, *, language: str = "ru",
               ref_language: str = "ru", params: SynthesisParams | None = None,
               aux_refs: Sequence[str | os.PathLike] = (), mode: int = 1, min_chunk_length: int = 16,
               overlap_length: int = 2, cancel: threading.Event | None = None) -> Iterator[np.ndarray]:
        """Float32 mono chunks at `sample_rate` as they are ready (upstream's streaming modes).

        1: one chunk per piece (the pause before it included); the chunks joined equal
        `synthesize` with `split_bucket` off (streaming decodes pieces in text order). 2: chunks of
        `min_chunk_length` tokens, each rendered with `overlap_length` tokens of the previous
        one and cross-faded over them. 3: chunks of `min_chunk_length` tokens rendered alone and
        butted together (least work per chunk, audible joins possible). Modes 2-3 decode one
        piece at a time. Setting `cancel` ends the stream at the next GPT step or chunk.
        The text, the clips and the options are checked when `stream` is called (errors raise
        then, before a chunk is asked for); the voice's lock is held while chunks are drawn.
        """
        from GPT_SoVITS.inference.stream import check_stream_options

        params = params or SynthesisParams()
        check_stream_options(mode, min_chunk_length, overlap_length)
        with self.lock, torch.inference_mode():  # bad text, options or clips raise here, before any chunk
            job = self.prepare(ref_audio, ref_text, text, language, ref_language, params, aux_refs)
        return self._stream_job(job, mode, min_chunk_length, overlap_length, cancel)

    def _stream_job(self, job: Job, mode: int, min_chunk_length: int, overlap_length: int,
                    cancel: threading.Event | None) -> Iterator[np.ndarray]:
        from GPT_SoVITS.inference.stream import stream_token_chunks

        with self.lock:  # held while the stream is consumed; released when it ends, is closed or cancelled
            pause = self.pause(job.params)
            if mode == 1:
                batches = plan_batches([0] * len(job.pieces), job.params.gpt_batch_size, split_bucket=False)
                for index, _, audio in self._pieces_audio(job, batches, _Clock(self.device), cancel):
                    yield np.concatenate([pause, audio]) if index else audio
                return
            yield from stream_token_chunks(self, job, mode, min_chunk_length, overlap_length, pause, cancel)
