"""`2-name2text.txt`: stage 1's `name\tphones\tword2ph\tnorm_text` lines, their parts and the merge.

Both trainers read it through `iter_name2text`; stage 1 writes lines with `format_name2text_line`
into `2-name2text-{i}.txt` parts that `merge_name2text` joins, as upstream's UI does.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from GPT_SoVITS.atomic import write_text_atomic
from GPT_SoVITS.data_files.layout import FAILED_TXT, NAME2TEXT, name2text_part, part_files
from GPT_SoVITS.data_files.list_file import ListProblem
from GPT_SoVITS.errors import DataError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Name2TextRow:
    """One utterance's phones (as written by stage 1) and its normalised text; `line` is the row as read."""

    name: str
    phones: list[str]
    norm_text: str
    line_number: int
    line: str = field(default="", compare=False, repr=False)


def _single_line(text: str) -> str:
    """Tabs and newlines would break the 4-column format; they mean a space in normalised text."""
    return " ".join(text.replace("\t", " ").replace("\r", " ").replace("\n", " ").split())


def format_name2text_line(name: str, phones: Sequence[str], word2ph: Sequence[int] | None, norm_text: str) -> str:
    """One row without its newline; word2ph as Python's `str(list)` or `None`, as upstream writes it."""
    word2ph_text = "None" if word2ph is None else str(list(word2ph))
    return f"{name}\t{' '.join(phones)}\t{word2ph_text}\t{_single_line(norm_text)}"


def iter_name2text(path: str | Path) -> Iterator[Name2TextRow | ListProblem]:
    """Rows and problems of a `2-name2text.txt` (or a part), in file order; blank lines are skipped."""
    path = Path(path)
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 4:
            yield ListProblem(number, str(path),
                              f"expected 4 tab-separated fields name, phones, word2ph, norm_text, got {len(fields)}")
            continue
        yield Name2TextRow(fields[0], fields[1].split(), fields[3], number, line)


def finished_rows(paths: Sequence[Path], reader: Callable[[Path], Iterable] | None = None) -> dict[str, str]:
    """name -> row text of the well-formed rows `reader` finds in the `paths` that exist (later files win)."""
    reader = reader or iter_name2text
    rows: dict[str, str] = {}
    for path in paths:
        if path.is_file():
            rows.update((row.name, row.line) for row in reader(path) if not isinstance(row, ListProblem))
    return rows


def finished_name2text(opt_dir: str | os.PathLike, with_parts: bool) -> dict[str, str]:
    """Rows stage 1 has finished: the merged file's, plus unmerged parts' when `with_parts`."""
    parts = part_files(opt_dir, "2-name2text-*.txt") if with_parts else []
    return finished_rows([Path(opt_dir) / NAME2TEXT, *parts])


def write_name2text_part(opt_dir: str | os.PathLike, i_part: int, lines: Sequence[str]) -> Path:
    """Write a part (one row per line, final newline) atomically."""
    path = name2text_part(opt_dir, i_part)
    write_text_atomic(path, "".join(f"{line}\n" for line in lines))
    return path


def read_part_lines(paths: Sequence[Path], stage_hint: str) -> list[str]:
    """Lines of each part in part order, trailing newlines stripped (upstream's merge)."""
    lines: list[str] = []
    for path in paths:
        if not path.is_file():
            raise DataError(f"{path} is missing: {stage_hint} did not finish this part; run it again")
        text = path.read_text(encoding="utf-8").rstrip("\n")
        if text:
            lines.extend(text.split("\n"))
    return lines


def delete_parts(opt_dir: str | os.PathLike, pattern: str) -> None:
    """Remove every part file matching `pattern`, whatever part count wrote it."""
    for path in part_files(opt_dir, pattern):
        path.unlink(missing_ok=True)


def merge_name2text(opt_dir: str | os.PathLike, all_parts: int) -> Path:
    """Merge `2-name2text-{i}.txt` (i < all_parts) into `2-name2text.txt` and delete the parts.

    The merged file is replaced: each part carries its lines finished earlier, so rows of
    utterances no longer in the .list disappear. Lines keep part order (grouped by part, as
    upstream); an empty result is a `DataError` because stage 1 then produced nothing to train on.
    """
    lines = read_part_lines([name2text_part(opt_dir, i) for i in range(all_parts)], "stage 1 (1-get-text.py)")
    output = Path(opt_dir) / NAME2TEXT
    if not lines:
        raise DataError(
            f"{output}: stage 1 produced no text for any utterance; see {Path(opt_dir) / FAILED_TXT} "
            "or the log for why each line was skipped"
        )
    write_text_atomic(output, "\n".join(lines) + "\n")
    delete_parts(opt_dir, "2-name2text-*.txt")
    logger.info("merged %d parts into %s (%d lines)", all_parts, output, len(lines))
    return output
