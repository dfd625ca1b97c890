"""What a checkpoint is, read from its content: kind (s2G, s2D, s1), architecture version and
symbol table. Never from the file name or size. Known layouts are the rows `architectures()`
derives from the version table (`versions.VERSIONS`) at each call, plus upstream's v1.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable, Iterable, Mapping

import torch

from GPT_SoVITS.errors import CheckpointError
from GPT_SoVITS.text.symbols import SymbolTable, table_for_row_count
from GPT_SoVITS.versions import DEFAULT_VERSION, VERSIONS, ModelVersion
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
SV_KEY = "sv_emb.weight"  # the speaker-vector projection of the versions with speaker vectors


def _size(weight: Weights, key: str, dim: int) -> int | None:
    return weight[key].shape[dim] if key in weight else None


def _v1_text_rows(weight: Weights) -> bool:
    key = text_embedding_key(weight)
    rows = weight[key].shape[0] if key else 0
    implied = table_for_row_count(rows)
    return rows == V1_GPT_ROWS or (implied is not None and implied.name == "v1")


def _always(weight: Weights) -> bool:
    return True


def _decoder_is(weight: Weights, decoder: tuple[int, int]) -> bool:
    """Whether the generator's decoder has this (first upsampling kernel, input channels)."""
    kernel = _size(weight, "dec.ups.0.weight_v", 2) or _size(weight, "dec.ups.0.weight", 2)
    return kernel == decoder[0] or _size(weight, "dec.conv_pre.weight", 0) == decoder[1]


def _generator_matches(version: ModelVersion, weight: Weights) -> bool:
    return (SV_KEY in weight) == version.speaker_vectors and (version.decoder is None or _decoder_is(weight, version.decoder))


def _discriminators_at_least(count: int, weight: Weights) -> bool:
    return any(k.startswith(f"discriminators.{count - 1}.") for k in weight)


@dataclass(frozen=True)
class Architecture:
    """One known layout of a kind: the content test that recognises it and its version name."""

    kind: str
    version: str
    matches: Callable[[Weights], bool]
    evidence: str  # what in the content identifies it (for readers of this table)


def _generator_rows() -> list[Architecture]:
    """One s2G row per version: those with speaker vectors first, a distinct decoder before the
    common one; upstream's v1 (style encoder on every bin) before the versions it resembles."""
    rows = []
    for speaker_vectors in (True, False):
        group = [v for v in VERSIONS.values() if v.speaker_vectors == speaker_vectors]
        if not speaker_vectors:
            rows.append(Architecture("s2G", "v1", lambda w: _size(w, "ref_enc.spectral.0.fc.weight", 1) == 1025,
                                     "style encoder over all 1025 spectrogram bins"))
        for version in sorted(group, key=lambda v: v.decoder is None):
            evidence = (f"{'with' if speaker_vectors else 'without'} the speaker-vector projection {SV_KEY}; "
                        + (f"decoder's first upsampling kernel {version.decoder[0]}, {version.decoder[1]} input "
                           f"channels" if version.decoder else "the common decoder"))
            rows.append(Architecture("s2G", version.name, partial(_generator_matches, version), evidence))
    return rows


def _discriminator_rows() -> list[Architecture]:
    """One s2D row per set of periods (named by the first version with it), most discriminators
    first; the fewest is the catch-all."""
    families: dict[tuple[int, ...], str] = {}
    for version in VERSIONS.values():
        families.setdefault(version.disc_periods, version.name)
    ordered = sorted(families.items(), key=lambda item: -len(item[0]))
    return [Architecture("s2D", name, partial(_discriminators_at_least, 1 + len(periods)) if index < len(ordered) - 1
                         else _always, f"a scale and {len(periods)} period discriminators (periods {periods})")
            for index, (periods, name) in enumerate(ordered)]


def architectures() -> tuple[Architecture, ...]:
    """Every known layout, from the version table as it is now. The first matching row of a kind
    wins, so each kind's catch-all comes last."""
    return (
        *_generator_rows(),
        *_discriminator_rows(),
        Architecture("s1", "v1", _v1_text_rows, "text embedding of the v1 table's 322 rows (or 512, padded)"),
        # Every version's GPT has v2's layout (upstream's s1v3.ckpt of the Pro versions too): one row.
        Architecture("s1", DEFAULT_VERSION, _always, "any other text embedding (v2's 732 rows; also upstream's s1v3.ckpt)"),
    )


@dataclass(frozen=True)
class CheckpointInfo:
    """What a checkpoint is, read from its content: kind, architecture version, symbol table."""

    kind: str  # "s2G", "s2D" or "s1"
    version: str  # a name of the version table, or "v1"
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
    """The first row of `architectures()` of this kind whose content test matches."""
    found = next((a for a in architectures() if a.kind == kind and a.matches(weight)), None)
    if found is None:
        raise CheckpointError(f"a {kind} checkpoint of no known layout (known: {', '.join(VERSIONS)}, v1)")
    return found


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
