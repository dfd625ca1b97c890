"""The bounded queue in front of synthesis: `workers` requests run, `queue_size` more wait, the
rest are turned away at once (503 + Retry-After) instead of piling up until clients time out.

A ticket is taken when a request is accepted and returned when its answer is done (the last
chunk of a stream sent, or the client gone), so a slow streaming client counts as long as it
holds a worker. The work itself runs on a thread pool of `workers` threads: the engine's
models are PyTorch code that releases the GIL, and requests for different weight pairs run
in parallel (requests for one pair take turns on that pair's lock inside the engine).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from GPT_SoVITS.errors import GptSovitsError


class QueueFullError(GptSovitsError):
    """Every worker is busy and the queue is full (answered with 503 and Retry-After)."""

    def __init__(self, limit: int, retry_after: int):
        super().__init__(f"the server is busy: {limit} requests are running or waiting; retry in {retry_after} s")
        self.retry_after = retry_after


class Admission:
    """Counts accepted requests; `admit()` refuses beyond `workers + queue_size`."""

    def __init__(self, workers: int, queue_size: int, retry_after: int):
        self.limit = workers + queue_size
        self.retry_after = retry_after
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="synthesis")
        self._lock = threading.Lock()
        self._inside = 0

    @property
    def inside(self) -> int:
        with self._lock:
            return self._inside

    def admit(self) -> "Ticket":
        with self._lock:
            if self._inside >= self.limit:
                raise QueueFullError(self.limit, self.retry_after)
            self._inside += 1
        return Ticket(self)

    def _leave(self) -> None:
        with self._lock:
            self._inside -= 1

    def shutdown(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


class Ticket:
    """A place in the queue; `release()` (idempotent) gives it back."""

    def __init__(self, admission: Admission):
        self._admission = admission
        self._released = False
        self._lock = threading.Lock()

    def release(self) -> None:
        with self._lock:
            if self._released:
                return
            self._released = True
        self._admission._leave()
