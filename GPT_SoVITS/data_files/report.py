"""The data report both trainers end their data scan with: what was kept, what was dropped and why.

Nothing is dropped silently: every left-out utterance or line is counted under a reason and
described in one message naming its file and line.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

SHOWN_PROBLEMS = 20


@dataclass
class DataReport:
    """Counts of a scan; `title` ("GPT data", "s2 data") starts its summary line."""

    title: str
    kept: int = 0
    dropped: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    unknown_symbols: Counter = field(default_factory=Counter)

    def drop(self, reason: str, message: str) -> None:
        """Count one left-out item under `reason`; `message` names its file and line."""
        self.dropped[reason] += 1
        self.problems.append(message)

    @property
    def total(self) -> int:
        return self.kept + sum(self.dropped.values())

    def line(self) -> str:
        """`<title>: kept K of N utterances; dropped D: <reason> <count>, ...; unknown symbols: ...`."""
        text = f"{self.title}: kept {self.kept} of {self.total} utterances"
        if self.dropped:
            reasons = ", ".join(f"{reason} {count}" for reason, count in sorted(self.dropped.items()))
            text += f"; dropped {sum(self.dropped.values())}: {reasons}"
        if self.unknown_symbols:
            text += "; unknown symbols: " + ", ".join(f"{s!r} x{n}" for s, n in self.unknown_symbols.most_common())
        return text

    def log(self, logger: logging.Logger | None = None, shown: int = SHOWN_PROBLEMS) -> None:
        """Log the first `shown` dropped items one by one, then the summary line."""
        logger = logger or logging.getLogger(__name__)
        for problem in self.problems[:shown]:
            logger.warning("%s", problem)
        if len(self.problems) > shown:
            logger.warning("... and %d more dropped items", len(self.problems) - shown)
        logger.info("%s", self.line())
