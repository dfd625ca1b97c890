"""Request bodies: upstream api_v2's `/tts` parameters and OpenAI's speech request, with their defaults.

Names and defaults are upstream's (reference/API_NOTES.md), so a client written for api_v2 or
for OpenAI's `audio.speech` sends what it always sends. Parameters nobody here knows are
ignored with one log line (clients send extras); values of a wrong type are a `RequestError`
naming the parameter. Turning a request into synthesis parameters is `synthesis_params`.
"""

from __future__ import annotations

import logging
from typing import Any, Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from GPT_SoVITS.errors import DataError
from GPT_SoVITS.inference.params import SynthesisParams

logger = logging.getLogger(__name__)

# Parameters a voice of the config may preset (its "sampling defaults"), and a request overrides.
SAMPLING_FIELDS = (
    "text_lang", "top_k", "top_p", "temperature", "repetition_penalty", "text_split_method", "batch_size",
    "batch_threshold", "split_bucket", "speed_factor", "fragment_interval", "seed", "parallel_infer",
    "media_type", "streaming_mode", "overlap_length", "min_chunk_length",
)
# Accepted for upstream compatibility, unused here (v3/v4 only); logged when a client sets them.
UNUSED_FIELDS = ("sample_steps", "super_sampling")
# Other names clients use for the same parameters (pyvideotrans: text_language).
ALIASES = {"text_language": "text_lang", "prompt_language": "prompt_lang", "refer_wav_path": "ref_audio_path"}
TRUE_WORDS, FALSE_WORDS = ("true", "yes", "on"), ("false", "no", "off", "")


class RequestError(DataError):
    """A request parameter is missing or has a bad value (answered with 400)."""


class TTSRequest(BaseModel):
    """`POST /tts` (JSON) and `GET /tts` (query string), as upstream's api_v2."""

    model_config = ConfigDict(extra="allow")

    text: str | None = None
    text_lang: str | None = None
    ref_audio_path: str | None = None
    aux_ref_audio_paths: list[str] = Field(default_factory=list)
    prompt_text: str = ""
    prompt_lang: str | None = None
    top_k: int = 15
    top_p: float = 1.0
    temperature: float = 1.0
    text_split_method: str = "cut5"
    batch_size: int = 1
    batch_threshold: float = 0.75
    split_bucket: bool = True
    speed_factor: float = 1.0
    fragment_interval: float = 0.3
    seed: int = -1
    media_type: str = "wav"
    streaming_mode: int = 0
    parallel_infer: bool = True
    repetition_penalty: float = 1.35
    sample_steps: int = 32
    super_sampling: bool = False
    overlap_length: int = 2
    min_chunk_length: int = 16
    # Extensions of this server: a voice of the config, or other weights for this request only.
    voice: str | None = None
    t2s_weights_path: str | None = None
    vits_weights_path: str | None = None

    @field_validator("streaming_mode", mode="before")
    @classmethod
    def _streaming_mode(cls, value: Any) -> int:
        """Upstream accepts booleans, 0-3 and the strings "true"/"false" (SillyTavern sends "true")."""
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, str):
            word = value.strip().lower()
            if word in TRUE_WORDS:
                return 1
            if word in FALSE_WORDS:
                return 0
            value = word
        try:
            mode = int(value)
        except (TypeError, ValueError):
            raise ValueError(f"expected true/false or 0-3, got {value!r}") from None
        if mode != value and str(mode) != value or not 0 <= mode <= 3:
            raise ValueError(f"expected true/false or 0-3, got {value!r}")
        return mode

    @field_validator("aux_ref_audio_paths", mode="before")
    @classmethod
    def _paths(cls, value: Any) -> Any:
        """A query string gives one comma-separated string or repeated values; JSON gives a list."""
        if value is None:
            return []
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value


class SpeechRequest(BaseModel):
    """OpenAI's `POST /v1/audio/speech` body; `voice` names an entry of the config's `voices:`."""

    model_config = ConfigDict(extra="allow")

    model: str | None = None
    input: str | None = None
    voice: str | dict | None = None
    response_format: str = "mp3"
    speed: float = 1.0
    stream_format: str = "audio"


def _field_problem(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        name = ".".join(str(part) for part in item["loc"]) or "body"
        message = item["msg"].removeprefix("Value error, ")
        parts.append(f"{name}: {message} (got {item.get('input')!r:.60})" if "input" in item else f"{name}: {message}")
    return "; ".join(parts)


def parse_request(model: type[BaseModel], values: Mapping[str, Any], *, where: str) -> BaseModel:
    """`values` validated as `model`; extras are logged and dropped, a bad value is a `RequestError`."""
    if not isinstance(values, Mapping):
        raise RequestError(f"{where}: expected a JSON object with the parameters, got {type(values).__name__}")
    values = dict(values)
    for alias, name in ALIASES.items():
        if alias in values and name in model.model_fields:
            aliased = values.pop(alias)
            values.setdefault(name, aliased)
    try:
        request = model.model_validate(values)
    except ValidationError as error:
        raise RequestError(f"{where}: {_field_problem(error)}") from None
    extras = sorted(request.model_extra or {})
    if extras:
        logger.info("%s: ignoring parameters this server does not use: %s", where, ", ".join(extras))
    unused = [name for name in UNUSED_FIELDS if name in request.model_fields_set]
    if unused:
        logger.info("%s: %s only apply to v3/v4 models; ignored", where, ", ".join(unused))
    return request


def with_defaults(request: TTSRequest, defaults: Mapping[str, Any]) -> TTSRequest:
    """`request` with `defaults` (a voice's presets) filling the parameters the client did not send."""
    unset = {name: value for name, value in defaults.items() if name not in request.model_fields_set}
    return request.model_copy(update=unset) if unset else request


def require(request: TTSRequest, *names: str) -> None:
    """`RequestError` "<name> is required" for the first missing one (upstream's wording)."""
    for name in names:
        value = getattr(request, name)
        if value is None or (isinstance(value, str) and not value.strip() and name != "text"):
            raise RequestError(f"{name} is required")
        if name == "text" and not value.strip():
            raise RequestError("text is empty: give the text to speak")


def synthesis_params(request: TTSRequest) -> SynthesisParams:
    """The engine's `SynthesisParams` of a request (a bad value is the engine's `ConfigError`)."""
    return SynthesisParams(
        top_k=request.top_k, top_p=request.top_p, temperature=request.temperature,
        repetition_penalty=request.repetition_penalty, speed=request.speed_factor,
        seed=None if request.seed < 0 else request.seed, batch_size=request.batch_size,
        split_bucket=request.split_bucket, batch_threshold=request.batch_threshold,
        text_split_method=request.text_split_method, fragment_interval=request.fragment_interval,
        parallel_infer=request.parallel_infer,
    )

