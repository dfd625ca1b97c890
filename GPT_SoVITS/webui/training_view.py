"""What the fine-tuning tab shows of a running trainer: its loss curves, progress and ETA, the last
log lines (not the progress-bar stream) and the newest listenable sample.

Everything comes from the trainer's log folder through `GPT_SoVITS.training_log`'s readers (the
metrics file, the run plan, the samples folder), never from TensorBoard's files. No Gradio here.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from GPT_SoVITS.training_log import MetricsReader, RunPlan, latest_sample, read_plan
from GPT_SoVITS.i18n import translator

Translate = Callable[[str], str]

#: The curves each trainer's plot shows (all of them are in TensorBoard and the metrics file).
PLOTTED = {
    "s2": ("loss/mel", "loss/kl", "loss/feature_matching", "loss/adversarial", "loss/discriminator"),
    "s1": ("loss/per_token", "accuracy/top3"),
}
MAX_POINTS = 400  # per curve; longer runs are averaged over buckets of neighbouring steps
#: Curves whose typical sizes differ by this factor or more share a log-like axis (KL ~1e5 would
#: flatten a mel loss of ~30 on a linear one).
LOG_AXIS_RATIO = 10.0
LOG_LINES = 6
# A tqdm progress line ("s2 epoch 1/8:  40%|####  | 2/5 [00:01<00:02, 1.5it/s, ...]"): shown as the
# progress line instead, so it is left out of the log lines.
_PROGRESS_BAR = re.compile(r"\d+%\|.*\|\s*\d+/\d+\s*\[|\|\s*\d+/\d+\s*\[\d")


@dataclass(frozen=True)
class TrainingFrame:
    """One refresh of a trainer's view; None means "unchanged since the last frame"."""

    status: str
    curves: Any = None  # pandas.DataFrame with columns step, value, curve
    sample: Path | None = None
    log_axis: bool = False  # `curves.value` is sign(v) * log10(1 + |v|) (`log_axis_curves`)


def log_lines(tail: Sequence[str], count: int = LOG_LINES) -> list[str]:
    """The last `count` lines of a job's output that are not progress-bar updates."""
    return [line for line in tail if line.strip() and not _PROGRESS_BAR.search(line)][-count:]


def format_duration(seconds: float, tr: Translate) -> str:
    """'45 s', '3 min 05 s', '2 h 07 min' (in the UI's language)."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return tr("tv_seconds").format(s=seconds)
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return tr("tv_minutes").format(m=minutes, s=seconds)
    hours, minutes = divmod(minutes, 60)
    return tr("tv_hours").format(h=hours, m=minutes)


def progress_text(plan: RunPlan | None, rows: Sequence[dict], tr: Translate) -> str:
    """'epoch 2/8, step 40/160 (25 %), 0.52 s/step, about 1 min 02 s left' from the plan and this
    run's rows; the time per step is measured over this run's steps so far."""
    if plan is None:
        return tr("tv_starting")
    current = [row for row in rows if row["step"] >= plan.first_step]
    if not current:
        text = tr("tv_first_step").format(epochs=plan.epochs)
        if plan.steps_per_epoch:
            text += tr("tv_steps_planned").format(per_epoch=plan.steps_per_epoch,
                                                  total=max(0, plan.total_steps - plan.first_step + 1))
        return text
    last = current[-1]
    total = max(plan.total_steps, last["step"])
    text = tr("tv_progress").format(epoch=last["epoch"], epochs=plan.epochs, step=last["step"], total=total,
                                    percent=100 * last["step"] // max(1, total))
    if len(current) >= 2 and last["step"] > current[0]["step"]:
        per_step = (last["time"] - current[0]["time"]) / (last["step"] - current[0]["step"])
    else:  # one step so far: estimated from it (the first step is usually the slowest)
        per_step = max(0.0, last["time"] - plan.started)
    if last["step"] >= total:  # every step done: the trainer saves, exports and renders its sample now
        return text + tr("tv_finishing")
    if per_step > 0:
        text += tr("tv_eta").format(per_step=per_step, eta=format_duration(per_step * (total - last["step"]), tr))
    return text


def curves_frame(rows: Sequence[dict], tags: Sequence[str], max_points: int = MAX_POINTS):
    """The plotted curves as a long DataFrame (step, value, curve); each curve at most `max_points`
    points, neighbouring steps averaged. Missing and non-finite values are left out."""
    import pandas as pd

    parts = []
    for tag in tags:
        points = [(row["step"], row[tag]) for row in rows if isinstance(row.get(tag), (int, float))
                  and math.isfinite(row[tag])]
        if not points:
            continue
        steps, values = np.array(points, dtype=float).T
        if len(steps) > max_points:
            buckets = np.array_split(np.arange(len(steps)), max_points)
            steps = np.array([steps[b].mean() for b in buckets])
            values = np.array([values[b].mean() for b in buckets])
        parts.append(pd.DataFrame({"step": steps, "value": values, "curve": tag}))
    if not parts:
        return pd.DataFrame({"step": pd.Series(dtype=float), "value": pd.Series(dtype=float),
                             "curve": pd.Series(dtype=str)})
    return pd.concat(parts, ignore_index=True)


def log_axis_curves(frame, ratio: float = LOG_AXIS_RATIO):
    """(frame, True) with each value as sign(v) * log10(1 + |v|) when the curves' typical sizes (median
    of |value|) differ by `ratio` or more, else (frame, False) unchanged."""
    if frame.empty:
        return frame, False
    sizes = frame.assign(size=frame["value"].abs()).groupby("curve")["size"].median()
    sizes = sizes[sizes > 0]
    if len(sizes) < 2 or sizes.max() / sizes.min() < ratio:
        return frame, False
    values = frame["value"].to_numpy(dtype=float)
    return frame.assign(value=np.sign(values) * np.log10(1.0 + np.abs(values))), True


def named_curves(frame, tr: Translate):
    """`frame` with each curve's tag (`loss/mel`) replaced by its name in the UI's language."""
    return frame.assign(curve=[tr(f"curve_{tag}") for tag in frame["curve"]])


class TrainingMonitor:
    """Follows one trainer's log folder while its job runs (a few file reads per refresh)."""

    def __init__(self, log_dir: Path, trainer: str, lang: str = "en", started: float | None = None):
        self.log_dir, self.trainer, self.tr = Path(log_dir), trainer, translator(lang)
        self.started = time.time() if started is None else started
        self.reader = MetricsReader(self.log_dir)
        self.rows: list[dict] = []
        self._sample: Path | None = None

    def plan(self) -> RunPlan | None:
        """This job's plan; an older run's plan file does not count."""
        plan = read_plan(self.log_dir)
        return plan if plan is not None and plan.trainer == self.trainer and plan.started >= self.started else None

    def refresh(self, status: str, tail: Sequence[str], lines: int = LOG_LINES) -> TrainingFrame:
        """`status`, the progress line and the last `lines` log lines; the curves and sample when they changed."""
        new = self.reader.read_new()
        if self.reader.reset:
            self.rows = []
        self.rows.extend(new)
        # An empty frame would leave the plot without its colour legend for good: send data only.
        changed_rows = bool(self.rows) and (bool(new) or self.reader.reset)
        curves, log_axis = None, False
        if changed_rows:
            curves, log_axis = log_axis_curves(curves_frame(self.rows, PLOTTED[self.trainer]))
            curves = named_curves(curves, self.tr)
        sample = latest_sample(self.log_dir)
        changed = sample if sample is not None and sample != self._sample else None
        self._sample = sample or self._sample
        text = "\n".join([status, progress_text(self.plan(), self.rows, self.tr), *log_lines(tail, lines)])
        return TrainingFrame(text, curves, changed, log_axis)


def read_sample_audio(path: Path) -> tuple[int, np.ndarray] | None:
    """A sample wav as (rate, int16 samples) for gr.Audio, or None when it is gone (pruned meanwhile)."""
    import soundfile

    try:
        audio, rate = soundfile.read(str(path), dtype="int16")
    except (OSError, RuntimeError, soundfile.LibsndfileError):
        return None
    return int(rate), audio
