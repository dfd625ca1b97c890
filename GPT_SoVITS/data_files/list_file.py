"""The one .list parser: `wav_path|speaker|language|text`, one utterance per line.

Malformed lines, including lines that are not UTF-8, are returned as `ListProblem`s naming
`file:line` so a stage can report and skip them while the other utterances go on.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from GPT_SoVITS.errors import DataError, describe_non_file

# Characters upstream's clean_path strips from both ends of a path (U+202A comes from
# Windows "copy as path").
_PATH_JUNK = " \t\r\n\"'\u202a"
_BOM = b"\xef\xbb\xbf"
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")  # Python's universal newlines, as text-mode reading splits


@dataclass(frozen=True)
class ListEntry:
    """One utterance of a .list file; `name` (the wav's basename) keys every stage's output."""

    name: str
    wav_path: str
    speaker: str
    language: str
    text: str
    line_number: int
    source: str

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line_number}"

    def audio_path(self, wav_dir: str | os.PathLike | None) -> Path:
        """Where stage 2 reads the audio: `wav_dir/<name>` when a folder is given, else the path."""
        if wav_dir:
            return Path(wav_dir) / self.name
        return Path(self.wav_path)


@dataclass(frozen=True)
class ListProblem:
    """A line that could not be used, with the reason; `raw` is the line as read (for resuming)."""

    line_number: int
    source: str
    message: str
    raw: str = ""

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line_number}"

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def clean_path(raw: str) -> str:
    """Strip quotes, spaces and trailing slashes the way upstream's list readers do."""
    path = raw.strip(_PATH_JUNK)
    while len(path) > 1 and path.endswith(("/", "\\")):
        path = path[:-1]
    return path


def utterance_name(wav_path: str) -> str:
    """The utterance key: the basename of the cleaned path, extension included."""
    return os.path.basename(clean_path(wav_path).replace("\\", "/"))


def parse_line(line: str, line_number: int, source: str) -> ListEntry | ListProblem | None:
    """Parse one line; None for a blank line."""
    stripped = line.rstrip("\r\n")
    if not stripped.strip():
        return None
    fields = stripped.split("|")

    def problem(message: str) -> ListProblem:
        return ListProblem(line_number, source, message, stripped)

    if len(fields) != 4:
        return problem(f"expected 4 fields wav|speaker|lang|text, got {len(fields)}")
    wav_path, speaker, language, text = fields
    name = utterance_name(wav_path)
    if not name:
        return problem("the wav path is empty")
    if not language.strip():
        return problem("the language field is empty")
    if not text.strip():
        return problem(f"the text of {name} is empty")
    return ListEntry(name, clean_path(wav_path), speaker.strip(), language.strip(), text.strip(), line_number, source)


_CYRILLIC_LOWER = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")
#: Single-byte encodings a Russian .list is likely saved in, as Python names them and as editors show them.
_GUESSES = (("cp1251", "Windows-1251"), ("koi8_r", "KOI8-R"), ("cp866", "CP866 (DOS)"))


def likely_encoding(data: bytes) -> str:
    """The encoding a text that is not UTF-8 most likely uses, for the message ("" when unsure).

    UTF-16 shows in its byte-order mark or zero bytes; for the Russian single-byte encodings the
    one that decodes to the most lower-case Cyrillic letters wins (the others give mostly
    capitals or box-drawing characters for the same bytes).
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or data[:200].count(0) > len(data[:200]) // 4:
        return "UTF-16"
    scores = [(_cyrillic_score(data.decode(codec, errors="replace")), name) for codec, name in _GUESSES]
    best, name = max(scores)
    return name if best else "Windows-1252 (Latin-1)"


def _cyrillic_score(text: str) -> int:
    """Lower-case Cyrillic letters next to another Cyrillic letter: words, not a lone accented
    Latin letter (`café` read as Windows-1251 gives one stray `й`)."""
    cyrillic = [char.lower() in _CYRILLIC_LOWER for char in text]
    return sum(1 for i, char in enumerate(text) if char in _CYRILLIC_LOWER
               and ((i > 0 and cyrillic[i - 1]) or (i + 1 < len(text) and cyrillic[i + 1])))


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _decode_line(raw: bytes, line_number: int, source: str, guess: str = "") -> str | ListProblem:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        looks = f"; it looks like {guess}" if guess else ""
        return ListProblem(
            line_number, source,
            f"not UTF-8 text (byte 0x{raw[error.start]:02x} at column {error.start + 1}{looks}); "
            "save the .list as UTF-8",
            raw.hex(),
        )


def read_list_lines(path: str | os.PathLike) -> list[tuple[int, str | ListProblem]]:
    """The non-blank lines of a .list (its utterances) with their numbers: text, or a problem for a
    line that is not UTF-8."""
    path = Path(path)
    if path.exists() and not path.is_file():  # a pipe or a device would block or never end
        raise DataError(f"{path}: {describe_non_file(path)}, not a .list file; set inp_text / --list to a .list file")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: .list file not found; set inp_text / --list to an existing file") from None
    except OSError as error:
        raise DataError(f"{path}: cannot read the .list file ({error.strerror or error})") from None
    if data.startswith(_BOM):
        data = data[len(_BOM):]
    raws = _LINE_BREAK.split(data)
    undecodable = [raw for raw in raws if not _is_utf8(raw)]
    guess = likely_encoding(b"\n".join(undecodable)) if undecodable else ""
    lines: list[tuple[int, str | ListProblem]] = []
    for number, raw in enumerate(raws, start=1):
        line = _decode_line(raw, number, str(path), guess)
        if isinstance(line, ListProblem) or line.strip():
            lines.append((number, line))
    return lines


def read_list(path: str | os.PathLike, i_part: int = 0, all_parts: int = 1) -> tuple[list[ListEntry], list[ListProblem]]:
    """Read part `i_part` of `all_parts` of a .list file: usable entries and problems, in file order.

    Non-blank lines are dealt out like upstream's `lines[i::n]`, so the parts are disjoint and
    together cover the file, and each problem is reported by exactly one part. A repeated
    utterance name is a problem (its outputs would overwrite each other).
    """
    if not 0 <= i_part < all_parts:
        raise DataError(f"i_part={i_part} must be in 0..{all_parts - 1} (all_parts={all_parts})")
    entries: list[ListEntry] = []
    problems: list[ListProblem] = []
    seen: dict[str, int] = {}
    for index, (number, line) in enumerate(read_list_lines(path)):
        parsed = line if isinstance(line, ListProblem) else parse_line(line, number, str(Path(path)))
        if isinstance(parsed, ListEntry) and parsed.name in seen:
            parsed = ListProblem(number, str(Path(path)), f"{parsed.name} repeats line {seen[parsed.name]}; names must "
                                 "be unique", line.rstrip("\r"))
        elif isinstance(parsed, ListEntry):
            seen[parsed.name] = number
        if index % all_parts != i_part:
            continue
        (problems if isinstance(parsed, ListProblem) else entries).append(parsed)
    return entries, problems
