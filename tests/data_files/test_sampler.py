"""The one bucket sampler: its length matches what it yields, and the remainder rule under DDP."""

from __future__ import annotations

import math

import pytest

from GPT_SoVITS.data_files.sampler import BucketBatchSampler

LENGTHS = [120, 950, 130, 310, 305, 110, 1400, 315, 125, 960, 140]


@pytest.mark.parametrize("replicas", [1, 2, 3, 4])
@pytest.mark.parametrize("batch_size", [1, 2, 3])
def test_every_item_every_epoch_and_equal_steps_per_rank(replicas, batch_size):
    samplers = [BucketBatchSampler(LENGTHS, batch_size, num_replicas=replicas, rank=r, seed=5) for r in range(replicas)]
    for epoch in (0, 1):
        for sampler in samplers:
            sampler.set_epoch(epoch)
        batches = [list(sampler) for sampler in samplers]
        assert {len(rank) for rank in batches} == {len(samplers[0])}
        assert sorted({i for rank in batches for batch in rank for i in batch}) == list(range(len(LENGTHS)))
        unpadded = len(BucketBatchSampler(LENGTHS, batch_size))
        assert sum(len(rank) for rank in batches) == math.ceil(unpadded / replicas) * replicas
        assert all(len(batch) <= batch_size for rank in batches for batch in rank)


def test_without_shuffle_batches_follow_length_within_buckets():
    batches = list(BucketBatchSampler(LENGTHS, 2, shuffle=False))
    assert batches == [[5, 0], [8, 2], [10], [4, 3], [7], [1, 9], [6]]
    assert list(BucketBatchSampler(LENGTHS, 2, shuffle=False, edges=())) == [[5, 0], [8, 2], [10, 4], [3, 7], [1, 9], [6]]
