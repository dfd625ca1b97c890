"""The part merges the web UI does after stages 1 and 3, and the per-part failure files.

One implementation used by `python -m GPT_SoVITS.prepare` and the web UI. Failure-file
contract (every stage follows it): a stage process ends by writing
`<opt_dir>/failed-<stage>-<i_part>.tsv`, lines `stage<TAB>item<TAB>reason`
(`StageSummary.failure_lines()`), through `write_part_failures`; the caller collects them into
`<opt_dir>/failed.txt` with `collect_failures`.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from GPT_SoVITS.atomic import write_text_atomic
from GPT_SoVITS.errors import DataError
from GPT_SoVITS.prepare.summary import StageSummary

logger = logging.getLogger(__name__)

NAME2TEXT = "2-name2text.txt"
NAME2SEMANTIC = "6-name2semantic.tsv"
SEMANTIC_HEADER = "item_name\tsemantic_audio"
STAGE_KEYS = ("text", "ssl", "semantic")  # the <stage> of failed-<stage>-<i>.tsv, in run order
FAILED_TXT = "failed.txt"


def name2text_part(opt_dir: str | os.PathLike, i_part: int) -> Path:
    return Path(opt_dir) / f"2-name2text-{i_part}.txt"


def name2semantic_part(opt_dir: str | os.PathLike, i_part: int) -> Path:
    return Path(opt_dir) / f"6-name2semantic-{i_part}.tsv"


def _read_part_lines(paths: list[Path], stage_hint: str) -> list[str]:
    """Lines of each part in part order, trailing newlines stripped (upstream's merge)."""
    lines: list[str] = []
    for path in paths:
        if not path.is_file():
            raise DataError(f"{path} is missing: {stage_hint} did not finish this part; run it again")
        text = path.read_text(encoding="utf-8").rstrip("\n")
        if text:
            lines.extend(text.split("\n"))
    return lines


def _delete(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def merge_name2text(opt_dir: str | os.PathLike, all_parts: int) -> Path:
    """Merge `2-name2text-{i}.txt` (i < all_parts) into `2-name2text.txt` and delete the parts.

    Lines keep part order (grouped by part, as upstream); an empty result is a `DataError`
    because stage 1 then produced nothing to train on.
    """
    parts = [name2text_part(opt_dir, i) for i in range(all_parts)]
    lines = _read_part_lines(parts, "stage 1 (1-get-text.py)")
    output = Path(opt_dir) / NAME2TEXT
    if not lines:
        raise DataError(
            f"{output}: stage 1 produced no text for any utterance; see {Path(opt_dir) / FAILED_TXT} "
            "or the log for why each line was skipped"
        )
    write_text_atomic(output, "\n".join(lines) + "\n")
    _delete(parts)
    logger.info("merged %d parts into %s (%d lines)", all_parts, output, len(lines))
    return output


def merge_name2semantic(opt_dir: str | os.PathLike, all_parts: int) -> Path:
    """Merge `6-name2semantic-{i}.tsv` into `6-name2semantic.tsv` (with its header), delete the parts.

    Unlike upstream, a result with no utterance is a `DataError` instead of a header-only file
    that the GPT trainer would later reject.
    """
    parts = [name2semantic_part(opt_dir, i) for i in range(all_parts)]
    lines = _read_part_lines(parts, "stage 3 (3-get-semantic.py)")
    output = Path(opt_dir) / NAME2SEMANTIC
    if not lines:
        raise DataError(
            f"{output}: stage 3 produced no semantic tokens; check that stage 2 wrote 4-cnhubert/*.pt"
        )
    write_text_atomic(output, "\n".join([SEMANTIC_HEADER, *lines]) + "\n")
    _delete(parts)
    logger.info("merged %d parts into %s (%d utterances)", all_parts, output, len(lines))
    return output


def failures_path(opt_dir: str | os.PathLike, stage: str, i_part: int) -> Path:
    """`<opt_dir>/failed-<stage>-<i_part>.tsv`; `stage` is one of `STAGE_KEYS`."""
    if stage not in STAGE_KEYS:
        raise ValueError(f"stage {stage!r} is not one of {STAGE_KEYS}")
    return Path(opt_dir) / f"failed-{stage}-{i_part}.tsv"


def write_part_failures(opt_dir: str | os.PathLike, stage: str, i_part: int, summary: StageSummary) -> Path:
    """Write one part's failures (possibly none) atomically, replacing an older file."""
    lines = summary.failure_lines()
    path = failures_path(opt_dir, stage, i_part)
    write_text_atomic(path, "".join(f"{_one_line(line)}\n" for line in lines))
    return path


def _one_line(line: str) -> str:
    return line.replace("\r", " ").replace("\n", " ")


def clear_part_failures(opt_dir: str | os.PathLike, stage: str) -> None:
    """Delete a stage's failure files before it runs again."""
    failures_path(opt_dir, stage, 0)  # validates the stage name
    _delete(sorted(Path(opt_dir).glob(f"failed-{stage}-*.tsv")))


def collect_failures(opt_dir: str | os.PathLike) -> dict[str, list[str]]:
    """Failure lines per stage key, in stage then part order, from every failure file present."""
    collected: dict[str, list[str]] = {}
    for stage in STAGE_KEYS:
        files = sorted(Path(opt_dir).glob(f"failed-{stage}-*.tsv"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
        lines = []
        for path in files:
            lines.extend(line for line in path.read_text(encoding="utf-8").split("\n") if line.strip())
        collected[stage] = lines
    return collected


def write_failed_txt(opt_dir: str | os.PathLike, failures: dict[str, list[str]]) -> Path:
    """Write `<opt_dir>/failed.txt`: a header then every `stage<TAB>item<TAB>reason` line."""
    lines = ["stage\titem\treason"] + [line for stage in STAGE_KEYS for line in failures.get(stage, [])]
    path = Path(opt_dir) / FAILED_TXT
    write_text_atomic(path, "\n".join(lines) + "\n")
    return path
