"""Proofreading a `.list`: edit, delete and merge lines, see the frontend's reading, save without losing work.

A `ListDocument` holds the lines plus the edits made since the file was read. `save` copies
the previous file to a timestamped backup and writes the new one atomically. If the file was
changed on disk meanwhile (another page, the ASR), the edits are replayed onto the new content
line by line, keyed by clip name; an edit whose line was also changed there is refused with
`ListConflictError` and nothing is written, so no save is ever overwritten. No Gradio here.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Iterable, Union

from GPT_SoVITS.confinement import AllowedFolders
from GPT_SoVITS.errors import DataError, GptSovitsError
from GPT_SoVITS.data_files.list_file import likely_encoding
from GPT_SoVITS.prepare.list_file import ListEntry, parse_line, utterance_name

_SLICED_NAME = re.compile(r"(?P<source>.+)_(?P<start>\d{10})_(?P<end>\d{10})\.wav")


class ListConflictError(GptSovitsError):
    """The file on disk changed in a way that collides with unsaved edits."""


@dataclass(frozen=True)
class ListLine:
    """One line: the four fields, or (for a line the parser refused) the raw text kept verbatim."""

    wav_path: str = ""
    speaker: str = ""
    language: str = ""
    text: str = ""
    raw: str | None = None
    problem: str = ""

    @property
    def key(self) -> str:
        return f"raw:{self.raw}" if self.raw is not None else utterance_name(self.wav_path)

    @property
    def name(self) -> str:
        return self.key if self.raw is not None else utterance_name(self.wav_path)

    def render(self) -> str:
        return self.raw if self.raw is not None else f"{self.wav_path}|{self.speaker}|{self.language}|{self.text}"


def parse_lines(text: str, source: str) -> list[ListLine]:
    """Every non-blank line, in order; unusable or repeated ones kept raw with their problem."""
    lines, seen = [], {}
    for number, raw in enumerate(text.split("\n"), start=1):
        parsed = parse_line(raw, number, source)
        if parsed is None:
            continue
        if isinstance(parsed, ListEntry) and parsed.name in seen:
            parsed = f"{parsed.name} repeats line {seen[parsed.name]}"
        if isinstance(parsed, ListEntry):
            seen[parsed.name] = number
            lines.append(ListLine(parsed.wav_path, parsed.speaker, parsed.language, parsed.text))
        else:
            message = parsed if isinstance(parsed, str) else parsed.message
            lines.append(ListLine(raw=raw.rstrip("\r"), problem=f"line {number}: {message}"))
    return lines


def render_lines(lines: Iterable[ListLine]) -> str:
    rendered = [line.render() for line in lines]
    return "\n".join(rendered) + "\n" if rendered else ""


@dataclass(frozen=True)
class TextEdit:
    key: str
    before: str
    after: str


@dataclass(frozen=True)
class LineDelete:
    line: ListLine


@dataclass(frozen=True)
class LineMerge:
    first: ListLine
    second: ListLine
    merged: ListLine


Edit = Union[TextEdit, LineDelete, LineMerge]


def _find(lines: list[ListLine], key: str) -> int | None:
    return next((i for i, line in enumerate(lines) if line.key == key), None)


def apply_edit(lines: list[ListLine], edit: Edit) -> list[ListLine]:
    """`lines` with `edit` applied; `ListConflictError` when the lines no longer match it."""
    lines = list(lines)
    if isinstance(edit, TextEdit):
        index = _find(lines, edit.key)
        if index is None:
            raise ListConflictError(f"{edit.key}: the line was deleted or merged in the file on disk")
        current = lines[index].text
        if current not in (edit.before, edit.after):
            raise ListConflictError(f"{edit.key}: the text was changed on disk to {current!r} while you changed "
                                    f"it to {edit.after!r}")
        lines[index] = replace(lines[index], text=edit.after)
    elif isinstance(edit, LineDelete):
        index = _find(lines, edit.line.key)
        if index is not None and lines[index] != edit.line:
            raise ListConflictError(f"{edit.line.key}: you deleted the line, but it was changed on disk")
        if index is not None:
            del lines[index]
    else:
        first, second = _find(lines, edit.first.key), _find(lines, edit.second.key)
        if first is None and second is None and _find(lines, edit.merged.key) is not None:
            return lines  # the same merge was saved already
        if first is None or second != first + 1 or lines[first] != edit.first or lines[second] != edit.second:
            raise ListConflictError(f"{edit.first.key} + {edit.second.key}: you merged these lines, but they were "
                                    "changed, moved or deleted on disk")
        lines[first:first + 2] = [edit.merged]
    return lines


def merged_clip_name(first: str, second: str) -> str:
    """`src_<start of first>_<end of second>.wav` for two slices of one source, else `a+b.wav`."""
    a, b = _SLICED_NAME.fullmatch(first), _SLICED_NAME.fullmatch(second)
    if a and b and a["source"] == b["source"] and int(a["start"]) < int(b["end"]):
        return f"{a['source']}_{a['start']}_{b['end']}.wav"
    return f"{Path(first).stem}+{Path(second).stem}.wav"


def resolve_audio(wav_path: str, list_path: Path, roots: Iterable[Path] = ()) -> Path:
    """Where a line's audio is: absolute as is, relative from the list's folder, then from `roots`."""
    path = Path(wav_path).expanduser()
    if path.is_absolute():
        return path
    candidates = [list_path.parent / path, *(Path(root) / path for root in roots)]
    return next((candidate for candidate in candidates if candidate.exists()), candidates[0])


def concatenate_clips(first: Path, second: Path, target: Path) -> None:
    """Write `first` then `second` into `target` (16-bit WAV at the first clip's rate, atomically)."""
    import numpy as np
    import soundfile

    from GPT_SoVITS.audio import load_audio
    from GPT_SoVITS.inference.output import write_wav

    try:
        sr = soundfile.info(str(first)).samplerate
    except (RuntimeError, OSError) as error:  # soundfile's LibsndfileError is a RuntimeError
        raise DataError(f"{first}: cannot read audio ({error})") from None
    write_wav(target, sr, np.concatenate([load_audio(first, sr), load_audio(second, sr)]))


@dataclass(frozen=True)
class Reading:
    """What the text frontend makes of a line: stressed normalised text, phones, or why it cannot."""

    accented: str
    phones: str
    error: str = ""
    english: str = ""  # English words of a Russian line with their phones: `iPhone AY1 F OW2 N; USB ...`


def english_words(norm_text: str, phones: list[str], word2ph: list[int] | None) -> str:
    """`word PH ON ES` for each Latin-letter word of a cleaned Russian line, `; `-separated."""
    from GPT_SoVITS.text.russian.frontend import split_tokens

    tokens = split_tokens(norm_text)
    if word2ph is None or len(tokens) != len(word2ph):
        return ""
    shown, start = [], 0
    for token, count in zip(tokens, word2ph):
        if re.match(r"[A-Za-z]", token):
            shown.append(f"{token} {' '.join(phones[start:start + count])}")
        start += count
    return "; ".join(dict.fromkeys(shown))


def frontend_reading(text: str, language: str, latin: str | None = None) -> Reading:
    """The frontend's view of `text`; stress shown as an acute accent on the vowel (`+а` -> `а́`)."""
    from GPT_SoVITS.text import clean_text, languages

    english = ""
    try:
        cleaned = clean_text(text, language, latin)
        accented = cleaned.norm_text
        if languages.get_language(language).code == "ru":
            from GPT_SoVITS.text.russian.frontend import accented_text

            accented = accented_text(text, latin)
            english = english_words(cleaned.norm_text, cleaned.phones, cleaned.word2ph)
    except GptSovitsError as error:
        return Reading("", "", str(error))
    return Reading(re.sub(r"\+(\w)", "\\1\u0301", accented), " ".join(cleaned.phones), english=english)


@dataclass(frozen=True)
class SaveResult:
    path: Path
    backup: Path | None
    lines: int
    replayed: bool  # the file had changed on disk and the edits were replayed onto it


class ListDocument:
    """A `.list` open for proofreading: current lines, unsaved edits, and the file version they start from."""

    def __init__(self, path: Path, lines: list[ListLine], digest: str, roots: tuple[Path, ...] = (),
                 folders: AllowedFolders | None = None):
        self.path, self.lines, self.roots, self.folders = path, lines, roots, folders
        self._digest = digest
        self._edits: list[Edit] = []

    @classmethod
    def open(cls, path: str | Path, roots: Iterable[Path] = (), folders: AllowedFolders | None = None) -> "ListDocument":
        """Read `path`; with `folders` (the UI's), every clip a line names must lie inside them too."""
        path = Path(path).expanduser()
        data = _read_bytes(path)
        return cls(path, parse_lines(_decode(data, path), str(path)), _digest(data), tuple(roots), folders)

    @property
    def dirty(self) -> bool:
        return bool(self._edits)

    def audio_path(self, index: int) -> Path:
        """The clip of line `index`; `PathRefusedError` when it lies outside `folders` (a list may name any path)."""
        path = resolve_audio(self.lines[index].wav_path, self.path, self.roots)
        return self.folders.resolve(path, what=f"line {index + 1}: audio") if self.folders else path

    def _apply(self, edit: Edit) -> None:
        self.lines = apply_edit(self.lines, edit)
        self._edits.append(edit)

    def _editable(self, index: int) -> ListLine:
        if not 0 <= index < len(self.lines):
            raise DataError(f"{self.path}: there is no line {index + 1}")
        line = self.lines[index]
        if line.raw is not None:
            raise DataError(f"{self.path}: {line.problem}; fix this line in a text editor or delete it")
        return line

    def edit(self, index: int, text: str) -> None:
        """Set the text of line `index` (0-based); '|' and line breaks become spaces."""
        line = self._editable(index)
        text = " ".join(text.replace("|", " ").split())
        if not text:
            raise DataError(f"{line.name}: the text cannot be empty; delete the line instead")
        if text != line.text:
            self._apply(TextEdit(line.key, line.text, text))

    def delete(self, indices: Iterable[int]) -> int:
        """Delete lines by 0-based index; returns how many were deleted."""
        doomed = [self.lines[i] for i in sorted(set(indices)) if 0 <= i < len(self.lines)]
        for line in doomed:
            self._apply(LineDelete(line))
        return len(doomed)

    def merge(self, index: int) -> ListLine:
        """Merge line `index` with the next one: their audio into a new clip, their texts joined."""
        first = self._editable(index)
        if index + 1 >= len(self.lines):
            raise DataError(f"{first.name} is the last line: select two adjacent lines to merge")
        second = self._editable(index + 1)
        name = merged_clip_name(first.name, second.name)
        concatenate_clips(self.audio_path(index), self.audio_path(index + 1), self.audio_path(index).parent / name)
        merged = replace(first, wav_path=str(Path(first.wav_path).parent / name), text=f"{first.text} {second.text}")
        self._apply(LineMerge(first, second, merged))
        return merged

    def save(self) -> SaveResult:
        """Write the lines (backup first); replays the edits if the file changed on disk since it was read.

        The read, replay and write hold the file's lock (`exclusive_update`), shared with every
        other page of this UI, another UI and the ASR tool, so no save lands in between.
        """
        from GPT_SoVITS.atomic import exclusive_update

        with exclusive_update(self.path):
            data = _read_bytes(self.path)
            replayed = _digest(data) != self._digest
            lines = self.lines
            if replayed:
                lines = parse_lines(_decode(data, self.path), str(self.path))
                for edit in self._edits:
                    lines = apply_edit(lines, edit)
            backup = None
            if self._edits:
                from GPT_SoVITS.atomic import write_bytes_atomic, write_text_atomic

                backup = self.path.with_name(f"{self.path.name}.{datetime.now():%Y%m%d-%H%M%S-%f}.bak")
                write_bytes_atomic(backup, data)
                write_text_atomic(self.path, render_lines(lines))
                data = render_lines(lines).encode("utf-8")
            self.lines, self._digest, self._edits = lines, _digest(data), []
        return SaveResult(self.path, backup, len(lines), replayed)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: .list file not found") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a folder, expected a .list file") from None


def _decode(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start}; it looks like "
                        f"{likely_encoding(data)}); save it as UTF-8") from None


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
