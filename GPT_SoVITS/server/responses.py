"""Running a job on the worker threads and answering with its audio, whole or streamed.

A streamed answer starts when the first chunk is encoded, so an error before any audio (a bad
reference, a text the weights cannot read) is still a 400 with upstream's JSON. Afterwards the
worker thread hands chunks to the response through an asyncio queue. When the client goes
away (an `http.disconnect` while waiting, or a failed send) the job's `cancel` event is set:
the engine stops at its next check and the worker is free again. Time to first byte is
logged for every request.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
import time
from typing import Any, AsyncIterator

from fastapi import Request
from fastapi.responses import Response, StreamingResponse

from GPT_SoVITS.server.admission import Admission, Ticket
from GPT_SoVITS.server.encoders import encode, stream_encoder
from GPT_SoVITS.server.synthesis import Job, SpeechService

logger = logging.getLogger(__name__)

_END = object()
_ids = itertools.count(1)


class Answer:
    """One request's trip through the queue: id, start time, ticket and the first-byte log line."""

    def __init__(self, service: SpeechService, admission: Admission, route: str):
        self.service, self.admission, self.route = service, admission, route
        self.id = next(_ids)
        self.start = time.perf_counter()
        self.ticket: Ticket = admission.admit()

    def log_first_byte(self, job: Job, size: int) -> None:
        kind = f"stream mode {job.streaming_mode}" if job.streaming_mode else "whole"
        logger.info("request %d %s: first byte after %.3f s (%s, %s, %d bytes)", self.id, self.route,
                    time.perf_counter() - self.start, kind, job.audio_format.name, size)

    async def whole(self, job: Job) -> Response:
        """Synthesise, encode, answer with the bytes."""
        def work() -> bytes:
            try:
                rate, audio = self.service.run(job)
                return encode(job.audio_format, rate, audio)
            finally:
                self.ticket.release()

        body = await asyncio.wrap_future(self.admission.executor.submit(work))
        self.log_first_byte(job, len(body))
        return Response(body, media_type=job.audio_format.media_type)

    async def streamed(self, job: Job, request: Request) -> Response:
        """Chunked answer; the first chunk is awaited here so early errors are still a 400."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue()
        cancel = threading.Event()

        def put(item: Any) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, item)

        self.admission.executor.submit(self._produce, job, cancel, put)
        first = await queue.get()
        if isinstance(first, BaseException):
            raise first
        if first is _END:  # a stream with no audio at all (cannot happen for a non-empty text)
            return Response(b"", media_type=job.audio_format.media_type)
        self.log_first_byte(job, len(first))
        return StreamingResponse(self._rest(first, queue, cancel, request), media_type=job.audio_format.media_type)

    def _produce(self, job: Job, cancel: threading.Event, put) -> None:
        """Worker thread: engine chunks -> encoded bytes -> queue; then `_END` (or the error)."""
        encoder, sent = None, 0
        try:
            rate, chunks = self.service.stream(job, cancel)
            encoder = stream_encoder(job.audio_format, rate)
            for chunk in chunks:
                if cancel.is_set():
                    break
                data = encoder.feed(chunk)
                sent += 1
                if data:
                    put(data)
            if cancel.is_set():
                logger.info("request %d %s: client disconnected after %d chunks; synthesis stopped",
                            self.id, self.route, sent)
            else:
                tail = encoder.finish()
                if tail:
                    put(tail)
        except BaseException as error:  # handed to the event loop: a 400 before the first chunk
            put(error)
        finally:
            if encoder is not None:
                encoder.close()
            self.ticket.release()
            put(_END)

    async def _rest(self, first: bytes, queue: asyncio.Queue, cancel: threading.Event,
                    request: Request) -> AsyncIterator[bytes]:
        watcher = asyncio.create_task(_watch_disconnect(request, cancel))
        finished = False
        try:
            yield first
            while True:
                item = await queue.get()
                if item is _END:
                    finished = True
                    break
                if isinstance(item, BaseException):
                    logger.error("request %d %s: synthesis failed mid-stream: %s", self.id, self.route, item)
                    raise RuntimeError("synthesis failed after the stream started") from None
                yield item
            logger.info("request %d %s: stream done after %.3f s", self.id, self.route, time.perf_counter() - self.start)
        finally:
            if not finished:
                cancel.set()
            watcher.cancel()


async def _watch_disconnect(request: Request, cancel: threading.Event) -> None:
    """Set `cancel` when the server hears the client hang up (the body was read before)."""
    while not cancel.is_set():
        message = await request.receive()
        if message["type"] == "http.disconnect":
            cancel.set()
            return
