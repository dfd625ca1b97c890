"""The one reader of `2-name2text.txt`: `name\tphones\tword2ph\tnorm_text` lines from stage 1.

Both trainers read it; a malformed line comes back as a `ListProblem` naming `file:line`, in
file order with the rows, so each trainer counts and reports it its own way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from GPT_SoVITS.prepare.list_file import ListProblem


@dataclass(frozen=True)
class Name2TextRow:
    """One utterance's phones (as written by stage 1) and its normalised text."""

    name: str
    phones: list[str]
    norm_text: str
    line_number: int


def iter_name2text(path: str | Path) -> Iterator[Name2TextRow | ListProblem]:
    """Rows and problems of a `2-name2text.txt`, in file order; blank lines are skipped."""
    path = Path(path)
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 4:
            yield ListProblem(number, str(path),
                              f"expected 4 tab-separated fields name, phones, word2ph, norm_text, got {len(fields)}")
            continue
        yield Name2TextRow(fields[0], fields[1].split(), fields[3], number)
