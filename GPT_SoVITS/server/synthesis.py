"""From a client's request to audio: voices, confined paths, languages, limits, the model pool.

No HTTP here: `SpeechService.job_for` turns a request into a `Job` (every path resolved inside
the allowed folders through the one confinement rule, the language resolved, the weights pair
fixed), and `run` / `stream` synthesise it on the engine's `ModelPool`. The default pair is the
only state requests share: `set_*_weights` change it for requests that name no weights, and a
job reads it once when it is made, so a request in progress never changes weights.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

import numpy as np

from GPT_SoVITS.confinement import AllowedFolders
from GPT_SoVITS.errors import CheckpointError
from GPT_SoVITS.inference.params import SynthesisParams
from GPT_SoVITS.server.config import ServerConfig, Voice
from GPT_SoVITS.server.encoders import API_V2_FORMATS, OPENAI_FORMATS, AudioFormat, get_format
from GPT_SoVITS.server.languages import resolve_language
from GPT_SoVITS.server.requests import (RequestError, SpeechRequest, TTSRequest, require, synthesis_params,
                                        with_defaults)

logger = logging.getLogger(__name__)


class TooLargeError(RequestError):
    """A request is over a size limit of the config (answered with 413)."""


@dataclass(frozen=True)
class Job:
    """One synthesis, fully resolved: which weights, which reference, which text, which format."""

    gpt_path: Path
    sovits_path: Path
    ref_audio: Path
    ref_text: str
    text: str
    language: str
    ref_language: str
    params: SynthesisParams
    aux_refs: tuple[Path, ...]
    audio_format: AudioFormat
    streaming_mode: int = 0
    min_chunk_length: int = 16
    overlap_length: int = 2


class SpeechService:
    """The server's synthesis state: the pool, the default pair, the allowed folders, the voices."""

    def __init__(self, config: ServerConfig, pool=None):
        self.config = config
        self.folders = AllowedFolders.of(config.server.allowed_folders, "the server's allowed folders")
        if pool is None:
            from GPT_SoVITS.inference.pool import ModelPool

            weights = config.weights
            pool = ModelPool(config.server.pool_size, hubert_dir=weights.cnhuhbert_base_path,
                             device=resolve_device(weights.device), half=weights.is_half, sv_path=weights.sv_path,
                             cpu_precision=weights.cpu_precision, max_references=8)
        self.pool = pool
        self._lock = threading.Lock()
        self._default = (config.weights.t2s_weights_path, config.weights.vits_weights_path)
        self._default_reference: Path | None = None  # older api_v2's /set_refer_audio

    # --- paths -------------------------------------------------------------------------

    def confine(self, path: str, what: str) -> Path:
        """A client's path inside the allowed folders (relative: to the server's root), else `PathRefusedError`."""
        return self.folders.resolve(path, what=what, base=self.config.root)

    def _existing(self, path: str, what: str) -> Path:
        resolved = self.confine(path, what)
        if not resolved.is_file():
            raise RequestError(f"{what} {path!r}: no such file in {self.folders.describe()}")
        return resolved

    # --- default weights (upstream's set_gpt_weights / set_sovits_weights) ---------------

    @property
    def default_pair(self) -> tuple[Path, Path]:
        with self._lock:
            return self._default

    def set_default(self, kind: str, path: str) -> Path:
        """Make `path` the default GPT (`kind` "s1") or SoVITS ("s2G") weights after checking what it is."""
        from GPT_SoVITS import weights_compat as wc

        resolved = self._existing(path, "weights_path")
        try:
            info = wc.identify(wc.read_checkpoint(resolved))
        except CheckpointError as error:
            raise RequestError(f"weights_path {path!r}: {error}") from None
        wanted = {"s1": "GPT (s1) .ckpt", "s2G": "SoVITS (s2G) .pth"}[kind]
        if info.kind != kind:
            raise RequestError(f"weights_path {path!r} is an {info.kind} checkpoint, not {wanted} weights")
        with self._lock:
            gpt, sovits = self._default
            self._default = (resolved, sovits) if kind == "s1" else (gpt, resolved)
        logger.info("default %s weights: %s", "GPT" if kind == "s1" else "SoVITS", resolved)
        return resolved

    def set_default_reference(self, path: str) -> Path:
        """The reference for requests that name neither `ref_audio_path` nor a voice (older api_v2)."""
        resolved = self._existing(path, "refer_audio_path")
        with self._lock:
            self._default_reference = resolved
        return resolved

    # --- requests -> jobs --------------------------------------------------------------

    def voice(self, name: str) -> Voice:
        voice = self.config.voices.get(name)
        if voice is None:
            known = ", ".join(self.config.voices) or "none: add a voices: section to the config"
            raise RequestError(f"voice {name!r} is not configured; voices: {known}")
        return voice

    def job_for(self, request: TTSRequest, *, formats: tuple[str, ...] = API_V2_FORMATS,
                format_parameter: str = "media_type") -> Job:
        """Check and resolve a `/tts` request (a voice's presets fill what the client left out)."""
        voice = self.voice(request.voice) if request.voice else None
        if voice is not None:
            request = with_defaults(request, voice.defaults)
        require(request, "text")
        limits = self.config.server
        if len(request.text) > limits.max_text_chars:
            raise TooLargeError(f"text is {len(request.text)} characters long; this server takes up to "
                                f"{limits.max_text_chars} (server.max_text_chars)")
        if voice is None:
            require(request, "text_lang", *(() if self._default_reference else ("ref_audio_path",)), "prompt_lang")
        elif request.text_lang is None:
            request = request.model_copy(update={"text_lang": "auto"})
        if len(request.aux_ref_audio_paths) > limits.max_aux_refs:
            raise RequestError(f"aux_ref_audio_paths has {len(request.aux_ref_audio_paths)} paths; at most "
                               f"{limits.max_aux_refs} (server.max_aux_refs)")
        gpt, sovits = self._weights(request, voice)
        ref_audio, ref_text, ref_lang, aux = self._reference(request, voice)
        return Job(
            gpt_path=gpt, sovits_path=sovits, ref_audio=ref_audio, ref_text=ref_text, text=request.text,
            language=resolve_language(request.text_lang, request.text),
            ref_language=resolve_language(ref_lang, ref_text), params=synthesis_params(request), aux_refs=aux,
            audio_format=get_format(request.media_type, formats, format_parameter),
            streaming_mode=request.streaming_mode, min_chunk_length=request.min_chunk_length,
            overlap_length=request.overlap_length,
        )

    def _weights(self, request: TTSRequest, voice: Voice | None) -> tuple[Path, Path]:
        gpt, sovits = self.default_pair
        if voice is not None:
            gpt, sovits = voice.t2s_weights_path or gpt, voice.vits_weights_path or sovits
        if request.t2s_weights_path:
            gpt = self._existing(request.t2s_weights_path, "t2s_weights_path")
        if request.vits_weights_path:
            sovits = self._existing(request.vits_weights_path, "vits_weights_path")
        return gpt, sovits

    def _reference(self, request: TTSRequest, voice: Voice | None) -> tuple[Path, str, str, tuple[Path, ...]]:
        """The client's reference (confined) when it names one, else the voice's (from the config)."""
        if request.ref_audio_path:
            aux = tuple(self._existing(p, "aux_ref_audio_paths") for p in request.aux_ref_audio_paths)
            prompt_lang = request.prompt_lang or (voice.prompt_lang if voice else None)
            if not prompt_lang:
                raise RequestError("prompt_lang is required")
            return self._existing(request.ref_audio_path, "ref_audio_path"), request.prompt_text, prompt_lang, aux
        aux = tuple(self._existing(p, "aux_ref_audio_paths") for p in request.aux_ref_audio_paths)
        if voice is None:  # checked by job_for: there is a default reference
            with self._lock:
                return self._default_reference, request.prompt_text, request.prompt_lang, aux
        aux = aux or voice.aux_ref_audio_paths
        return voice.ref_audio_path, voice.prompt_text, request.prompt_lang or voice.prompt_lang, aux

    def speech_job(self, request: SpeechRequest) -> Job:
        """An OpenAI speech request: `voice` names a configured voice, `model` is not used."""
        if not (request.input or "").strip():
            raise RequestError("input is required: the text to speak" if request.input is None else "input is empty")
        name = request.voice.get("id") if isinstance(request.voice, dict) else request.voice
        if not name:
            raise RequestError(f"voice is required; voices: {', '.join(self.config.voices) or 'none configured'}")
        if request.stream_format != "audio":
            raise RequestError(f"stream_format {request.stream_format!r} is not supported; use 'audio'")
        values = {"voice": str(name), "text": request.input, "media_type": request.response_format}
        if request.speed != 1.0:
            values["speed_factor"] = request.speed
        tts_request = TTSRequest.model_validate(values)
        job = self.job_for(tts_request, formats=OPENAI_FORMATS, format_parameter="response_format")
        return replace(job, streaming_mode=1 if job.audio_format.streams and job.audio_format.name != "wav" else 0)

    # --- running -----------------------------------------------------------------------

    def run(self, job: Job) -> tuple[int, np.ndarray]:
        """The whole audio of a job (sample rate, float32 mono)."""
        tts = self.pool.get(job.gpt_path, job.sovits_path)
        result = tts.synthesize(job.ref_audio, job.ref_text, job.text, language=job.language,
                                ref_language=job.ref_language, params=job.params, aux_refs=job.aux_refs)
        return result.sample_rate, result.audio

    def stream(self, job: Job, cancel: threading.Event) -> tuple[int, Iterator[np.ndarray]]:
        """(sample rate, chunks) of a job in its streaming mode; setting `cancel` stops the engine."""
        tts = self.pool.get(job.gpt_path, job.sovits_path)
        chunks = tts.stream(job.ref_audio, job.ref_text, job.text, language=job.language,
                            ref_language=job.ref_language, params=job.params, aux_refs=job.aux_refs,
                            mode=job.streaming_mode, min_chunk_length=job.min_chunk_length,
                            overlap_length=job.overlap_length, cancel=cancel)
        return tts.sample_rate, chunks


def resolve_device(device: str) -> str:
    """The config's device, or the CPU (with a warning) when it names CUDA and there is none."""
    import torch

    if device.startswith("cuda") and not torch.cuda.is_available():
        logger.warning("the config asks for device %s but CUDA is not available: using the CPU", device)
        return "cpu"
    return device
