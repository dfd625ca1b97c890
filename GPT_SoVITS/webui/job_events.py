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
import time
from typing import Any, Callable, Iterator

from GPT_SoVITS.errors import GptSovitsError
from GPT_SoVITS.i18n import Translate, error_text
from GPT_SoVITS.webui.jobs import Job, JobSlots, SlotBusyError, StopRequestedError
from GPT_SoVITS.webui.live_runs import LiveRun, RunAbout

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


Describe = Callable[[tuple], RunAbout]


def _session(gr) -> str | None:
    """The Gradio session (page) of the event being handled, None outside one (tests, scripts)."""
    from gradio.context import LocalContext

    request = LocalContext.request.get(None)
    return getattr(request, "session_hash", None) if request is not None else None


def about_text(tr: Translate, about: RunAbout) -> str:
    """`dataset formatting, experiment a, v2, started 12:03:10`."""
    parts = [tr(f"run_{about.kind}")]
    if about.exp:
        parts.append(tr("run_exp").format(exp=about.exp))
    if about.version:
        parts.append(about.version)
    parts.append(tr("run_started").format(time=time.strftime("%H:%M:%S", time.localtime(about.started))))
    return ", ".join(parts)


def _marked(tr: Translate, run: LiveRun, outputs: int) -> Iterator[Any]:
    """`run`'s frames for a page that did not start it: each status starts with a line saying whose it is."""
    header = tr("follow_header").format(job=about_text(tr, run.about)) if run.about is not None else ""
    for frame in run.follow():
        values = list(frame) if outputs > 1 else [frame]
        if header and isinstance(values[0], str):
            values[0] = f"{header}\n{values[0]}"
        yield tuple(values) if outputs > 1 else values[0]


def job_stream(gr, tr: Translate, slots: JobSlots, slot: str, fn: Callable[..., Iterator[Any]],
               outputs: int = 1, view: str | None = None, describe: Describe | None = None
               ) -> Callable[..., Iterator[Any]]:
    """Wrap a streaming start callback: claim `slot`, refuse when busy, errors as one `error:` line.

    `fn` runs in a thread of its own and the page follows its frames; pages that open while it
    runs follow it under `view` (default: the slot's name; buttons of one slot that write other
    outputs need their own). With several outputs the first is the status box; on a refusal or
    an error the others are left unchanged (`gr.skip()`). `describe(args)` says what the run is
    (kind, experiment, version) for other pages: a start refused on another page names the
    running job and, when it writes the same outputs, that page follows it, marked as not its own.
    """
    view = view or slot

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
        session = _session(gr)
        about = describe(args) if describe is not None else RunAbout(view, slot, view)
        about = RunAbout(about.kind, slot, view, about.exp, about.version, session)
        run, claim = LiveRun(outputs, gr.skip(), about), _Claim()
        slots.live.start(view, run, lambda started: drive(started, args, claim))
        refusal = claim.wait()
        if refusal is not None:
            yield from _refused(refusal, session)
            return
        slots.live.show(view, run)
        yield from run.follow()

    def _refused(refusal: SlotBusyError, session: str | None) -> Iterator[Any]:
        """Name the running job; a page that did not start it and shows the same outputs follows it."""
        running = slots.live.running_in_slot(slot)
        if running is None:
            gr.Warning(refusal.message.render(tr), title=tr("notice_busy_title"))
            yield shown(gr.skip())
            return
        job = about_text(tr, running.about)
        if running.about.view != view or running.about.session == session:  # its own page follows it already
            gr.Warning(tr("err_slot_busy").format(running=job), title=tr("notice_busy_title"))
            yield shown(gr.skip())
            return
        gr.Warning(tr("err_slot_busy_follow").format(running=job), title=tr("notice_busy_title"))
        yield from _marked(tr, running, outputs)

    wrapped.__name__ = getattr(fn, "__name__", "job")
    return wrapped


def rejoin_stream(gr, slots: JobSlots, view: str, outputs: int = 1,
                  tr: Translate | None = None) -> Callable[[], Iterator[Any]]:
    """On page load: follow `view`'s running job (its latest status first), or show how its last run
    ended; without one, leave the outputs. With `tr`, the status says the page did not start it."""

    def rejoin():
        run = slots.live.latest(view)
        if run is None:
            yield gr.skip() if outputs == 1 else (gr.skip(),) * outputs
            return
        yield from (_marked(tr, run, outputs) if tr is not None else run.follow())

    rejoin.__name__ = f"rejoin_{view}"
    return rejoin


def running_settings(gr, slots: JobSlots) -> Callable[[], tuple[Any, Any]]:
    """On page load: the model version and experiment of the newest running job, for the page's
    version choice and experiment field (a reloaded page shows the job it follows, not the defaults)."""

    def job_settings():
        run = slots.live.newest_running()
        if run is None:
            return gr.skip(), gr.skip()
        return (run.about.version or gr.skip()), run.about.exp

    return job_settings


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
