"""Slice long recordings into clips: `python -m tools.slice IN... -o DIR [--mode vad|silence]`.

Each input (an audio file, or a folder of them) is decoded to mono at the output rate, cut
by the speech-aware VAD slicer (default) or upstream's silence slicer, peak-normalised like
upstream and written atomically as `<source>_<start>_<end>.wav` (start/end in output samples).
A bad input is reported and skipped; the run ends with a summary of what was kept and dropped.
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from GPT_SoVITS.errors import ConfigError, DataError, GptSovitsError
from tools.silence_slicer import SilenceParams, silence_spans
from tools.vad_slicer import VadParams, load_vad_model, vad_spans

logger = logging.getLogger(__name__)

MODES = ("vad", "silence")
OUTPUT_SR = 32000  # the pipeline's rate: stage 2 reads clips at 32 kHz


@dataclass(frozen=True)
class SliceOptions:
    """Everything a slicing run needs besides its inputs and output folder."""

    mode: str = "vad"
    silence: SilenceParams = field(default_factory=SilenceParams)
    vad: VadParams = field(default_factory=VadParams)
    min_clip: float = 3.0  # s: the VAD mode aims at [min_clip, max_clip]; the summary reports clips outside it
    max_clip: float = 12.0
    max_peak: float = 0.9  # upstream's `_max`
    alpha: float = 0.25  # upstream's `alpha`: share of the peak-normalised clip in the mix
    sr: int = OUTPUT_SR

    def check(self) -> None:
        if self.mode not in MODES:
            raise ConfigError(f"slicing mode {self.mode!r}: expected one of {', '.join(MODES)}")
        if not 0 < self.min_clip < self.max_clip:
            raise ConfigError(f"clip length range {self.min_clip}-{self.max_clip} s: expected 0 < min < max")
        if not (0 < self.max_peak <= 1 and 0 <= self.alpha <= 1):
            raise ConfigError(f"max {self.max_peak} / alpha {self.alpha}: expected 0 < max <= 1 and 0 <= alpha <= 1")
        if self.mode == "silence":
            self.silence.check()


@dataclass
class SliceSummary:
    """What a run wrote, dropped and skipped."""

    clips: list[tuple[Path, float]] = field(default_factory=list)  # (file, seconds)
    files_read: int = 0
    dropped_seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)

    def lines(self, options: SliceOptions, out_dir: Path) -> list[str]:
        total = sum(seconds for _, seconds in self.clips)
        short = [path.name for path, seconds in self.clips if seconds < options.min_clip]
        long = [path.name for path, seconds in self.clips if seconds > options.max_clip]
        lines = [f"slice ({options.mode}): {self.files_read} file(s) read, {len(self.skipped)} skipped; "
                 f"{len(self.clips)} clip(s), {format_duration(total)}, written to {out_dir}"]
        lines.append(f"  shorter than {options.min_clip:g} s: {len(short)}" + _names(short))
        lines.append(f"  longer than {options.max_clip:g} s: {len(long)}" + _names(long))
        lines.append(f"  dropped: {format_duration(self.dropped_seconds)} outside the clips (silence, noise)")
        lines.extend(f"  skipped: {problem}" for problem in self.skipped)
        return lines


def _names(names: list[str], most: int = 5) -> str:
    if not names:
        return ""
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return " (" + ", ".join(names[:most]) + more + ")"


def format_duration(seconds: float) -> str:
    """`1 h 02 min 03.4 s` style, short for short durations."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours >= 1:
        return f"{int(hours)} h {int(minutes):02d} min {secs:04.1f} s"
    if minutes >= 1:
        return f"{int(minutes)} min {secs:04.1f} s"
    return f"{secs:.1f} s"


def list_inputs(paths: Iterable[str | Path]) -> tuple[list[Path], list[str]]:
    """Audio candidates: each file as given, each folder's visible files in name order; and problems."""
    files, problems = [], []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
            if not found:
                problems.append(f"{path}: the folder has no files; put the recordings there")
            files.extend(found)
        else:
            problems.append(f"{path}: no such file or folder")
    return files, problems


def normalize_peak(clip: np.ndarray, max_peak: float, alpha: float) -> np.ndarray:
    """Upstream's level mix: `alpha` of the clip scaled to peak `max_peak`, plus (1 - alpha) of it as is."""
    peak = float(np.abs(clip).max()) if clip.size else 0.0
    if peak == 0.0:
        return clip
    return (clip / peak * (max_peak * alpha) + (1 - alpha) * clip).astype(np.float32)


def clip_name(source: Path, start: int, end: int) -> str:
    """`<source file name>_<start>_<end>.wav`, samples zero-padded to 10 digits as upstream's."""
    return f"{source.name}_{start:010d}_{end:010d}.wav"


class Slicer:
    """Slices files one by one with one set of options (the VAD model is loaded once, when needed)."""

    def __init__(self, options: SliceOptions):
        options.check()
        self.options = options
        self._vad_model: Any = None

    def spans(self, audio: np.ndarray) -> list[tuple[int, int]]:
        options = self.options
        if options.mode == "silence":
            return silence_spans(audio, options.sr, options.silence)
        if self._vad_model is None:
            self._vad_model = load_vad_model()
        return vad_spans(audio, options.sr, self._vad_model, options.vad, options.min_clip, options.max_clip)

    def slice_file(self, path: Path, out_dir: Path) -> tuple[list[tuple[Path, float]], float]:
        """Write the clips of one file; returns them and the seconds left out. `DataError` when unusable."""
        from GPT_SoVITS.audio import load_audio
        from GPT_SoVITS.inference.output import write_wav

        sr = self.options.sr
        audio = load_audio(path, sr)
        if audio.size == 0:
            raise DataError(f"{path}: the file holds no audio")
        spans = self.spans(audio)
        if not spans:
            what = (f"no frame above {self.options.silence.threshold:g} dB" if self.options.mode == "silence"
                    else "the VAD heard no speech")
            raise DataError(f"{path}: silence only ({what}); nothing to slice")
        clips = []
        for start, end in spans:
            target = out_dir / clip_name(path, start, end)
            write_wav(target, sr, normalize_peak(audio[start:end], self.options.max_peak, self.options.alpha))
            clips.append((target, (end - start) / sr))
        kept = sum(end - start for start, end in spans)
        return clips, (len(audio) - kept) / sr


def slice_inputs(paths: Sequence[str | Path], out_dir: str | Path, options: SliceOptions,
                 progress: bool = False) -> SliceSummary:
    """Slice every input into `out_dir`; bad inputs are reported in the summary and skipped."""
    from tqdm import tqdm

    slicer = Slicer(options)
    out_dir = Path(out_dir)
    files, problems = list_inputs(paths)
    summary = SliceSummary(skipped=problems)
    for path in tqdm(files, desc="slicing", unit="file", disable=not progress):
        try:
            clips, dropped = slicer.slice_file(path, out_dir)
        except DataError as error:
            logger.warning("%s", error)
            summary.skipped.append(str(error))
            continue
        summary.files_read += 1
        summary.clips.extend(clips)
        summary.dropped_seconds += dropped
    return summary


def build_parser() -> argparse.ArgumentParser:
    silence, vad, base = SilenceParams(), VadParams(), SliceOptions()
    parser = argparse.ArgumentParser(prog="python -m tools.slice", description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="+", help="audio files and/or folders of audio files")
    parser.add_argument("-o", "--output", required=True, help="folder for the clips (created if missing)")
    parser.add_argument("--mode", choices=MODES, default=base.mode,
                        help="vad: cut only in pauses between phrases (silero-vad, default); silence: upstream's slicer")
    parser.add_argument("--min-clip", type=float, default=base.min_clip, help="seconds; VAD target minimum")
    parser.add_argument("--max-clip", type=float, default=base.max_clip, help="seconds; VAD target maximum")
    parser.add_argument("--max", dest="max_peak", type=float, default=base.max_peak, help="peak after normalisation")
    parser.add_argument("--alpha", type=float, default=base.alpha, help="share of the normalised clip in the mix")
    parser.add_argument("--sr", type=int, default=base.sr, help="output sample rate")
    group = parser.add_argument_group("silence mode (upstream's names and defaults)")
    group.add_argument("--threshold", type=float, default=silence.threshold, help="dB; quieter frames are silence")
    group.add_argument("--min-length", type=int, default=silence.min_length, help="ms; shortest clip before a cut")
    group.add_argument("--min-interval", type=int, default=silence.min_interval, help="ms; shortest silence to cut in")
    group.add_argument("--hop-size", type=int, default=silence.hop_size, help="ms; RMS frame step")
    group.add_argument("--max-sil-kept", type=int, default=silence.max_sil_kept, help="ms; silence kept at clip edges")
    group = parser.add_argument_group("vad mode")
    group.add_argument("--min-pause", type=int, default=vad.min_pause, help="ms; silence that separates phrases")
    group.add_argument("--speech-pad", type=int, default=vad.speech_pad, help="ms; silence kept at clip edges")
    group.add_argument("--vad-threshold", type=float, default=vad.threshold, help="silero speech probability")
    group.add_argument("--max-inner-pause", type=float, default=vad.max_inner_pause,
                       help="s; a longer pause is always cut")
    return parser


def options_from_args(args: argparse.Namespace) -> SliceOptions:
    return SliceOptions(
        mode=args.mode, min_clip=args.min_clip, max_clip=args.max_clip, max_peak=args.max_peak, alpha=args.alpha,
        sr=args.sr,
        silence=SilenceParams(threshold=args.threshold, min_length=args.min_length, min_interval=args.min_interval,
                              hop_size=args.hop_size, max_sil_kept=args.max_sil_kept),
        vad=VadParams(min_pause=args.min_pause, speech_pad=args.speech_pad, threshold=args.vad_threshold,
                      max_inner_pause=args.max_inner_pause),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Exit code 0 when at least one clip was written, else 1 (the summary says why)."""
    from GPT_SoVITS.logging_setup import setup_logging

    setup_logging()
    args = build_parser().parse_args(argv)
    try:
        options = options_from_args(args)
        summary = slice_inputs(args.inputs, args.output, options, progress=True)
    except GptSovitsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print("\n".join(summary.lines(options, Path(args.output))), flush=True)
    return 0 if summary.clips else 1


if __name__ == "__main__":
    sys.exit(main())
