"""`TTS`: synthesis from a GPT + SoVITS pair and a reference clip.

Pipeline per call: clean the reference text and each piece of the target text to phone ids
(BERT features are zeros for non-Chinese text, as upstream); reference audio -> HuBERT ->
SoVITS quantizer -> prompt tokens; for each piece the GPT continues the prompt over
[reference phones ; piece phones]; SoVITS renders the new tokens with the piece's phones and
the reference spectrogram's timbre (plus, for v2Pro/v2ProPlus weights, the reference's speaker
vector); pieces are joined with short pauses. Loading lives in `loading.py`, text splitting in
`text_split.py`.
"""

from __future__ import annotations

import logging
import os
import random
import re
import threading
import time
from pathlib import Path

import numpy as np
import torch

from GPT_SoVITS.errors import CheckpointError, DataError, UnknownSymbolError
from GPT_SoVITS.inference.loading import LoadedModel, check_same_table, load_gpt, load_sovits, load_sv_for
from GPT_SoVITS.inference.params import PieceResult, SynthesisParams, SynthesisResult, Timings
from GPT_SoVITS.inference.reference import Reference, load_reference
from GPT_SoVITS.inference.text_split import ensure_final_punctuation, split_text

logger = logging.getLogger(__name__)

BERT_DIM = 1024
TOKENS_PER_SECOND = 25
_PRONOUNCEABLE = re.compile(r"\w")


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


class TTS:
    """A loaded GPT + SoVITS + HuBERT trio sharing one symbol table (plus the speaker encoder for
    v2Pro/v2ProPlus SoVITS weights); `synthesize` makes audio.

    One synthesis runs at a time per object (a lock), so a web UI may share one instance.
    """

    def __init__(self, gpt: LoadedModel, sovits: LoadedModel, hubert: torch.nn.Module,
                 device: str | torch.device = "cpu", speaker_encoder: torch.nn.Module | None = None):
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
        self._lock = threading.Lock()
        self._reference: tuple[tuple, Reference] | None = None

    @classmethod
    def from_files(cls, gpt_path: str | os.PathLike, sovits_path: str | os.PathLike,
                   hubert_dir: str | os.PathLike | None = None, *, device: str | None = None,
                   half: bool = False, sv_path: str | os.PathLike | None = None) -> "TTS":
        """Load both weight files (any table and version, via weights_compat) and a local HuBERT folder.

        `half` applies on CUDA only (fp16 on CPU is slow or unsupported); `hubert_dir` defaults
        to `GPT_SoVITS/pretrained_models/chinese-hubert-base`. A v2Pro/v2ProPlus SoVITS file (the
        version is read from the file) also loads the speaker encoder from `sv_path`, default
        `GPT_SoVITS/pretrained_models/sv/pretrained_eres2netv2w24s4ep4.ckpt`.
        """
        from GPT_SoVITS.feature_extractor.cnhubert import load_cnhubert
        from GPT_SoVITS.pretrained import pretrained_path

        device = device or default_device()
        half = half and torch.device(device).type == "cuda"
        gpt = load_gpt(gpt_path, device, half)
        sovits = load_sovits(sovits_path, device, half)
        check_same_table(gpt, sovits)  # before the HuBERT load: fail fast on a mismatched pair
        speaker_encoder = load_sv_for(sovits, sv_path, device, half)
        hubert = load_cnhubert(hubert_dir or pretrained_path("cnhubert"), device=device, half=half)
        return cls(gpt, sovits, hubert, device, speaker_encoder)

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

    def _pieces(self, text: str, language: str, max_chars: int,
                latin: str | None = None) -> list[tuple[str, list[str], list[int]]]:
        if not text or not text.strip():
            raise DataError("the text to synthesise is empty")
        pieces = [ensure_final_punctuation(p) for p in split_text(text, max_chars) if _PRONOUNCEABLE.search(p)]
        if not pieces:
            raise DataError(f"the text to synthesise has nothing to pronounce: {text!r}")
        return [(piece, *self.phone_ids(piece, language, latin)) for piece in pieces]

    def _reference_ids(self, ref_text: str, language: str, latin: str | None = None) -> list[int]:
        if not ref_text or not ref_text.strip():
            raise DataError("the reference text is empty; type exactly what is said in the reference clip")
        return self.phone_ids(ensure_final_punctuation(ref_text), language, latin)[1]

    # --- audio -------------------------------------------------------------------------

    def reference(self, path: str | os.PathLike) -> Reference:
        """The reference's spectrogram and prompt tokens; the last one is cached by file identity."""
        path = Path(path)
        stat = path.stat() if path.is_file() else None
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size) if stat else None
        if key is not None and self._reference is not None and self._reference[0] == key:
            return self._reference[1]
        reference = load_reference(path, self.hubert, self.sovits, self.data_config, self.device, self.dtype,
                                   self.speaker_encoder)
        self._reference = (key, reference)
        return reference

    def _render(self, tokens: torch.Tensor, text_ids: list[int], reference: Reference,
                params: SynthesisParams, seed: int) -> np.ndarray:
        """SoVITS: tokens [1, T] + piece phone ids -> float32 audio [640 * 2T / speed]."""
        text = torch.tensor([text_ids], dtype=torch.long, device=self.device)
        forked = [self.device] if self.device.type == "cuda" else []
        with torch.random.fork_rng(devices=forked):
            torch.manual_seed(seed)  # decode draws its prior noise from the global generator
            audio = self.sovits.decode(tokens.unsqueeze(0), text, reference.spec,
                                       noise_scale=params.noise_scale, speed=params.speed, sv_emb=reference.sv)
        audio = audio[0, 0].float().cpu().numpy()
        peak = float(np.abs(audio).max()) if audio.size else 0.0
        return audio / peak if peak > 1.0 else audio

    # --- synthesis ---------------------------------------------------------------------

    def synthesize(self, ref_audio: str | os.PathLike, ref_text: str, text: str, *, language: str = "ru",
                   ref_language: str = "ru", params: SynthesisParams | None = None) -> SynthesisResult:
        """Reference clip (3-10 s) + what it says + target text -> audio at `sample_rate`.

        Same `params.seed` (and inputs, weights and device) -> identical audio.
        """
        params = params or SynthesisParams()
        seed = params.seed if params.seed is not None else random.SystemRandom().randrange(2**31)
        with self._lock, torch.inference_mode():
            return self._synthesize(ref_audio, ref_text, text, language, ref_language, params, seed)

    def _synthesize(self, ref_audio, ref_text: str, text: str, language: str, ref_language: str,
                    params: SynthesisParams, seed: int) -> SynthesisResult:
        clock = _Clock(self.device)
        ref_ids = self._reference_ids(ref_text, ref_language, params.latin)
        pieces = self._pieces(text, language, params.max_piece_chars, params.latin)
        clock.lap("frontend")
        reference = self.reference(ref_audio)
        clock.lap("reference")
        generator = torch.Generator(device=self.device).manual_seed(seed)
        max_new = params.max_new_tokens or int(self.gpt.max_sec * TOKENS_PER_SECOND)
        pause = np.zeros(int(round(params.pause_seconds * self.sample_rate)), dtype=np.float32)
        chunks, results = [], []
        for index, (piece, phones, ids) in enumerate(pieces):
            phone_ids = torch.tensor([ref_ids + ids], dtype=torch.long, device=self.device)
            bert = torch.zeros((1, BERT_DIM, phone_ids.shape[1]), dtype=self.dtype, device=self.device)
            tokens = self.gpt.infer(
                phone_ids, bert, reference.prompt, top_k=params.top_k, top_p=params.top_p,
                temperature=params.temperature, repetition_penalty=params.repetition_penalty,
                max_new_tokens=max_new, generator=generator,
            )
            clock.lap("gpt")
            audio = self._render(tokens, ids, reference, params, seed + index)
            clock.lap("sovits")
            chunks += [pause, audio] if chunks else [audio]
            results.append(PieceResult(piece, tuple(phones), int(tokens.shape[1]), len(audio)))
            logger.debug("piece %d: %d phones, %d tokens, %.2f s", index, len(ids), tokens.shape[1], len(audio) / self.sample_rate)
        return SynthesisResult(self.sample_rate, np.concatenate(chunks).astype(np.float32), tuple(results), clock.timings(), seed)
