"""Stage 3's batched extraction: one pass over several utterances equals one-by-one extraction."""

from __future__ import annotations

import torch

from GPT_SoVITS.module.models import build_generator
from GPT_SoVITS.prepare.semantic_codes import code_search_for, extract_codes, quantizer_codes
from tests.module.tiny import tiny_s2_config


def test_model_the_search_cannot_fold_goes_through_its_quantizer():
    model = build_generator(tiny_s2_config(), "v2").eval()
    first = model.quantizer.vq.layers[0]
    first._codebook.embed.copy_(torch.randn_like(first._codebook.embed))
    first._codebook.inited.fill_(1)
    model.quantizer.vq.layers.append(first)  # two layers: not foldable into one search
    assert code_search_for(model) is None
    features = [torch.randn(768, length, generator=torch.Generator().manual_seed(length)) for length in (9, 40, 2, 23)]
    batched = extract_codes(model, features)
    assert [c.shape[0] for c in batched] == [4, 20, 1, 11]
    for ssl, codes in zip(features, batched):
        assert torch.equal(codes, model.extract_latent(ssl.unsqueeze(0))[0, 0])  # first layer's codes
    assert all(torch.equal(a, b) for a, b in zip(quantizer_codes(model, features), batched))
