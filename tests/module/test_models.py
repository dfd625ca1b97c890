"""SoVITS generator and discriminator: checkpoint layout, extraction, training and decoding."""

from __future__ import annotations

import pytest
import torch

from GPT_SoVITS.manifest import manifest_shapes, read_manifest, shape_differences, state_dict_shapes
from GPT_SoVITS.module.config import S2Config
from GPT_SoVITS.module.discriminators import MultiPeriodDiscriminator
from GPT_SoVITS.module.models import SynthesizerTrn, build_generator
from GPT_SoVITS.prepare.semantic import extract_codes
from GPT_SoVITS.text.symbols import InventorySymbol, append_inventory, get_table
from tests.conftest import manifest_path
from tests.module.tiny import tiny_s2_config

EMBEDDING_KEY = "enc_p.text_embedding.weight"


def _differences(module: torch.nn.Module, manifest: str, **overrides) -> list[str]:
    expected = manifest_shapes(read_manifest(manifest_path(manifest)))
    expected.update(overrides)
    return shape_differences(state_dict_shapes(module.state_dict()), expected)


def test_generator_state_dict_equals_v2_manifest(full_generator):
    assert _differences(full_generator, "s2G_v2") == []
    assert list(full_generator.state_dict())[:2] == ["enc_p.ssl_proj.weight", "enc_p.ssl_proj.bias"]


def test_extended_table_changes_only_the_embedding_rows(s2_config):
    table = append_inventory(get_table("v2"), [InventorySymbol("ru_a"), InventorySymbol("ru_b", similar=("a1",))], "v2+test")
    model = build_generator(s2_config, table)
    assert _differences(model, "s2G_v2", **{EMBEDDING_KEY: (734, 192)}) == []
    assert _differences(model, "s2G_v2") == [f"shape of {EMBEDDING_KEY}: (734, 192) vs expected (732, 192)"]


def test_v1_generator_equals_v1_manifest(s2_config):
    s2_config = S2Config.from_dict({**s2_config.to_dict(), "model": {**s2_config.to_dict()["model"], "version": "v1"}})
    model = build_generator(s2_config)  # v1 picks the v1 table and a 1025-bin style encoder
    assert _differences(model, "s2G_v1") == []


def test_upstream_style_constructor(s2_config):
    model = SynthesizerTrn(1025, 32, n_speakers=300, **tiny_s2_config().model.kwargs(), table="v2")
    assert model.segment_size == 32 and model.enc_p.text_embedding.num_embeddings == 732


def test_discriminator_state_dict_equals_manifest():
    assert _differences(MultiPeriodDiscriminator(), "s2D_v2") == []


def test_discriminator_forward_gives_outputs_and_feature_maps():
    disc = MultiPeriodDiscriminator()
    real, fake = torch.randn(2, 1, 1280), torch.randn(2, 1, 1280)
    real_out, fake_out, real_maps, fake_maps = disc(real, fake)
    assert len(real_out) == len(fake_out) == 6
    assert [len(m) for m in real_maps] == [7, 6, 6, 6, 6, 6]
    assert all(o.shape[0] == 2 and torch.isfinite(o).all() for o in real_out + fake_out)


def _random_codebook(model: SynthesizerTrn, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    codebook = model.quantizer.vq.layers[0]._codebook
    codebook.embed.copy_(torch.randn(codebook.embed.shape, generator=generator))
    codebook.inited.fill_(1)
    return codebook.embed


def test_extract_latent_is_the_nearest_codeword(full_generator):
    embed = _random_codebook(full_generator).double()
    ssl = torch.randn(2, 768, 41)
    codes = full_generator.extract_latent(ssl)
    assert codes.shape == (2, 1, 20) and codes.dtype == torch.long
    projected = full_generator.ssl_proj.double()(ssl.double()).transpose(1, 2)  # [B, 20, 768]
    full_generator.ssl_proj.float()
    distances = ((projected.unsqueeze(2) - embed) ** 2).sum(-1)  # [B, 20, 1024], computed directly
    chosen = distances.gather(2, codes.transpose(1, 2)).squeeze(2)
    assert torch.allclose(chosen, distances.min(dim=2).values, rtol=1e-6)
    assert (codes[:, 0] == distances.argmin(dim=2)).float().mean() > 0.99


def test_batched_extraction_equals_one_by_one(full_generator):
    _random_codebook(full_generator, seed=1)
    features = [torch.randn(768, length) for length in (57, 12, 33, 2, 80)]
    batched = extract_codes(full_generator, features)
    for ssl, codes in zip(features, batched):
        single = full_generator.extract_latent(ssl.unsqueeze(0))[0, 0]
        assert codes.shape == (ssl.size(1) // 2,)
        assert torch.equal(codes, single)


def _training_batch(frames=(40, 31), phones=(12, 7)):
    torch.manual_seed(1)
    b, t, n = len(frames), max(frames), max(phones)
    ssl = torch.randn(b, 768, t)
    spec = torch.rand(b, 1025, t)
    return ssl, spec, torch.tensor(frames), torch.randint(1, 732, (b, n)), torch.tensor(phones)


def test_training_forward_shapes_and_finite(tiny_generator):
    tiny_generator.train()
    out = tiny_generator(*_training_batch())
    assert out.audio.shape == (2, 1, 8 * 640)
    assert out.ids_slice.shape == (2,) and bool((out.ids_slice >= 0).all()) and int(out.ids_slice[1]) <= 31 - 8
    assert out.spec_mask.shape == (2, 1, 40) and out.spec_mask[1, 0, 31:].sum() == 0
    for tensor in (out.z, out.z_p, out.m_p, out.logs_p, out.m_q, out.logs_q):
        assert tensor.shape == (2, 16, 40) and torch.isfinite(tensor).all()
    assert torch.isfinite(out.audio).all() and out.commit_loss.dim() == 0


def test_frozen_quantizer_gets_no_gradient_and_stays_in_eval(tiny_generator):
    tiny_generator.freeze_quantizer_parts()
    tiny_generator.train()
    assert not tiny_generator.ssl_proj.training and not tiny_generator.quantizer.training
    assert tiny_generator.enc_p.training
    codebook = tiny_generator.quantizer.vq.layers[0]._codebook
    _random_codebook(tiny_generator)
    before = codebook.embed.clone()
    out = tiny_generator(*_training_batch())
    (out.audio.sum() + out.m_p.sum()).backward()
    assert tiny_generator.ssl_proj.weight.grad is None
    assert tiny_generator.enc_p.ssl_proj.weight.grad is not None
    assert torch.equal(codebook.embed, before) and float(out.commit_loss) == 0.0


def test_unfrozen_quantizer_learns_with_commit_loss():
    torch.manual_seed(0)
    model = build_generator(tiny_s2_config(freeze_quantizer=False), "v2").train()
    _random_codebook(model)
    out = model(*_training_batch())
    assert float(out.commit_loss.detach()) > 0
    out.commit_loss.backward()
    assert model.ssl_proj.weight.grad is not None


# At speed != 1 upstream renders int(T / speed) + 1 frames (T = 2 * codes), so 0.8 at T=80
# gives 101 frames and even exact quotients get one more frame (2.0 at T=40: 21).
@pytest.mark.parametrize("speed, codes_len, frames", [(1.0, 20, 40), (2.0, 20, 21), (0.8, 20, 51), (0.8, 40, 101), (1.6, 40, 51)])
def test_decode_length_follows_codes_and_speed(tiny_generator, speed, codes_len, frames):
    tiny_generator.eval()
    codes = torch.randint(0, 1024, (2, 1, codes_len))
    text = torch.randint(1, 732, (2, 9))
    refer = torch.rand(2, 1025, 30)
    audio = tiny_generator.decode(codes, text, refer, noise_scale=0.5, speed=speed)
    assert audio.shape == (2, 1, 640 * frames)
    assert torch.isfinite(audio).all() and audio.abs().max() <= 1.0


def test_decode_accepts_upstream_code_layout_and_reference_lists(tiny_generator):
    tiny_generator.eval()
    codes = torch.randint(0, 1024, (2, 1, 6))
    text = torch.randint(1, 732, (2, 5))
    torch.manual_seed(3)
    ours = tiny_generator.decode(codes, text, torch.rand(2, 1025, 12), noise_scale=0.0)
    torch.manual_seed(3)
    upstream = tiny_generator.decode(codes.transpose(0, 1), text, torch.rand(2, 1025, 12), noise_scale=0.0)
    assert torch.allclose(ours, upstream)
    listed = tiny_generator.decode(codes[:1], text[:1], [torch.rand(1, 1025, 12), torch.rand(1, 1025, 20)])
    assert listed.shape == (1, 1, 640 * 12)


def test_remove_weight_norm_keeps_the_output(tiny_generator):
    tiny_generator.eval()
    codes, text, refer = torch.randint(0, 1024, (1, 1, 5)), torch.randint(1, 732, (1, 4)), torch.rand(1, 1025, 10)
    before = tiny_generator.decode(codes, text, refer, noise_scale=0.0)
    tiny_generator.remove_weight_norm()
    after = tiny_generator.decode(codes, text, refer, noise_scale=0.0)
    assert not any(k.endswith("weight_g") for k in tiny_generator.dec.state_dict())
    assert torch.allclose(before, after, atol=1e-5)
