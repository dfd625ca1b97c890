"""Atomic file output: the one writer every stage, trainer and checkpoint saver uses.

A result is written to a temporary file in the destination folder and renamed over the
destination only when complete, so an interrupted or failed write never leaves a partial file
and never replaces the previous good one. A full disk, a read-only folder or a missing
permission becomes one `OutputError` naming the path and the cause.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import secrets
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from GPT_SoVITS.errors import OutputError

logger = logging.getLogger(__name__)

# What the user is told, and what to do, for the write failures a user can fix.
CAUSES = {
    errno.ENOSPC: ("no space left on device", "free some space, then run again"),
    errno.EDQUOT: ("disk quota exceeded", "free some space, then run again"),
    errno.EFBIG: ("file too large for this file system", "write to another disk"),
    errno.EROFS: ("read-only file system", "choose a writable folder"),
    errno.EACCES: ("permission denied", "choose a folder you may write to, or fix its permissions"),
    errno.EPERM: ("operation not permitted", "choose a folder you may write to, or fix its permissions"),
}
# Raised while the content is written: only these are about the destination. Other errors of
# the writer (say, reading a source file it copies) are not ours to rename.
WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS})
NEW_FILE_MODE = 0o666  # less the process umask, like any file open() creates (0644 under umask 022)


def output_error(path: Path, error: OSError, action: str = "cannot write it") -> OutputError:
    """`error` as one line naming `path`, the cause and the fix."""
    cause, advice = CAUSES.get(error.errno, (os.strerror(error.errno).lower() if error.errno else str(error), ""))
    message = f"{path}: {action}: {cause}" + (f"; {advice}" if advice else "")
    return OutputError(message, error.errno, str(path))


def _create_temp(path: Path) -> Path:
    """An empty new file `.<name>.<random>.tmp` next to `path`, with the umask's permissions.

    Unlike `tempfile.mkstemp` (always 0600), `os.open` with 0666 lets the umask decide, so
    exports and features stay readable by the other users and containers that share them.
    """
    while True:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, NEW_FILE_MODE))
            return tmp
        except FileExistsError:
            continue


def remove_stale_temps(folder: str | os.PathLike, name_pattern: str) -> list[Path]:
    """Remove the temporary files (`.<name>.<random>.tmp`) a killed writer left for names matching
    `name_pattern` (a glob) in `folder`; called by a run that owns those names, before it writes."""
    removed = []
    for tmp in Path(folder).glob(f".{name_pattern}.*.tmp"):
        if tmp.is_file():
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    if removed:
        logger.info("removed %d temporary file(s) an interrupted run left: %s", len(removed),
                    ", ".join(path.name for path in removed))
    return removed


def _prepare(path: Path) -> Path:
    """Create `path`'s folder if needed and a temporary file in it; `OutputError` when impossible."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as error:
        blocker = next((p for p in (path.parent, *path.parent.parents) if p.exists() and not p.is_dir()), path.parent)
        raise OutputError(f"{path}: cannot create its folder: {blocker} is a file; choose another path",
                          error.errno, str(path)) from error
    except OSError as error:
        raise output_error(path, error, f"cannot create its folder {path.parent}") from error
    try:
        return _create_temp(path)
    except OSError as error:
        raise output_error(path, error) from error


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to `path`; on success rename it onto `path`.

    On any exception the temporary file is removed and `path` is left untouched. Failures of
    the folder, the temporary file or the rename, and a full disk while writing, are raised as
    `OutputError` naming `path`.
    """
    path = Path(path)
    tmp = _prepare(path)
    try:
        yield tmp
    except BaseException as error:
        _remove(tmp)
        cause = _write_failure(error)
        if cause is not None:
            raise output_error(path, cause) from error
        raise
    try:
        os.replace(tmp, path)
    except OSError as error:
        _remove(tmp)
        raise output_error(path, error) from error


def _remove(tmp: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()


def _write_failure(error: BaseException) -> OSError | None:
    """The OS write failure (full disk, ...) behind `error`, if any. Writers may wrap it: torch's
    zip writer, failing to finish after our file's OSError, raises a RuntimeError in its place."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, OutputError):
            return None
        if isinstance(current, OSError) and current.errno in WRITE_ERRNOS:
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def write_atomic(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> None:
    """Write `path` atomically by `write(handle)` on a binary file.

    When the disk is full, the partial temporary file is removed and the write tried once more
    (space may have been freed meanwhile, by this or another process); a second failure raises
    the `OutputError`. The destination keeps its previous content either way.
    """
    for attempt in (1, 2):
        try:
            with atomic_output(path) as tmp, open(tmp, "wb") as handle:
                write(handle)
            return
        except OutputError as error:
            if attempt == 2 or error.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            logger.warning("%s; removed the partial file, trying once more", error)


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """Write UTF-8 text to `path` atomically."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write bytes to `path` atomically."""
    write_atomic(path, lambda handle: handle.write(data))


def torch_save_atomic(obj: object, path: str | os.PathLike) -> None:
    """`torch.save` to `path` atomically (zip format, readable by upstream's loaders).

    torch writes through our file object, so a full disk surfaces as the OS error it is rather
    than as torch's own RuntimeError about the zip writer.
    """
    import torch

    write_atomic(path, lambda handle: torch.save(obj, handle))


def check_writable(path: str | os.PathLike) -> Path:
    """Fail early, before any work, when `path` cannot be written: create its folder if needed,
    then create and remove a temporary file there. Returns `path`; raises `OutputError`."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; give a file name", errno.EISDIR, str(path))
    _prepare(path).unlink()
    return path


LOCK_TIMEOUT_S = 60.0  # a read-modify-write takes milliseconds; longer means another program is stuck


def lock_folder() -> Path:
    """The folder of every `exclusive_update` lock: `$GPT_SOVITS_LOCK_DIR`, else one per user in the temp folder."""
    import tempfile

    configured = os.environ.get("GPT_SOVITS_LOCK_DIR", "").strip()
    if configured:
        return Path(configured)
    user = str(os.getuid()) if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
    return Path(tempfile.gettempdir()) / f"gpt-sovits-ru-locks-{user}"


def lock_file(path: str | os.PathLike) -> Path:
    """The lock of `path`: named by a hash of its resolved path, so every name of one file shares it."""
    import hashlib

    resolved = os.fsencode(Path(path).resolve())
    folder = lock_folder()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder / f"{hashlib.sha256(resolved).hexdigest()[:32]}.lock"


@contextlib.contextmanager
def exclusive_update(path: str | os.PathLike, timeout: float = LOCK_TIMEOUT_S) -> Iterator[Path]:
    """Hold `path` for one read-modify-write: other threads and processes doing the same wait.

    Atomic writes keep a file whole, but two writers that each read it, change it and write it
    back can still lose one of the changes. Every such writer of a shared file (the proofreading
    page and the ASR tool writing the same `.list`) reads and writes inside this block. The lock
    is the operating system's (filelock: flock / LockFileEx), so it ends with the process that held
    it, even a killed one. Its file lives in one lock folder (`lock_file`), not beside the user's
    file: deleting a lock file after use would let two writers hold two different files.
    """
    from filelock import FileLock, Timeout

    path = Path(path)
    try:
        lock = FileLock(lock_file(path), timeout=timeout)
        lock.acquire()
    except Timeout:
        raise OutputError(f"{path}: another program has been changing it for {timeout:g} s; close that program "
                          f"(or wait for it to finish), then save again", errno.EAGAIN, str(path)) from None
    except OSError as error:
        raise output_error(path, error, "cannot lock it for saving") from None
    try:
        yield path
    finally:
        lock.release()
