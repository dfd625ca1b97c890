"""Which files a user or a client may name: paths resolved inside the folders the user configured.

The one confinement rule shared by every path a UI field, a UI endpoint or an HTTP API
parameter accepts. It resolves symlinks and `..` before comparing, and refuses with one message
that never says whether the file exists, so a client cannot probe the disk with it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from GPT_SoVITS.errors import DataError


class PathRefusedError(DataError):
    """A path names something outside the allowed folders (its message does not reveal existence)."""


@dataclass(frozen=True)
class AllowedFolders:
    """The folders paths may resolve into; `label` names them in messages ("the UI's root", ...)."""

    roots: tuple[Path, ...]
    label: str = "the allowed folders"

    @classmethod
    def of(cls, folders: Iterable[str | os.PathLike], label: str = "the allowed folders") -> "AllowedFolders":
        """Allowed folders from any paths (resolved now; folders that do not exist yet are allowed too)."""
        roots = tuple(dict.fromkeys(Path(folder).expanduser().resolve() for folder in folders))
        if not roots:
            raise ValueError("AllowedFolders needs at least one folder")
        return cls(roots, label)

    def contains(self, path: Path) -> bool:
        """Whether an already resolved `path` is one of the roots or lies under one."""
        return any(path == root or path.is_relative_to(root) for root in self.roots)

    def resolve(self, user_path: str | os.PathLike, *, what: str = "path", base: Path | None = None) -> Path:
        """`user_path` resolved (symlinks followed, `~` expanded); `PathRefusedError` unless inside a root.

        A relative path is taken relative to `base` (default: the first root), not the process's
        working folder, so the same field means the same file wherever the program was started.
        The message quotes what the user typed and lists the allowed folders, nothing about the
        file itself.
        """
        text = os.fspath(user_path).strip() if user_path is not None else ""
        if not text or "\x00" in text:
            raise PathRefusedError(f"{what}: give a path inside {self.describe()}")
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = (base or self.roots[0]) / path
        resolved = path.resolve()
        if not self.contains(resolved):
            raise PathRefusedError(f"{what} {text!r} is refused: only files inside {self.describe()} can be used")
        return resolved

    def describe(self) -> str:
        return f"{self.label} ({', '.join(str(root) for root in self.roots)})"
