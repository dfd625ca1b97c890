"""The s2 data loader: scan report for bad inputs, spectrogram cache, alignment, bucketing."""

from __future__ import annotations

import torch

from GPT_SoVITS.s2 import data
from GPT_SoVITS.text.symbols import get_table
from tests.s2.experiment import append_line, make_experiment, write_ssl, write_wav

TABLE = get_table("v2")


def test_scan_keeps_good_items_and_counts_each_bad_one(tmp_path):
    root = make_experiment(tmp_path, TABLE, count=3)
    write_ssl(root / "4-cnhubert" / "nowav.wav.pt", 1.5, seed=9)
    append_line(root, "nowav.wav\tSP a1\tNone\tno wav")
    write_wav(root / "5-wav32k" / "nossl.wav", 1.5, seed=9)
    append_line(root, "nossl.wav\tSP a1\tNone\tno features")
    write_wav(root / "5-wav32k" / "short.wav", 0.5, seed=9)
    write_ssl(root / "4-cnhubert" / "short.wav.pt", 0.5, seed=9)
    append_line(root, "short.wav\tSP a1\tNone\ttoo short")
    write_wav(root / "5-wav32k" / "alien.wav", 1.5, seed=9)
    write_ssl(root / "4-cnhubert" / "alien.wav.pt", 1.5, seed=9)
    append_line(root, "alien.wav\tSP zz_not_a_phone\tNone\tunknown phone")
    append_line(root, "broken line without tabs")

    utterances, report = data.scan_experiment(root, TABLE)

    assert [u.name for u in utterances] == ["utt0.wav", "utt1.wav", "utt2.wav"]
    assert report.kept == 3
    assert report.dropped == {"missing wav": 1, "missing ssl .pt": 1, "too short": 1, "unknown phone": 1, "malformed line": 1}
    line = report.line()
    assert "kept 3 of 8" in line and "dropped 5" in line and "unknown phone 1" in line
    problems = "\n".join(report.problems)
    assert "2-name2text.txt:7: unknown symbol 'zz_not_a_phone'" in problems
    assert "2-name2text.txt:4:" in problems and "nowav.wav" in problems
    assert "0.50 s" in problems


def test_scan_refuses_missing_text_file(tmp_path):
    try:
        data.scan_experiment(tmp_path, TABLE)
    except data.DataError as error:
        assert "2-name2text.txt" in str(error) and "preparation" in str(error)
    else:
        raise AssertionError("expected DataError")


def test_item_is_aligned_even_and_phones_numbered(tmp_path):
    root = make_experiment(tmp_path, TABLE, count=2, seconds=(1.7,))
    utterances, _ = data.scan_experiment(root, TABLE)
    dataset = data.S2Dataset(utterances, data.SpectrogramParams(), use_cache=False)
    sample = dataset[0]
    frames = int(1.7 * 32000) // 640  # 85 spectrogram frames, ssl has 84: padded then made even
    assert sample.spec.shape == (1025, frames - 1)
    assert sample.ssl.shape == (768, frames - 1)
    assert sample.audio.shape == (1, (frames - 1) * 640)
    assert sample.text.tolist() == list(utterances[0].phone_ids)
    original = torch.load(root / "4-cnhubert" / "utt0.wav.pt", weights_only=True)[0]
    assert torch.equal(sample.ssl[:, :84], original)  # 84 real frames, the replicated one was cut to even


def test_replicated_frame_when_ssl_one_short():
    ssl = torch.arange(6.0).reshape(2, 3)
    spec = torch.zeros(5, 4)
    sample = data.align_lengths(ssl, spec, torch.zeros(4 * 10), hop=10)
    assert sample.ssl.tolist() == [[0, 1, 2, 2], [3, 4, 5, 5]]
    assert sample.audio.shape == (1, 40)


def test_spectrogram_cache_written_reused_and_recomputed_when_corrupt(tmp_path):
    root = make_experiment(tmp_path, TABLE, count=1, seconds=(1.3,))
    utterances, _ = data.scan_experiment(root, TABLE)
    dataset = data.S2Dataset(utterances, data.SpectrogramParams(), use_cache=True)
    cache = root / "5-wav32k" / "utt0.wav.spec.pt"
    first = dataset[0].spec
    assert cache.is_file()
    cached = torch.load(cache, weights_only=True)["spec"]
    assert cached.shape == (1025, 65)  # the whole file; the sample is cut to an even 64 frames
    assert torch.equal(cached[:, :64], first)
    assert torch.equal(dataset[0].spec, first)
    cache.write_bytes(b"PK\x03\x04 truncated")
    assert torch.allclose(dataset[0].spec, first)
    assert torch.equal(torch.load(cache, weights_only=True)["spec"], cached)  # rewritten
    uncached = data.S2Dataset(utterances, data.SpectrogramParams(), use_cache=False)[0].spec
    assert torch.equal(uncached, first)


def test_spectrogram_cache_from_another_magnitude_floor_is_recomputed(tmp_path):
    root = make_experiment(tmp_path, TABLE, count=1, seconds=(1.3,))
    utterances, _ = data.scan_experiment(root, TABLE)
    dataset = data.S2Dataset(utterances, data.SpectrogramParams(), use_cache=True)
    first = dataset[0].spec
    cache = root / "5-wav32k" / "utt0.wav.spec.pt"
    stored = torch.load(cache, weights_only=True)
    old_key = {**stored["key"], "magnitude_floor": 1e-6}  # as a cache from before the parity fix
    torch.save({"key": old_key, "spec": torch.full_like(stored["spec"], 7.0)}, cache)
    assert torch.equal(dataset[0].spec, first)
    assert torch.load(cache, weights_only=True)["key"]["magnitude_floor"] == 1e-8


def test_corrupt_ssl_raises_naming_file(tmp_path):
    root = make_experiment(tmp_path, TABLE, count=1)
    (root / "4-cnhubert" / "utt0.wav.pt").write_bytes(b"garbage")
    utterances, _ = data.scan_experiment(root, TABLE)
    dataset = data.S2Dataset(utterances, data.SpectrogramParams(), use_cache=False)
    try:
        dataset[0]
    except data.DataError as error:
        assert "utt0.wav.pt" in str(error) and "stage 2" in str(error)
    else:
        raise AssertionError("expected DataError")


def test_collate_pads_and_masks_lengths():
    samples = [
        data.Sample(torch.ones(768, 4), torch.ones(1025, 4), torch.ones(1, 40), torch.tensor([5, 6, 7])),
        data.Sample(torch.ones(768, 2), torch.ones(1025, 2), torch.ones(1, 20), torch.tensor([8])),
    ]
    batch = data.collate(samples)
    assert batch.ssl.shape == (2, 768, 4) and batch.spec.shape == (2, 1025, 4)
    assert batch.audio.shape == (2, 1, 40)
    assert batch.spec_lengths.tolist() == [4, 2] and batch.text_lengths.tolist() == [3, 1]
    assert batch.text.tolist() == [[5, 6, 7], [8, 0, 0]]
    assert batch.spec[1, :, 2:].abs().sum() == 0


def test_bucket_sampler_groups_lengths_and_splits_ranks():
    lengths = [100, 350, 120, 360, 110, 900, 130, 370]
    ranks = [data.BucketBatchSampler(lengths, 2, num_replicas=2, rank=r, seed=3) for r in range(2)]
    for sampler in ranks:
        sampler.set_epoch(1)
    batches = [list(s) for s in ranks]
    assert len(batches[0]) == len(batches[1]) == len(ranks[0])
    seen = [i for rank in batches for batch in rank for i in batch]
    assert sorted(set(seen)) == list(range(len(lengths)))
    flat = [set(i for b in rank for i in b) for rank in batches]
    padded = len(seen) - len(lengths)
    assert len(flat[0] & flat[1]) <= padded
    for rank in batches:
        for batch in rank:
            buckets = {sum(lengths[i] >= e for e in data.BUCKET_EDGES) for i in batch}
            assert len(buckets) == 1


def test_bucket_sampler_disjoint_when_divisible_and_reshuffled_per_epoch():
    lengths = [100 + i for i in range(16)]
    ranks = [data.BucketBatchSampler(lengths, 2, num_replicas=2, rank=r) for r in range(2)]
    epoch0 = [list(s) for s in ranks]
    items = [set(i for b in rank for i in b) for rank in epoch0]
    assert not items[0] & items[1] and len(items[0] | items[1]) == 16
    for sampler in ranks:
        sampler.set_epoch(1)
    assert [list(s) for s in ranks] != epoch0


def test_repeat_small_dataset_follows_upstream_rule(tmp_path):
    items = ["a", "b", "c"]
    assert len(data.repeat_small_dataset(items, 100)) == 99
    assert len(data.repeat_small_dataset(items * 20, 100)) == 120
    assert len(data.repeat_small_dataset(items * 30, 100)) == 180  # 90 items: max(2, 100 // 90) = 2 copies
    assert data.repeat_small_dataset(items, 1) == items
