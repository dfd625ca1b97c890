"""The frontend's optional libraries (silero-stress, pymorphy3, ru-normalizr), each built once.

Each is slow to build (a model or a dictionary) and may be missing: the frontend then works
with less, and says so once in the log instead of failing. Threads (the UI, stage workers)
may ask at the same moment, so the build runs under a lock and at most once per name.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable

logger = logging.getLogger(__name__)

_LOCK = threading.Lock()
_BUILT: dict[str, Any] = {}


def build_once(name: str, build: Callable[[], Any], when_missing: str) -> Any | None:
    """`build()`'s result, made on the first call for `name` and kept; None, with the warning
    "`name` is not installed: `when_missing`" logged once, when `build` raises ImportError."""
    with _LOCK:
        if name not in _BUILT:
            try:
                _BUILT[name] = build()
            except ImportError:
                logger.warning("%s is not installed: %s", name, when_missing)
                _BUILT[name] = None
        return _BUILT[name]
