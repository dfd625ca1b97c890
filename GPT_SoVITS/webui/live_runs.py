"""Runs that outlive the page that started them.

Gradio closes an event's generator when its page goes away: a reload, a closed tab, a laptop
that slept and dropped the connection. A run driven by that generator stopped with it; the
dataset pipeline ended its running stage and never started the next. So a start button's run is
driven by a thread of its own (`LiveRuns.start`), and pages only follow its output
(`LiveRun.follow`): the page that clicked, the same page reloaded, another browser. A run ends by
itself or by Stop, never because a page went away. No Gradio here; the UI passes the value that
means "leave this output as it is" (`gr.skip()`).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

logger = logging.getLogger(__name__)

FOLLOW_POLL_SECONDS = 1.0  # a follower wakes at least this often (changes wake it at once)


@dataclass(frozen=True)
class RunAbout:
    """What a run is, for pages that did not start it: its kind (`run_<kind>` in the UI's texts),
    its slot and view, the experiment and model version it was started with (empty for tab 0's
    tools), the page (Gradio session) that started it, and when."""

    kind: str
    slot: str
    view: str
    exp: str = ""
    version: str = ""
    session: str | None = None
    started: float = field(default_factory=time.time)


class LiveRun:
    """The outputs of one run as they change: the latest value of each with a version number, so
    each follower sends only what changed since it last sent (a plot is not re-sent every second)
    and one that joins late gets the latest of everything at once."""

    def __init__(self, outputs: int, unchanged: Any, about: RunAbout | None = None):
        self.outputs, self.unchanged, self.about = outputs, unchanged, about
        self._values: list[Any] = [unchanged] * outputs
        self._versions = [0] * outputs
        self._version = 0
        self._finished = False
        self._changed = threading.Condition()

    @property
    def finished(self) -> bool:
        with self._changed:
            return self._finished

    def publish(self, frame: Any) -> None:
        """One frame of the run: a value, or a tuple of `outputs` values; `unchanged` keeps the last."""
        values = tuple(frame) if self.outputs > 1 else (frame,)
        with self._changed:
            for index, value in enumerate(values):
                if not (isinstance(value, dict) and value == self.unchanged):
                    self._version += 1
                    self._values[index], self._versions[index] = value, self._version
            self._changed.notify_all()

    def finish(self) -> None:
        with self._changed:
            self._finished = True
            self._changed.notify_all()

    def follow(self, poll_seconds: float = FOLLOW_POLL_SECONDS) -> Iterator[Any]:
        """Frames for one page: what was published so far, then each change, until the run ends."""
        sent = [0] * self.outputs

        def news() -> bool:
            return self._finished or any(now > then for now, then in zip(self._versions, sent))

        while True:
            with self._changed:
                self._changed.wait_for(news, timeout=poll_seconds)
                changed = [now > then for now, then in zip(self._versions, sent)]
                frame = [value if new else self.unchanged for value, new in zip(self._values, changed)]
                sent, finished = list(self._versions), self._finished
            if any(changed):
                yield frame[0] if self.outputs == 1 else tuple(frame)
            if finished:
                return


class LiveRuns:
    """The latest run of each view (the outputs one group of buttons writes), by view name."""

    def __init__(self) -> None:
        self._runs: dict[str, LiveRun] = {}
        self._lock = threading.Lock()

    def start(self, view: str, run: LiveRun, drive: Callable[[LiveRun], None]) -> threading.Thread:
        """Drive `run` in a thread of its own (`drive` publishes its frames); `run` ends when `drive` returns."""

        def body() -> None:
            try:
                drive(run)
            except Exception:  # a defect in a callback: logged with its traceback, the run still ends
                logger.exception("the %s run failed", view)
            finally:
                run.finish()

        thread = threading.Thread(target=body, name=f"run-{view}", daemon=True)
        thread.start()
        return thread

    def show(self, view: str, run: LiveRun) -> None:
        """Make `run` the one pages opening now follow for `view`."""
        with self._lock:
            self._runs[view] = run

    def running(self, view: str) -> LiveRun | None:
        """`view`'s run while it has not ended, else None."""
        run = self.latest(view)
        return run if run is not None and not run.finished else None

    def latest(self, view: str) -> LiveRun | None:
        """`view`'s last run, running or ended (a reloaded page shows how it ended), else None."""
        with self._lock:
            return self._runs.get(view)

    def running_in_slot(self, slot: str) -> LiveRun | None:
        """The run (of any view) that holds `slot` now, when it was started by a button."""
        with self._lock:
            runs = list(self._runs.values())
        return next((run for run in runs if not run.finished and run.about is not None and run.about.slot == slot),
                    None)

    def newest_running(self) -> LiveRun | None:
        """The most recently started run still going that has an experiment (dataset, trainers)."""
        with self._lock:
            runs = [run for run in self._runs.values() if not run.finished and run.about and run.about.exp]
        return max(runs, key=lambda run: run.about.started, default=None)
