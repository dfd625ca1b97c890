"""weights_compat: the one place every checkpoint is read, identified, adapted and written.

Upstream numbers phone symbols by a fixed table, so a checkpoint's text embedding only loads
into a model built for the same table. Here any GPT-SoVITS checkpoint loads into a model of
any table: text-embedding rows are copied *by symbol name*, rows of new symbols are
initialised by a declared policy, every other tensor is loaded strictly, and one report line
says what happened. Stage 3, both trainers, synthesis and the UI all go through this module.
It never unpickles arbitrary objects and never guesses from file sizes.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import logging
import pickle
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import torch

from GPT_SoVITS.atomic import torch_save_atomic
from GPT_SoVITS.errors import CheckpointError, ConfigError
from GPT_SoVITS.text.symbols import SymbolTable, find_table, get_table, read_symbol_file

logger = logging.getLogger(__name__)

TEXT_EMBEDDING_KEYS = {
    "s2G": "enc_p.text_embedding.weight",
    "s1": "model.ar_text_embedding.word_embeddings.weight",
}
POLICIES = ("similar", "mean", "random")
S1_PREFIX = "model."

# Upstream writes these two bytes over a zip's leading "PK" to mark newer model families.
VERSION_MARKERS = {b"03": "v3", b"04": "v4", b"05": "v2Pro", b"06": "v2ProPlus"}


# --- safe reading ------------------------------------------------------------------------


class HParamsStandIn:
    """Allow-listed stand-in for upstream's pickled `utils.HParams` config objects.

    Only attribute storage is reconstructed (the pickle's BUILD step fills `__dict__`); no
    upstream code runs. `to_dict` turns the nested objects back into the plain dict we use.
    """

    def to_dict(self) -> dict:
        return {key: _plain(value) for key, value in vars(self).items()}


def _plain(value: Any) -> Any:
    if isinstance(value, HParamsStandIn):
        return value.to_dict()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(item) for item in value)
    return value


_SAFE_EXTRA_GLOBALS = [(HParamsStandIn, "utils.HParams"), (HParamsStandIn, "GPT_SoVITS.utils.HParams")]


def _sniff_format(path: Path) -> str:
    """'zip', 'pickle' or 'safetensors' from the leading bytes; a clear error otherwise."""
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except FileNotFoundError:
        raise CheckpointError(f"{path}: checkpoint not found; check the path") from None
    except IsADirectoryError:
        raise CheckpointError(f"{path}: is a folder, expected a checkpoint file") from None
    if head[:2] == b"PK":
        return "zip"
    if head[:2] in VERSION_MARKERS:
        family = VERSION_MARKERS[head[:2]]
        raise CheckpointError(
            f"{path}: this is an upstream {family} checkpoint (version marker {head[:2].decode()!r} in place of 'PK'); "
            f"GPT-SoVITS-RU supports the v1/v2 family only: use the v2 pretrained files (s2G2333k.pth, s2D2333k.pth)"
        )
    if head[:1] == b"\x80":
        return "pickle"
    if len(head) >= 9 and head[8:9] == b"{":
        return "safetensors"
    raise CheckpointError(f"{path}: not a PyTorch or safetensors checkpoint (starts with {head[:8]!r}); was the right file given?")


def _read_safetensors(path: Path) -> dict:
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as handle:
            weight = {key: handle.get_tensor(key) for key in handle.keys()}
            metadata = handle.metadata() or {}
    except Exception as error:  # safetensors raises its own error types for damaged headers
        raise CheckpointError(f"{path}: unreadable safetensors file ({error}); re-download or re-export it") from None
    checkpoint: dict[str, Any] = {"weight": weight}
    for key in ("config", "symbols"):
        if key in metadata:
            checkpoint[key] = json.loads(metadata[key])
    for key in ("info", "version"):
        if key in metadata:
            checkpoint[key] = metadata[key]
    return checkpoint


def read_checkpoint(path: str | Path) -> dict:
    """Read a checkpoint without executing code from it.

    Torch files load with `weights_only=True` (upstream's pickled `HParams` config is mapped to
    an allow-listed stand-in and returned as a plain dict); safetensors files load natively.
    The result is a dict with at least `weight`; a bare state dict is wrapped as `{"weight": sd}`.
    """
    path = Path(path)
    kind = _sniff_format(path)
    if kind == "safetensors":
        return _normalise_checkpoint(_read_safetensors(path), path)
    try:
        with torch.serialization.safe_globals(_SAFE_EXTRA_GLOBALS):
            loaded = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        raise CheckpointError(
            f"{path}: refused to load: the file asks to run or build objects that are not plain weights "
            f"({str(error).splitlines()[0]}); nothing from it was executed. Only load checkpoints from sources you trust, "
            f"or convert them to safetensors"
        ) from None
    except (RuntimeError, EOFError, OSError, ValueError) as error:
        raise CheckpointError(
            f"{path}: damaged or truncated checkpoint ({str(error).splitlines()[0]}); download or export it again"
        ) from None
    return _normalise_checkpoint(loaded, path)


def _normalise_checkpoint(loaded: Any, path: Path) -> dict:
    if isinstance(loaded, Mapping) and "weight" in loaded:
        checkpoint = dict(loaded)
    elif isinstance(loaded, Mapping) and loaded and all(isinstance(v, torch.Tensor) for v in loaded.values()):
        checkpoint = {"weight": loaded}
    else:
        raise CheckpointError(f"{path}: a torch file, but not a GPT-SoVITS checkpoint (no 'weight' state dict)")
    if not isinstance(checkpoint["weight"], Mapping):
        raise CheckpointError(f"{path}: 'weight' is not a state dict")
    if "config" in checkpoint:
        checkpoint["config"] = _plain(checkpoint["config"])
    return checkpoint


# --- identification ------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckpointInfo:
    """What a checkpoint is, read from its content: kind, architecture version, symbol table."""

    kind: str  # "s2G", "s2D" or "s1"
    version: str  # "v1", "v2", "v2Pro", "v2ProPlus"
    table: SymbolTable | None  # None for s2D (no text embedding)
    text_rows: int  # rows of the text embedding (0 for s2D)


def _kind_of(keys: Iterable[str]) -> str:
    keys = list(keys)
    if any(k.startswith("discriminators.") for k in keys):
        return "s2D"
    if any(k.startswith(("enc_p.", "dec.", "flow.")) for k in keys):
        return "s2G"
    if any(k.startswith(("model.ar_", "ar_")) for k in keys):
        return "s1"
    sample = ", ".join(keys[:3])
    raise CheckpointError(f"not a GPT-SoVITS s1/s2G/s2D state dict (first keys: {sample})")


def _version_of(kind: str, weight: Mapping[str, torch.Tensor]) -> str:
    if kind == "s2G":
        if "sv_emb.weight" in weight:
            return "v2ProPlus" if weight["dec.conv_pre.weight"].shape[0] == 768 else "v2Pro"
        ref_bins = weight["ref_enc.spectral.0.fc.weight"].shape[1]
        return "v1" if ref_bins == 1025 else "v2"
    if kind == "s2D":
        periods = {k.split(".")[1] for k in weight if k.startswith("discriminators.")}
        return "v2Pro" if len(periods) > 6 else "v2"
    rows = weight[_s1_embedding_key(weight)].shape[0]
    return "v1" if rows in (322, 512) else "v2"


def _s1_embedding_key(weight: Mapping[str, Any]) -> str:
    key = TEXT_EMBEDDING_KEYS["s1"]
    return key if key in weight else key[len(S1_PREFIX):]


def _table_of(kind: str, checkpoint: Mapping, rows: int) -> SymbolTable:
    stored = checkpoint.get("symbols")
    if stored:
        table = find_table(stored) or SymbolTable("stored", tuple(stored))
        if len(table) > rows:
            raise CheckpointError(f"the checkpoint stores {len(table)} symbols but its text embedding has {rows} rows")
        return table
    if rows in (322, 512):  # v1 (the v1 GPT pads its 322 symbols to 512 rows)
        return get_table("v1")
    if rows == 732:
        return get_table("v2")
    raise CheckpointError(
        f"cannot tell which symbol table this {kind} checkpoint's {rows}-row text embedding uses (no stored "
        f"'symbols'); pass the source table explicitly (--source-table / source_table=)"
    )


def identify(checkpoint: Mapping) -> CheckpointInfo:
    """Identify a checkpoint (as returned by `read_checkpoint`) by its keys, shapes and stored fields."""
    weight = checkpoint["weight"]
    kind = _kind_of(weight.keys())
    if kind == "s2D":
        return CheckpointInfo(kind, str(checkpoint.get("version") or _version_of(kind, weight)), None, 0)
    key = TEXT_EMBEDDING_KEYS["s2G"] if kind == "s2G" else _s1_embedding_key(weight)
    if key not in weight:
        raise CheckpointError(f"{kind} checkpoint without its text embedding {key!r}")
    rows = weight[key].shape[0]
    version = str(checkpoint.get("version") or _version_of(kind, weight))
    return CheckpointInfo(kind, version, _table_of(kind, checkpoint, rows), rows)


# --- text-embedding adaptation --------------------------------------------------------------


@dataclass(frozen=True)
class EmbeddingAdaptation:
    """How the text-embedding rows were mapped from the source table to the target table."""

    source: str
    target: str
    source_rows: int
    target_rows: int
    policy: str
    copied: int
    new_symbols: tuple[str, ...]
    dropped_symbols: tuple[str, ...]
    similar_fallbacks: tuple[str, ...] = ()  # new symbols with no usable look-alike: got the mean

    def line(self) -> str:
        text = (
            f"text embedding {self.source} ({self.source_rows}) -> {self.target} ({self.target_rows}): "
            f"{self.copied} rows copied by name, {len(self.new_symbols)} new ({self.policy}), "
            f"{len(self.dropped_symbols)} dropped"
        )
        if self.similar_fallbacks:
            text += f", {len(self.similar_fallbacks)} without look-alikes got the mean"
        return text


def _new_row(symbol: str, policy: str, target: SymbolTable, source: SymbolTable, weight: torch.Tensor,
             mean_row: torch.Tensor, init_row: torch.Tensor | None, fallbacks: list[str]) -> torch.Tensor:
    if policy == "random":
        return init_row if init_row is not None else mean_row
    if policy == "similar":
        rows = [weight[source.id_of(s)] for s in target.look_alikes(symbol) if s in source]
        if rows:
            return torch.stack([r.float() for r in rows]).mean(0)
        fallbacks.append(symbol)
    return mean_row


def adapt_text_embedding(
    weight: torch.Tensor,
    source: SymbolTable,
    target: SymbolTable,
    policy: str = "similar",
    init: torch.Tensor | None = None,
) -> tuple[torch.Tensor, EmbeddingAdaptation]:
    """Rows of `weight` (indexed by `source`) rearranged for `target`, by symbol name.

    New symbols get: `similar` the mean of their declared look-alike rows (the mean of all rows
    when none is in the source), `mean` the mean of all source rows, `random` the row of `init`
    (the target module's own initialisation). Rows past the source table (the v1 GPT's padding
    rows 322-511) carry no symbol and are dropped. Only the new [V_target, D] tensor is allocated.
    """
    if policy not in POLICIES:
        raise ConfigError(f"unknown init policy {policy!r}; choose one of {', '.join(POLICIES)}")
    if init is None and policy == "random":
        generator = torch.Generator().manual_seed(0)
        init = torch.randn((len(target), weight.shape[1]), generator=generator) * weight[: len(source)].float().std()
        init = init.to(weight.dtype)
    named = weight[: len(source)]
    mean_row = named.float().mean(0)
    rows, new, fallbacks = [], [], []
    for index, symbol in enumerate(target.symbols):
        if symbol in source:
            rows.append(named[source.id_of(symbol)].float())
            continue
        new.append(symbol)
        init_row = init[index].float() if init is not None else None
        rows.append(_new_row(symbol, policy, target, source, named, mean_row, init_row, fallbacks))
    # The module's dtype when known (its own init rows stay exact), else the file's.
    adapted = torch.stack(rows).to(init.dtype if init is not None else weight.dtype)
    dropped = tuple(s for s in source.symbols if s not in target)
    padding = tuple(f"<row {i}>" for i in range(len(source), weight.shape[0]))
    report = EmbeddingAdaptation(
        source.name, target.name, weight.shape[0], len(target), policy,
        len(target) - len(new), tuple(new), dropped + padding, tuple(fallbacks),
    )
    return adapted, report


# --- strict loading into a module ----------------------------------------------------------


@dataclass(frozen=True)
class CompatReport:
    """The outcome of one load: what the checkpoint was and what happened to every tensor."""

    source: str
    info: CheckpointInfo
    embedding: EmbeddingAdaptation | None
    loaded: int
    allowed_missing: tuple[str, ...] = ()
    allowed_unexpected: tuple[str, ...] = ()

    @property
    def copied(self) -> int:
        return self.embedding.copied if self.embedding else 0

    @property
    def new(self) -> tuple[str, ...]:
        return self.embedding.new_symbols if self.embedding else ()

    @property
    def dropped(self) -> tuple[str, ...]:
        return self.embedding.dropped_symbols if self.embedding else ()

    def line(self) -> str:
        parts = [f"weights_compat: {self.info.kind} {self.info.version} from {self.source}"]
        if self.embedding:
            parts.append(self.embedding.line())
        strict = f"{self.loaded} tensors loaded strictly"
        if self.allowed_missing:
            strict += f" ({len(self.allowed_missing)} allowed-missing left at init)"
        if self.allowed_unexpected:
            strict += f" ({len(self.allowed_unexpected)} allowed-unexpected ignored)"
        parts.append(strict)
        return "; ".join(parts)


def _matches(key: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(key, pattern) for pattern in patterns)


def _align_prefix(weight: Mapping[str, torch.Tensor], module_keys: set[str]) -> dict[str, torch.Tensor]:
    """Strip or add the `model.` prefix of s1 checkpoints to match the module's own keys."""
    ckpt_prefixed = all(k.startswith(S1_PREFIX) for k in weight)
    module_prefixed = bool(module_keys) and all(k.startswith(S1_PREFIX) for k in module_keys)
    if ckpt_prefixed and not module_prefixed:
        return {k[len(S1_PREFIX):]: v for k, v in weight.items()}
    if module_prefixed and not ckpt_prefixed:
        return {S1_PREFIX + k: v for k, v in weight.items()}
    return dict(weight)


def _key_problems(weight: Mapping[str, torch.Tensor], expected: Mapping[str, torch.Tensor],
                  allow_missing: Sequence[str], allow_unexpected: Sequence[str]) -> tuple[list[str], list[str], list[str]]:
    missing = [k for k in expected if k not in weight and not _matches(k, allow_missing)]
    unexpected = [k for k in weight if k not in expected and not _matches(k, allow_unexpected)]
    misshaped = [
        f"{k}: checkpoint {tuple(weight[k].shape)} vs model {tuple(expected[k].shape)}"
        for k in expected
        if k in weight and tuple(weight[k].shape) != tuple(expected[k].shape)
    ]
    return missing, unexpected, misshaped


def _raise_key_problems(source: str, missing: list[str], unexpected: list[str], misshaped: list[str]) -> None:
    def listed(title: str, items: list[str]) -> str:
        shown = ", ".join(items[:12]) + (f", ... ({len(items) - 12} more)" if len(items) > 12 else "")
        return f"\n  {title} ({len(items)}): {shown}"

    message = f"{source}: the checkpoint does not fit the model:"
    for title, items in (("missing", missing), ("unexpected", unexpected), ("mis-shaped", misshaped)):
        if items:
            message += listed(title, items)
    message += "\nIs it the right kind of file (s2G / s2D / s1) and version (v2)?"
    raise CheckpointError(message)


def _resolve_table(table: str | SymbolTable | None, module_rows: int) -> SymbolTable:
    if isinstance(table, SymbolTable):
        resolved = table
    elif isinstance(table, str):
        resolved = get_table(table)
    else:
        from GPT_SoVITS.text.symbols import default_table_name, table_for_row_count

        resolved = table_for_row_count(module_rows) or get_table(default_table_name())
    if len(resolved) != module_rows:
        raise CheckpointError(
            f"the model's text embedding has {module_rows} rows but table {resolved.name!r} has {len(resolved)} "
            f"symbols; build the model with the table you load into"
        )
    return resolved


def load_into(
    module: torch.nn.Module,
    source: str | Path | Mapping,
    *,
    table: str | SymbolTable | None = None,
    kind: str | None = None,
    policy: str = "similar",
    source_table: str | SymbolTable | None = None,
    allow_missing: Sequence[str] = (),
    allow_unexpected: Sequence[str] = (),
) -> CompatReport:
    """Load a checkpoint (path, read checkpoint or bare state dict) into `module`.

    The text embedding is adapted from the checkpoint's table to `table` (the table the module
    was built for) by symbol name; every other tensor must match the module's keys and shapes,
    except keys matching the glob patterns `allow_missing` / `allow_unexpected`. Raises
    `CheckpointError` listing every problem; on success logs and returns the report.
    """
    name = Path(source).name if isinstance(source, (str, Path)) else "<state dict>"
    checkpoint = read_checkpoint(source) if isinstance(source, (str, Path)) else _as_checkpoint(source)
    if source_table is not None:
        checkpoint = {**checkpoint, "symbols": list(_as_table(source_table).symbols)}
    info = identify(checkpoint)
    if kind is not None and kind != info.kind:
        raise CheckpointError(f"{name}: expected a {kind} checkpoint but this is {info.kind}; check which file goes where")
    expected = module.state_dict()
    weight = _align_prefix(checkpoint["weight"], set(expected))
    embedding = None
    if info.table is not None:
        weight, embedding = _adapt_in_state_dict(weight, expected, info, table, policy)
    missing, unexpected, misshaped = _key_problems(weight, expected, allow_missing, allow_unexpected)
    if missing or unexpected or misshaped:
        _raise_key_problems(name, missing, unexpected, misshaped)
    usable = {k: v for k, v in weight.items() if k in expected}
    module.load_state_dict(usable, strict=False)
    report = CompatReport(
        name, info, embedding, len(usable),
        tuple(k for k in expected if k not in weight), tuple(k for k in weight if k not in expected),
    )
    logger.info("%s", report.line())
    return report


def _as_checkpoint(source: Mapping) -> dict:
    if "weight" in source:
        return dict(source)
    return {"weight": source}


def _as_table(table: str | SymbolTable) -> SymbolTable:
    return table if isinstance(table, SymbolTable) else get_table(table)


def _adapt_in_state_dict(weight: dict, expected: Mapping[str, torch.Tensor], info: CheckpointInfo,
                         table: str | SymbolTable | None, policy: str) -> tuple[dict, EmbeddingAdaptation]:
    key = next((k for k in (TEXT_EMBEDDING_KEYS[info.kind], TEXT_EMBEDDING_KEYS[info.kind][len(S1_PREFIX):]) if k in expected), None)
    if key is None or key not in weight:
        raise CheckpointError(f"the model has no text embedding where a {info.kind} checkpoint keeps it; wrong model for this file?")
    target = _resolve_table(table, expected[key].shape[0])
    adapted, embedding = adapt_text_embedding(weight[key], info.table, target, policy, init=expected[key].detach())
    weight[key] = adapted
    return weight, embedding


# --- saving ---------------------------------------------------------------------------------


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
) -> None:
    """Write an upstream-format checkpoint atomically, plus our `symbols` and `version` keys.

    `{"weight": {...}, "config": <plain dict>, "info": str, "symbols": [...], "version": str}`:
    upstream readers find `weight`/`config`/`info`; our readers also know the table.
    Floating tensors are stored in fp16 when `half`, as upstream exports do.
    """
    weight = {}
    for key, value in state_dict.items():
        if _matches(key, exclude):
            continue
        value = value.detach().to("cpu")
        weight[key] = value.half() if half and value.is_floating_point() else value.clone()
    if hasattr(config, "to_dict"):
        config = config.to_dict()
    checkpoint = {"weight": weight, "config": _plain(dict(config)), "info": info, "version": version}
    if table is not None:
        checkpoint["symbols"] = list(_as_table(table).symbols)
    torch_save_atomic(checkpoint, path)


def convert_checkpoint(source: str | Path, output: str | Path, table: str | SymbolTable, policy: str = "similar",
                       source_table: str | SymbolTable | None = None) -> EmbeddingAdaptation | None:
    """Pre-adapt a checkpoint file to `table` once (no model needed); returns the adaptation."""
    checkpoint = read_checkpoint(source)
    if source_table is not None:
        checkpoint["symbols"] = list(_as_table(source_table).symbols)
    info = identify(checkpoint)
    target = _as_table(table)
    weight = dict(checkpoint["weight"])
    embedding = None
    if info.table is not None:
        key = TEXT_EMBEDDING_KEYS["s2G"] if info.kind == "s2G" else _s1_embedding_key(weight)
        weight[key], embedding = adapt_text_embedding(weight[key], info.table, target, policy)
    config = dict(checkpoint.get("config") or {})
    if info.kind == "s1" and isinstance(config.get("model"), dict):
        config["model"] = {**config["model"], "phoneme_vocab_size": len(target)}
    save_checkpoint(output, weight, config=config, info=str(checkpoint.get("info", "")),
                    table=target if info.table is not None else None, version=info.version, half=False)
    return embedding


# --- command line ---------------------------------------------------------------------------


def describe(path: str | Path) -> list[str]:
    """Human-readable lines about a checkpoint file (the `inspect` command)."""
    checkpoint = read_checkpoint(path)
    info = identify(checkpoint)
    weight = checkpoint["weight"]
    dtypes = sorted({str(v.dtype).replace("torch.", "") for v in weight.values()})
    lines = [
        f"file:       {path}",
        f"kind:       {info.kind}",
        f"version:    {info.version}",
        f"tensors:    {len(weight)} ({sum(v.numel() for v in weight.values()) / 1e6:.2f}M elements, {', '.join(dtypes)})",
    ]
    if info.table is not None:
        stored = "stored in the file" if checkpoint.get("symbols") else "inferred from the row count"
        lines.append(f"symbols:    {info.table.name} ({len(info.table)} symbols, {info.text_rows} rows; {stored})")
    if info.kind == "s2G":
        has_enc_q = any(k.startswith("enc_q.") for k in weight)
        lines.append(f"enc_q:      {'present (training/pretrained format)' if has_enc_q else 'absent (inference format)'}")
    if "info" in checkpoint:
        lines.append(f"info:       {checkpoint['info']}")
    if isinstance(checkpoint.get("config"), dict):
        lines.append(f"config:     sections {', '.join(sorted(checkpoint['config']))}")
    return lines


def _table_argument(value: str) -> SymbolTable:
    """A table name (`v2+ru`) or a symbol file with one symbol per line."""
    if Path(value).is_file():
        return SymbolTable(Path(value).stem, read_symbol_file(value))
    return get_table(value)


def main(argv: Sequence[str] | None = None) -> int:
    from GPT_SoVITS.errors import GptSovitsError
    from GPT_SoVITS.logging_setup import setup_logging

    parser = argparse.ArgumentParser(prog="python -m GPT_SoVITS.weights_compat", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    inspect_cmd = commands.add_parser("inspect", help="identify a checkpoint: kind, version, symbol table")
    inspect_cmd.add_argument("file")
    convert_cmd = commands.add_parser("convert", help="adapt a checkpoint's text embedding to another table")
    convert_cmd.add_argument("file")
    convert_cmd.add_argument("--symbols", required=True, help="target table name (e.g. v2+ru) or symbol file")
    convert_cmd.add_argument("-o", "--output", required=True)
    convert_cmd.add_argument("--init", default="similar", choices=POLICIES, help="rows for new symbols")
    convert_cmd.add_argument("--source-table", default=None, help="the file's table when it cannot be inferred")
    args = parser.parse_args(argv)
    setup_logging()
    try:
        if args.command == "inspect":
            print("\n".join(describe(args.file)))
            return 0
        source_table = _table_argument(args.source_table) if args.source_table else None
        embedding = convert_checkpoint(args.file, args.output, _table_argument(args.symbols), args.init, source_table)
        print(f"wrote {args.output}" + (f": {embedding.line()}" if embedding else " (no text embedding to adapt)"))
        return 0
    except GptSovitsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
