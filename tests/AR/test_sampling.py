"""Next-token selection: repetition penalty, top-k, top-p and seeded sampling."""

from __future__ import annotations

import torch

from GPT_SoVITS.AR.sampling import apply_repetition_penalty, filter_top_k, filter_top_p, sample_next_token


def test_repetition_penalty_lowers_seen_tokens_both_signs():
    logits = torch.tensor([[2.0, -2.0, 1.0]])
    out = apply_repetition_penalty(logits, torch.tensor([[0, 1]]), 2.0)
    assert out.tolist() == [[1.0, -4.0, 1.0]]


def test_top_k_keeps_k_best():
    out = filter_top_k(torch.tensor([[0.1, 3.0, 2.0, -1.0]]), 2)
    assert torch.isfinite(out).tolist() == [[False, True, True, False]]


def test_top_p_keeps_smallest_nucleus_and_always_the_best():
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]]))
    assert torch.isfinite(filter_top_p(logits, 0.7)).tolist() == [[True, True, False, False]]
    assert torch.isfinite(filter_top_p(logits, 0.01)).tolist() == [[True, False, False, False]]
    assert torch.isfinite(filter_top_p(logits, 1.0)).all()


def test_sampling_is_seeded_and_respects_filters():
    logits = torch.randn(1, 50, generator=torch.Generator().manual_seed(0))
    draws = [int(sample_next_token(logits, torch.zeros(1, 0, dtype=torch.long), top_k=3, repetition_penalty=1.0,
                                   generator=torch.Generator().manual_seed(s))) for s in range(20)]
    assert set(draws) <= set(logits.topk(3).indices[0].tolist())
    again = [int(sample_next_token(logits, torch.zeros(1, 0, dtype=torch.long), top_k=3, repetition_penalty=1.0,
                                   generator=torch.Generator().manual_seed(s))) for s in range(20)]
    assert draws == again and len(set(draws)) > 1
    greedy = sample_next_token(logits, torch.zeros(1, 0, dtype=torch.long), top_k=1)
    assert int(greedy) == int(logits.argmax())
