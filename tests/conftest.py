"""Shared fixtures: reference data shipped with the tests, a temporary experiment root, registries
restored after a test, and real file-system faults (a full disk, a read-only folder)."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Callable, Iterator

import pytest

from tests.external import SmallDisk, mount_tmpfs, remount_read_only, restored_symbol_registry, unmount

TESTS_DIR = Path(__file__).resolve().parent
DATA_DIR = TESTS_DIR / "data"
MANIFEST_DIR = DATA_DIR / "manifests"
REPO_ROOT = TESTS_DIR.parent


def manifest_path(name: str) -> Path:
    """Path of a shipped manifest, e.g. `manifest_path("s2G_v2")`."""
    return MANIFEST_DIR / f"{name}_manifest.tsv"


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture
def symbol_registry() -> Iterator[None]:
    """Tables a test registers (`register_table`) are forgotten after it."""
    with restored_symbol_registry():
        yield


@pytest.fixture
def small_disk(tmp_path, monkeypatch) -> Iterator[Callable[[int], SmallDisk]]:
    """`small_disk(bytes)`: a folder on a disk that size. A real tmpfs where this process may
    mount one (root with CAP_SYS_ADMIN, as in CI); else the atomic writer's writes are limited to
    that many bytes at its `open` (the OS boundary as the writer sees it)."""
    from GPT_SoVITS import atomic

    mounted: list[Path] = []

    def make(capacity: int) -> SmallDisk:
        path = tmp_path / f"disk{len(mounted)}"
        if mount_tmpfs(path, capacity):
            mounted.append(path)
            return SmallDisk(path, capacity, real=True)
        path.mkdir(parents=True, exist_ok=True)
        disk = SmallDisk(path, capacity, real=False)
        monkeypatch.setattr(atomic, "open", disk.open, raising=False)
        return disk

    yield make
    for path in mounted:
        unmount(path)


@pytest.fixture
def read_only_folder(tmp_path) -> Iterator[tuple[Path, str]]:
    """(a folder no file can be created in, the cause the writer must name). As root (who ignores
    permissions) a tmpfs remounted read-only; otherwise a folder with mode 0555."""
    path = tmp_path / "read-only"
    if os.geteuid() == 0:
        if not (mount_tmpfs(path, 65536) and remount_read_only(path)):
            pytest.skip("cannot make a read-only folder: root ignores permissions and mounting is not permitted")
        yield path, "read-only file system"
        unmount(path)
        return
    path.mkdir()
    path.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    yield path, "permission denied"
    path.chmod(0o755)
