"""The length-bucketing batch sampler both trainers use, with its multi-GPU rule.

It only orders indices by the lengths it is given; it reads no files and knows no model.
"""

from __future__ import annotations

import math
from typing import Iterator, Sequence

import torch
from torch.utils.data import Sampler

#: Upstream's SoVITS bucket edges (in spectrogram frames); lengths in any unit may pass others.
DEFAULT_EDGES = tuple(range(300, 2000, 100))


class BucketBatchSampler(Sampler):
    """Batches of similar length in a seeded per-epoch order, split between DDP ranks.

    Items are grouped by `edges` (a batch never spans an edge; the ends stay open so nothing
    falls out), sorted by length inside their group with ties in random order, and cut into
    batches of `batch_size`; then the batch order is shuffled. Everything is drawn from
    `seed + epoch` (call `set_epoch`), so every rank builds the same list and a resumed run sees
    the batches an uninterrupted one would.

    Multi-GPU remainder rule: when the batch count does not divide by `num_replicas`, the list
    is padded by repeating its first batches (as `DistributedSampler` pads), so every utterance
    is seen each epoch and every rank runs the same number of steps, which DDP needs. Rank r
    takes batches r, r + R, r + 2R, ...
    """

    def __init__(self, lengths: Sequence[int], batch_size: int, *, num_replicas: int = 1, rank: int = 0,
                 shuffle: bool = True, seed: int = 0, edges: Sequence[int] = DEFAULT_EDGES):
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if not 0 <= rank < num_replicas:
            raise ValueError(f"rank {rank} is outside 0..{num_replicas - 1}")
        self.lengths = list(lengths)
        self.batch_size = batch_size
        self.num_replicas = num_replicas
        self.rank = rank
        self.shuffle = shuffle
        self.seed = seed
        self.edges = tuple(edges)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def _bucket(self, length: int) -> int:
        return sum(length >= edge for edge in self.edges)

    def _buckets(self, generator: torch.Generator | None) -> list[list[int]]:
        """Indices per bucket in bucket order, each sorted by length (random tie order when shuffling)."""
        count = len(self.lengths)
        ties = torch.randperm(count, generator=generator).tolist() if generator is not None else list(range(count))
        order = sorted(range(count), key=lambda i: (self._bucket(self.lengths[i]), self.lengths[i], ties[i]))
        buckets: dict[int, list[int]] = {}
        for index in order:
            buckets.setdefault(self._bucket(self.lengths[index]), []).append(index)
        return list(buckets.values())

    def all_batches(self) -> list[list[int]]:
        """Every rank's batches of this epoch, before the split (padded to divide by the ranks)."""
        generator = torch.Generator().manual_seed(self.seed + self.epoch) if self.shuffle else None
        batches = [bucket[i : i + self.batch_size]
                   for bucket in self._buckets(generator) for i in range(0, len(bucket), self.batch_size)]
        if generator is not None:
            batches = [batches[i] for i in torch.randperm(len(batches), generator=generator).tolist()]
        if batches and len(batches) % self.num_replicas:
            missing = self.num_replicas - len(batches) % self.num_replicas
            batches += (batches * missing)[:missing]
        return batches

    def __iter__(self) -> Iterator[list[int]]:
        return iter(self.all_batches()[self.rank :: self.num_replicas])

    def __len__(self) -> int:
        sizes: dict[int, int] = {}
        for length in self.lengths:
            sizes[self._bucket(length)] = sizes.get(self._bucket(length), 0) + 1
        return math.ceil(sum(math.ceil(size / self.batch_size) for size in sizes.values()) / self.num_replicas)
