"""Autoregressive decoding of several texts at once with one GPT, a KV cache and left padding.

Each row is [phonemes of its text ; the shared prompt tokens ; new tokens]. The phonemes are
left-padded to the longest row, as in training, so every row's prompt and new tokens sit at
the same positions and one batched step serves all rows; padded keys are masked out, so a
row's numbers depend on its own inputs only (up to the order of float sums, which batch
shapes change). A row that ends (EOS) is dropped from the batch and its cache, so the others
go on unchanged and faster. `decode_steps` yields after every step, so a caller can stream
tokens or stop early; `decode_rows` collects them. With one unpadded row the masks are those
of single-text decoding (no mask on cached steps), so batch 1 computes what it always did.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Iterator, Sequence

import torch

from GPT_SoVITS.AR.modules.transformer import KVCache
from GPT_SoVITS.AR.sampling import sample_next_token
from GPT_SoVITS.data_files.layout import BERT_DIM
from GPT_SoVITS.errors import DataError

logger = logging.getLogger(__name__)



@dataclass(frozen=True)
class DecodeSettings:
    """Sampling and stopping: upstream's meanings (see `AR.sampling`); EOS is forbidden for
    the first `min_new_tokens` steps (at least 1)."""

    top_k: int | None = 15
    top_p: float | None = 1.0
    temperature: float = 1.0
    repetition_penalty: float = 1.35
    max_new_tokens: int = 1500
    min_new_tokens: int = 11


@dataclass(frozen=True)
class Step:
    """One decoding step: for each row still running (`rows`, input order indices), the token it
    got, or None when it ended there (EOS; that step's sample is discarded)."""

    rows: tuple[int, ...]
    tokens: tuple[int | None, ...]


def _check(model, phones: Sequence[torch.Tensor], berts: Sequence[torch.Tensor], prompt: torch.Tensor) -> None:
    if not phones or len(phones) != len(berts):
        raise DataError(f"GPT decode: give one BERT tensor per phone row ({len(phones)} rows, {len(berts)} BERT)")
    for index, (row, bert) in enumerate(zip(phones, berts)):
        if row.dim() != 1 or row.numel() == 0:
            raise DataError(f"GPT decode: row {index}: phones must be [N>0], got {tuple(row.shape)}")
        if tuple(bert.shape) != (BERT_DIM, row.numel()):
            raise DataError(f"GPT decode: row {index}: bert must be [{BERT_DIM}, {row.numel()}], got {tuple(bert.shape)}")
        if int(row.max()) >= model.phoneme_vocab_size or int(row.min()) < 0:
            raise DataError(f"GPT decode: phone ids must lie in [0, {model.phoneme_vocab_size}); the model's table is smaller")
    if prompt.dim() != 2 or prompt.shape[0] != 1:
        raise DataError(f"GPT decode: prompt must be [1, P], got {tuple(prompt.shape)}")


def _left_padded(phones: Sequence[torch.Tensor], berts: Sequence[torch.Tensor], dtype: torch.dtype):
    """[B, N] ids, [B, 1024, N] BERT, [B, N] positions (0 at each row's first phoneme), [B, N] valid."""
    n, device = max(row.numel() for row in phones), phones[0].device
    ids = torch.zeros((len(phones), n), dtype=torch.long, device=device)
    bert = torch.zeros((len(phones), BERT_DIM, n), dtype=dtype, device=device)
    pad = torch.tensor([n - row.numel() for row in phones], device=device)
    for index, (row, features) in enumerate(zip(phones, berts)):
        ids[index, n - row.numel():] = row
        bert[index, :, n - row.numel():] = features.to(dtype)
    arange = torch.arange(n, device=device).unsqueeze(0)
    return ids, bert, (arange - pad.unsqueeze(1)).clamp(min=0), arange >= pad.unsqueeze(1)


def _keep_rows(cache: KVCache, keep: torch.Tensor) -> None:
    for layer in range(len(cache.keys)):
        cache.keys[layer] = cache.keys[layer].index_select(0, keep)
        cache.values[layer] = cache.values[layer].index_select(0, keep)


def decode_steps(model, phones: Sequence[torch.Tensor], berts: Sequence[torch.Tensor], prompt: torch.Tensor,
                 settings: DecodeSettings = DecodeSettings(), generator: torch.Generator | None = None) -> Iterator[Step]:
    """Decode every row after `prompt` [1, P]; phones[i] [N_i] (reference phones then the text's),
    berts[i] [1024, N_i]. Yields a `Step` per step until every row ended or `max_new_tokens`."""
    _check(model, phones, berts, prompt)
    ids, bert, positions, valid = _left_padded(phones, berts, berts[0].dtype)
    rows, n = len(phones), ids.shape[1]
    tokens = prompt.to(torch.long).expand(rows, -1)
    x_emb = model.embed_phonemes(ids, bert, positions)
    xy = torch.cat((x_emb, model.embed_tokens(tokens)), dim=1)
    keys = torch.cat((valid, torch.ones_like(tokens, dtype=torch.bool)), dim=1)  # [B, L]
    padded = not bool(valid.all())
    structure = model.structure_mask(n, tokens.shape[1], ids.device)
    cache = KVCache.empty(len(model.h.layers))
    mask = (structure.unsqueeze(0) & keys.unsqueeze(1)).unsqueeze(1) if padded else structure
    logits = model.ar_predict_layer(model.h(xy, mask, cache)[:, -1])
    active = torch.arange(rows, device=ids.device)
    for step in range(settings.max_new_tokens):
        logits = logits.float()
        if step < max(1, settings.min_new_tokens):
            logits[:, model.EOS] = float("-inf")
        chosen = sample_next_token(logits, tokens, top_k=settings.top_k, top_p=settings.top_p,
                                   temperature=settings.temperature, repetition_penalty=settings.repetition_penalty,
                                   generator=generator)  # [B, 1]
        ended = (chosen[:, 0] == model.EOS) | (logits.argmax(dim=-1) == model.EOS)
        yield Step(tuple(active.tolist()), tuple(None if end else int(token)
                                                 for end, token in zip(ended.tolist(), chosen[:, 0].tolist())))
        if bool(ended.all()):
            return
        if bool(ended.any()):
            keep = (~ended).nonzero()[:, 0]
            active, tokens, chosen, keys = active[keep], tokens[keep], chosen[keep], keys[keep]
            _keep_rows(cache, keep)
        tokens = torch.cat((tokens, chosen), dim=1)
        keys = torch.cat((keys, torch.ones_like(chosen, dtype=torch.bool)), dim=1)
        step_mask = keys[:, None, None, :] if padded else None  # the new token may see every real key
        hidden = model.h(model.embed_tokens(chosen, start=tokens.shape[1] - 1), step_mask, cache)
        logits = model.ar_predict_layer(hidden[:, -1])
    logger.warning("GPT stopped at max_new_tokens=%d without EOS (%d of %d rows)",
                   settings.max_new_tokens, len(active), rows)


def decode_rows(model, phones: Sequence[torch.Tensor], berts: Sequence[torch.Tensor], prompt: torch.Tensor,
                settings: DecodeSettings = DecodeSettings(), generator: torch.Generator | None = None) -> list[torch.Tensor]:
    """The new tokens of every row ([T_i] LongTensors, input order), prompt and EOS excluded."""
    found: list[list[int]] = [[] for _ in phones]
    for step in decode_steps(model, phones, berts, prompt, settings, generator):
        for row, token in zip(step.rows, step.tokens):
            if token is not None:
                found[row].append(token)
    return [torch.tensor(row, dtype=torch.long, device=prompt.device) for row in found]
