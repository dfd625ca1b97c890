"""The FastAPI application: the guard in front (API key, body size), upstream's error JSON, the routes.

Every error a client can cause is a JSON `{"message": ..., "Exception": ...}` (upstream's shape)
with 400, 401, 413 or 503; anything unexpected is a 500 with the same shape and the traceback
only in the server's log. No response carries a traceback or a file's content.
"""

from __future__ import annotations

import hmac
import json
import logging
from contextlib import asynccontextmanager
from typing import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from GPT_SoVITS.errors import GptSovitsError
from GPT_SoVITS.server.admission import Admission, QueueFullError
from GPT_SoVITS.server.config import ServerConfig
from GPT_SoVITS.server.synthesis import SpeechService, TooLargeError

logger = logging.getLogger(__name__)


class BodyTooLargeError(TooLargeError):
    """The request body is over `server.max_body_bytes`."""


def error_json(status: int, message: str, exception: str, headers: dict | None = None,
               openai: bool = False) -> JSONResponse:
    """Upstream's error JSON; under /v1/ also OpenAI's `error` object, which OpenAI clients show."""
    body = {"message": message, "Exception": exception}
    if openai:
        body["error"] = {"message": message, "type": "invalid_request_error" if status < 500 else "server_error",
                         "code": exception}
    return JSONResponse(body, status_code=status, headers=headers)


def _openai(request: Request) -> bool:
    return request.url.path.startswith("/v1/")


class Guard:
    """ASGI middleware: `Authorization: Bearer <key>` on every endpoint when a key is set, and the body limit.

    A body announced larger than the limit is refused before it is read; a chunked body is
    counted as it arrives and refused when it passes the limit.
    """

    def __init__(self, app, api_key: str | None, max_body_bytes: int):
        self.app, self.max_body_bytes = app, max_body_bytes
        self.expected = f"Bearer {api_key}".encode() if api_key else None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        if self.expected is not None and not hmac.compare_digest(headers.get(b"authorization", b""), self.expected):
            response = error_json(401, "this server needs an API key: send the header Authorization: Bearer <key>",
                                  "Unauthorized", {"WWW-Authenticate": "Bearer"})
            return await response(scope, receive, send)
        length = headers.get(b"content-length", b"0")
        if length.isdigit() and int(length) > self.max_body_bytes:
            response = error_json(413, f"the request body is {int(length)} bytes; this server takes up to "
                                  f"{self.max_body_bytes} (server.max_body_bytes)", "BodyTooLargeError")
            return await response(scope, receive, send)
        received = 0

        async def counted():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLargeError(f"the request body is over {self.max_body_bytes} bytes "
                                            f"(server.max_body_bytes)")
            return message

        return await self.app(scope, counted, send)


def _status(error: GptSovitsError) -> int:
    if isinstance(error, TooLargeError):
        return 413
    if isinstance(error, QueueFullError):
        return 503
    return 400


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(GptSovitsError)
    async def known(request: Request, error: GptSovitsError):
        message = " ".join(line.strip() for line in str(error).splitlines())
        logger.info("%s %s -> %s", request.method, request.url.path, message)
        headers = {"Retry-After": str(error.retry_after)} if isinstance(error, QueueFullError) else None
        return error_json(_status(error), message, type(error).__name__, headers, _openai(request))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError):
        parts = [f"{'.'.join(str(p) for p in item['loc'][1:]) or 'body'}: {item['msg']}" for item in error.errors()]
        return error_json(400, "; ".join(parts), "RequestValidationError", openai=_openai(request))

    @app.exception_handler(json.JSONDecodeError)
    async def not_json(request: Request, error: json.JSONDecodeError):
        return error_json(400, f"the body is not valid JSON (line {error.lineno}, column {error.colno})",
                          "JSONDecodeError", openai=_openai(request))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception):
        logger.exception("%s %s failed", request.method, request.url.path)
        return error_json(500, "internal error while answering this request; the server log has the details",
                          type(error).__name__, openai=_openai(request))


def create_app(config: ServerConfig, *, service: SpeechService | None = None,
               control: Callable[[str], None] | None = None) -> FastAPI:
    """The application for `config`; `control(command)` handles `/control` ("exit", "restart")."""
    from GPT_SoVITS.server.routes import add_routes

    service = service or SpeechService(config)
    settings = config.server
    admission = Admission(settings.workers, settings.queue_size, settings.retry_after_seconds)
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        admission.shutdown()

    app = FastAPI(title="GPT-SoVITS-RU API", summary="upstream api_v2 routes and OpenAI-compatible speech",
                  docs_url="/docs", redoc_url=None, lifespan=lifespan)
    app.state.service, app.state.admission = service, admission
    install_error_handlers(app)
    add_routes(app, service, admission, control)
    app.add_middleware(Guard, api_key=settings.api_key, max_body_bytes=settings.max_body_bytes)
    return app
