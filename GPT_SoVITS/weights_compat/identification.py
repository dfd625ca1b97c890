"""What a checkpoint is, read from its content: kind (s2G, s2D, s1), architecture version and
symbol table. Never from the file name or size. Known layouts are rows of `ARCHITECTURES`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

import torch

from GPT_SoVITS.errors import CheckpointError
from GPT_SoVITS.text.symbols import SymbolTable, table_for_row_count
from GPT_SoVITS.weights_compat.reading import HEADER_KEY
from GPT_SoVITS.weights_compat.tables import V1_GPT_ROWS, checkpoint_table

TEXT_EMBEDDING_KEYS = {
    "s2G": "enc_p.text_embedding.weight",  # [V, 192]
    "s1": "model.ar_text_embedding.word_embeddings.weight",  # [V, 512]
}
S1_PREFIX = "model."  # upstream's GPT files prefix every key; our GPT module does not
# Key prefixes that only one kind has, checked in this order (a D never holds `enc_p.`).
KIND_PREFIXES = {
    "s2D": ("discriminators.",),
    "s2G": ("enc_p.", "dec.", "flow."),
    "s1": ("model.ar_", "ar_"),
}

Weights = Mapping[str, torch.Tensor]
PLUS_FIRST_KERNEL = 20  # configs/s2v2ProPlus.json upsample_kernel_sizes[0]
PLUS_DECODER_CHANNELS = 768  # and its upsample_initial_channel


def _size(weight: Weights, key: str, dim: int) -> int | None:
    return weight[key].shape[dim] if key in weight else None


def _v1_text_rows(weight: Weights) -> bool:
    key = text_embedding_key(weight)
    rows = weight[key].shape[0] if key else 0
    implied = table_for_row_count(rows)
    return rows == V1_GPT_ROWS or (implied is not None and implied.name == "v1")


def _always(weight: Weights) -> bool:
    return True


def _plus_decoder(weight: Weights) -> bool:
    """v2ProPlus's decoder: a first upsampling kernel of 20 (v2/v2Pro: 16) and 768 input channels."""
    kernel = _size(weight, "dec.ups.0.weight_v", 2) or _size(weight, "dec.ups.0.weight", 2)
    return kernel == PLUS_FIRST_KERNEL or _size(weight, "dec.conv_pre.weight", 0) == PLUS_DECODER_CHANNELS


@dataclass(frozen=True)
class Architecture:
    """One known layout of a kind: the content test that recognises it and its version name."""

    kind: str
    version: str
    matches: Callable[[Weights], bool]
    evidence: str  # what in the content identifies it (for readers of this table)


# The first matching row of a kind wins, so the catch-all row of each kind comes last. A new
# family is one more row (keyed by the tensors only it has), not a new branch.
ARCHITECTURES: tuple[Architecture, ...] = (
    Architecture("s2G", "v2ProPlus", lambda w: "sv_emb.weight" in w and _plus_decoder(w),
                 "speaker-verification projection sv_emb.* and the wider decoder (first upsampling kernel 20, "
                 "768 input channels)"),
    Architecture("s2G", "v2Pro", lambda w: "sv_emb.weight" in w, "sv_emb.* and v2's decoder (first kernel 16)"),
    Architecture("s2G", "v1", lambda w: _size(w, "ref_enc.spectral.0.fc.weight", 1) == 1025,
                 "style encoder over all 1025 spectrogram bins"),
    Architecture("s2G", "v2", _always, "style encoder over the first 704 bins"),
    Architecture("s2D", "v2Pro", lambda w: any(k.startswith("discriminators.6.") for k in w),
                 "seven or more discriminators"),
    Architecture("s2D", "v2", _always, "a scale and five period discriminators"),
    Architecture("s1", "v1", _v1_text_rows, "text embedding of the v1 table's 322 rows (or 512, padded)"),
    # The GPT of v2, v2Pro and v2ProPlus: upstream's v3-era s1v3.ckpt (its pretrained GPT for the Pro
    # family) has exactly v2's keys and shapes and is trained with s1longer-v2.yaml, so it is this row.
    Architecture("s1", "v2", _always, "any other text embedding (v2's 732 rows; also upstream's s1v3.ckpt)"),
)


@dataclass(frozen=True)
class CheckpointInfo:
    """What a checkpoint is, read from its content: kind, architecture version, symbol table."""

    kind: str  # "s2G", "s2D" or "s1"
    version: str  # "v1", "v2", "v2Pro", "v2ProPlus"
    table: SymbolTable | None  # None for s2D (no text embedding)
    text_rows: int  # rows of the text embedding (0 for s2D)


def text_embedding_key(keys: Iterable[str]) -> str | None:
    """The text-embedding key among `keys` (s2G, or s1 with or without `model.`), or None."""
    keys = set(keys)
    s1_bare = TEXT_EMBEDDING_KEYS["s1"][len(S1_PREFIX):]
    return next((k for k in (*TEXT_EMBEDDING_KEYS.values(), s1_bare) if k in keys), None)


def kind_of(keys: Iterable[str]) -> str:
    """"s2D", "s2G" or "s1" from the state dict's key prefixes."""
    keys = list(keys)
    for kind, prefixes in KIND_PREFIXES.items():
        if any(k.startswith(prefixes) for k in keys):
            return kind
    sample = ", ".join(keys[:3])
    raise CheckpointError(f"not a GPT-SoVITS s1/s2G/s2D state dict (first keys: {sample})")


def architecture_of(kind: str, weight: Weights) -> Architecture:
    """The first row of `ARCHITECTURES` of this kind whose content test matches."""
    return next(a for a in ARCHITECTURES if a.kind == kind and a.matches(weight))


def identify(checkpoint: Mapping, source: str | None = None, source_table: SymbolTable | None = None) -> CheckpointInfo:
    """Identify a checkpoint (as returned by `read_checkpoint`) by its keys, shapes and stored
    fields; `source_table` is the text embedding's table when the caller knows it better. Errors
    name `source` (the file) when given."""
    try:
        return _identify(checkpoint, source_table)
    except CheckpointError as error:
        if source is None:
            raise
        raise CheckpointError(f"{source}: {error}") from None


def _identify(checkpoint: Mapping, source_table: SymbolTable | None) -> CheckpointInfo:
    weight = checkpoint["weight"]
    kind = kind_of(weight.keys())
    version = str(checkpoint.get("version") or architecture_of(kind, weight).version)
    marked = checkpoint.get(HEADER_KEY)
    if marked is not None and marked != version:
        raise CheckpointError(
            f"its version bytes say {marked} but its weights are a {kind} {version}: the file was altered or "
            f"mislabelled; export it again")
    if kind == "s2D":
        return CheckpointInfo(kind, version, None, 0)
    key = text_embedding_key(weight)
    if key is None:
        raise CheckpointError(f"{kind} checkpoint without its text embedding {TEXT_EMBEDDING_KEYS[kind]!r}")
    rows = weight[key].shape[0]
    return CheckpointInfo(kind, version, checkpoint_table(kind, checkpoint, rows, source_table), rows)
