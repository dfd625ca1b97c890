"""Failure records: each stage part's `failed-<stage>-<i>.tsv` and the experiment's `failed.txt`.

A stage part ends by writing every line it could not use, with the reason and a fingerprint of
the inputs the failure depended on (`failed-<stage>-<i>.tsv`, lines
`stage<TAB>item<TAB>reason<TAB>fingerprint`). A rerun treats a failure as still holding only
while that fingerprint is unchanged. `failed.txt` (`stage<TAB>item<TAB>reason` under a header)
lists each failed line once, at the first stage where it failed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Protocol

from GPT_SoVITS.atomic import write_text_atomic
from GPT_SoVITS.data_files.layout import FAILED_TXT, STAGE_KEYS, part_files

FAILED_HEADER = "stage\titem\treason"


@dataclass(frozen=True)
class FailureRecord:
    """One line a stage could not use: `stage` is its name in failed.txt (e.g. `1-get-text`)."""

    stage: str
    item: str
    reason: str
    fingerprint: str = ""  # empty: unknown inputs, so a rerun always retries it

    def line(self) -> str:
        """The `stage\\titem\\treason` line of failed.txt."""
        return "\t".join(_one_field(value) for value in (self.stage, self.item, self.reason))


class FailureSource(Protocol):
    """Anything that can list its failures (a stage's summary)."""

    def failure_records(self) -> list[FailureRecord]: ...


def _one_field(value: str) -> str:
    return value.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def failures_path(opt_dir: str | os.PathLike, stage: str, i_part: int) -> Path:
    """`<opt_dir>/failed-<stage>-<i_part>.tsv`; `stage` is one of `STAGE_KEYS`."""
    if stage not in STAGE_KEYS:
        raise ValueError(f"stage {stage!r} is not one of {STAGE_KEYS}")
    return Path(opt_dir) / f"failed-{stage}-{i_part}.tsv"


def write_part_failures(opt_dir: str | os.PathLike, stage: str, i_part: int, summary: FailureSource) -> Path:
    """Write one part's failures (possibly none) atomically, replacing an older file."""
    path = failures_path(opt_dir, stage, i_part)
    lines = [f"{record.line()}\t{_one_field(record.fingerprint)}\n" for record in summary.failure_records()]
    write_text_atomic(path, "".join(lines))
    return path


def clear_part_failures(opt_dir: str | os.PathLike, stage: str) -> None:
    """Delete a stage's failure files."""
    failures_path(opt_dir, stage, 0)  # validates the stage name
    for path in part_files(opt_dir, f"failed-{stage}-*.tsv"):
        path.unlink(missing_ok=True)


def _parse_record(line: str) -> FailureRecord | None:
    fields = line.split("\t")
    if len(fields) < 3:
        return None
    return FailureRecord(fields[0], fields[1], fields[2], fields[3] if len(fields) > 3 else "")


def read_part_failures(opt_dir: str | os.PathLike, stage: str) -> list[FailureRecord]:
    """Every record of a stage's failure files, in part then line order."""
    failures_path(opt_dir, stage, 0)
    records = []
    for path in part_files(opt_dir, f"failed-{stage}-*.tsv"):
        for line in path.read_text(encoding="utf-8").split("\n"):
            record = _parse_record(line) if line.strip() else None
            if record is not None:
                records.append(record)
    return records


def first_failures(records_by_stage: Mapping[str, Iterable[FailureRecord]]) -> dict[str, list[str]]:
    """failed.txt lines per stage key: each item once, under the first stage (run order) that failed it."""
    seen: set[str] = set()
    lines: dict[str, list[str]] = {}
    for stage in STAGE_KEYS:
        lines[stage] = []
        for record in records_by_stage.get(stage, ()):
            if record.item not in seen:
                seen.add(record.item)
                lines[stage].append(record.line())
    return lines


def collect_failures(opt_dir: str | os.PathLike) -> dict[str, list[str]]:
    """failed.txt lines per stage key from every failure file present (see `first_failures`)."""
    return first_failures({stage: read_part_failures(opt_dir, stage) for stage in STAGE_KEYS})


def write_failed_txt(opt_dir: str | os.PathLike, failures: Mapping[str, list[str]]) -> Path:
    """Write `<opt_dir>/failed.txt`: the header then every `stage<TAB>item<TAB>reason` line."""
    lines = [FAILED_HEADER] + [line for stage in STAGE_KEYS for line in failures.get(stage, [])]
    path = Path(opt_dir) / FAILED_TXT
    write_text_atomic(path, "\n".join(lines) + "\n")
    return path
