"""Per-stage accounting: what was done, skipped (already finished) and failed, and why.

Every stage ends with one summary line, and its failures go to its part's failure file (with
the fingerprint that says whether a rerun must retry them).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from GPT_SoVITS.data_files.failures import FailureRecord

if TYPE_CHECKING:
    from GPT_SoVITS.prepare.resume import StagePlan

logger = logging.getLogger(__name__)


@dataclass
class StageSummary:
    """Counts of one stage run; `failures` holds `(item, reason)` pairs in the order met."""

    stage: str
    done: int = 0
    skipped: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    fingerprints: dict[str, str] = field(default_factory=dict)
    held: int = 0  # failures carried from the last run because their inputs did not change

    @classmethod
    def from_plan(cls, stage: str, plan: "StagePlan") -> "StageSummary":
        """A summary that counts the plan's finished lines as skipped, carries its held failures and
        reports its malformed lines."""
        summary = cls(stage, skipped=len(plan.done))
        for record in plan.held:
            summary.hold(record)
        for problem in plan.new_problems:
            summary.fail(problem.where, problem.message, plan.fingerprints[problem.where])
        if summary.held:
            logger.info("%s: %d line(s) failed in the last run and are unchanged since; not retried",
                        stage, summary.held)
        return summary

    @property
    def failed(self) -> int:
        return len(self.failures)

    def fail(self, item: str, reason: str, fingerprint: str = "") -> None:
        """Record and log one failed item; the stage goes on with the others."""
        self.failures.append((item, reason))
        self.fingerprints[item] = fingerprint
        logger.warning("%s: %s: %s", self.stage, item, reason)

    def hold(self, record: FailureRecord) -> None:
        """Carry a failure of the last run whose inputs are unchanged (not retried, not logged again)."""
        self.failures.append((record.item, record.reason))
        self.fingerprints[record.item] = record.fingerprint
        self.held += 1

    def line(self) -> str:
        text = f"{self.stage}: done {self.done}, skipped {self.skipped} (already finished), failed {self.failed}"
        return f"{text} ({self.held} unchanged since the last run)" if self.held else text

    def failure_records(self) -> list[FailureRecord]:
        """The failures as records for the part's failure file."""
        return [FailureRecord(self.stage, item, reason, self.fingerprints.get(item, "")) for item, reason in self.failures]
