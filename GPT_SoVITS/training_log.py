"""What a trainer run shows while it trains: scalar curves, images and audio samples, written to
TensorBoard event files and, for the web UI, to a plain JSON-lines metrics file in the same folder.

One writer (`TrainingLog`, rank 0 only) and the readers of its files (`MetricsReader`,
`read_plan`, `latest_sample`). It neither trains nor renders anything itself.
"""

from __future__ import annotations

import io
import json
import logging
import math
import os
import re
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import torch

from GPT_SoVITS.atomic import write_bytes_atomic, write_text_atomic

logger = logging.getLogger(__name__)

METRICS_FILE = "metrics.jsonl"  # one line per logged step: {"step", "epoch", "time", <tag>: value, ...}
PLAN_FILE = "run.json"  # the running trainer's plan: epochs, total steps, where it started
SAMPLES_DIR = "samples"  # step<N>-<tag>.wav / .txt, newest KEEP_SAMPLES kept (all are in the events)
KEEP_SAMPLES = 8
#: With at least this many usable utterances the sample utterance is held out of training.
HOLD_OUT_MIN_UTTERANCES = 20
INSTALL_HINT = "pip install tensorboard"
FILES, EVENTS = "metrics file and samples", "TensorBoard event files"  # the two outputs, as a warning names them
_SAMPLE_NAME = re.compile(r"^step(\d+)-(.+)\.(wav|txt)$")


# --- the plan and the sample utterance ------------------------------------------------------------


@dataclass(frozen=True)
class RunPlan:
    """What the running trainer intends, so a reader can show progress and an ETA."""

    trainer: str  # "s2" or "s1"
    epochs: int
    total_steps: int  # the step count at the end of the run (counted from the very first run)
    first_step: int  # the first step this run trains (1 unless resumed)
    started: float  # time.time() when the run started
    steps_per_epoch: int = 0  # 0 in plans written before it was recorded


def set_sample_aside(utterances: Sequence[Any], announce: bool = True) -> tuple[list[Any], Any]:
    """(training utterances, sample utterance) for items with a `.name` (at least one).

    The sample is the first utterance by name, so every run and resume renders the same one. It is
    held out of training only when the set can spare it (`HOLD_OUT_MIN_UTTERANCES`); otherwise it
    is a training utterance too, and `announce` says so in the log.
    """
    sample = min(utterances, key=lambda u: u.name)
    held_out = len({u.name for u in utterances}) >= HOLD_OUT_MIN_UTTERANCES
    if announce:
        logger.info("samples are rendered from %s (%s)", sample.name, "held out of training" if held_out
                    else "a training utterance too: the set is too small to hold one out")
    return ([u for u in utterances if u.name != sample.name] if held_out else list(utterances)), sample


# --- helpers the trainers compute their numbers with ----------------------------------------------


def grad_norm(parameters: Iterable[torch.nn.Parameter]) -> float:
    """The global L2 norm of the parameters' gradients (0.0 when none has one)."""
    grads = [p.grad for p in parameters if p.grad is not None]
    return float(torch.nn.utils.get_total_norm(grads)) if grads else 0.0


def spectrogram_image(log_mel: torch.Tensor) -> np.ndarray:
    """A log-mel spectrogram [n_mels, T] as an RGB image [n_mels, T, 3] (uint8, low bins at the bottom)."""
    from matplotlib import colormaps

    values = log_mel.detach().float().cpu().numpy()
    low, high = float(values.min()), float(values.max())
    scaled = (values - low) / (high - low) if high > low else np.zeros_like(values)
    rgba = colormaps["magma"](scaled[::-1])
    return (rgba[..., :3] * 255).astype(np.uint8)


# --- the writer -----------------------------------------------------------------------------------


def _tensorboard_writer(folder: Path, purge_step: int):
    """A SummaryWriter, or None (with one message saying how to get it) when tensorboard is missing."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        logger.warning("tensorboard is not installed: no TensorBoard event files are written (the metrics file "
                       "%s and the web UI's plots still work); install it with: %s", folder / METRICS_FILE, INSTALL_HINT)
        return None
    _quiet_writer_thread_errors()
    # purge_step: a resumed run hides what an interrupted run logged after its last save
    return SummaryWriter(str(folder), purge_step=purge_step, flush_secs=10)


def _quiet_writer_thread_errors() -> None:
    """TensorBoard's writer thread hands a write error (a full disk) to the next call of the training
    thread, which reports it once; keep the thread from also printing a traceback of its own."""
    previous = threading.excepthook
    if getattr(previous, "quiets_tensorboard_writer", False):
        return

    def hook(args) -> None:
        if not (isinstance(args.exc_value, OSError) and type(args.thread).__name__ == "_AsyncWriterThread"):
            previous(args)

    hook.quiets_tensorboard_writer = True
    threading.excepthook = hook


def _json_value(value: float) -> float | None:
    """Strict JSON has no NaN/inf: such a value is written as null (TensorBoard gets it as is)."""
    return value if math.isfinite(value) else None


class TrainingLog:
    """Curves and samples of one run in `folder`: TensorBoard events plus `metrics.jsonl`.

    `first_step` is the first step this run will log: lines, events and samples an earlier run
    wrote at or after it (an interrupted run's unsaved steps) are dropped, so a resumed run
    continues the same curves without duplicated or restarted steps. Writing is best effort: an
    OS error (a full disk) is reported once and that output is dropped; training goes on, and the
    resume state and exports report such errors themselves.
    """

    def __init__(self, folder: str | os.PathLike, trainer: str, first_step: int):
        self.folder, self.trainer, self.first_step = Path(folder), trainer, first_step
        self._broken: set[str] = set()
        self._plan: RunPlan | None = None  # until the first step's estimate is logged
        self._metrics = self._guarded(FILES, lambda: self._open_metrics(first_step))
        self._writer = self._guarded(EVENTS, lambda: _tensorboard_writer(self.folder, first_step))
        if self._writer is None:
            self._broken.add(EVENTS)

    def _guarded(self, sink: str, action: Callable[[], Any]) -> Any:
        """`action()`, unless `sink` failed before; an OS error is reported once and disables `sink`."""
        if sink in self._broken:
            return None
        try:
            return action()
        except OSError as error:
            self._broken.add(sink)
            logger.warning("cannot write the %s in %s (%s); training goes on without them", sink, self.folder, error)
            return None

    def _open_metrics(self, first_step: int):
        """Drop what an earlier run logged from `first_step` on (lines and samples), then append."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / METRICS_FILE
        if path.is_file():
            lines = path.read_text(encoding="utf-8").splitlines()
            kept = [line for line in lines if (_parse_line(line) or {}).get("step", first_step) < first_step]
            if len(kept) != len(lines):
                write_text_atomic(path, "".join(line + "\n" for line in kept))
                logger.info("%s: continuing the curves after step %d (%d later line(s) of an unsaved run dropped)",
                            path, first_step - 1, len(lines) - len(kept))
        for step, sample in _sample_files(self.folder):
            if step >= first_step:
                sample.unlink(missing_ok=True)
        return open(path, "a", encoding="utf-8")

    def start(self, epochs: int, total_steps: int, steps_per_epoch: int = 0) -> None:
        """Record the plan of this run (for progress and ETA in the UI) and say it in the log: steps
        per epoch and in all now, the time they will take once the first step is measured (`scalars`)."""
        plan = RunPlan(self.trainer, epochs, total_steps, self.first_step, time.time(), steps_per_epoch)
        self._plan = plan
        self._guarded(FILES, lambda: write_text_atomic(self.folder / PLAN_FILE, json.dumps(asdict(plan)) + "\n"))
        logger.info("%s: %d step(s) per epoch, %d step(s) in this run up to epoch %d; the time estimate follows the "
                    "first step", self.trainer, steps_per_epoch, max(0, total_steps - self.first_step + 1), epochs)

    def _estimate_after_first_step(self, now: float) -> None:
        plan, self._plan = self._plan, None
        if plan is None:
            return
        first = now - plan.started
        left = max(0, plan.total_steps - plan.first_step + 1)
        logger.info("%s: the first step took %s: about %s per epoch, %s for this run (estimated from that step)",
                    self.trainer, duration_text(first), duration_text(first * plan.steps_per_epoch),
                    duration_text(first * left))

    def scalars(self, step: int, epoch: int, values: Mapping[str, float]) -> None:
        """One metrics line and one TensorBoard scalar per value, all at `step`."""
        now = time.time()
        self._estimate_after_first_step(now)
        clean = {tag: float(value) for tag, value in values.items()}
        line = {"step": step, "epoch": epoch, "time": round(now, 3), **{k: _json_value(v) for k, v in clean.items()}}
        self._guarded(FILES, lambda: self._append(json.dumps(line)))
        for tag, value in clean.items():
            self._guarded(EVENTS, lambda: self._writer.add_scalar(tag, value, step, walltime=now))

    def _append(self, line: str) -> None:
        self._metrics.write(line + "\n")
        self._metrics.flush()  # the UI reads it while training runs

    def image(self, tag: str, step: int, image: np.ndarray) -> None:
        """An RGB image [H, W, 3] (TensorBoard only)."""
        self._guarded(EVENTS, lambda: self._writer.add_image(tag, image, step, dataformats="HWC"))

    def audio(self, tag: str, step: int, audio: torch.Tensor, sample_rate: int) -> Path | None:
        """A mono clip [S] in [-1, 1]: to TensorBoard and to `samples/step<N>-<tag>.wav` (returned)."""
        import soundfile

        clip = audio.detach().float().cpu().reshape(-1).clamp(-1.0, 1.0)
        self._guarded(EVENTS, lambda: self._writer.add_audio(tag, clip.unsqueeze(0), step, sample_rate=sample_rate))
        buffer = io.BytesIO()
        soundfile.write(buffer, clip.numpy(), sample_rate, format="WAV", subtype="PCM_16")
        return self._guarded(FILES, lambda: self._write_sample(tag, step, "wav", buffer.getvalue()))

    def text(self, tag: str, step: int, text: str) -> Path | None:
        """A text sample: to TensorBoard and to `samples/step<N>-<tag>.txt` (returned)."""
        self._guarded(EVENTS, lambda: self._writer.add_text(tag, text, step))
        return self._guarded(FILES, lambda: self._write_sample(tag, step, "txt", text.encode("utf-8")))

    def _write_sample(self, tag: str, step: int, suffix: str, data: bytes) -> Path:
        path = self.folder / SAMPLES_DIR / f"step{step:08d}-{tag.replace('/', '-')}.{suffix}"
        path.parent.mkdir(exist_ok=True)
        write_bytes_atomic(path, data)
        for _, old in _sample_files(self.folder)[:-KEEP_SAMPLES]:
            old.unlink(missing_ok=True)
        return path

    def close(self) -> None:
        if self._metrics is not None:
            self._metrics.close()
        self._guarded(EVENTS, lambda: self._writer.close())


def duration_text(seconds: float) -> str:
    """'45 s', '3 min 05 s', '2 h 07 min' for log lines."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def log_repetition(trainer: str, utterances: int, items: int, key: str) -> None:
    """Say when a small dataset is repeated to make an epoch (upstream's rule), and what changes it."""
    if items > utterances:
        logger.info("%s: %d utterance(s) repeated to %d items per epoch (%s; --min-epoch-items or the UI's "
                    "'minimum items per epoch' changes it, 0 never repeats)", trainer, utterances, items, key)


class DisabledLog:
    """What ranks other than 0 log: nothing (the same methods as `TrainingLog`)."""

    def start(self, epochs: int, total_steps: int, steps_per_epoch: int = 0) -> None:
        pass

    def scalars(self, step: int, epoch: int, values: Mapping[str, float]) -> None:
        pass

    def image(self, tag: str, step: int, image: np.ndarray) -> None:
        pass

    def audio(self, tag: str, step: int, audio: torch.Tensor, sample_rate: int) -> None:
        return None

    def text(self, tag: str, step: int, text: str) -> None:
        return None

    def close(self) -> None:
        pass


def open_training_log(folder: str | os.PathLike, trainer: str, first_step: int,
                      enabled: bool = True) -> TrainingLog | DisabledLog:
    """The run's log in `folder` (a `DisabledLog` when not `enabled`, i.e. off rank 0)."""
    return TrainingLog(folder, trainer, first_step) if enabled else DisabledLog()


# --- readers (the web UI) ---------------------------------------------------------------------


def _parse_line(line: str) -> dict | None:
    """A metrics line as a dict, or None for a torn or foreign line (an interrupted write)."""
    try:
        row = json.loads(line)
    except ValueError:
        return None
    return row if isinstance(row, dict) and isinstance(row.get("step"), int) else None


class MetricsReader:
    """Reads `metrics.jsonl` incrementally: each `read_new()` returns the rows added since the last.

    A file that was rewritten (a resumed run dropped an interrupted run's steps) or replaced is
    read again from its start; `reset` then says so, and the caller drops what it had.
    """

    def __init__(self, folder: str | os.PathLike):
        self.path = Path(folder) / METRICS_FILE
        self._offset, self._identity, self._partial = 0, None, ""
        self.reset = False

    def read_new(self) -> list[dict[str, Any]]:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            self.reset = False
            return []
        identity = (stat.st_dev, stat.st_ino)
        self.reset = identity != self._identity or stat.st_size < self._offset
        if self.reset:
            self._offset, self._identity, self._partial = 0, identity, ""
        with open(self.path, "rb") as handle:
            handle.seek(self._offset)
            data = handle.read()
        self._offset += len(data)
        text = self._partial + data.decode("utf-8", errors="replace")
        *lines, self._partial = text.split("\n")  # the last piece may be a line still being written
        return [row for row in map(_parse_line, lines) if row is not None]


def read_plan(folder: str | os.PathLike) -> RunPlan | None:
    """The plan of the last run started in `folder`, or None when there is none or it is unreadable."""
    try:
        values = json.loads((Path(folder) / PLAN_FILE).read_text(encoding="utf-8"))
        return RunPlan(**values)
    except (OSError, ValueError, TypeError):
        return None


def _sample_files(folder: Path) -> list[tuple[int, Path]]:
    """(step, path) of every sample file, oldest step first."""
    samples = Path(folder) / SAMPLES_DIR
    if not samples.is_dir():
        return []
    found = [(int(match.group(1)), path) for path in samples.iterdir() if (match := _SAMPLE_NAME.match(path.name))]
    return sorted(found)


def latest_sample(folder: str | os.PathLike, suffixes: Sequence[str] = (".wav",)) -> Path | None:
    """The newest sample file (highest step) with one of `suffixes`, or None."""
    found = [path for _, path in _sample_files(Path(folder)) if path.suffix in suffixes]
    return found[-1] if found else None
