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
from typing import Sequence

import numpy as np

from GPT_SoVITS.errors import DataError, GptSovitsError
from tools.slice import format_duration
from tools.transcript_checks import letters_per_second, suspicious_reasons

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

    @property
    def rate(self) -> float:
        return letters_per_second(self.text, self.seconds)


@dataclass
class DatasetReport:
    list_path: Path
    clips: list[ClipStat] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    outliers: list[tuple[ClipStat, str]] = field(default_factory=list)

    @property
    def total_seconds(self) -> float:
        return sum(clip.seconds for clip in self.clips)

    def lines(self, most: int = 30) -> list[str]:
        rates = [clip.rate for clip in self.clips]
        durations = [clip.seconds for clip in self.clips]
        out = [f"{self.list_path}: {len(self.clips)} clip(s), {format_duration(self.total_seconds)} "
               f"({self.total_seconds / 3600:.2f} h); {len(self.outliers)} outlier(s), {len(self.problems)} problem(s)"]
        if self.clips:
            out.append(f"  duration: median {np.median(durations):.1f} s, {min(durations):.1f}-{max(durations):.1f} s; "
                       f"speech rate: median {np.median(rates):.1f} letters/s")
        out.extend(f"  outlier {clip.where} {clip.name} ({clip.seconds:.1f} s): {reason}"
                   for clip, reason in self.outliers[:most])
        if len(self.outliers) > most:
            out.append(f"  ... and {len(self.outliers) - most} more outliers")
        out.extend(f"  problem: {problem}" for problem in self.problems)
        return out


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
    return [(clip, f"{clip.rate:.1f} letters/s, far from this dataset's median {median:.1f}")
            for clip, rate in zip(clips, rates) if abs(rate - median) / spread > ROBUST_Z]


def build_report(list_path: str | Path, wav_dir: str | Path | None = None) -> DatasetReport:
    """Read the list and every clip's duration; unreadable lines and clips become problems."""
    from GPT_SoVITS.prepare.list_file import read_list

    list_path = Path(list_path)
    entries, problems = read_list(list_path)
    report = DatasetReport(list_path, problems=[str(problem) for problem in problems])
    flagged: list[tuple[ClipStat, str]] = []
    for entry in entries:
        audio = entry.audio_path(wav_dir)
        if not audio.is_absolute() and not audio.exists():
            audio = list_path.parent / audio
        try:
            clip = ClipStat(entry.where, entry.name, entry.text, clip_seconds(audio))
        except DataError as error:
            report.problems.append(f"{entry.where}: {error}")
            continue
        report.clips.append(clip)
        if not TRAIN_MIN_S < clip.seconds < TRAIN_MAX_S:
            flagged.append((clip, f"outside {TRAIN_MIN_S}-{TRAIN_MAX_S:g} s: the SoVITS trainer drops it"))
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


def plot_report(report: DatasetReport, png_path: str | Path) -> Path:
    """Histograms of durations and speech rates, outliers in red, saved as a PNG (Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    outlying = {clip.where for clip, _ in report.outliers}
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8), constrained_layout=True)
    for axis, values, label in ((left, [c.seconds for c in report.clips], "clip duration, s"),
                                (right, [c.rate for c in report.clips], "speech rate, letters/s")):
        normal = [v for v, c in zip(values, report.clips) if c.where not in outlying]
        odd = [v for v, c in zip(values, report.clips) if c.where in outlying]
        bins = np.histogram_bin_edges(values or [0.0], bins=30)
        axis.hist([normal, odd], bins=bins, stacked=True, color=["tab:blue", "tab:red"],
                  label=["clips", "outliers"])
        axis.set_xlabel(label)
        axis.set_ylabel("clips")
        axis.yaxis.get_major_locator().set_params(integer=True)
        axis.legend(loc="upper right")
    figure.suptitle(f"{report.list_path.name}: {len(report.clips)} clips, {format_duration(report.total_seconds)}, "
                    f"{len(outlying)} outlier clips")
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
