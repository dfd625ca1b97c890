"""External tools and file-system faults for tests: one place that decides skip versus fail.

A test that needs Chromium, Playwright or espeak-ng skips with the reason when the tool is
missing on a developer's machine, and fails in CI (`.ci/run` installs them and sets
`GSV_REQUIRE_TOOLS=1`; `CI=true`, set by most CI services, counts too), where a skip would hide
a broken setup. Full disks and read-only folders are made for real where the machine allows.
"""

from __future__ import annotations

import contextlib
import errno
import importlib.util
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

CHROMIUM = "/usr/bin/chromium"


def tools_required() -> bool:
    """True in CI: a missing tool is then a failure, not a skip."""
    return os.environ.get("GSV_REQUIRE_TOOLS") == "1" or os.environ.get("CI", "").lower() == "true"


def tool_missing(reason: str) -> None:
    """Skip (locally) or fail (in CI) the calling test because of `reason`."""
    if tools_required():
        pytest.fail(f"{reason} (required here: GSV_REQUIRE_TOOLS=1 or CI=true)", pytrace=False)
    pytest.skip(reason)


def require_program(name: str, install: str) -> str:
    """The path of program `name`, or skip/fail naming how to install it."""
    path = shutil.which(name)
    if path is None:
        tool_missing(f"{name} is not installed ({install})")
    return path


def require_espeak() -> str:
    return require_program("espeak-ng", "apt-get install -y espeak-ng")


def require_browser() -> str:
    """The Chromium binary Playwright drives, after checking Playwright itself is importable."""
    if importlib.util.find_spec("playwright") is None:
        tool_missing("Playwright is not installed (pip install playwright)")
    if not os.access(CHROMIUM, os.X_OK):
        tool_missing(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    return CHROMIUM


@contextlib.contextmanager
def restored_symbol_registry() -> Iterator[None]:
    """Forget every table registered inside the block: the registry has no public unregister, so
    its two dicts are put back as they were."""
    from GPT_SoVITS.text import symbols

    factories, cache = dict(symbols._FACTORIES), dict(symbols._CACHE)
    try:
        yield
    finally:
        with symbols._LOCK:
            symbols._FACTORIES.clear()
            symbols._FACTORIES.update(factories)
            symbols._CACHE.clear()
            symbols._CACHE.update(cache)


# --- file-system faults ---------------------------------------------------------------------


def _mount(*args: str) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


def mount_tmpfs(path: Path, size: int) -> bool:
    """A real tmpfs of `size` bytes at `path` (root with mount rights only); False when impossible."""
    path.mkdir(parents=True, exist_ok=True)
    return _mount("-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path))


def remount_read_only(path: Path) -> bool:
    """Make the mount at `path` read-only (EROFS for every write, root's too)."""
    return _mount("-o", "remount,ro", str(path))


def unmount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


class _LimitedFile:
    """A binary file whose writes fail with ENOSPC once its disk would exceed its capacity."""

    def __init__(self, handle, disk: "SmallDisk"):
        self._handle, self._disk = handle, disk

    def write(self, data) -> int:
        if self._disk.used() + len(data) > self._disk.capacity:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self._handle.write(data)

    def __getattr__(self, name):
        return getattr(self._handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self._handle.close()


@dataclass
class SmallDisk:
    """A folder on a disk of `capacity` bytes: a real tmpfs (`real`), or, where mounting is not
    allowed, a folder whose writes through the atomic writer's `open` are limited to it."""

    path: Path
    capacity: int
    real: bool

    def used(self) -> int:
        return sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file())

    def open(self, file, mode="r", *args, **kwargs):
        handle = open(file, mode, *args, **kwargs)
        return _LimitedFile(handle, self) if "w" in mode and "b" in mode else handle

    def fill(self) -> Path:
        """Fill the disk with one file: written until ENOSPC (real) or up to the capacity."""
        filler = self.path / "filler.bin"
        with open(filler, "wb", buffering=0) as handle:
            if not self.real:
                handle.write(b"\0" * max(self.capacity - self.used(), 0))
                return filler
            try:
                while True:
                    handle.write(b"\0" * 4096)
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
        return filler
