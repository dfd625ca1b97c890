"""The GPU check's results: one record per step, rewritten after every change as `results.json`
and `results.md`, so a run cut short still leaves what it measured. Running steps is not here.
"""

from __future__ import annotations

import contextlib
import json
import math
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from GPT_SoVITS.atomic import write_text_atomic

JSON_NAME = "results.json"
TABLE_NAME = "results.md"
#: Statuses that make the script exit non-zero: a check that did not hold, or a step that crashed.
FAILING = ("failed", "error")
TRACEBACK_CHARS = 3000


class StepSkipped(Exception):
    """Raised by a step that cannot run here (e.g. needs CUDA); the message says why."""


@dataclass
class StepRecord:
    """What one step found: figures (numbers), checks (correctness), tables, notes, its status."""

    name: str
    title: str
    status: str = "pending"  # pending, running, passed, failed, error, skipped
    seconds: float = 0.0
    figures: dict[str, Any] = field(default_factory=dict)
    checks: list[dict[str, Any]] = field(default_factory=list)
    tables: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str = ""
    on_change: Callable[[], None] = field(default=lambda: None, repr=False, compare=False)

    def figure(self, key: str, value: Any) -> None:
        self.figures[key] = _plain(value)
        self.on_change()

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        """A correctness check; one that does not hold fails the step (and the script's exit code)."""
        self.checks.append({"name": name, "ok": bool(ok), "detail": detail})
        self.on_change()
        return bool(ok)

    def table(self, title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        self.tables.append({"title": title, "columns": list(columns), "rows": [[_plain(v) for v in r] for r in rows]})
        self.on_change()

    def note(self, text: str) -> None:
        self.notes.append(text)
        self.on_change()

    @contextlib.contextmanager
    def isolated(self, part: str) -> Iterator[None]:
        """One part of the step (a variant, a precision): a crash in it becomes a failed check with
        its traceback tail, and the step goes on with the next part."""
        try:
            yield
        except Exception as error:  # any failure of the checked code is a finding, recorded and not fatal
            self.error += f"[{part}]\n{traceback.format_exc()[-TRACEBACK_CHARS:]}\n"
            self.check(f"{part}: ran", False, f"{type(error).__name__}: {error}"[:300])

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("on_change")
        return out


def _plain(value: Any) -> Any:
    """JSON-safe numbers: floats rounded to 6 significant digits, NaN/inf as strings."""
    if isinstance(value, float):
        return f"{value}" if not math.isfinite(value) else float(f"{value:.6g}")
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


class Report:
    """All steps' records plus the run's header (arguments, environment), saved as JSON and Markdown."""

    def __init__(self, folder: Path, header: dict[str, Any]):
        self.folder = folder
        self.header = header
        self.steps: dict[str, StepRecord] = {}
        self.started = time.time()

    def add(self, name: str, title: str) -> StepRecord:
        record = StepRecord(name, title, on_change=self.save)
        self.steps[name] = record
        return record

    @property
    def failing(self) -> list[str]:
        return [name for name, record in self.steps.items() if record.status in FAILING]

    def to_dict(self) -> dict[str, Any]:
        return {**self.header, "elapsed_s": round(time.time() - self.started, 1),
                "failing_steps": self.failing, "steps": {n: r.to_dict() for n, r in self.steps.items()}}

    def save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        write_text_atomic(self.folder / JSON_NAME, json.dumps(self.to_dict(), ensure_ascii=False, indent=1) + "\n")
        write_text_atomic(self.folder / TABLE_NAME, self.markdown())

    def summary_table(self) -> str:
        lines = ["| step | status | seconds | checks | key figures |", "|---|---|---:|---|---|"]
        for record in self.steps.values():
            failed = [c["name"] for c in record.checks if not c["ok"]]
            checks = f"{len(record.checks) - len(failed)}/{len(record.checks)} hold" if record.checks else ""
            if failed:
                checks += " (not: " + "; ".join(failed) + ")"
            figures = "; ".join(f"{k} {_cell(v)}" for k, v in list(record.figures.items())[:4])
            lines.append(f"| {record.name} | {record.status} | {record.seconds:.1f} | {checks} | {figures} |")
        return "\n".join(lines)

    def markdown(self) -> str:
        environment = self.header.get("environment", {})
        parts = [f"# GPU check ({self.header.get('mode', '')})", "",
                 "; ".join(f"{k}: {_cell(v)}" for k, v in environment.items()), "", self.summary_table()]
        for record in self.steps.values():
            parts += ["", f"## {record.name}: {record.title} ({record.status})"]
            parts += list(_record_lines(record))
        return "\n".join(parts) + "\n"


def _cell(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else str(value)


def _record_lines(record: StepRecord) -> Iterator[str]:
    if record.figures:
        yield from ["", "| figure | value |", "|---|---|"]
        yield from (f"| {k} | {_cell(v)} |" for k, v in record.figures.items())
    if record.checks:
        yield from ["", "| check | holds | detail |", "|---|---|---|"]
        yield from (f"| {c['name']} | {'yes' if c['ok'] else '**no**'} | {c['detail']} |" for c in record.checks)
    for table in record.tables:
        yield from ["", f"{table['title']}:", "", "| " + " | ".join(table["columns"]) + " |",
                    "|" + "---|" * len(table["columns"])]
        yield from ("| " + " | ".join(_cell(v) for v in row) + " |" for row in table["rows"])
    if record.notes:
        yield ""
        yield from (f"- {note}" for note in record.notes)
    if record.error:
        yield from ["", "```", record.error, "```"]


def run_step(report: Report, name: str, title: str, step: Callable[[StepRecord], None]) -> StepRecord:
    """Run one step in isolation: an exception is recorded with its traceback tail, not raised."""
    record = report.add(name, title)
    record.status = "running"
    report.save()
    print(f"[gpu_check] {name}: {title} ...", flush=True)
    start = time.monotonic()
    try:
        step(record)
    except StepSkipped as reason:
        record.status = "skipped"
        record.notes.append(f"skipped: {reason}")
    except Exception:  # any failure of the checked code is a finding, recorded and not fatal
        record.status = "error"
        record.error = traceback.format_exc()[-TRACEBACK_CHARS:]
    else:
        record.status = "failed" if any(not c["ok"] for c in record.checks) else "passed"
    record.seconds = round(time.monotonic() - start, 2)
    report.save()
    last = record.error.strip().splitlines()[-1] if record.error else ""
    print(f"[gpu_check] {name}: {record.status} in {record.seconds:.1f} s {last}", flush=True)
    return record
