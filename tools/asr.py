"""Russian ASR of a clips folder into a `.list`: `python -m tools.asr CLIPS_DIR [-o OUT.list] [--language ru]`.

faster-whisper (CTranslate2; int8 on the CPU, float16 on CUDA) with beam search and its VAD
filter writes upstream's lines `path|speaker|language|text`. Empty transcripts are dropped and
suspicious ones (`tools.transcript_checks`) are written but listed in the summary; clips
already in an existing output list are skipped, so an interrupted run resumes.
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from GPT_SoVITS.errors import ConfigError, DataError, GptSovitsError
from tools.transcript_checks import suspicious_reasons
from tools.whisper_models import (COMPUTE_TYPES, DEFAULT_MODEL, DEVICES, choose_device, download_whisper,
                                  resolve_model)

logger = logging.getLogger(__name__)

LANGUAGES = ("ru", "auto", "zh", "en", "ja", "ko", "yue")  # ru, then upstream's list
ASR_SR = 16000
SAVE_EVERY = 20  # clips between atomic rewrites of the list, so a crash keeps the work done


@dataclass(frozen=True)
class AsrOptions:
    language: str = "ru"
    beam_size: int = 5
    vad_filter: bool = True
    device: str = "auto"
    compute_type: str = "auto"
    speaker: str = ""  # empty: the clips folder's name, as upstream

    def check(self) -> None:
        if self.language not in LANGUAGES:
            raise ConfigError(f"ASR language {self.language!r}: expected one of {', '.join(LANGUAGES)}")
        if self.beam_size < 1:
            raise ConfigError(f"beam size {self.beam_size}: expected 1 or more")
        if "|" in self.speaker:
            raise ConfigError(f"speaker {self.speaker!r}: '|' separates .list fields and cannot be in a name")


@dataclass(frozen=True)
class Transcript:
    text: str
    language: str
    seconds: float


class Transcriber:
    """One loaded Whisper model; `transcribe` turns a clip into text (never downloads)."""

    def __init__(self, model_dir: Path, options: AsrOptions):
        from faster_whisper import WhisperModel

        self.options = options
        self.device, self.compute_type = choose_device(options.device, options.compute_type)
        try:
            self.model: Any = WhisperModel(str(model_dir), device=self.device, compute_type=self.compute_type,
                                           local_files_only=True)
        except (RuntimeError, ValueError, OSError) as error:
            raise ConfigError(f"{model_dir}: cannot load the Whisper model on {self.device}/{self.compute_type} "
                              f"({error})") from None

    def transcribe(self, path: Path) -> Transcript:
        """Text of one clip; `DataError` when the file cannot be decoded."""
        from GPT_SoVITS.audio import load_audio

        audio = load_audio(path, ASR_SR)
        if audio.size == 0:
            raise DataError(f"{path}: the file holds no audio")
        language = None if self.options.language == "auto" else self.options.language
        segments, info = self.model.transcribe(
            audio, language=language, beam_size=self.options.beam_size, vad_filter=self.options.vad_filter,
            # Clips are short and independent: conditioning on earlier text only feeds repetition loops.
            condition_on_previous_text=False)
        text = " ".join(segment.text.strip() for segment in segments).strip()
        return Transcript(text.replace("|", " "), info.language if language is None else language,
                          len(audio) / ASR_SR)


@dataclass
class AsrSummary:
    """What one run wrote, flagged, dropped and skipped."""

    output: Path
    lines: list[str] = field(default_factory=list)
    resumed: int = 0
    flagged: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def report(self, header: str) -> list[str]:
        new = len(self.lines) - self.resumed
        lines = [f"{header}: {new} line(s) written to {self.output}"
                 + (f" after {self.resumed} already there" if self.resumed else "")
                 + f"; {len(self.flagged)} flagged, {len(self.dropped)} dropped, {len(self.skipped)} skipped"]
        if self.flagged:
            lines.append("  flagged (written; check them on the proofreading page):")
            lines.extend(f"    {item}" for item in self.flagged)
        lines.extend(f"  dropped: {item}" for item in self.dropped)
        lines.extend(f"  skipped: {item}" for item in self.skipped)
        return lines


def list_clips(clips_dir: Path) -> list[Path]:
    if not clips_dir.is_dir():
        raise ConfigError(f"clips folder {clips_dir} not found")
    clips = sorted(p for p in clips_dir.iterdir() if p.is_file() and not p.name.startswith("."))
    if not clips:
        raise ConfigError(f"{clips_dir}: the folder has no clips; slice recordings into it first")
    return clips


def default_output(clips_dir: Path) -> Path:
    """`<clips folder>.list` next to the folder."""
    return clips_dir.parent / f"{clips_dir.name}.list"


def _existing_lines(output: Path, overwrite: bool) -> list[str]:
    """Lines of an earlier run to keep (resume); the parser's problems stop the run rather than be lost."""
    from GPT_SoVITS.data_files.list_file import read_list

    if overwrite or not output.is_file():
        return []
    entries, problems = read_list(output)
    if problems:
        raise ConfigError(f"{problems[0]}; fix or remove {output}, or pass --overwrite")
    return [f"{e.wav_path}|{e.speaker}|{e.language}|{e.text}" for e in entries]


def append_lines(output: Path, lines: list[str], replace: bool = False) -> None:
    """Add `lines` after what `output` holds on disk now, atomically and under its lock
    (`exclusive_update`): edits saved meanwhile on the proofreading page stay. `replace` starts
    the file afresh (`--overwrite`, first write of the run)."""
    from GPT_SoVITS.atomic import exclusive_update, write_text_atomic

    with exclusive_update(output):
        current = ""
        if not replace and output.is_file():
            try:
                current = output.read_text(encoding="utf-8-sig")
            except UnicodeDecodeError as error:
                raise DataError(f"{output}: no longer UTF-8 text ({error.reason} at byte {error.start}); "
                                f"save it as UTF-8 and run the ASR again (finished clips are kept)") from None
        if current and not current.endswith("\n"):
            current += "\n"
        write_text_atomic(output, current + "".join(f"{line}\n" for line in lines))


def transcribe_folder(clips_dir: str | Path, output: str | Path, transcriber: Transcriber, *, overwrite: bool = False,
                      progress: bool = False) -> AsrSummary:
    """Transcribe every clip of `clips_dir` not yet in `output`, adding to `output` as it goes
    (`append_lines`: atomic, and the proofreading page may edit the lines already written)."""
    from GPT_SoVITS.progress_bars import progress_bar

    from GPT_SoVITS.data_files.list_file import utterance_name

    clips_dir, output = Path(clips_dir).resolve(), Path(output)
    options = transcriber.options
    speaker = options.speaker or clips_dir.name
    summary = AsrSummary(output, lines=_existing_lines(output, overwrite))
    summary.resumed = len(summary.lines)
    done = {utterance_name(line.split("|", 1)[0]) for line in summary.lines}
    todo = [clip for clip in list_clips(clips_dir) if clip.name not in done]
    pending: list[str] = []  # transcribed, not yet in the file
    for count, clip in enumerate(progress_bar(todo, desc="asr", unit="clip", disable=not progress), start=1):
        try:
            result = transcriber.transcribe(clip)
        except DataError as error:
            summary.skipped.append(str(error))
            continue
        if not result.text:
            summary.dropped.append(f"{clip.name}: empty transcript (no speech recognised)")
            continue
        reasons = suspicious_reasons(result.text, result.seconds, result.language)
        if options.language == "auto" and result.language not in LANGUAGES:
            reasons.append(f"detected language {result.language!r} is not one this project trains")
        summary.lines.append(f"{clip}|{speaker}|{result.language}|{result.text}")
        pending.append(summary.lines[-1])
        if reasons:
            summary.flagged.append(f"{output.name}:{len(summary.lines)} {clip.name}: {'; '.join(reasons)}: "
                                   f"{result.text[:80]!r}")
        if count % SAVE_EVERY == 0:
            append_lines(output, pending, replace=overwrite)
            pending, overwrite = [], False
    if pending or overwrite or not output.is_file():
        append_lines(output, pending, replace=overwrite)
    return summary


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tools.asr", description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="?", help="folder of clips (e.g. the slicer's output)")
    parser.add_argument("-o", "--output", help="the .list to write (default: <clips folder>.list next to it)")
    parser.add_argument("--speaker", default="", help="speaker field (default: the clips folder's name)")
    parser.add_argument("--language", choices=LANGUAGES, default="ru", help="spoken language; auto detects it")
    parser.add_argument("--model", default=DEFAULT_MODEL,
                        help="size name (looked up in GPT_SoVITS/pretrained_models/faster-whisper-<size>) or a folder")
    parser.add_argument("--device", choices=DEVICES, default="auto")
    parser.add_argument("--compute-type", choices=COMPUTE_TYPES, default="auto",
                        help="auto: float16 on CUDA, int8 on the CPU")
    parser.add_argument("--beam-size", type=int, default=5)
    parser.add_argument("--no-vad-filter", action="store_true", help="do not skip silence inside clips")
    parser.add_argument("--overwrite", action="store_true", help="transcribe every clip again (default: resume)")
    parser.add_argument("--download", action="store_true",
                        help="first fetch the size-named model from Hugging Face (needs the network)")
    return parser


def run(args: argparse.Namespace) -> int:
    options = AsrOptions(language=args.language, beam_size=args.beam_size, vad_filter=not args.no_vad_filter,
                         device=args.device, compute_type=args.compute_type, speaker=args.speaker.strip())
    options.check()
    if args.download:
        print(f"model ready in {download_whisper(args.model)}", flush=True)
        if not args.clips:
            return 0
    if not args.clips:
        raise ConfigError("give the clips folder to transcribe (or --download to only fetch the model)")
    clips_dir = Path(args.clips).expanduser()
    model_dir = resolve_model(args.model)
    output = Path(args.output).expanduser() if args.output else default_output(clips_dir)
    list_clips(clips_dir)  # an empty or missing folder stops here, before the model loads
    transcriber = Transcriber(model_dir, options)
    summary = transcribe_folder(clips_dir, output, transcriber, overwrite=args.overwrite, progress=True)
    header = f"asr ({options.language}, {model_dir.name} on {transcriber.device}/{transcriber.compute_type})"
    print("\n".join(summary.report(header)), flush=True)
    return 0 if summary.lines else 1


def main(argv: Sequence[str] | None = None) -> int:
    from GPT_SoVITS.logging_setup import setup_logging

    setup_logging()
    logging.getLogger("faster_whisper").setLevel(logging.WARNING)  # its per-clip lines would bury the progress
    try:
        return run(build_parser().parse_args(argv))
    except GptSovitsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
