"""Writing checkpoints in upstream's format plus our `symbols`/`version` keys, atomically, and
converting a file to another symbol table once (read, adapt, save; no model needed).
"""

from __future__ import annotations

import io
import logging
import os
from pathlib import Path
from typing import Any, Mapping, Sequence

import torch

from GPT_SoVITS.atomic import torch_save_atomic, write_bytes_atomic
from GPT_SoVITS.errors import ConfigError
from GPT_SoVITS.text.symbols import SymbolTable
from GPT_SoVITS.weights_compat.adaptation import EmbeddingAdaptation, adapt_state_dict
from GPT_SoVITS.weights_compat.header import WRITTEN_MARKERS, mark
from GPT_SoVITS.weights_compat.identification import identify
from GPT_SoVITS.weights_compat.loading import matches_any
from GPT_SoVITS.weights_compat.reading import HEADER_KEY, plain, read_checkpoint
from GPT_SoVITS.weights_compat.tables import resolve_table

logger = logging.getLogger(__name__)

NO_CONFIG = "missing (no model settings stored: training can start from this file, synthesis cannot load it)"


def save_checkpoint(
    path: str | Path,
    state_dict: Mapping[str, torch.Tensor],
    *,
    config: Mapping | Any,
    info: str,
    table: str | SymbolTable | None,
    version: str = "v2",
    half: bool = True,
    exclude: Sequence[str] = (),
    upstream_header: bool = False,
) -> None:
    """Write an upstream-format checkpoint atomically, plus our `symbols` and `version` keys.

    `{"weight": {...}, "config": <plain dict>, "info": str, "symbols": [...], "version": str}`:
    upstream readers find `weight`/`config`/`info`; our readers also know the table.
    Floating tensors are stored in fp16 when `half`, as upstream exports do. `upstream_header`
    writes upstream's version bytes (`05` v2Pro, `06` v2ProPlus) over the zip's `PK`, as its
    SoVITS exports of those versions have them (its loader identifies them by these bytes). A
    full disk or an unwritable folder is an `OutputError` naming `path`; the previous file stays intact.
    """
    weight = {}
    for key, value in state_dict.items():
        if matches_any(key, exclude):
            continue
        value = value.detach().to("cpu")
        weight[key] = value.half() if half and value.is_floating_point() else value.clone()
    if hasattr(config, "to_dict"):
        config = config.to_dict()
    checkpoint = {"weight": weight, "config": plain(dict(config)), "info": info, "version": version}
    if table is not None:
        checkpoint["symbols"] = list(resolve_table(table).symbols)
    if not upstream_header:
        torch_save_atomic(checkpoint, path)
        return
    buffer = io.BytesIO()  # upstream too builds the whole file in memory before marking it
    torch.save(checkpoint, buffer)
    write_bytes_atomic(path, mark(buffer.getvalue(), version))


def check_convert_output(source: str | Path, output: str | Path, overwrite: bool = False) -> None:
    """Refuse an output that is the input (any name of the same file), and an existing one unless `overwrite`.

    A conversion that replaced its input would lose the original rows for good (a second
    conversion cannot restore symbols the first one dropped).
    """
    source, output = Path(source), Path(output)
    same = output.resolve() == source.resolve() or (output.exists() and source.exists() and os.path.samefile(source, output))
    if same:
        raise ConfigError(f"{output}: this is the input file {source}; write the converted checkpoint to another file "
                          "(the input is never replaced)")
    if output.exists() and not overwrite:
        raise ConfigError(f"{output} already exists; choose another output file, or pass --force to replace it")


def convert_checkpoint(source: str | Path, output: str | Path, table: str | SymbolTable, policy: str = "similar",
                       source_table: str | SymbolTable | None = None, *,
                       overwrite: bool = False) -> EmbeddingAdaptation | None:
    """Pre-adapt a checkpoint file to `table` once (no model needed); returns the adaptation.

    The output must not be the input, and must not exist unless `overwrite` (`--force`)."""
    check_convert_output(source, output, overwrite)
    checkpoint = read_checkpoint(source)
    info = identify(checkpoint, str(source), None if source_table is None else resolve_table(source_table))
    target = resolve_table(table)
    weight = checkpoint["weight"]
    embedding = None
    if info.table is not None:
        weight, embedding = adapt_state_dict(weight, info.table, target, policy)
    config = dict(checkpoint.get("config") or {})
    if not config:
        logger.warning("%s has no config (model settings), so %s has none either: training can start from it, "
                       "synthesis cannot load it", source, output)
    if info.kind == "s1" and isinstance(config.get("model"), dict):
        config["model"] = {**config["model"], "phoneme_vocab_size": len(target)}
    save_checkpoint(output, weight, config=config, info=str(checkpoint.get("info", "")),
                    table=target if info.table is not None else None, version=info.version, half=False,
                    upstream_header=checkpoint.get(HEADER_KEY) in WRITTEN_MARKERS)  # a marked export stays marked
    return embedding
