"""How the start and stop buttons run jobs: one run per slot, refusals, status lines in the UI's language.

A start button's callback is wrapped by `job_stream`: it claims the button's slot for the whole
run, so a second click while a job runs is refused at once with a notice ("a job is running;
stop it first") and the running job's status is left alone; nothing is queued behind the run.
Start events are registered with `START_EVENT` so Gradio neither drops nor queues such clicks.
The run itself goes on in a thread of its own (`live_runs`): closing or reloading the page does
not end it, and a page that opens meanwhile follows it (`rejoin_stream`, on page load).
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable, Iterator

from GPT_SoVITS.errors import GptSovitsError
from GPT_SoVITS.webui.i18n import Translate, error_text
from GPT_SoVITS.webui.jobs import Job, JobSlots, SlotBusyError, StopRequestedError
from GPT_SoVITS.webui.live_runs import LiveRun

logger = logging.getLogger(__name__)

# Every click reaches the server at once ("multiple", no concurrency limit): a start while the
# slot is busy is refused by `JobSlots.claim` instead of waiting in Gradio's queue and starting
# right after the user pressed Stop.
START_EVENT = {"trigger_mode": "multiple", "concurrency_limit": None}
# Page loads that rejoin a running job: every open page follows, none waits for another.
REJOIN_EVENT = {"concurrency_limit": None}


class _Claim:
    """The run thread's answer to "is the slot mine?": granted, or refused with the busy error."""

    def __init__(self) -> None:
        self._settled = threading.Event()
        self.refusal: SlotBusyError | None = None

    def settle(self, refusal: SlotBusyError | None = None) -> None:
        if not self._settled.is_set():
            self.refusal = refusal
            self._settled.set()

    def wait(self) -> SlotBusyError | None:
        self._settled.wait()
        return self.refusal


def job_stream(gr, tr: Translate, slots: JobSlots, slot: str, fn: Callable[..., Iterator[Any]],
               outputs: int = 1, view: str | None = None) -> Callable[..., Iterator[Any]]:
    """Wrap a streaming start callback: claim `slot`, refuse when busy, errors as one `error:` line.

    `fn` runs in a thread of its own and the page follows its frames; pages that open while it
    runs follow it under `view` (default: the slot's name; buttons of one slot that write other
    outputs need their own). With several outputs the first is the status box; on a refusal or
    an error the others are left unchanged (`gr.skip()`).
    """

    def shown(status: Any) -> Any:
        return status if outputs == 1 else (status, *[gr.skip()] * (outputs - 1))

    def drive(run: LiveRun, args: tuple, claim: _Claim) -> None:
        try:
            with slots.claim(slot):
                claim.settle()
                for frame in fn(*args):
                    run.publish(frame)
        except SlotBusyError as error:
            claim.settle(error)
        except StopRequestedError as error:
            run.publish(shown(tr("job_not_started").format(name=error.name)))
        except Exception as error:  # the run's last line says what failed; a defect is also logged in full
            if not isinstance(error, GptSovitsError):
                logger.exception("%s failed", getattr(fn, "__name__", "the job"))
            run.publish(shown(error_text(tr, error)))
        finally:
            claim.settle()

    def wrapped(*args):
        run, claim = LiveRun(outputs, gr.skip()), _Claim()
        slots.live.start(view or slot, run, lambda started: drive(started, args, claim))
        refusal = claim.wait()
        if refusal is not None:
            gr.Warning(refusal.message.render(tr), title=tr("notice_busy_title"))
            yield shown(gr.skip())
            return
        slots.live.show(view or slot, run)
        yield from run.follow()

    wrapped.__name__ = getattr(fn, "__name__", "job")
    return wrapped


def rejoin_stream(gr, slots: JobSlots, view: str, outputs: int = 1) -> Callable[[], Iterator[Any]]:
    """On page load: follow `view`'s running job (its latest status first); without one, leave the outputs."""

    def rejoin():
        run = slots.live.running(view)
        if run is None:
            yield gr.skip() if outputs == 1 else (gr.skip(),) * outputs
            return
        yield from run.follow()

    rejoin.__name__ = f"rejoin_{view}"
    return rejoin


def stop_callback(tr: Translate, slots: JobSlots, slot: str) -> Callable[[], str]:
    """The Stop button of `slot`: ends its job (every process group) and any further step of the run."""

    def stop_slot() -> str:
        return tr("job_stopping") if slots.stop(slot) else tr("job_nothing_running")

    stop_slot.__name__ = f"stop_{slot}"
    return stop_slot


def stop_notice(gr, tr: Translate, stop: Callable[[], str]) -> Callable[[], None]:
    """The Stop button's click: `stop()`'s reply as a notice; the status box is not written.

    The run writes its own last line ("stopped ..."). A reply written into the same box can reach
    the page after that line (the stop waits for the processes to end, the run notices the end
    too) and would leave "stopping..." there for good; with nothing running it would hide the
    last run's summary.
    """

    def clicked() -> None:
        gr.Info(stop(), title=tr("notice_stop_title"))

    clicked.__name__ = getattr(stop, "__name__", "stop")
    return clicked


def running_text(tr: Translate, job: Job, lines: int) -> str:
    """`running NAME, 12 s` and the output tail."""
    return "\n".join([tr("job_running").format(name=job.name, elapsed=job.elapsed()), *job.tail(lines)])


def outcome_text(tr: Translate, job: Job, exported: list[str] | None = None) -> str:
    """The line a finished job ends with: stopped, done (with the exported files when given) or failed."""
    if job.stopped:
        return tr("job_stopped").format(name=job.name)
    if job.succeeded:
        line = tr("job_done").format(name=job.name, elapsed=job.elapsed())
        if exported is not None:
            line += tr("job_exported").format(files=", ".join(exported) or tr("none"))
        return line
    return tr("job_failed").format(name=job.name, code=job.return_codes[0])
