"""Progress bars that suit where they are written: live on a terminal, a few lines in a file.

tqdm redraws its bar with a carriage return many times a second. On a terminal that is one
live line; in a file (a CLI run redirected, a log collected by a service) every redraw stays,
so a training epoch left thousands of updates on one endless line. `progress_bar` is tqdm as
usual on a terminal; elsewhere it writes one line (ending in a newline) every
`FILE_STEP_PERCENT` % of the total, or at most every `FILE_MIN_INTERVAL` seconds when the total
is unknown. The environment's `TQDM_*` settings (the web UI sets `TQDM_MININTERVAL`) still apply.
"""

from __future__ import annotations

import math
import sys
from typing import Any, Iterable, TextIO

FILE_STEP_PERCENT = 5
FILE_MIN_INTERVAL = 10.0  # seconds between lines in a file when the total is unknown


class _LineStream:
    """A text stream for tqdm that turns each redraw into one line (blank redraws are dropped)."""

    def __init__(self, stream: TextIO):
        self.stream = stream

    def write(self, text: str) -> int:
        line = text.replace("\r", "").rstrip()
        if line:
            self.stream.write(line + "\n")
        return len(text)

    def flush(self) -> None:
        self.stream.flush()


def is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def progress_bar(iterable: Iterable | None = None, *, total: int | None = None, file: TextIO | None = None,
                 **kwargs: Any):
    """A `tqdm` bar over `iterable` (or with `total`), written as lines when `file` is not a terminal."""
    from tqdm import tqdm

    stream = file if file is not None else sys.stderr
    if is_terminal(stream):
        return tqdm(iterable, total=total, file=stream, **kwargs)
    count = total if total is not None else len(iterable) if hasattr(iterable, "__len__") else None
    if count:
        kwargs.setdefault("miniters", max(1, math.ceil(count * FILE_STEP_PERCENT / 100)))
    else:
        kwargs.setdefault("mininterval", FILE_MIN_INTERVAL)
    kwargs.pop("dynamic_ncols", None)  # no terminal width to follow
    return tqdm(iterable, total=total, file=_LineStream(stream), ncols=100, **kwargs)
