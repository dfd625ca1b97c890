"""Logging configuration shared by every entry point (stage scripts, trainers, CLI, UI).

Library modules only call `logging.getLogger(__name__)`; entry points call `setup_logging`
once. Under torchrun only rank 0 logs at INFO, so multi-GPU runs print one copy.
"""

from __future__ import annotations

import logging
import os
import sys

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(level: int | str = logging.INFO, *, rank: int | None = None) -> None:
    """Configure the root logger for a command-line entry point.

    `rank` defaults to the torchrun `RANK` variable; ranks other than 0 log warnings only.
    The level may also come from the `GPT_SOVITS_LOG_LEVEL` environment variable.
    """
    if rank is None:
        rank = int(os.environ.get("RANK", "0") or 0)
    level = os.environ.get("GPT_SOVITS_LOG_LEVEL", level)
    if isinstance(level, str):
        level = logging.getLevelName(level.upper())
        if not isinstance(level, int):
            level = logging.INFO
    if rank != 0:
        level = max(level, logging.WARNING)
    logging.basicConfig(level=level, format=_FORMAT, datefmt="%H:%M:%S", stream=sys.stderr, force=True)
