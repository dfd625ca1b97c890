"""Folded nearest-code search: every code is the float64 nearest codeword of ssl_proj(x)."""

from __future__ import annotations

import pytest
import torch

from GPT_SoVITS.module import code_search
from GPT_SoVITS.module.code_search import SemanticCodeSearch
from GPT_SoVITS.module.commons import group_frames

CHANNELS, BINS = 64, 256


def _projection(seed: int = 0) -> torch.nn.Conv1d:
    torch.manual_seed(seed)
    return torch.nn.Conv1d(CHANNELS, CHANNELS, 2, 2)


def _float64_codes(conv: torch.nn.Conv1d, embed: torch.Tensor, ssl: torch.Tensor) -> torch.Tensor:
    """Direct definition: project in float64, squared distance to every codeword, lowest-id argmin."""
    projected = torch.nn.functional.conv1d(ssl.double().unsqueeze(0), conv.weight.double(), conv.bias.double(), stride=2)
    distances = ((projected[0].t().unsqueeze(1) - embed.double().unsqueeze(0)) ** 2).sum(-1)  # [T // 2, bins]
    return distances.argmin(dim=1)


def _features(count: int, seed: int, offset: float = 0.0) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    lengths = torch.randint(2, 90, (count,), generator=generator).tolist()
    return [offset + torch.randn(CHANNELS, t, generator=generator) for t in lengths]


def _codebook_from(conv: torch.nn.Conv1d, features: list[torch.Tensor], noise: float) -> torch.Tensor:
    """Codewords near the projected data, as a trained codebook is: many codes almost as close."""
    with torch.no_grad():
        projected = torch.cat([conv(f.unsqueeze(0))[0].t() for f in features])
    picks = torch.randperm(projected.size(0), generator=torch.Generator().manual_seed(5))[:BINS]
    return projected[picks] + noise * torch.randn(BINS, CHANNELS)


@pytest.mark.parametrize("fast_dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize("regime", ["random codewords", "codewords from the data"])
def test_codes_equal_the_float64_nearest_codeword(fast_dtype, regime):
    conv = _projection()
    features = _features(60, seed=1, offset=1.5)
    if regime == "random codewords":
        embed = torch.randn(BINS, CHANNELS)
    else:
        embed = _codebook_from(conv, _features(20, seed=2, offset=1.5), noise=0.05)
    search = SemanticCodeSearch(conv.weight, conv.bias, embed, fast_dtype)
    codes = search.codes_of(features)
    for ssl, ids in zip(features, codes):
        assert torch.equal(ids, _float64_codes(conv, embed, ssl))
    assert search.counts.rows == sum(f.size(1) // 2 for f in features)
    assert sum(search.counts.by_precision.values()) == search.counts.rows


def test_near_ties_are_settled_in_float64():
    """Two codewords equally far in exact arithmetic from frames built to sit between them."""
    conv = _projection(3)
    embed = torch.randn(BINS, CHANNELS)
    weight = conv.weight.double().reshape(CHANNELS, -1)
    # x with W x + b = (e_0 + e_1) / 2 + a nudge towards e_1 far below float32 resolution.
    midpoint = (embed[0].double() + embed[1].double()) / 2 + 1e-9 * (embed[1].double() - embed[0].double())
    pair = torch.linalg.lstsq(weight, (midpoint - conv.bias.double()).unsqueeze(1)).solution.squeeze(1)
    frames = pair.float().repeat(5, 1)  # [5, 2 * CHANNELS], channel-major as group_frames gives
    search = SemanticCodeSearch(conv.weight, conv.bias, embed, torch.float32)
    ssl = frames.reshape(5, CHANNELS, 2).permute(1, 0, 2).reshape(CHANNELS, 10)
    assert torch.equal(search.codes(frames), _float64_codes(conv, embed, ssl))
    assert search.counts.by_precision.get("float64") == 5


def test_duplicate_codewords_resolve_to_the_lowest_id():
    conv = _projection()
    embed = torch.randn(BINS, CHANNELS)
    embed[200] = embed[7]  # two identical codewords: argmin keeps the first
    features = _features(20, seed=4)
    search = SemanticCodeSearch(conv.weight, conv.bias, embed, torch.bfloat16)
    for ssl, ids in zip(features, search.codes_of(features)):
        assert torch.equal(ids, _float64_codes(conv, embed, ssl))
        assert not bool((ids == 200).any())


def test_batched_codes_equal_one_utterance_at_a_time():
    conv = _projection()
    embed = _codebook_from(conv, _features(20, seed=2), noise=0.01)
    search = SemanticCodeSearch(conv.weight, conv.bias, embed, torch.bfloat16)
    features = _features(30, seed=6)
    together = search.codes_of(features)
    assert [t.shape[0] for t in together] == [f.size(1) // 2 for f in features]
    for ssl, codes in zip(features, together):
        assert torch.equal(codes, search.codes_of([ssl])[0])


def test_utterances_split_across_chunks_keep_their_codes(monkeypatch):
    """Chunks of 7 rows: most utterances start in one chunk and end in a later one."""
    monkeypatch.setitem(code_search.CHUNK_ROWS, "cpu", 7)
    conv = _projection()
    embed = _codebook_from(conv, _features(20, seed=2), noise=0.01)
    features = _features(12, seed=8)
    search = SemanticCodeSearch(conv.weight, conv.bias, embed, torch.bfloat16)
    assert search._buffer.size(0) == 7
    for ssl, ids in zip(features, search.codes_of(features)):
        assert torch.equal(ids, _float64_codes(conv, embed, ssl))


@pytest.mark.parametrize("gather_limit", [2, 8])  # 2: rows with 3+ close codes take the full product
def test_bfloat16_rows_left_open_are_settled_by_float32_then_float64(monkeypatch, gather_limit):
    monkeypatch.setattr(code_search, "GATHER_LIMIT", gather_limit)
    conv = _projection()
    embed = _codebook_from(conv, _features(20, seed=2), noise=0.01)
    features = _features(40, seed=9)
    search = SemanticCodeSearch(conv.weight, conv.bias, embed, torch.bfloat16)
    for ssl, ids in zip(features, search.codes_of(features)):
        assert torch.equal(ids, _float64_codes(conv, embed, ssl))
    counts = search.counts.by_precision
    assert counts["bfloat16"] > 0 and counts["float32"] > 0  # both passes decided some rows
    assert sum(counts.values()) == search.counts.rows  # each row is decided once, by one precision


def test_codes_takes_channel_major_frame_groups():
    conv = _projection()
    embed = torch.randn(BINS, CHANNELS)
    ssl = torch.randn(CHANNELS, 41)
    search = SemanticCodeSearch(conv.weight, conv.bias, embed)
    assert torch.equal(search.codes(group_frames(ssl.unsqueeze(0), 2)[0]), search.codes_of([ssl])[0])


def test_one_code_book_gives_code_zero():
    conv = _projection()
    search = SemanticCodeSearch(conv.weight, conv.bias, torch.randn(1, CHANNELS))
    assert search.codes_of([torch.randn(CHANNELS, 9)])[0].tolist() == [0, 0, 0, 0]


def test_model_with_two_quantizer_layers_is_refused(tiny_generator):
    assert SemanticCodeSearch.for_model(tiny_generator).stride == 2
    tiny_generator.quantizer.vq.layers.append(tiny_generator.quantizer.vq.layers[0])
    with pytest.raises(ValueError, match="one quantizer layer"):
        SemanticCodeSearch.for_model(tiny_generator)


@pytest.mark.parametrize("features,expected", [
    ({"amx_bf16": True, "avx512_bf16": True}, torch.bfloat16),
    ({"amx_bf16": False, "avx512_bf16": True}, torch.bfloat16),
    ({"amx_bf16": False, "avx512_bf16": False, "avx2": True}, torch.float32),
    ({}, torch.float32),
])
def test_bfloat16_first_pass_only_where_the_cpu_multiplies_it(monkeypatch, features, expected):
    """The choice reads torch's public capability map; the codes are the same either way (tests above)."""
    monkeypatch.setattr(torch.cpu, "get_capabilities", lambda: features)
    assert code_search.pick_fast_dtype(torch.device("cpu")) == expected
    conv = _projection()
    assert SemanticCodeSearch(conv.weight, conv.bias, torch.randn(BINS, CHANNELS)).fast_dtype == expected


def test_without_the_capability_map_the_first_pass_is_float32(monkeypatch):
    monkeypatch.delattr(torch.cpu, "get_capabilities")  # older torch
    assert code_search.pick_fast_dtype(torch.device("cpu")) == torch.float32
