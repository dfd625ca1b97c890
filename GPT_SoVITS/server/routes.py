"""The endpoints: upstream api_v2's (`/tts`, `/set_gpt_weights`, `/set_sovits_weights`,
`/set_refer_audio`, `/control`) and OpenAI's (`/v1/audio/speech`, `/v1/models`).

Each handler parses, resolves a `Job` through the `SpeechService`, takes a place in the queue
and answers through `responses.Answer`; nothing else happens here.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Callable

from fastapi import BackgroundTasks, FastAPI, Request
from fastapi.responses import Response

from GPT_SoVITS.server.admission import Admission
from GPT_SoVITS.server.requests import RequestError, SpeechRequest, TTSRequest, parse_request
from GPT_SoVITS.server.responses import Answer
from GPT_SoVITS.server.synthesis import Job, SpeechService

logger = logging.getLogger(__name__)

OPENAI_MODELS = ("gpt-sovits", "tts-1", "tts-1-hd")  # `model` is accepted and not used: the voice decides


def _query_values(request: Request) -> dict[str, Any]:
    """A query string as parameters; a repeated `aux_ref_audio_paths` gives a list."""
    params = request.query_params
    values: dict[str, Any] = {key: params.get(key) for key in params}
    if "aux_ref_audio_paths" in params:
        values["aux_ref_audio_paths"] = params.getlist("aux_ref_audio_paths")
    return values


async def _json_body(request: Request) -> Any:
    body = await request.body()
    return json.loads(body) if body.strip() else {}


def add_routes(app: FastAPI, service: SpeechService, admission: Admission,
               control: Callable[[str], None] | None) -> None:
    async def answer(job: Job, request: Request, route: str) -> Response:
        queued = Answer(service, admission, route)  # 503 here when the queue is full
        if job.streaming_mode:
            return await queued.streamed(job, request)
        return await queued.whole(job)

    async def tts(values: Any, request: Request, route: str) -> Response:
        job = service.job_for(parse_request(TTSRequest, values, where=route))
        return await answer(job, request, route)

    @app.get("/tts", summary="upstream api_v2: parameters in the query string")
    async def tts_get(request: Request) -> Response:
        return await tts(_query_values(request), request, "GET /tts")

    @app.post("/tts", summary="upstream api_v2: parameters in a JSON body")
    async def tts_post(request: Request) -> Response:
        return await tts(await _json_body(request), request, "POST /tts")

    def weights_path(request: Request, name: str = "weights_path") -> str:
        value = request.query_params.get(name)
        if not value:
            raise RequestError(f"{name} is required")
        return value

    @app.get("/set_gpt_weights", summary="default GPT weights for requests that name none")
    def set_gpt_weights(request: Request) -> dict:
        service.set_default("s1", weights_path(request))
        return {"message": "success"}

    @app.get("/set_sovits_weights", summary="default SoVITS weights for requests that name none")
    def set_sovits_weights(request: Request) -> dict:
        service.set_default("s2G", weights_path(request))
        return {"message": "success"}

    @app.get("/set_refer_audio", summary="older api_v2: default reference for requests that name none")
    def set_refer_audio(request: Request) -> dict:
        service.set_default_reference(weights_path(request, "refer_audio_path"))
        return {"message": "success"}

    @app.api_route("/control", methods=["GET", "POST"], summary="command=exit stops the server, restart re-starts it")
    async def control_route(request: Request, background: BackgroundTasks) -> dict:
        values = _query_values(request) if request.method == "GET" else await _json_body(request)
        command = str(values.get("command") or "") if isinstance(values, dict) else ""
        if command not in ("exit", "restart"):
            raise RequestError(f"command {command!r} is not supported; use exit or restart")
        if control is None:
            raise RequestError(f"{command} is not available when the server is not started by api_v2.py")
        background.add_task(control, command)  # after the answer is sent
        return {"message": "exiting" if command == "exit" else "restarting"}

    @app.post("/v1/audio/speech", summary="OpenAI-compatible speech: voice = a voices: entry of the config")
    async def speech(request: Request) -> Response:
        job = service.speech_job(parse_request(SpeechRequest, await _json_body(request), where="/v1/audio/speech"))
        return await answer(job, request, "/v1/audio/speech")

    @app.get("/v1/models", summary="OpenAI-compatible model list (the model field is not used)")
    async def models() -> dict:
        return {"object": "list",
                "data": [{"id": name, "object": "model", "created": 0, "owned_by": "gpt-sovits-ru"}
                         for name in OPENAI_MODELS]}

    @app.get("/v1/audio/voices", summary="the voices of the config (names for the voice field)")
    async def voices() -> dict:
        return {"voices": list(service.config.voices)}
