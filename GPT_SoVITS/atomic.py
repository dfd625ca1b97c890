"""Atomic file output: the one writer every stage, trainer and checkpoint saver uses.

A result is written to a temporary file in the destination folder and renamed over the
destination only when complete, so an interrupted run never leaves a partial file that a
resumed run would mistake for finished work.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to `path`; on success rename it onto `path`.

    On any exception the temporary file is removed and `path` is left untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """Write UTF-8 text to `path` atomically."""
    with atomic_output(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write bytes to `path` atomically."""
    with atomic_output(path) as tmp:
        tmp.write_bytes(data)


def torch_save_atomic(obj: object, path: str | os.PathLike) -> None:
    """`torch.save` to `path` atomically (zip format, readable by upstream's loaders)."""
    import torch

    with atomic_output(path) as tmp:
        torch.save(obj, tmp)
