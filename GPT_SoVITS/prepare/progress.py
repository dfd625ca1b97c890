"""Live progress of a stage part: a small JSON file the part rewrites and the pipeline reads.

A part says which model it is loading (`hubert`, `sovits`, `frontend:<language>`) and how
many of its pending utterances it has handled, so the CLI and the web UI show progress from
the first second. Without a progress file (a script run by hand) nothing is written.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

from GPT_SoVITS.atomic import write_text_atomic

MIN_INTERVAL = 0.25  # seconds between rewrites while working


@dataclass(frozen=True)
class PartProgress:
    """One part's state: `loading` is the model being loaded ("" once it works on utterances)."""

    loading: str = ""
    done: int = 0
    total: int = 0
    skipped: int = 0


class ProgressWriter:
    """Rewrites the part's progress file (atomically, at most every `min_interval` s while working)."""

    def __init__(self, path: Path | None, min_interval: float = MIN_INTERVAL):
        self.path = path
        self.min_interval = min_interval
        self.state = PartProgress()
        self._written_at = 0.0

    def begin(self, total: int, skipped: int) -> None:
        """`total` utterances to handle in this run, `skipped` finished before it."""
        self.state = PartProgress("", 0, total, skipped)
        self._write()

    def loading(self, model: str) -> None:
        self.state = PartProgress(model, self.state.done, self.state.total, self.state.skipped)
        self._write()

    def advance(self, count: int = 1) -> None:
        """`count` more utterances handled (done or failed); loading is over."""
        self.state = PartProgress("", self.state.done + count, self.state.total, self.state.skipped)
        if time.monotonic() - self._written_at >= self.min_interval or self.state.done >= self.state.total:
            self._write()

    def _write(self) -> None:
        if self.path is not None:
            write_text_atomic(self.path, json.dumps(asdict(self.state)))
            self._written_at = time.monotonic()


def read_part_progress(path: Path) -> PartProgress | None:
    """A part's last report, or None before its first one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return PartProgress(str(data["loading"]), int(data["done"]), int(data["total"]), int(data["skipped"]))
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):  # written atomically, so only a foreign file gets here
        return None


@dataclass(frozen=True)
class StageProgress:
    """All parts together: models still loading, utterances handled of those pending, and finished ones."""

    loading: tuple[str, ...]
    done: int
    total: int
    skipped: int
    reporting: int  # parts that have reported at least once
    parts: int


def combine(parts: Sequence[PartProgress | None]) -> StageProgress:
    reported = [part for part in parts if part is not None]
    loading = tuple(dict.fromkeys(part.loading for part in reported if part.loading))
    return StageProgress(loading, sum(p.done for p in reported), sum(p.total for p in reported),
                         sum(p.skipped for p in reported), len(reported), len(parts))


def loading_text(model: str) -> str:
    """What a model key means, in English for logs and the CLI (the web UI translates the keys)."""
    if model.startswith("frontend:"):
        language = model.partition(":")[2]
        return "loading the Russian frontend…" if language.lower() == "ru" else f"loading the {language} frontend…"
    texts = {"hubert": "loading HuBERT…", "sovits": "loading the SoVITS model…", "sv": "loading the speaker encoder…"}
    return texts.get(model, f"loading {model}…")
