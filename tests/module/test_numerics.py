"""Second-opinion numerics of the SoVITS v2 sub-networks.

Each test recomputes one sub-network from its own weights with a deliberately naive formula
(explicit loops, plain softmax) written from the published architecture, so a wiring or
scaling slip in the fast implementation (which pretrained weights would expose as garbage
audio) shows up as a mismatch here.
"""

from __future__ import annotations

import math

import pytest
import torch
from torch.nn import functional as F

from GPT_SoVITS.module import attentions, modules
from GPT_SoVITS.module.models import build_generator
from GPT_SoVITS.module.quantize import EuclideanCodebook
from tests.module.tiny import tiny_s2_config


def _conv1x1(conv: torch.nn.Conv1d, x: torch.Tensor) -> torch.Tensor:
    """A 1x1 Conv1d as a matrix product on [C, T]."""
    return conv.weight[:, :, 0] @ x + conv.bias[:, None]


def _naive_attention(mha: attentions.MultiHeadAttention, xq: torch.Tensor, xkv: torch.Tensor,
                     key_valid: torch.Tensor, query_valid: torch.Tensor) -> torch.Tensor:
    """Shaw-style relative attention for one item, one (query, key) pair at a time.

    xq [C, Tq], xkv [C, Tk]; scores q.k/sqrt(d) plus (q/sqrt(d)).rel_k[j - i] for |j - i| <= window
    (no term beyond it), masked keys/queries get -1e4, outputs add rel_v[j - i] weighted likewise.
    """
    q, k, v = _conv1x1(mha.conv_q, xq), _conv1x1(mha.conv_k, xkv), _conv1x1(mha.conv_v, xkv)
    d, window = mha.k_channels, mha.window_size
    heads = []
    for h in range(mha.n_heads):
        qh, kh, vh = (t[h * d:(h + 1) * d] for t in (q, k, v))
        out = torch.zeros(d, xq.size(1), dtype=torch.float64)
        for i in range(xq.size(1)):
            scores = []
            for j in range(xkv.size(1)):
                s = float(qh[:, i] @ kh[:, j]) / math.sqrt(d)
                if window is not None and abs(j - i) <= window:
                    s += float(qh[:, i] @ mha.emb_rel_k[0, j - i + window]) / math.sqrt(d)
                scores.append(s if key_valid[j] and query_valid[i] else -1e4)
            weights = torch.softmax(torch.tensor(scores, dtype=torch.float64), dim=0)
            for j in range(xkv.size(1)):
                out[:, i] += weights[j] * vh[:, j].double()
                if window is not None and abs(j - i) <= window:
                    out[:, i] += weights[j] * mha.emb_rel_v[0, j - i + window].double()
        heads.append(out)
    return _conv1x1(mha.conv_o, torch.cat(heads).float())


@torch.no_grad()
def test_relative_self_attention_equals_the_naive_formula():
    torch.manual_seed(0)
    mha = attentions.MultiHeadAttention(8, 8, 2, window_size=2).eval()
    x = torch.randn(1, 8, 7)  # 7 frames > 2 * window + 1: offsets beyond the window get no term
    mask = torch.tensor([[[1.0] * 5 + [0.0] * 2]])
    attn_mask = mask.unsqueeze(2) * mask.unsqueeze(-1)
    fast = mha(x, x, attn_mask)[0]
    valid = mask[0, 0].bool()
    naive = _naive_attention(mha, x[0], x[0], valid, valid)
    assert torch.allclose(fast[:, :5], naive[:, :5], atol=1e-5)


@torch.no_grad()
def test_mrte_content_queries_text_and_adds_style_before_c_post():
    torch.manual_seed(1)
    mrte = attentions.MRTE(6, 8, 6, n_heads=2).eval()
    content, text = torch.randn(1, 6, 5), torch.randn(1, 6, 4)
    content_mask = torch.tensor([[[1.0, 1, 1, 1, 0]]])
    text_mask = torch.tensor([[[1.0, 1, 1, 0]]])
    ge = torch.randn(1, 8, 1)
    fast = mrte(content, content_mask, text, text_mask, ge)[0]
    c = _conv1x1(mrte.c_pre, content[0] * content_mask[0])
    t = _conv1x1(mrte.text_pre, text[0] * text_mask[0])
    attended = _naive_attention(mrte.cross_attention, c * content_mask[0], t * text_mask[0],
                                text_mask[0, 0].bool(), content_mask[0, 0].bool())
    naive = _conv1x1(mrte.c_post, (attended + c + ge[0]) * content_mask[0])
    assert torch.allclose(fast[:, :4], naive[:, :4], atol=1e-5)
    # Padded phones are invisible to the content frames.
    text[:, :, 3] = 100.0
    assert torch.allclose(mrte(content, content_mask, text, text_mask, ge)[0], fast, atol=1e-5)


@torch.no_grad()
def test_encoder_layer_is_post_norm_attention_then_conv_ffn():
    torch.manual_seed(2)
    encoder = attentions.Encoder(8, 16, 2, 1, kernel_size=3, p_dropout=0.0, window_size=2).eval()
    x, mask = torch.randn(1, 8, 6), torch.ones(1, 1, 6)
    attn_mask = mask.unsqueeze(2) * mask.unsqueeze(-1)

    def channel_norm(norm, y):
        mean, var = y.mean(0, keepdim=True), y.var(0, unbiased=False, keepdim=True)
        return (y - mean) / torch.sqrt(var + 1e-5) * norm.gamma[:, None] + norm.beta[:, None]

    h = channel_norm(encoder.norm_layers_1[0], x[0] + encoder.attn_layers[0](x, x, attn_mask)[0])
    ffn = encoder.ffn_layers[0]
    inner = F.relu(F.conv1d(h[None], ffn.conv_1.weight, ffn.conv_1.bias, padding=1))
    out = F.conv1d(inner, ffn.conv_2.weight, ffn.conv_2.bias, padding=1)[0]
    naive = channel_norm(encoder.norm_layers_2[0], h + out)
    assert torch.allclose(encoder(x, mask)[0], naive, atol=1e-5)


@torch.no_grad()
def test_style_self_attention_scales_by_sqrt_d_model():
    torch.manual_seed(3)
    attn = modules.StyleSelfAttention(n_heads=2, d_model=8, dropout=0.0).eval()
    x = torch.randn(1, 5, 8)
    pad = torch.tensor([[False, False, False, True, True]])
    heads = []
    for h in range(2):
        cols = slice(4 * h, 4 * h + 4)
        q, k, v = (lin(x[0])[:, cols] for lin in (attn.w_qs, attn.w_ks, attn.w_vs))
        scores = (q @ k.t() / math.sqrt(8)).masked_fill(pad[0][None, :], float("-inf"))
        heads.append(torch.softmax(scores, dim=-1) @ v)
    naive = attn.fc(torch.cat(heads, dim=1)) + x[0]
    assert torch.allclose(attn(x, pad)[0], naive, atol=1e-5)


@torch.no_grad()
def test_style_vector_is_the_masked_mean_of_fc_outputs_over_the_first_704_bins():
    torch.manual_seed(4)
    model = build_generator(tiny_s2_config(), "v2").eval()
    spec = torch.rand(1, 1025, 12)
    ge = model.style(spec)
    altered = spec.clone()
    altered[:, 704:] = 50.0  # bins the v2 style encoder must not see
    assert torch.equal(model.style(altered), ge)
    enc = model.ref_enc
    x = enc.spectral(spec[0, :704].t())
    x = enc.temporal(x.t()[None])[0].t()
    naive = enc.fc(enc.slf_attn(x[None]))[0].mean(dim=0)
    assert ge.shape == (1, 32, 1) and torch.allclose(ge[0, :, 0], naive, atol=1e-5)


@torch.no_grad()
def test_coupling_is_mean_only_conditioned_and_exactly_invertible():
    torch.manual_seed(5)
    layer = modules.ResidualCouplingLayer(4, 8, 5, 1, 2, gin_channels=3).eval()
    torch.nn.init.normal_(layer.post.weight)  # upstream zero-inits it; make the shift non-trivial
    x, mask, g = torch.randn(1, 4, 9), torch.ones(1, 1, 9), torch.randn(1, 3, 1)
    y = layer(x, mask, g=g)
    assert torch.equal(y[:, :2], x[:, :2])  # the first half passes through
    shift = layer.post(layer.enc(layer.pre(x[:, :2]), mask, g=g))
    assert torch.allclose(y[:, 2:], x[:, 2:] + shift, atol=1e-5)  # mean only: scale exp(0)
    assert not torch.allclose(layer(x, mask, g=torch.zeros_like(g)), y)  # g conditions the WN
    assert torch.allclose(layer(y, mask, g=g, reverse=True), x, atol=1e-5)


def test_ema_update_follows_the_laplace_smoothed_formula():
    decay, eps = 0.8, 1e-5
    codebook = EuclideanCodebook(2, 3, decay=decay, epsilon=eps, threshold_ema_dead_code=0).train()
    codebook.inited.fill_(1)
    codebook.embed.copy_(torch.tensor([[0.0, 0.0], [4.0, 4.0], [-4.0, 4.0]]))
    codebook.embed_avg.copy_(codebook.embed * 2)
    codebook.cluster_size.copy_(torch.tensor([2.0, 2.0, 2.0]))
    data = torch.tensor([[1.0, 0.0], [3.0, 3.0], [5.0, 5.0], [0.0, 1.0]])  # codes 0, 1, 1, 0
    quantized, ids = codebook(data)
    assert ids.tolist() == [0, 1, 1, 0] and torch.equal(quantized[1], torch.tensor([4.0, 4.0]))
    size = 2.0 * decay + (1 - decay) * torch.tensor([2.0, 2.0, 0.0])
    avg = torch.tensor([[0.0, 0.0], [8.0, 8.0], [-8.0, 8.0]]) * decay
    avg += (1 - decay) * torch.tensor([[1.0, 1.0], [8.0, 8.0], [0.0, 0.0]])
    smoothed = (size + eps) / (size.sum() + 3 * eps) * size.sum()
    assert torch.allclose(codebook.cluster_size, size) and torch.allclose(codebook.embed_avg, avg)
    assert torch.allclose(codebook.embed, avg / smoothed[:, None])


@torch.no_grad()
def test_content_repeat_is_nearest_upsampling_by_two():
    model = build_generator(tiny_s2_config(), "v2")
    quantized = torch.randn(1, 768, 5)
    expected = F.interpolate(quantized, size=10, mode="nearest")
    assert torch.equal(model._upsample_content(quantized), expected)


@torch.no_grad()
@pytest.mark.parametrize("cast", [torch.float32, torch.bfloat16])
def test_quantizer_path_runs_in_full_precision_under_autocast(cast):
    """Upstream disables autocast around ssl_proj + quantizer, so AMP training sees the same
    fp32 codewords (and codes) as stage 3; CPU bf16 autocast stands in for CUDA fp16 here."""
    torch.manual_seed(6)
    model = build_generator(tiny_s2_config(), "v2").eval()
    codebook = model.quantizer.vq.layers[0]._codebook
    codebook.embed.copy_(torch.randn(codebook.embed.shape))
    codebook.inited.fill_(1)
    ssl = torch.randn(2, 768, 30)
    reference, _ = model._quantize(ssl)
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=cast is torch.bfloat16):
        quantized, _ = model._quantize(ssl)
    assert quantized.dtype == torch.float32 and torch.equal(quantized, reference)


@torch.no_grad()
def test_generator_slopes_conditioning_and_output():
    torch.manual_seed(7)
    gen = build_generator(tiny_s2_config(), "v2").dec.eval()
    x, g = torch.randn(1, 16, 3), torch.randn(1, 32, 1)
    h = gen.conv_pre(x) + gen.cond(g)  # style added once, right after conv_pre
    for i, up in enumerate(gen.ups):
        h = up(F.leaky_relu(h, 0.1))
        outs = []
        for block in gen.resblocks[i * gen.num_kernels:(i + 1) * gen.num_kernels]:
            y = h
            for conv1, conv2 in zip(block.convs1, block.convs2):
                y = y + conv2(F.leaky_relu(conv1(F.leaky_relu(y, 0.1)), 0.1))
            outs.append(y)
        h = torch.stack(outs).mean(dim=0)
    naive = torch.tanh(gen.conv_post(F.leaky_relu(h, 0.01)))  # default slope before conv_post
    assert gen.conv_post.bias is None
    out = gen(x, g)
    assert out.shape == (1, 1, 3 * 640) and torch.allclose(out, naive, atol=1e-6)


@torch.no_grad()
def test_period_discriminator_folds_reflect_padded_audio():
    from GPT_SoVITS.module.discriminators import DiscriminatorP

    torch.manual_seed(8)
    disc = DiscriminatorP(3).eval()
    audio = torch.randn(1, 1, 20)  # 20 % 3 = 2: one reflected sample completes the last row
    folded = torch.cat([audio, audio[:, :, -2:-1]], dim=2).view(1, 1, 7, 3)
    _, fmaps = disc(audio)
    first = disc.convs[0]
    expected = F.leaky_relu(F.conv2d(folded, first.weight, first.bias, stride=(3, 1), padding=(2, 0)), 0.1)
    assert torch.allclose(fmaps[0], expected, atol=1e-6) and len(fmaps) == 6
