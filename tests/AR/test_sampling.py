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


def test_top_p_drops_the_token_that_crosses_top_p_and_keeps_the_best():
    # upstream's rule: drop a token when the cumulative mass including it exceeds top_p
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]]))
    assert torch.isfinite(filter_top_p(logits, 0.7)).tolist() == [[True, False, False, False]]
    assert torch.isfinite(filter_top_p(logits, 0.85)).tolist() == [[True, True, False, False]]
    assert torch.isfinite(filter_top_p(logits, 0.01)).tolist() == [[True, False, False, False]]
    assert torch.isfinite(filter_top_p(logits, 1.0)).all()


def test_top_p_is_chosen_before_temperature_flattens_the_distribution():
    # at temperature 10 the four tokens are almost equally likely; upstream picks the nucleus
    # on the untempered probabilities, so top_p 0.6 still leaves only the best token
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]]))
    none = torch.zeros(1, 0, dtype=torch.long)
    draws = {int(sample_next_token(logits, none, top_k=None, top_p=0.6, temperature=10.0, repetition_penalty=1.0,
                                   generator=torch.Generator().manual_seed(s))) for s in range(30)}
    assert draws == {0}
    wide = {int(sample_next_token(logits, none, top_k=None, top_p=1.0, temperature=10.0, repetition_penalty=1.0,
                                  generator=torch.Generator().manual_seed(s))) for s in range(30)}
    assert len(wide) > 2  # without top_p the flattened distribution is really sampled


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
