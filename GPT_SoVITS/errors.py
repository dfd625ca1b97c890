"""The project's error hierarchy.

Every error a user can meet derives from `GptSovitsError`, so entry points catch one type
and print one clear line. Messages name the file, line, key or symbol and say what to do.
"""

from __future__ import annotations


class GptSovitsError(Exception):
    """Base of every error this project raises on purpose."""


class ConfigError(GptSovitsError):
    """A configuration file or setting is wrong (misspelt key, bad value, missing path)."""


class DataError(GptSovitsError):
    """An input item is unusable: a malformed .list line, a missing or broken audio file."""


class UnknownSymbolError(DataError):
    """A phone is not in the symbol table that was asked to number it."""

    def __init__(self, symbol: str, table_name: str, text: str | None = None, where: str | None = None):
        self.symbol = symbol
        self.table_name = table_name
        self.text = text
        self.where = where
        prefix = f"{where}: " if where else ""
        context = f" in {text!r}" if text is not None else ""
        super().__init__(
            f"{prefix}unknown symbol {symbol!r}{context}: it is not in symbol table "
            f"{table_name!r}; clean the text with the frontend of that table's language "
            f"or train with a table that contains it"
        )


class UnsupportedLanguageError(DataError):
    """A language code with no registered frontend."""


class CheckpointError(GptSovitsError):
    """A checkpoint cannot be read, identified or loaded into a model."""


class OutputError(GptSovitsError, OSError):
    """An output file cannot be written: full disk, read-only folder, no permission.

    Also an `OSError` (with the original `errno`), so code that already tolerates failed writes
    of optional files (caches) keeps doing so.
    """

    def __init__(self, message: str, errno_code: int | None = None, path: str | None = None):
        super().__init__(message)
        self.message = message
        self.errno = errno_code
        self.filename = path

    def __str__(self) -> str:  # OSError's own format would print "[Errno N] None: path"
        return self.message


def describe_non_file(path) -> str:
    """What a path that is not a regular file is, for messages ("a folder", "a FIFO (named pipe)", ...),
    so a reader never opens (and blocks on, or writes beside) a pipe or a device."""
    import os
    import stat

    try:
        mode = os.stat(path).st_mode
    except OSError:
        return "not readable"
    kinds = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
    return next((name for test, name in kinds if test(mode)), "not a regular file")
