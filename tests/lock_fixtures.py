"""Another process holding a file's `exclusive_update` lock, for the tests of writers that share a file."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path


_HOLD_LOCK = """
import sys, time
from pathlib import Path
from GPT_SoVITS.atomic import exclusive_update
path, then = Path(sys.argv[1]), sys.argv[2]
with exclusive_update(path):
    Path(sys.argv[3]).write_text("locked")  # the parent may try now
    time.sleep(float(sys.argv[4]))
    if then:
        path.write_text(then, encoding="utf-8")
"""


def hold_lock(path: Path, seconds: float, then: str = "") -> subprocess.Popen:
    """Another process that takes `path`'s lock, holds it `seconds`, writes `then` (if given) and lets go;
    returns once the lock is held."""
    signal = path.with_name(f"{path.name}.held")
    process = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(path), then, str(signal), str(seconds)],
                               cwd=Path(__file__).resolve().parents[1])
    deadline = time.monotonic() + 60
    while not signal.exists():
        assert process.poll() is None and time.monotonic() < deadline, "the lock-holding process did not start"
        time.sleep(0.05)
    return process

