"""`6-name2semantic.tsv`: stage 3's semantic codes, `name\tcodes` under upstream's header line.

Stage 3 writes headerless parts `6-name2semantic-{i}.tsv` (no final newline, as upstream) with
`format_name2semantic_line`; `merge_name2semantic` adds the header; the GPT trainer reads the
result with `iter_name2semantic`.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

from GPT_SoVITS.atomic import write_text_atomic
from GPT_SoVITS.data_files.layout import NAME2SEMANTIC, name2semantic_part, part_files
from GPT_SoVITS.data_files.list_file import ListProblem
from GPT_SoVITS.data_files.name2text import delete_parts, finished_rows, read_part_lines
from GPT_SoVITS.errors import DataError

logger = logging.getLogger(__name__)

SEMANTIC_HEADER = "item_name\tsemantic_audio"
CODEBOOK_SIZE = 1024  # codes are 0..1023; 1024 is the GPT's EOS/padding


@dataclass(frozen=True)
class Name2SemanticRow:
    """One utterance's semantic codes; `line` is the row as read."""

    name: str
    codes: list[int]
    line_number: int
    line: str = field(default="", compare=False, repr=False)


def format_name2semantic_line(name: str, codes: Sequence[int]) -> str:
    """One row without its newline: the name, a tab, the codes separated by spaces."""
    return f"{name}\t{' '.join(str(int(code)) for code in codes)}"


def _parse_codes(text: str) -> list[int]:
    codes = [int(code) for code in text.split()]
    if not codes or min(codes) < 0 or max(codes) >= CODEBOOK_SIZE:
        raise ValueError(f"codes must be 1 or more integers in [0, {CODEBOOK_SIZE})")
    return codes


def iter_name2semantic(path: str | Path) -> Iterator[Name2SemanticRow | ListProblem]:
    """Rows and problems of a `6-name2semantic.tsv` (or a headerless part), in file order."""
    path = Path(path)
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or (number == 1 and line.startswith("item_name\t")):
            continue
        fields = line.split("\t")
        try:
            if len(fields) != 2:
                raise ValueError(f"expected 2 tab-separated fields name, codes, got {len(fields)}")
            codes = _parse_codes(fields[1])
        except ValueError as error:
            yield ListProblem(number, str(path), str(error))
            continue
        yield Name2SemanticRow(fields[0], codes, number, line)


def finished_name2semantic(opt_dir: str | os.PathLike, with_parts: bool) -> dict[str, str]:
    """name -> row of the utterances stage 3 has finished: the merged file's, plus parts' when `with_parts`."""
    parts = part_files(opt_dir, "6-name2semantic-*.tsv") if with_parts else []
    return finished_rows([Path(opt_dir) / NAME2SEMANTIC, *parts], iter_name2semantic)


def write_name2semantic_part(opt_dir: str | os.PathLike, i_part: int, lines: Sequence[str]) -> Path:
    """Write a part atomically: rows joined by newlines, no header and no final newline (upstream's)."""
    path = name2semantic_part(opt_dir, i_part)
    write_text_atomic(path, "\n".join(lines))
    return path


def merge_name2semantic(opt_dir: str | os.PathLike, all_parts: int) -> Path:
    """Merge `6-name2semantic-{i}.tsv` into `6-name2semantic.tsv` (with its header), delete the parts.

    As for `merge_name2text`, the parts carry earlier rows, so the merged file is replaced.
    Unlike upstream, a result with no utterance is a `DataError` instead of a header-only file
    that the GPT trainer would later reject.
    """
    parts = [name2semantic_part(opt_dir, i) for i in range(all_parts)]
    lines = read_part_lines(parts, "stage 3 (3-get-semantic.py)")
    output = Path(opt_dir) / NAME2SEMANTIC
    if not lines:
        raise DataError(f"{output}: stage 3 produced no semantic tokens; check that stage 2 wrote 4-cnhubert/*.pt")
    write_text_atomic(output, "\n".join([SEMANTIC_HEADER, *lines]) + "\n")
    delete_parts(opt_dir, "6-name2semantic-*.tsv")
    logger.info("merged %d parts into %s (%d utterances)", all_parts, output, len(lines))
    return output
