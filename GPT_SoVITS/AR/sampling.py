"""Choosing the next semantic token from logits: repetition penalty, top-p, temperature, top-k.

Pure functions on [B, V] logits so they can be tested without a model. Sampling draws from
an optional `torch.Generator`, which makes synthesis reproducible for a given seed. The order
and the top-p rule are upstream GPT-SoVITS's, so its UI settings mean the same here: the
nucleus is chosen on the penalised logits *before* temperature and top-k, and the token whose
cumulative probability crosses `top_p` is dropped (the best token always stays).
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
    """Keep the most likely tokens whose cumulative probability stays within `top_p` (upstream's rule).

    A token is dropped when the mass up to and including it exceeds `top_p`; the best token
    always stays. (This is stricter than the "reach top_p" nucleus of some libraries.)
    """
    if top_p is None or top_p >= 1.0:
        return logits
    sorted_logits, order = torch.sort(logits, descending=True, dim=-1)
    cumulative = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
    drop_sorted = cumulative > top_p
    drop_sorted[..., 0] = False
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
    """Draw one token per row of `logits` [B, V] -> [B, 1] (int64).

    Order as upstream: repetition penalty, top-p on the full penalised distribution, then
    temperature, then top-k (top-k commutes with temperature; top-p does not).
    """
    logits = apply_repetition_penalty(logits.float(), history, repetition_penalty)
    logits = filter_top_p(logits, top_p)
    logits = filter_top_k(logits / max(temperature, 1e-5), top_k)
    probs = logits.softmax(dim=-1)
    if generator is not None and generator.device != probs.device:
        return torch.multinomial(probs.to(generator.device), 1, generator=generator).to(probs.device)
    return torch.multinomial(probs, 1, generator=generator)
