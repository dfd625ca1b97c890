"""Loading a checkpoint into a module: text embedding adapted by symbol name, every other tensor
strictly (missing, unexpected or mis-shaped keys are one error listing them), one report line.
"""

from __future__ import annotations

import fnmatch
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import torch

from GPT_SoVITS.errors import CheckpointError
from GPT_SoVITS.text.symbols import SymbolTable
from GPT_SoVITS.versions import versions_text
from GPT_SoVITS.weights_compat.adaptation import EmbeddingAdaptation, adapt_state_dict
from GPT_SoVITS.weights_compat.identification import S1_PREFIX, CheckpointInfo, identify, text_embedding_key
from GPT_SoVITS.weights_compat.reading import as_checkpoint, read_checkpoint
from GPT_SoVITS.weights_compat.tables import resolve_table

logger = logging.getLogger(__name__)


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


def matches_any(key: str, patterns: Sequence[str]) -> bool:
    """Whether `key` matches one of the glob `patterns` (`enc_q.*`)."""
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
    missing = [k for k in expected if k not in weight and not matches_any(k, allow_missing)]
    unexpected = [k for k in weight if k not in expected and not matches_any(k, allow_unexpected)]
    misshaped = [
        f"{k}: checkpoint {tuple(weight[k].shape)} vs model {tuple(expected[k].shape)}"
        for k in expected
        if k in weight and tuple(weight[k].shape) != tuple(expected[k].shape)
    ]
    return missing, unexpected, misshaped


def load_strictly(module: torch.nn.Module, weight: Mapping[str, torch.Tensor], where: str, what: str, hint: str, *,
                  allow_missing: Sequence[str] = (), allow_unexpected: Sequence[str] = ()) -> int:
    """Load `weight` into `module` when every key and shape fits, except the keys matching the glob
    patterns `allow_missing` / `allow_unexpected`; else one `CheckpointError` "`where`: `what`:"
    listing every missing, unexpected and mis-shaped key, then `hint`. Returns the tensors loaded.

    The one strict check of this project: `load_into` and the speaker encoder's loader both use it.
    """
    expected = module.state_dict()
    missing, unexpected, misshaped = _key_problems(weight, expected, allow_missing, allow_unexpected)
    if missing or unexpected or misshaped:
        def listed(title: str, items: list[str]) -> str:
            shown = ", ".join(items[:12]) + (f", ... ({len(items) - 12} more)" if len(items) > 12 else "")
            return f"\n  {title} ({len(items)}): {shown}"

        message = f"{where}: {what}:"
        for title, items in (("missing", missing), ("unexpected", unexpected), ("mis-shaped", misshaped)):
            if items:
                message += listed(title, items)
        raise CheckpointError(f"{message}\n{hint}")
    usable = {k: v for k, v in weight.items() if k in expected}
    module.load_state_dict(usable, strict=False)  # every key checked above; only allowed ones differ
    return len(usable)


def load_into(
    module: torch.nn.Module,
    source: str | Path | Mapping,
    *,
    table: str | SymbolTable | None = None,
    kind: str | None = None,
    version: str | None = None,
    policy: str = "similar",
    source_table: str | SymbolTable | None = None,
    allow_missing: Sequence[str] = (),
    allow_unexpected: Sequence[str] = (),
    source_path: str | Path | None = None,
) -> CompatReport:
    """Load a checkpoint (path, read checkpoint or bare state dict) into `module`.

    The text embedding is adapted from the checkpoint's table to `table` (the table the module
    was built for) by symbol name; every other tensor must match the module's keys and shapes,
    except keys matching the glob patterns `allow_missing` / `allow_unexpected`. `kind` and
    `version` (when given) must be what the file holds, else one error says which file it is. Raises
    `CheckpointError` listing every problem and naming the file; on success logs and returns
    the report. `source_path` names the file a checkpoint given already read came from.
    """
    is_file = isinstance(source, (str, Path))
    named = source if is_file else source_path
    where = str(named) if named is not None else "<state dict>"
    checkpoint = read_checkpoint(source) if is_file else as_checkpoint(source, where)
    info = identify(checkpoint, where, None if source_table is None else resolve_table(source_table))
    if kind is not None and kind != info.kind:
        raise CheckpointError(f"{where}: expected a {kind} checkpoint but this is {info.kind}; check which file goes where")
    if version is not None and version != info.version:
        raise CheckpointError(f"{where}: expected a {version} {info.kind} checkpoint but this is {info.version}; use the "
                              f"{version} file, or choose the version {info.version} for this run")
    expected = module.state_dict()
    weight = _align_prefix(checkpoint["weight"], set(expected))
    embedding = None
    if info.table is not None:
        key = text_embedding_key(expected)
        if key is None or key not in weight:
            raise CheckpointError(f"{where}: the model has no text embedding where a {info.kind} checkpoint keeps it; "
                                  f"wrong model for this file?")
        target = resolve_table(table, rows=expected[key].shape[0])
        weight, embedding = adapt_state_dict(weight, info.table, target, policy, init=expected[key].detach())
    loaded = load_strictly(module, weight, where, "the checkpoint does not fit the model",
                           f"Is it the right kind of file (s2G / s2D / s1) and version ({versions_text()})?",
                           allow_missing=allow_missing, allow_unexpected=allow_unexpected)
    report = CompatReport(
        Path(named).name if named is not None else where, info, embedding, loaded,
        tuple(k for k in expected if k not in weight), tuple(k for k in weight if k not in expected),
    )
    logger.info("%s", report.line())
    return report
