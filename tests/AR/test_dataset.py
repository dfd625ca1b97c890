"""GPT data: pairing, filters and their report, BERT features, collate and bucketing."""

from __future__ import annotations

import pytest
import torch

from tests.AR.helpers import synthetic_pairs, write_experiment

from GPT_SoVITS.AR.data.dataset import (
    BucketBatchSampler, DataLimits, Text2SemanticDataset, collate, load_bert, read_utterances,
)
from GPT_SoVITS.errors import DataError
from GPT_SoVITS.text.symbols import get_table


def test_pairs_are_joined_and_every_drop_is_reported(tmp_path):
    pairs = synthetic_pairs(5)
    too_long = ("long.wav", ["AA1"] * 400, [1] * 1351)
    too_fast = ("fast.wav", ["AA1"] * 30, [1] * 25)  # 30 phones in 1 s
    unknown = ("bad.wav", ["AA1", "not_a_symbol"], [1] * 10)
    phoneme_path, semantic_path = write_experiment(
        tmp_path, pairs + [too_long, too_fast, unknown],
        extra_text_lines=["orphan_text.wav\tAA1 B\tNone\tx", "broken line"],
        extra_semantic_lines=["orphan_sem.wav\t1 2 3", "nums.wav\t1 x 3"],
    )
    utterances, report = read_utterances(phoneme_path, semantic_path, get_table("v2"))
    assert sorted(u.name for u in utterances) == sorted(name for name, _, _ in pairs)
    assert report.kept == 5
    assert report.dropped["too long"] == 1
    assert report.dropped["phones per second"] == 1
    assert report.dropped["unknown symbol"] == 1 and report.unknown_symbols["not_a_symbol"] == 1
    assert report.dropped["in one file only"] == 2
    assert report.dropped["malformed"] == 2
    text = "\n".join(report.problems)
    assert f"{phoneme_path}:8: unknown symbol 'not_a_symbol'" in text
    assert "expected 4 tab-separated fields" in text and "invalid literal" in text
    assert "'orphan_sem.wav' has no partner" in text
    assert "'fast.wav' dropped, phones per second: 30.0 outside [3, 25]" in text
    assert "kept 5 of 12 utterances; dropped 7" in report.line() and "'not_a_symbol' x1" in report.line()
    first = next(u for u in utterances if u.name == pairs[0][0])
    assert list(first.phone_ids) == get_table("v2").to_ids(pairs[0][1])
    assert list(first.codes) == pairs[0][2]


def test_too_many_phones_and_custom_max_sec(tmp_path):
    many = ("many.wav", ["AA1"] * 541, [1] * 1300)
    phoneme_path, semantic_path = write_experiment(tmp_path, [many] + synthetic_pairs(1))
    kept, report = read_utterances(phoneme_path, semantic_path, get_table("v2"))
    assert report.dropped["too many phones"] == 1 and len(kept) == 1
    kept, report = read_utterances(phoneme_path, semantic_path, get_table("v2"), DataLimits(max_sec=0.5))
    assert report.dropped["too long"] == 2 and kept == []  # 52 s and the synthetic pair exceed 0.5 s


def test_missing_file_is_named(tmp_path):
    with pytest.raises(DataError, match="2-name2text.txt: not found"):
        read_utterances(tmp_path / "2-name2text.txt", tmp_path / "6-name2semantic.tsv", get_table("v2"))


def test_bert_file_is_used_when_present_and_checked(tmp_path):
    pairs = synthetic_pairs(2)
    phoneme_path, semantic_path = write_experiment(tmp_path, pairs)
    (tmp_path / "3-bert").mkdir()
    n = len(pairs[0][1])
    feature = torch.randn(1024, n).half()
    torch.save(feature, tmp_path / "3-bert" / f"{pairs[0][0]}.pt")
    torch.save(torch.randn(1024, 1), tmp_path / "3-bert" / f"{pairs[1][0]}.pt")
    utterances, _ = read_utterances(phoneme_path, semantic_path, get_table("v2"))
    by_name = {u.name: u for u in utterances}
    torch.testing.assert_close(load_bert(by_name[pairs[0][0]]), feature.float())
    with pytest.raises(DataError, match=r"expected BERT features \[1024, \d+\], got \(1024, 1\)"):
        load_bert(by_name[pairs[1][0]])


def test_collate_left_pads_phonemes_and_right_pads_tokens():
    items = [
        {"phoneme_ids": torch.tensor([5, 6]), "semantic_ids": torch.tensor([7]), "bert_feature": torch.ones(1024, 2)},
        {"phoneme_ids": torch.tensor([1, 2, 3]), "semantic_ids": torch.tensor([8, 9, 10]), "bert_feature": torch.ones(1024, 3)},
    ]
    batch = collate(items)
    assert batch["phoneme_ids"].tolist() == [[0, 5, 6], [1, 2, 3]]
    assert batch["semantic_ids"].tolist() == [[7, 1024, 1024], [8, 9, 10]]
    assert batch["phoneme_ids_len"].tolist() == [2, 3] and batch["semantic_ids_len"].tolist() == [1, 3]
    assert batch["bert_feature"][0, :, 0].abs().sum() == 0 and batch["bert_feature"][0, :, 1:].eq(1).all()


def test_bucket_sampler_is_seeded_per_epoch_and_splits_ranks(tmp_path):
    phoneme_path, semantic_path = write_experiment(tmp_path, synthetic_pairs(10))
    utterances, _ = read_utterances(phoneme_path, semantic_path, get_table("v2"))
    dataset = Text2SemanticDataset(utterances, min_items=20)
    assert len(dataset) == 20
    sampler = BucketBatchSampler(dataset.lengths(), 4, seed=1)
    first = list(sampler)
    assert sorted(i for b in first for i in b) == list(range(20)) and len(first) == len(sampler) == 5
    for batch in first:  # batches hold neighbours in length
        lengths = sorted(dataset.token_length(i) for i in batch)
        assert lengths[-1] - lengths[0] <= 6
    assert list(BucketBatchSampler(dataset.lengths(), 4, seed=1)) == first
    sampler.set_epoch(1)
    assert list(sampler) != first
    # 5 batches on 2 ranks: padded to 6 by repeating the first one, so every item is seen (the shared
    # sampler's documented remainder rule) and both ranks run 3 steps.
    samplers = [BucketBatchSampler(dataset.lengths(), 4, seed=1, rank=r, num_replicas=2) for r in (0, 1)]
    ranks = [list(s) for s in samplers]
    assert len(ranks[0]) == len(ranks[1]) == len(samplers[0]) == 3
    assert sorted({i for rank in ranks for b in rank for i in b}) == list(range(20))
    assert len({i for b in ranks[0] for i in b} & {i for b in ranks[1] for i in b}) <= 4


def test_empty_dataset_is_an_error():
    with pytest.raises(DataError, match="no usable utterances"):
        Text2SemanticDataset([])
