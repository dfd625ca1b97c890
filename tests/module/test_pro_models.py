"""v2Pro / v2ProPlus SoVITS models: checkpoint layout, the speaker-vector style path, decoding."""

from __future__ import annotations

import pytest
import torch

from GPT_SoVITS import weights_compat as wc
from GPT_SoVITS.manifest import (
    manifest_shapes, random_state_dict, read_manifest, shape_differences, state_dict_shapes,
)
from GPT_SoVITS.module.config import S2Config
from GPT_SoVITS.module.discriminators import MultiPeriodDiscriminator
from GPT_SoVITS.module.models import build_generator
from tests.conftest import REPO_ROOT, manifest_path
from tests.module.tiny import tiny_s2_config


def _pro_config(version: str) -> S2Config:
    values = S2Config.from_file(REPO_ROOT / "configs" / f"s2{version}.json").to_dict()
    values["model"]["version"] = version  # the web UI adds it to tmp_s2.json; the shipped file has none
    return S2Config.from_dict(values)


def _differences(module: torch.nn.Module, manifest: str) -> list[str]:
    expected = manifest_shapes(read_manifest(manifest_path(manifest)))
    return shape_differences(state_dict_shapes(module.state_dict()), expected)


@pytest.mark.parametrize("version", ["v2Pro", "v2ProPlus"])
def test_pro_generator_loads_a_pretrained_layout_file_strictly(version, tmp_path):
    model = build_generator(_pro_config(version), "v2")
    assert _differences(model, f"s2G_{version}") == []
    assert list(model.state_dict())[-5:] == ["sv_emb.weight", "sv_emb.bias", "ge_to512.weight", "ge_to512.bias", "prelu.weight"]
    weight = random_state_dict(read_manifest(manifest_path(f"s2G_{version}")), seed=3)
    path = tmp_path / f"s2G{version}.pth"
    torch.save({"weight": weight, "config": _pro_config(version).to_dict(), "info": "pretrained"}, path)
    report = wc.load_into(model, path, table="v2")
    assert report.info.version == version and report.loaded == 781 and not report.allowed_missing
    assert torch.equal(model.sv_emb.weight, weight["sv_emb.weight"].float())
    assert torch.equal(model.dec.conv_pre.weight, weight["dec.conv_pre.weight"].float())


def test_pro_config_differs_from_v2_only_where_upstreams_does():
    v2 = S2Config.from_file(REPO_ROOT / "configs" / "s2.json").to_dict()
    pro, plus = (S2Config.from_file(REPO_ROOT / "configs" / f"s2{v}.json").to_dict() for v in ("v2Pro", "v2ProPlus"))
    changed = {k for k in v2["model"] if v2["model"][k] != pro["model"][k]}
    assert changed == {"p_dropout", "gin_channels"} and pro["model"]["gin_channels"] == 1024
    assert {k for k in pro["model"] if pro["model"][k] != plus["model"][k]} == {"upsample_initial_channel", "upsample_kernel_sizes"}
    assert plus["model"]["upsample_kernel_sizes"] == [20, 16, 8, 2, 2] and plus["model"]["upsample_initial_channel"] == 768
    assert v2["train"] == pro["train"] == plus["train"] and v2["data"] == pro["data"] == plus["data"]


@pytest.mark.parametrize("version", ["v2Pro", "v2ProPlus"])
def test_pro_discriminator_has_periods_17_and_23(version):
    disc = MultiPeriodDiscriminator(version=version)
    assert _differences(disc, f"s2D_{version}") == []
    assert [d.period for d in disc.discriminators[1:]] == [2, 3, 5, 7, 11, 17, 23]
    assert len(MultiPeriodDiscriminator(version="v2").discriminators) == 6


@pytest.fixture
def tiny_pro():
    torch.manual_seed(0)
    model = build_generator(tiny_s2_config(version="v2Pro"), "v2").eval()
    with torch.no_grad():
        model.prelu.weight.uniform_(0.1, 0.4)  # distinct slopes, so the per-channel PReLU is checked
    return model


def _ssl_batch(frames=(40, 31), phones=(12, 7)):
    torch.manual_seed(1)
    b, t, n = len(frames), max(frames), max(phones)
    return (torch.randn(b, 768, t), torch.rand(b, 1025, t), torch.tensor(frames),
            torch.randint(1, 732, (b, n)), torch.tensor(phones))


def test_pro_training_forward_needs_the_speaker_vector(tiny_pro):
    tiny_pro.train()
    batch = _ssl_batch()
    out = tiny_pro(*batch, torch.randn(2, 20480))
    assert out.audio.shape == (2, 1, 8 * 640) and out.m_p.shape == (2, 16, 40) and torch.isfinite(out.audio).all()
    (out.audio.sum() + out.m_p.sum()).backward()
    assert tiny_pro.sv_emb.weight.grad is not None and tiny_pro.ge_to512.weight.grad is not None
    with pytest.raises(ValueError, match="needs the reference's speaker vector"):
        tiny_pro(*batch)
    v2 = build_generator(tiny_s2_config(), "v2")
    with pytest.raises(ValueError, match="no speaker-vector input"):
        v2(*batch, torch.randn(2, 20480))


def _reference_style(model, refer: torch.Tensor, sv: torch.Tensor) -> torch.Tensor:
    """Steps 1-3 of the notes, written out: ref_enc, + sv_emb(sv), per-channel PReLU."""
    g0 = model.ref_enc(refer[:, :704], torch.ones(refer.size(0), 1, refer.size(2)))
    g1 = g0 + (sv @ model.sv_emb.weight.T + model.sv_emb.bias)[:, :, None]
    slopes = model.prelu.weight[None, :, None]
    return torch.where(g1 >= 0, g1, slopes * g1)


def _capture_styles(model) -> dict:
    """Record the style each sub-network receives during decode."""
    seen = {}
    model.enc_p.register_forward_pre_hook(lambda m, args: seen.__setitem__("enc_p", args[4]))
    model.flow.register_forward_pre_hook(lambda m, args, kwargs: seen.__setitem__("flow", kwargs["g"]), with_kwargs=True)
    model.dec.register_forward_pre_hook(lambda m, args, kwargs: seen.__setitem__("dec", kwargs["g"]), with_kwargs=True)
    return seen


@torch.no_grad()
def test_several_references_average_after_the_prelu_and_only_enc_p_gets_512(tiny_pro):
    seen = _capture_styles(tiny_pro)
    refers = [torch.rand(1, 1025, 12), torch.rand(1, 1025, 20)]
    svs = [torch.randn(1, 20480) * 3, torch.randn(1, 20480) * 3]
    codes, text = torch.randint(0, 1024, (1, 1, 6)), torch.randint(1, 732, (1, 5))
    audio = tiny_pro.decode(codes, text, refers, 0.5, 1.0, svs)
    ge = (_reference_style(tiny_pro, refers[0], svs[0]) + _reference_style(tiny_pro, refers[1], svs[1])) / 2
    assert bool((ge < 0).any())  # the PReLU's negative side is exercised
    ge512 = (ge[:, :, 0] @ tiny_pro.ge_to512.weight.T + tiny_pro.ge_to512.bias)[:, :, None]
    assert seen["flow"].shape == seen["dec"].shape == (1, 32, 1) and seen["enc_p"].shape == (1, 512, 1)
    assert torch.allclose(seen["flow"], ge, atol=1e-5) and torch.equal(seen["flow"], seen["dec"])
    assert torch.allclose(seen["enc_p"], ge512, atol=1e-5)
    assert audio.shape == (1, 1, 640 * 12)


@torch.no_grad()
def test_pro_decode_takes_upstreams_argument_order_and_checks_the_vectors(tiny_pro):
    codes, text, refer, sv = torch.randint(0, 1024, (1, 1, 40)), torch.randint(1, 732, (1, 9)), torch.rand(1, 1025, 30), torch.randn(1, 20480)
    torch.manual_seed(5)
    positional = tiny_pro.decode(codes, text, refer, 0.5, 0.8, sv)
    torch.manual_seed(5)
    keywords = tiny_pro.decode(codes, text, [refer], noise_scale=0.5, speed=0.8, sv_emb=[sv])
    assert positional.shape == (1, 1, 640 * 101) and torch.equal(positional, keywords)
    with pytest.raises(ValueError, match="one speaker vector per reference"):
        tiny_pro.decode(codes, text, [refer, refer], sv_emb=[sv])
    with pytest.raises(ValueError, match="needs the reference's speaker vector"):
        tiny_pro.decode(codes, text, refer)


def test_pro_extract_latent_ignores_the_style(tiny_pro):
    v2 = build_generator(tiny_s2_config(), "v2")
    v2.ssl_proj.load_state_dict(tiny_pro.ssl_proj.state_dict())
    v2.quantizer.load_state_dict(tiny_pro.quantizer.state_dict())
    ssl = torch.randn(2, 768, 33)
    codes = tiny_pro.extract_latent(ssl)
    assert codes.shape == (2, 1, 16) and torch.equal(codes, v2.extract_latent(ssl))


@torch.no_grad()
def test_proplus_decoder_first_upsample_kernel_20_keeps_640_samples_per_frame():
    torch.manual_seed(0)
    model = build_generator(tiny_s2_config(version="v2ProPlus", upsample_initial_channel=48,
                                           upsample_kernel_sizes=[20, 16, 8, 2, 2]), "v2").eval()
    first = model.dec.ups[0]
    assert (first.kernel_size, first.stride, first.padding) == ((20,), (10,), (5,))
    assert [up.out_channels for up in model.dec.ups] == [24, 12, 6, 3, 1]
    audio = model.decode(torch.randint(0, 1024, (1, 1, 7)), torch.randint(1, 732, (1, 4)),
                         torch.rand(1, 1025, 10), sv_emb=torch.randn(1, 20480))
    assert audio.shape == (1, 1, 640 * 14) and torch.isfinite(audio).all()
