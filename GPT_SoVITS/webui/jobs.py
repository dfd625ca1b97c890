"""Subprocess jobs the UI starts (stages, trainers): start, stream their output, stop.

A job is one or more processes started together (e.g. one per stage part). Each runs in its
own process group / session so that stopping also ends its children (torchrun workers,
DataLoader workers). Output (stdout and stderr merged) is read by a thread per process into
a bounded tail; tqdm's carriage returns count as line ends, so the tail shows live progress.
Commands are argv lists, never shell strings.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Mapping, Sequence

from GPT_SoVITS.i18n import UiError
from GPT_SoVITS.webui.live_runs import LiveRuns

logger = logging.getLogger(__name__)

TAIL_LINES = 400
STOP_GRACE_SECONDS = 5.0


@dataclass(frozen=True)
class ProcessSpec:
    """One process of a job: its argv, extra environment, working folder and a short label."""

    argv: tuple[str, ...]
    env: Mapping[str, str]
    cwd: Path
    label: str = ""


def _popen_group_kwargs() -> dict:
    """Start the child in a new process group so a stop reaches its own children too."""
    if os.name == "nt":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


@dataclass
class Job:
    """Processes started together, their merged output tail and whether the user stopped them."""

    name: str
    processes: list[subprocess.Popen] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    stopped: bool = False
    started_at: float = field(default_factory=time.monotonic)
    _tail: collections.deque = field(default_factory=lambda: collections.deque(maxlen=TAIL_LINES))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _readers: list[threading.Thread] = field(default_factory=list)

    @classmethod
    def start(cls, name: str, specs: Sequence[ProcessSpec]) -> "Job":
        """Start every process; if one cannot start, the ones already started are stopped."""
        job = cls(name)
        try:
            for spec in specs:
                job._spawn(spec)
        except OSError as error:
            job.stop()
            raise UiError("err_could_not_start", name=name, program=spec.argv[0], error=error) from None
        return job

    def _spawn(self, spec: ProcessSpec) -> None:
        process = subprocess.Popen(
            list(spec.argv), env=dict(spec.env), cwd=spec.cwd, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8",
            errors="replace", **_popen_group_kwargs(),
        )
        self.processes.append(process)
        self.labels.append(spec.label)
        reader = threading.Thread(target=self._read, args=(process, spec.label), daemon=True)
        reader.start()
        self._readers.append(reader)

    def _read(self, process: subprocess.Popen, label: str) -> None:
        prefix = f"[{label}] " if label else ""
        for line in process.stdout:  # text mode: \r, \n and \r\n all end a line
            line = line.rstrip()
            if line:
                with self._lock:
                    self._tail.append(prefix + line)
        process.stdout.close()

    @property
    def running(self) -> bool:
        return any(process.poll() is None for process in self.processes)

    @property
    def return_codes(self) -> list[int | None]:
        return [process.poll() for process in self.processes]

    @property
    def succeeded(self) -> bool:
        return not self.running and not self.stopped and all(code == 0 for code in self.return_codes)

    def tail(self, lines: int = 20) -> list[str]:
        with self._lock:
            return list(self._tail)[-lines:]

    def elapsed(self) -> float:
        return time.monotonic() - self.started_at

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for every process and its output; False if `timeout` passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for process in self.processes:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                process.wait(remaining)
            except subprocess.TimeoutExpired:
                return False
        for reader in self._readers:
            reader.join(timeout=2.0)
        return True

    def poll_until_done(self, interval: float = 0.5) -> Iterator[None]:
        """Yield every `interval` seconds while running (for streaming status), then once at the end."""
        while self.running:
            yield
            time.sleep(interval)
        self.wait(timeout=5.0)
        yield

    def stop(self) -> None:
        """Terminate every process group; kill what is still alive after a grace period."""
        self.stopped = True
        for process in self.processes:
            _signal_group(process, kill=False)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for process in self.processes:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process, kill=True)
                process.wait()


def _signal_group(process: subprocess.Popen, kill: bool) -> None:
    if process.poll() is not None:
        return
    try:
        if os.name == "nt":
            process.kill() if kill else process.send_signal(signal.CTRL_BREAK_EVENT)
        else:
            os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
    except (ProcessLookupError, PermissionError) as error:
        logger.warning("could not signal process %d: %s", process.pid, error)


class SlotBusyError(UiError):
    """A start refused because the slot already runs a job: the user must stop it first."""

    def __init__(self, slot: str, running: str):
        self.slot, self.running = slot, running
        super().__init__("err_slot_busy", running=running)


class StopRequestedError(UiError):
    """The next step of a run was not started because Stop was pressed."""

    def __init__(self, name: str):
        self.name = name
        super().__init__("err_stop_requested", name=name)


class JobSlots:
    """At most one run per slot ("dataset", "sovits", "gpt", "recordings"); shared by the callbacks.

    A run is claimed for its whole length (`claim`), so a second start is refused at once,
    even between two stages of the one-click dataset button. A slot also remembers a stop
    request, so that run does not start its next stage after the user pressed Stop.
    """

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._claimed: dict[str, str] = {}
        self._cancelled: dict[str, bool] = {}
        self._lock = threading.Lock()
        self.live = LiveRuns()  # the slots' runs, for the pages that follow them (`job_events`)

    def _busy_with(self, slot: str) -> str | None:
        """What occupies `slot` (a claimed run or a job still running), or None; call with the lock held."""
        current = self._jobs.get(slot)
        if current is not None and current.running:
            return current.name
        return self._claimed.get(slot)

    @contextlib.contextmanager
    def claim(self, slot: str, name: str = "") -> Iterator[None]:
        """Hold `slot` for one run (clears an old stop request); `SlotBusyError` while another holds it."""
        with self._lock:
            busy = self._busy_with(slot)
            if busy is not None:
                raise SlotBusyError(slot, busy)
            self._claimed[slot] = name or slot
            self._cancelled[slot] = False
        try:
            yield
        finally:
            with self._lock:
                self._claimed.pop(slot, None)
                self._cancelled[slot] = False  # the stop request ended this run; it does not outlive it

    def start(self, slot: str, name: str, specs: Sequence[ProcessSpec]) -> Job:
        """Start a job in `slot`; refused while another job runs there or after a stop request."""
        with self._lock:
            current = self._jobs.get(slot)
            if current is not None and current.running:
                raise SlotBusyError(slot, current.name)
            if self._cancelled.get(slot):
                raise StopRequestedError(name)
            job = Job.start(name, specs)
            self._jobs[slot] = job
            return job

    def get(self, slot: str) -> Job | None:
        return self._jobs.get(slot)

    def busy(self, slot: str) -> bool:
        with self._lock:
            return self._busy_with(slot) is not None

    def cancelled(self, slot: str) -> bool:
        return self._cancelled.get(slot, False)

    def stop(self, slot: str) -> bool:
        """Request a stop and end the slot's running job (every process group); False when nothing ran.

        The lock makes a stop that arrives while `start` spawns wait for the job, then end it.
        """
        with self._lock:
            job = self._jobs.get(slot)
            running = job is not None and job.running
            claimed = slot in self._claimed
            if running or claimed:
                self._cancelled[slot] = True
        if running:
            job.stop()
        return running or claimed

    def stop_all(self) -> None:
        for slot in list(self._jobs):
            self.stop(slot)
