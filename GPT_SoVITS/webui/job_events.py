"""How the start and stop buttons run jobs: one run per slot, refusals, status lines in the UI's language.

A start button's callback is wrapped by `job_stream`: it claims the button's slot for the whole
run, so a second click while a job runs is refused at once with a notice ("a job is running;
stop it first") and the running job's status is left alone; nothing is queued behind the run.
Start events are registered with `START_EVENT` so Gradio neither drops nor queues such clicks.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Iterator

from GPT_SoVITS.errors import GptSovitsError
from GPT_SoVITS.webui.i18n import Translate, error_text
from GPT_SoVITS.webui.jobs import Job, JobSlots, SlotBusyError, StopRequestedError

logger = logging.getLogger(__name__)

# Every click reaches the server at once ("multiple", no concurrency limit): a start while the
# slot is busy is refused by `JobSlots.claim` instead of waiting in Gradio's queue and starting
# right after the user pressed Stop.
START_EVENT = {"trigger_mode": "multiple", "concurrency_limit": None}


def job_stream(gr, tr: Translate, slots: JobSlots, slot: str, fn: Callable[..., Iterator[Any]],
               outputs: int = 1) -> Callable[..., Iterator[Any]]:
    """Wrap a streaming start callback: claim `slot`, refuse when busy, errors as one `error:` line.

    With several outputs the first is the status box; on a refusal or an error the others are
    left unchanged (`gr.skip()`).
    """

    def shown(status: Any) -> Any:
        return status if outputs == 1 else (status, *[gr.skip()] * (outputs - 1))

    def wrapped(*args):
        try:
            with slots.claim(slot):
                yield from fn(*args)
        except SlotBusyError as error:
            gr.Warning(error.message.render(tr), title=tr("notice_busy_title"))
            yield shown(gr.skip())
        except StopRequestedError as error:
            yield shown(tr("job_not_started").format(name=error.name))
        except GptSovitsError as error:
            yield shown(error_text(tr, error))

    wrapped.__name__ = getattr(fn, "__name__", "job")
    return wrapped


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
