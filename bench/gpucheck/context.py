"""What every step of the GPU check shares: the device under test, the size of the models, the
work folder, the time budget for timing repeats, and inputs built once on first use.
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import torch

from bench.gpucheck.report import StepRecord, StepSkipped


@dataclass
class Budget:
    """Seconds the whole run may take; timing loops stop repeating when the rest would not fit."""

    seconds: float
    start: float = field(default_factory=time.monotonic)

    def left(self) -> float:
        return self.seconds - (time.monotonic() - self.start)

    def rounds(self, repeats: int, record: StepRecord, what: str) -> Iterator[int]:
        """Yield 0..repeats-1; after the first round, stop early when another round like the last
        would overrun the budget (noted in `record`). The first round always runs."""
        last = 0.0
        for index in range(repeats):
            if index and self.left() < last:
                record.note(f"{what}: {repeats - index} of {repeats} rounds skipped (budget: {self.left():.0f} s left)")
                return
            started = time.monotonic()
            yield index
            last = time.monotonic() - started


class InputFailed(Exception):
    """A shared input (models, dataset, the prepared experiment) could not be built."""


@dataclass
class Context:
    """The run's settings and its shared, lazily built inputs."""

    device: torch.device
    tiny: bool
    work: Path
    budget: Budget
    _inputs: dict[str, Any] = field(default_factory=dict)

    @property
    def cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def size(self) -> str:
        """The model size of `bench/synthesis.py`'s SIZES: the real one, or tiny for a dry run."""
        return "tiny" if self.tiny else "full"

    def shared(self, key: str, build: Callable[[], Any]) -> Any:
        """`build()` once; a failure is remembered, so later steps report it instead of retrying."""
        if key not in self._inputs:
            try:
                self._inputs[key] = build()
            except Exception as error:  # the building step's own failure, whatever it was
                self._inputs[key] = InputFailed(f"{key}: {type(error).__name__}: {error}")
                raise
        value = self._inputs[key]
        if isinstance(value, InputFailed):
            raise InputFailed(f"needs {value}, which failed earlier")
        return value

    def require_cuda(self, what: str) -> None:
        if not self.cuda:
            raise StepSkipped(f"{what} needs CUDA")

    def free_memory(self) -> None:
        """Between steps: drop what the last step left, so one step's memory never fails the next."""
        gc.collect()
        if self.cuda:
            torch.cuda.empty_cache()

    def synchronize(self) -> None:
        if self.cuda:
            torch.cuda.synchronize(self.device)
