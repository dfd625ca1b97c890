"""Dataset report of a `.list`: clip durations, speech rate, total hours and outliers, as text and a PNG.

`python -m tools.dataset_report LIST [--wav-dir D] [-o report.png]`. Outliers are the lines
likely broken by slicing or ASR: clips the SoVITS trainer drops (outside 0.6-54 s), transcripts
flagged by `tools.transcript_checks`, and speech rates far from the dataset's own median.
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from GPT_SoVITS.errors import DataError, GptSovitsError
from tools.transcript_checks import Reason, letters_per_second, render_reason, suspicious_reasons

logger = logging.getLogger(__name__)

TRAIN_MIN_S, TRAIN_MAX_S = 0.6, 54.0  # the SoVITS trainer keeps clips strictly inside this range
ROBUST_Z = 3.5  # |rate - median| / (1.4826 MAD) above this is an outlier (Iglewicz-Hoaglin)
MIN_CLIPS_FOR_STATS = 5


@dataclass(frozen=True)
class ClipStat:
    where: str  # list:line
    name: str
    text: str
    seconds: float
    language: str = "ru"

    @property
    def rate(self) -> float:
        """Letters per second of the text as spoken (Russian: the frontend's normalised text)."""
        return letters_per_second(self.text, self.seconds, self.language)


@dataclass
class DatasetReport:
    list_path: Path
    clips: list[ClipStat] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    outliers: list[tuple[ClipStat, str]] = field(default_factory=list)

    @property
    def total_seconds(self) -> float:
        return sum(clip.seconds for clip in self.clips)

    def lines(self, most: int = 30, tr: Callable[[str], str] | None = None) -> list[str]:
        """The report as text, in the language of `tr` (the web UI's; default English). Problems quote
        the library's messages as written."""
        from GPT_SoVITS.i18n import ENGLISH

        tr = tr or ENGLISH
        rates = [clip.rate for clip in self.clips]
        durations = [clip.seconds for clip in self.clips]
        out = [tr("dr_head").format(path=self.list_path, clips=len(self.clips), duration=duration_text(self.total_seconds, tr),
                                    hours=self.total_seconds / 3600, outliers=len(self.outliers),
                                    problems=len(self.problems))]
        if self.clips:
            out.append(tr("dr_stats").format(median=np.median(durations), low=min(durations), high=max(durations),
                                             rate=np.median(rates)))
        out.extend(tr("dr_outlier").format(where=clip.where, name=clip.name, seconds=clip.seconds,
                                           reason=render_reason(reason, tr)) for clip, reason in self.outliers[:most])
        if len(self.outliers) > most:
            out.append(tr("dr_more").format(count=len(self.outliers) - most))
        out.extend(tr("dr_problem").format(problem=problem) for problem in self.problems)
        return out


def duration_text(seconds: float, tr: Callable[[str], str]) -> str:
    """`tools.slice.format_duration` in the language of `tr` (`1 h 02 min 03.4 s`, `1 ч 02 мин 03.4 с`)."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours >= 1:
        return tr("dur_h").format(h=int(hours), m=int(minutes), s=secs)
    if minutes >= 1:
        return tr("dur_min").format(m=int(minutes), s=secs)
    return tr("dur_s").format(s=secs)


def clip_seconds(path: Path) -> float:
    """Duration from the file header (soundfile), else by decoding (librosa); `DataError` when unreadable."""
    import soundfile

    try:
        return float(soundfile.info(str(path)).duration)
    except (RuntimeError, OSError):  # soundfile's LibsndfileError is a RuntimeError: try a decoder
        from GPT_SoVITS.audio import load_audio

        return len(load_audio(path, 16000)) / 16000


def _rate_outliers(clips: list[ClipStat]) -> list[tuple[ClipStat, str]]:
    if len(clips) < MIN_CLIPS_FOR_STATS:  # before any statistic: numpy warns on an empty median
        return []
    rates = np.array([clip.rate for clip in clips])
    median = float(np.median(rates))
    spread = 1.4826 * float(np.median(np.abs(rates - median)))
    if spread == 0.0:
        return []
    return [(clip, Reason("dr_rate_outlier", rate=clip.rate, median=median))
            for clip, rate in zip(clips, rates) if abs(rate - median) / spread > ROBUST_Z]


def build_report(list_path: str | Path, wav_dir: str | Path | None = None) -> DatasetReport:
    """Read the list and every clip's duration; unreadable lines and clips become problems."""
    from GPT_SoVITS.data_files.list_file import read_list

    list_path = Path(list_path)
    entries, problems = read_list(list_path)
    report = DatasetReport(list_path, problems=[str(problem) for problem in problems])
    flagged: list[tuple[ClipStat, str]] = []
    for entry in entries:
        audio = entry.audio_path(wav_dir)
        if not audio.is_absolute() and not audio.exists():
            audio = list_path.parent / audio
        try:
            clip = ClipStat(entry.where, entry.name, entry.text, clip_seconds(audio), entry.language)
        except DataError as error:
            report.problems.append(f"{entry.where}: {error}")
            continue
        report.clips.append(clip)
        if not TRAIN_MIN_S < clip.seconds < TRAIN_MAX_S:
            flagged.append((clip, Reason("dr_outside", low=TRAIN_MIN_S, high=TRAIN_MAX_S)))
        flagged.extend((clip, reason) for reason in suspicious_reasons(entry.text, clip.seconds, entry.language))
    if not report.clips:
        first = f" ({report.problems[0]})" if report.problems else ""
        raise DataError(f"{list_path}: no clip to report on: the list is empty" if not entries and not problems else
                        f"{list_path}: no clip to report on: none of its {len(entries) + len(problems)} line(s) "
                        f"is usable{first}")
    flagged.extend(_rate_outliers(report.clips))
    order = {clip.where: i for i, clip in enumerate(report.clips)}
    report.outliers = sorted(flagged, key=lambda item: order[item[0].where])
    return report


def plot_report(report: DatasetReport, png_path: str | Path, tr: Callable[[str], str] | None = None) -> Path:
    """Histograms of durations and speech rates, outliers in red, saved as a PNG (Agg backend); labels
    in the language of `tr` (the web UI's; default English)."""
    import matplotlib

    from GPT_SoVITS.i18n import ENGLISH

    tr = tr or ENGLISH

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    outlying = {clip.where for clip, _ in report.outliers}
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8), constrained_layout=True)
    for axis, values, label in ((left, [c.seconds for c in report.clips], tr("dr_plot_duration")),
                                (right, [c.rate for c in report.clips], tr("dr_plot_rate"))):
        normal = [v for v, c in zip(values, report.clips) if c.where not in outlying]
        odd = [v for v, c in zip(values, report.clips) if c.where in outlying]
        bins = np.histogram_bin_edges(values or [0.0], bins=30)
        axis.hist([normal, odd], bins=bins, stacked=True, color=["tab:blue", "tab:red"],
                  label=[tr("dr_plot_clips"), tr("dr_plot_outliers")])
        axis.set_xlabel(label)
        axis.set_ylabel(tr("dr_plot_clips"))
        axis.yaxis.get_major_locator().set_params(integer=True)
        axis.legend(loc="upper right")
    figure.suptitle(tr("dr_plot_title").format(name=report.list_path.name, clips=len(report.clips),
                                               duration=duration_text(report.total_seconds, tr), outliers=len(outlying)))
    png_path = Path(png_path)
    from GPT_SoVITS.atomic import atomic_output

    with atomic_output(png_path) as tmp:
        figure.savefig(tmp, format="png", dpi=100)
    plt.close(figure)
    return png_path


def default_png(list_path: Path) -> Path:
    """`<list>.report.png` beside the list (which `build_report` has read as a regular file, never a device)."""
    if not Path(list_path).is_file():
        raise DataError(f"{list_path}: not a regular file; give the report's PNG with -o")
    return list_path.with_name(f"{list_path.name}.report.png")


def main(argv: Sequence[str] | None = None) -> int:
    from GPT_SoVITS.logging_setup import setup_logging

    parser = argparse.ArgumentParser(prog="python -m tools.dataset_report", description=__doc__.splitlines()[0])
    parser.add_argument("list", help="the .list file")
    parser.add_argument("--wav-dir", help="audio folder (as in dataset formatting; default: the paths in the list)")
    parser.add_argument("-o", "--output", help="PNG to write (default: <list>.report.png next to the list)")
    args = parser.parse_args(argv)
    setup_logging()
    try:
        report = build_report(args.list, args.wav_dir)
        png = plot_report(report, args.output or default_png(Path(args.list)))
    except GptSovitsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print("\n".join([*report.lines(most=1000), f"plot: {png}"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
