"""Adapting a text embedding to another symbol table, by symbol name: pure functions on tensors
and state dicts (no file, no module), in the style of torchtune's checkpoint converters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import torch

from GPT_SoVITS.errors import CheckpointError, ConfigError
from GPT_SoVITS.text.symbols import SymbolTable
from GPT_SoVITS.weights_compat.identification import text_embedding_key

POLICIES = ("similar", "mean", "random")


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


def adapt_state_dict(
    weight: Mapping[str, torch.Tensor],
    source_table: SymbolTable,
    target_table: SymbolTable,
    policy: str = "similar",
    *,
    init: torch.Tensor | None = None,
) -> tuple[dict[str, torch.Tensor], EmbeddingAdaptation]:
    """`weight` (an s2G or s1 state dict) with its text embedding moved from `source_table` to
    `target_table` by symbol name (see `adapt_text_embedding`; `init` = the target module's own
    rows, for `random`). Returns a new dict that shares every other tensor with `weight`; reads
    no file, touches no module and leaves `weight` unchanged."""
    key = text_embedding_key(weight)
    if key is None:
        raise CheckpointError("the state dict has no text embedding to adapt (an s2D, or not a GPT-SoVITS model)")
    adapted = dict(weight)
    adapted[key], report = adapt_text_embedding(weight[key], source_table, target_table, policy, init)
    return adapted, report
