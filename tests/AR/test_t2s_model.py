"""The GPT model: upstream's state dict, masks, the training objective and cached inference."""

from __future__ import annotations

import pytest
import torch

from tests.AR.helpers import batch_from, synthetic_pairs, tiny_config, upstream_config
from tests.conftest import manifest_path

from GPT_SoVITS.AR.models.t2s_model import Text2SemanticDecoder, build_text2semantic
from GPT_SoVITS.errors import ConfigError, DataError
from GPT_SoVITS.manifest import manifest_shapes, read_manifest, shape_differences, state_dict_shapes
from GPT_SoVITS.text.symbols import get_table


def tiny_model(seed: int = 0, table: str = "v2") -> Text2SemanticDecoder:
    torch.manual_seed(seed)
    return build_text2semantic(tiny_config(), table).eval()


def test_state_dict_equals_upstream_manifest_in_order():
    model = build_text2semantic(upstream_config(), get_table("v2"))
    state = {"model." + key: value for key, value in model.state_dict().items()}
    entries = read_manifest(manifest_path("s1_v2"))
    assert shape_differences(state_dict_shapes(state), manifest_shapes(entries)) == []
    assert list(state) == [entry.key for entry in entries]


def test_phoneme_rows_follow_the_table_not_the_yaml():
    config = tiny_config(phoneme_vocab_size=512)
    assert build_text2semantic(config, "v1").phoneme_vocab_size == 322
    assert build_text2semantic(config, None).phoneme_vocab_size == 512


def test_config_errors_name_the_problem():
    config = tiny_config()
    del config["model"]["n_layer"]
    with pytest.raises(ConfigError, match="n_layer"):
        Text2SemanticDecoder(config, "v2")
    with pytest.raises(ConfigError, match="EOS 7 must be vocab_size - 1"):
        Text2SemanticDecoder(tiny_config(EOS=7), "v2")


def test_padded_phonemes_and_tokens_do_not_change_a_rows_logits():
    model = tiny_model()
    table = get_table("v2")
    short, long = synthetic_pairs(2, seed=3, min_len=4, max_len=9)[0], ("long.wav", ["AA1"] * 12, list(range(24)))
    batch = batch_from([short, long], table)
    logits, _ = model.logits_and_targets(batch["phoneme_ids"], batch["phoneme_ids_len"], batch["semantic_ids"],
                                         batch["semantic_ids_len"], batch["bert_feature"])
    alone = batch_from([short], table)
    ref, _ = model.logits_and_targets(alone["phoneme_ids"], alone["phoneme_ids_len"], alone["semantic_ids"],
                                      alone["semantic_ids_len"], alone["bert_feature"])
    real = len(short[2]) + 1
    torch.testing.assert_close(logits[0, :real], ref[0], rtol=1e-4, atol=1e-4)
    pad = 12 - len(short[1])
    batch["phoneme_ids"][0, :pad] = 5  # a different padding value must be masked out
    batch["bert_feature"][0, :, :pad] = 1.0
    changed, _ = model.logits_and_targets(batch["phoneme_ids"], batch["phoneme_ids_len"], batch["semantic_ids"],
                                          batch["semantic_ids_len"], batch["bert_feature"])
    torch.testing.assert_close(changed[0, :real], logits[0, :real], rtol=1e-5, atol=1e-5)


def test_tokens_only_see_earlier_tokens():
    model = tiny_model()
    batch = batch_from(synthetic_pairs(1, seed=1, min_len=6, max_len=6), get_table("v2"))
    args = (batch["phoneme_ids"], batch["phoneme_ids_len"])
    before, _ = model.logits_and_targets(*args, batch["semantic_ids"], batch["semantic_ids_len"], batch["bert_feature"])
    y = batch["semantic_ids"].clone()
    k = 5
    y[0, k] = (y[0, k] + 100) % 1024
    after, _ = model.logits_and_targets(*args, y, batch["semantic_ids_len"], batch["bert_feature"])
    # logit j predicts token j and has seen tokens < j: changing token k moves logits k+1.. only
    torch.testing.assert_close(after[:, : k + 1], before[:, : k + 1])
    assert not torch.allclose(after[:, k + 1 :], before[:, k + 1 :])


def test_loss_is_summed_cross_entropy_over_tokens_then_eos_and_accuracy_ignores_eos():
    model = tiny_model()
    pairs = synthetic_pairs(3, seed=2)
    batch = batch_from(pairs, get_table("v2"))
    inputs = (batch["phoneme_ids"], batch["phoneme_ids_len"], batch["semantic_ids"], batch["semantic_ids_len"],
              batch["bert_feature"])
    logits, targets = model.logits_and_targets(*inputs)
    t = batch["semantic_ids"].shape[1]
    assert logits.shape == (3, t + 1, 1025) and targets.shape == (3, t + 1)
    for row, (_, _, codes) in enumerate(pairs):
        assert targets[row, : len(codes)].tolist() == codes
        assert (targets[row, len(codes) :] == 1024).all()
    loss, acc = model(*inputs)
    expected = sum(torch.nn.functional.cross_entropy(logits[r], targets[r], reduction="sum") for r in range(3))
    torch.testing.assert_close(loss, expected, rtol=1e-5, atol=1e-3)
    keep = targets != 1024
    top3 = logits.topk(3, dim=-1).indices
    hits = (top3 == targets.unsqueeze(-1)).any(-1)[keep].float().mean()
    torch.testing.assert_close(acc, hits)


def infer_inputs(n: int = 7, p: int = 5):
    generator = torch.Generator().manual_seed(11)
    phones = torch.randint(0, 732, (1, n), generator=generator)
    bert = torch.randn(1, 1024, n, generator=generator)
    prompt = torch.randint(0, 1024, (1, p), generator=generator)
    return phones, bert, prompt


def test_cached_greedy_inference_equals_uncached():
    model = tiny_model(seed=4)
    phones, bert, prompt = infer_inputs()
    kwargs = dict(top_k=1, repetition_penalty=1.35, max_new_tokens=40)
    cached = model.infer(phones, bert, prompt, use_cache=True, **kwargs)
    plain = model.infer(phones, bert, prompt, use_cache=False, **kwargs)
    assert cached.shape[0] == 1 and cached.shape[1] >= 1
    assert torch.equal(cached, plain)


def test_sampled_inference_is_reproducible_with_a_seed_and_excludes_prompt():
    model = tiny_model(seed=5)
    phones, bert, prompt = infer_inputs(p=0)
    runs = [model.infer(phones, bert, prompt, top_k=15, max_new_tokens=30,
                        generator=torch.Generator().manual_seed(seed)) for seed in (1, 1, 2)]
    assert torch.equal(runs[0], runs[1])
    assert not torch.equal(runs[0], runs[2])
    assert runs[0].shape[1] <= 30 and int(runs[0].max()) < 1024


def eos_loving_model() -> Text2SemanticDecoder:
    model = tiny_model(seed=6)
    with torch.no_grad():  # make EOS overwhelmingly likely: generation stops as soon as it is allowed
        model.ar_predict_layer.weight.zero_()
        model.ar_predict_layer.weight[1024] = 1.0
        model.h.layers[-1].norm2.bias.fill_(1.0)  # hidden sums to the width: EOS logit 32, others 0
    return model


def test_inference_stops_at_eos_after_upstreams_minimum_of_11_tokens():
    model = eos_loving_model()
    phones, bert, prompt = infer_inputs()
    assert model.infer(phones, bert, prompt, top_k=1, max_new_tokens=50).shape == (1, 11)
    assert model.infer(phones, bert, prompt, top_k=1, max_new_tokens=50, min_new_tokens=3).shape == (1, 3)
    # EOS is never the first token, whatever the caller asks
    assert model.infer(phones, bert, prompt, top_k=1, max_new_tokens=50, min_new_tokens=0).shape == (1, 1)
    assert model.infer(phones, bert, prompt, top_k=1, max_new_tokens=5).shape == (1, 5)


def test_inference_rejects_bad_shapes():
    model = tiny_model()
    phones, bert, prompt = infer_inputs()
    with pytest.raises(DataError, match=r"bert must be \[1, 1024, 7\]"):
        model.infer(phones, bert[:, :, :3], prompt)
    with pytest.raises(DataError, match="phone ids"):
        model.infer(phones + 1000, bert, prompt)


def test_teacher_forced_logits_equal_step_by_step_inference_logits():
    """Training and synthesis see the same positions and masks: logit j of the teacher-forced
    pass (left-padded batch) equals the logit inference computes after the first j tokens."""
    model = tiny_model(seed=8)
    table = get_table("v2")
    pairs = synthetic_pairs(2, seed=9, min_len=3, max_len=8)
    batch = batch_from(pairs, table)
    logits, _ = model.logits_and_targets(batch["phoneme_ids"], batch["phoneme_ids_len"], batch["semantic_ids"],
                                         batch["semantic_ids_len"], batch["bert_feature"])
    for row, (_, phones, codes) in enumerate(pairs):
        ids = torch.tensor([table.to_ids(phones)])
        x_emb = model.embed_phonemes(ids, torch.zeros(1, 1024, ids.shape[1]))
        for j in (0, 1, len(codes) - 1, len(codes)):
            step = model._next_logits(x_emb, torch.tensor([codes[:j]], dtype=torch.long), None)
            torch.testing.assert_close(step[0], logits[row, j], rtol=1e-4, atol=1e-4)
