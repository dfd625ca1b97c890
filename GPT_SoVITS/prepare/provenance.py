"""What each prepared line was made from, so a rerun redoes a line whose text, language or audio changed.

A stage's output says *that* a line is done, not from which content. After every stage the
pipeline records, per line, a fingerprint of the content its result depends on (not the line
number: moving a line redoes nothing) in `prepared-inputs.tsv`. On the next run a done line
whose fingerprint differs was edited: its outputs, and those of the later stages that read
them, are removed (`forget`), so the stage redoes it like a new line and a failed redo leaves
no stale result behind. Folders prepared before this record existed are recorded as they are.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Iterable, Sequence

from GPT_SoVITS.atomic import write_text_atomic
from GPT_SoVITS.data_files.layout import NAME2SEMANTIC, NAME2TEXT, part_files, sv_path, ssl_path, wav32k_path
from GPT_SoVITS.data_files.list_file import ListEntry
from GPT_SoVITS.errors import UnsupportedLanguageError
from GPT_SoVITS.text import languages

RECORD = "prepared-inputs.tsv"
#: Stages whose outputs read a stage's output: removing a line's result there removes theirs too.
DEPENDENTS = {"text": (), "ssl": ("sv", "semantic"), "sv": (), "semantic": ()}
#: What an edit of a line changes for each stage, as the summary line says it.
CAUSES = {"text": "text or language", "ssl": "audio", "sv": "32 kHz audio", "semantic": "HuBERT features"}


def digest(*parts: str) -> str:
    """A short stable hash of `parts` (fingerprints of a line's inputs, here and in `resume`)."""
    return hashlib.sha1("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def file_state(path: Path) -> str:
    """A file's identity for fingerprints: path, size and mtime (or that it is missing)."""
    try:
        stat = path.stat()
    except OSError:
        return f"{path}:missing"
    return f"{path}:{stat.st_size}:{stat.st_mtime_ns}"


_LATIN = re.compile(r"[A-Za-z]")


def text_reading(entry: ListEntry, latin: str) -> tuple[str, ...]:
    """What stage 1's phones of `entry` depend on besides its text: the Latin mode, for lines with Latin
    letters in a language that reads them by that mode (Russian).

    The default mode (`english`) adds nothing, so records written before the mode existed stay
    valid; switching to `translit` redoes exactly the lines whose reading it changes.
    """
    if not latin or latin == "english" or not _LATIN.search(entry.text):
        return ()
    try:
        takes_latin = languages.get_language(entry.language).takes_latin
    except UnsupportedLanguageError:  # stage 1 reports the line; its reading does not matter here
        return ()
    return (f"latin={latin}",) if takes_latin else ()


def content_fingerprint(stage: str, entry: ListEntry, opt_dir: Path, wav_dir: str, base_dir: Path,
                        latin: str = "english") -> str:
    """The content `stage`'s result for `entry` is made from (its line number left out)."""
    if stage == "text":
        return digest(stage, entry.language, entry.text, *text_reading(entry, latin))
    if stage == "ssl":
        return digest(stage, file_state(base_dir / entry.audio_path(wav_dir)))
    if stage == "sv":
        return digest(stage, file_state(wav32k_path(opt_dir, entry.name)))
    return digest(stage, file_state(ssl_path(opt_dir, entry.name)))


def read_records(opt_dir: Path) -> dict[tuple[str, str], str]:
    """(stage, name) -> fingerprint; an unreadable or missing record means "nothing known"."""
    try:
        text = (Path(opt_dir) / RECORD).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    records = {}
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) == 3:
            records[(fields[0], fields[1])] = fields[2]
    return records


def _write_records(opt_dir: Path, records: dict[tuple[str, str], str]) -> None:
    lines = [f"{stage}\t{name}\t{fingerprint}" for (stage, name), fingerprint in sorted(records.items())]
    write_text_atomic(Path(opt_dir) / RECORD, "".join(f"{line}\n" for line in lines))


def remember(opt_dir: Path, stage: str, entries: Iterable[ListEntry], wav_dir: str, base_dir: Path,
             latin: str = "english") -> None:
    """Record the content of `stage`'s done `entries` that have no record yet (edited ones were forgotten)."""
    records = read_records(opt_dir)
    added = {(stage, entry.name): content_fingerprint(stage, entry, opt_dir, wav_dir, base_dir, latin)
             for entry in entries if (stage, entry.name) not in records}
    if added:
        _write_records(opt_dir, {**records, **added})


def _drop_rows(paths: Sequence[Path], names: set[str]) -> None:
    """Rewrite each existing row file without the rows of `names` (their first tab-separated field)."""
    for path in paths:
        if not path.is_file():
            continue
        lines = path.read_text(encoding="utf-8").split("\n")
        kept = [line for line in lines if line.split("\t", 1)[0] not in names]
        if len(kept) != len(lines):
            write_text_atomic(path, "\n".join(kept))


def forget(opt_dir: Path, stage: str, names: Sequence[str]) -> None:
    """Remove `stage`'s results for `names` and those of its dependent stages, with their records."""
    opt_dir, names = Path(opt_dir), set(names)
    stages = (stage, *DEPENDENTS[stage])
    for key in stages:
        if key == "text":
            _drop_rows([opt_dir / NAME2TEXT, *part_files(opt_dir, "2-name2text-*.txt")], names)
        elif key == "semantic":
            _drop_rows([opt_dir / NAME2SEMANTIC, *part_files(opt_dir, "6-name2semantic-*.tsv")], names)
        elif key == "ssl":
            for name in names:
                ssl_path(opt_dir, name).unlink(missing_ok=True)
                wav32k_path(opt_dir, name).unlink(missing_ok=True)
        else:
            for name in names:
                sv_path(opt_dir, name).unlink(missing_ok=True)
    records = read_records(opt_dir)
    kept = {key: value for key, value in records.items() if not (key[0] in stages and key[1] in names)}
    if len(kept) != len(records):
        _write_records(opt_dir, kept)
