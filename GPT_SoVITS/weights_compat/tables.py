"""Which symbol table a text embedding uses: the one a checkpoint stores or implies, and the one
a model is built for. The tables themselves live in `GPT_SoVITS.text.symbols`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

from GPT_SoVITS.errors import CheckpointError
from GPT_SoVITS.text.symbols import SymbolTable, default_table_name, find_table, get_table, read_symbol_file, table_for_row_count

V1_GPT_ROWS = 512  # upstream's v1 GPT pads the 322 v1 symbols to 512 embedding rows (phoneme_vocab_size)


def resolve_table(table: str | SymbolTable | None = None, *, rows: int | None = None,
                  version: str | None = None) -> SymbolTable:
    """The table a model is built for, or is to be loaded into.

    `table` (a table or a registered name) when given; else the built-in table of the text
    embedding's `rows` (322 -> v1, 732 -> v2); else `v1` for a v1 architecture; else the
    project's default (`v2+ru` when the Russian inventory is present). With `rows`, a table of
    another size is a CheckpointError.
    """
    if isinstance(table, SymbolTable):
        resolved = table
    elif table is not None:
        resolved = get_table(table)
    elif rows is not None and table_for_row_count(rows) is not None:
        resolved = table_for_row_count(rows)
    else:
        resolved = get_table("v1" if version == "v1" else default_table_name())
    if rows is not None and len(resolved) != rows:
        raise CheckpointError(
            f"the model's text embedding has {rows} rows but table {resolved.name!r} has {len(resolved)} "
            f"symbols; build the model with the table you load into"
        )
    return resolved


def checkpoint_table(kind: str, checkpoint: Mapping, rows: int, given: SymbolTable | None = None) -> SymbolTable:
    """The table of a checkpoint's `rows`-row text embedding: `given` (the user says), else its
    stored `symbols`, else implied by the row count (upstream files store none)."""
    stored = checkpoint.get("symbols")
    if given is not None or stored:
        table = given or find_table(stored) or SymbolTable("stored", tuple(stored))
        if len(table) > rows:
            raise CheckpointError(f"the checkpoint stores {len(table)} symbols but its text embedding has {rows} rows")
        return table
    implied = table_for_row_count(rows)
    if implied is None and kind == "s1" and rows == V1_GPT_ROWS:
        implied = get_table("v1")
    if implied is None:
        raise CheckpointError(
            f"cannot tell which symbol table this {kind} checkpoint's {rows}-row text embedding uses (no stored "
            f"'symbols'); pass the source table explicitly (--source-table / source_table=)"
        )
    return implied


def table_argument(value: str) -> SymbolTable:
    """A table from the command line: a registered name (`v2+ru`) or a file with one symbol per line."""
    if Path(value).is_file():
        return SymbolTable(Path(value).stem, read_symbol_file(value))
    return get_table(value)
