"""What a dataset run left, counted once per .list line: ready, failed (at its first failing stage) or to do.

Computed from the whole-list plans of the experiment's stages (prepare/resume.py) after a run, for
the CLI summary, the web UI's status and `failed.txt`.
"""

from __future__ import annotations

from dataclasses import dataclass

from GPT_SoVITS.data_files.failures import FailureRecord
from GPT_SoVITS.data_files.list_file import ListProblem
from GPT_SoVITS.prepare.resume import StagePlan
from GPT_SoVITS.prepare.stages import STAGES


@dataclass(frozen=True)
class StageCount:
    """One stage's share of the list: `failed` lines are not ready here because they failed here or before."""

    key: str
    ready: int
    failed: int
    total: int

    @property
    def pending(self) -> int:
        return self.total - self.ready - self.failed

    def line(self) -> str:
        text = f"{STAGES[self.key].script}: {self.ready} of {self.total} utterances ready, {self.failed} failed"
        return f"{text}, {self.pending} not done yet" if self.pending else text


@dataclass(frozen=True)
class Outcome:
    """Counts of unique .list lines; `first_failures[stage]` lists each failed line once, in list order."""

    total: int
    counts: dict[str, StageCount]
    first_failures: dict[str, list[FailureRecord]]
    ready_for_training: int

    @property
    def failed(self) -> int:
        return sum(len(records) for records in self.first_failures.values())

    def failed_lines(self) -> dict[str, list[str]]:
        """failed.txt's lines per stage key."""
        return {stage: [record.line() for record in records] for stage, records in self.first_failures.items()}

    def breakdown(self) -> str:
        """`1-get-text 1, 2-get-hubert-wav32k 2`: failed lines by the stage where they failed first."""
        return ", ".join(f"{STAGES[key].name} {len(records)}" for key, records in self.first_failures.items() if records)


def count_outcome(plans: dict[str, StagePlan], problems: list[ListProblem]) -> Outcome:
    """Count the whole-list `plans` of every stage the experiment runs (in run order, same entries in
    each) and the list's `problems`."""
    stage_keys = list(plans)
    entries = plans[stage_keys[0]].entries
    line_of = {entry.name: entry.line_number for entry in entries}
    line_of.update((problem.where, problem.line_number) for problem in problems)
    total = len(line_of)
    first: dict[str, str] = {}  # item -> key of the first stage where it failed
    first_failures: dict[str, list[FailureRecord]] = {}
    for key in stage_keys:
        records = sorted((r for r in plans[key].held if r.item in line_of and r.item not in first),
                         key=lambda record: line_of[record.item])
        first.update((record.item, key) for record in records)
        first_failures[key] = records
    counts = {}
    for index, key in enumerate(stage_keys):
        failed_by_now = {item for item, stage in first.items() if stage_keys.index(stage) <= index}
        failed = len(failed_by_now - set(plans[key].done))
        counts[key] = StageCount(key, len(plans[key].done), failed, total)
    ready = set.intersection(*(set(plans[key].done) for key in stage_keys))
    return Outcome(total, counts, first_failures, len(ready))
