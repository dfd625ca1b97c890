"""Per-stage accounting: what was done, skipped (already finished) and failed, and why.

Every stage ends with one summary line, and the pipeline writes the failures to failed.txt.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)


@dataclass
class StageSummary:
    """Counts of one stage run; `failures` holds `(item, reason)` pairs in the order met."""

    stage: str
    done: int = 0
    skipped: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len(self.failures)

    def fail(self, item: str, reason: str) -> None:
        """Record and log one failed item; the stage goes on with the others."""
        self.failures.append((item, reason))
        logger.warning("%s: %s: %s", self.stage, item, reason)

    def line(self) -> str:
        return f"{self.stage}: done {self.done}, skipped {self.skipped} (already finished), failed {self.failed}"

    def failure_lines(self) -> list[str]:
        """`stage\titem\treason` lines for failed.txt."""
        return [f"{self.stage}\t{item}\t{reason}" for item, reason in self.failures]
