"""Choosing the next semantic token from logits: repetition penalty, temperature, top-k, top-p.

Pure functions on [B, V] logits so they can be tested without a model. Sampling draws from
an optional `torch.Generator`, which makes synthesis reproducible for a given seed.
"""

from __future__ import annotations

import torch


def apply_repetition_penalty(logits: torch.Tensor, history: torch.Tensor, penalty: float) -> torch.Tensor:
    """Make tokens already in `history` [B, L] less likely: positive logits / p, negative * p."""
    if penalty == 1.0 or history.numel() == 0:
        return logits
    seen = torch.gather(logits, 1, history)
    seen = torch.where(seen < 0, seen * penalty, seen / penalty)
    return logits.scatter(1, history, seen)


def filter_top_k(logits: torch.Tensor, top_k: int | None) -> torch.Tensor:
    """Keep the `top_k` largest logits per row (ties with the k-th kept), -inf elsewhere."""
    if not top_k or top_k >= logits.shape[-1]:
        return logits
    kth = torch.topk(logits, top_k, dim=-1).values[..., -1:]
    return logits.masked_fill(logits < kth, float("-inf"))


def filter_top_p(logits: torch.Tensor, top_p: float | None) -> torch.Tensor:
    """Keep the smallest set of most likely tokens whose probability reaches `top_p` (nucleus)."""
    if top_p is None or top_p >= 1.0:
        return logits
    sorted_logits, order = torch.sort(logits, descending=True, dim=-1)
    cumulative = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
    # drop a token when the mass *before* it already reaches top_p: the best token always stays
    drop_sorted = (cumulative - sorted_logits.softmax(dim=-1)) >= top_p
    drop = drop_sorted.scatter(1, order, drop_sorted)
    return logits.masked_fill(drop, float("-inf"))


def sample_next_token(
    logits: torch.Tensor,
    history: torch.Tensor,
    *,
    top_k: int | None = 15,
    top_p: float | None = 1.0,
    temperature: float = 1.0,
    repetition_penalty: float = 1.35,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Draw one token per row of `logits` [B, V] -> [B, 1] (int64)."""
    logits = apply_repetition_penalty(logits.float(), history, repetition_penalty)
    logits = logits / max(temperature, 1e-5)
    logits = filter_top_p(filter_top_k(logits, top_k), top_p)
    probs = logits.softmax(dim=-1)
    if generator is not None and generator.device != probs.device:
        return torch.multinomial(probs.to(generator.device), 1, generator=generator).to(probs.device)
    return torch.multinomial(probs, 1, generator=generator)
