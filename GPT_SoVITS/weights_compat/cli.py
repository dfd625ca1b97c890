"""The command line: `python -m GPT_SoVITS.weights_compat inspect FILE` and
`... convert FILE --symbols v2+ru -o OUT`. Arguments in, one library call, printed result out.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from GPT_SoVITS.text.symbols import SymbolTable
from GPT_SoVITS.weights_compat.adaptation import POLICIES
from GPT_SoVITS.weights_compat.header import VERSION_MARKERS
from GPT_SoVITS.weights_compat.identification import identify
from GPT_SoVITS.weights_compat.reading import HEADER_KEY, read_checkpoint
from GPT_SoVITS.weights_compat.saving import NO_CONFIG, convert_checkpoint
from GPT_SoVITS.weights_compat.tables import resolve_table, table_argument


def _header_lines(checkpoint: dict) -> list[str]:
    family = checkpoint.get(HEADER_KEY)
    if family is None:
        return []
    marker = next(code for code, name in VERSION_MARKERS.items() if name == family).decode()
    return [f"header:     upstream version bytes {marker!r} in place of 'PK' ({family})"]


def describe(path: str | Path, source_table: str | SymbolTable | None = None) -> list[str]:
    """Human-readable lines about a checkpoint file (the `inspect` command).

    `source_table` names the table of a text embedding whose table cannot be inferred.
    """
    checkpoint = read_checkpoint(path)
    info = identify(checkpoint, str(path), None if source_table is None else resolve_table(source_table))
    weight = checkpoint["weight"]
    dtypes = sorted({str(v.dtype).replace("torch.", "") for v in weight.values()})
    lines = [
        f"file:       {path}",
        f"kind:       {info.kind}",
        f"version:    {info.version}",
        *_header_lines(checkpoint),
        f"tensors:    {len(weight)} ({sum(v.numel() for v in weight.values()) / 1e6:.2f}M elements, {', '.join(dtypes)})",
    ]
    if info.table is not None:
        stored = "given with --source-table" if source_table is not None else (
            "stored in the file" if checkpoint.get("symbols") else "inferred from the row count")
        lines.append(f"symbols:    {info.table.name} ({len(info.table)} symbols, {info.text_rows} rows; {stored})")
    if info.kind == "s2G":
        has_enc_q = any(k.startswith("enc_q.") for k in weight)
        lines.append(f"enc_q:      {'present (training/pretrained format)' if has_enc_q else 'absent (inference format)'}")
    if "info" in checkpoint:
        lines.append(f"info:       {checkpoint['info']}")
    config = checkpoint.get("config")
    lines.append(f"config:     sections {', '.join(sorted(config))}" if isinstance(config, dict) and config else f"config:     {NO_CONFIG}")
    return lines


def _convert(args: argparse.Namespace) -> str:
    source_table = table_argument(args.source_table) if args.source_table else None
    embedding = convert_checkpoint(args.file, args.output, table_argument(args.symbols), args.init, source_table,
                                   overwrite=args.force)
    return f"wrote {args.output}" + (f": {embedding.line()}" if embedding else " (no text embedding to adapt)")


def main(argv: Sequence[str] | None = None) -> int:
    from GPT_SoVITS.errors import GptSovitsError
    from GPT_SoVITS.logging_setup import setup_logging

    parser = argparse.ArgumentParser(prog="python -m GPT_SoVITS.weights_compat",
                                     description="Identify checkpoints, or adapt their text embedding to another symbol table.")
    commands = parser.add_subparsers(dest="command", required=True)
    inspect_cmd = commands.add_parser("inspect", help="identify a checkpoint: kind, version, symbol table")
    inspect_cmd.add_argument("file")
    inspect_cmd.add_argument("--source-table", default=None, help="the file's table when it cannot be inferred")
    convert_cmd = commands.add_parser("convert", help="adapt a checkpoint's text embedding to another table")
    convert_cmd.add_argument("file")
    convert_cmd.add_argument("--symbols", required=True, help="target table name (e.g. v2+ru) or symbol file")
    convert_cmd.add_argument("-o", "--output", required=True)
    convert_cmd.add_argument("--init", default="similar", choices=POLICIES, help="rows for new symbols")
    convert_cmd.add_argument("--source-table", default=None, help="the file's table when it cannot be inferred")
    convert_cmd.add_argument("--force", action="store_true",
                             help="replace an existing output file (never the input itself)")
    args = parser.parse_args(argv)
    setup_logging()
    try:
        if args.command == "inspect":
            source_table = table_argument(args.source_table) if args.source_table else None
            print("\n".join(describe(args.file, source_table)))
        else:
            print(_convert(args))
        return 0
    except GptSovitsError as error:
        print("error: " + " ".join(line.strip() for line in str(error).splitlines()), file=sys.stderr)
        return 1
