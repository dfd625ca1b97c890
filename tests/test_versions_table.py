"""A new model version is one row of `GPT_SoVITS/versions.py`: with a fake row added (monkeypatched,
nothing else edited), the CLIs accept it, the UI offers it, weights_compat identifies its files
by content and by upstream's version bytes, the models build its discriminator, and every error
that lists versions names it."""

from __future__ import annotations

import io

import pytest
import torch

from GPT_SoVITS import versions
from GPT_SoVITS.errors import CheckpointError, ConfigError
from GPT_SoVITS.versions import ModelVersion

FAKE = ModelVersion("v2Fake", "configs/s2v2ProPlus.json", "s2G_v2ProPlus", "s2D_v2ProPlus", "s1v3", (),
                    speaker_vectors=True, marker=b"07", decoder=(24, 1024), disc_periods=(2, 3, 5, 7, 11, 13, 17, 19, 23))


@pytest.fixture
def fake_version(monkeypatch):
    monkeypatch.setitem(versions.VERSIONS, FAKE.name, FAKE)
    return FAKE


def fake_generator_weights(decoder: tuple[int, int] = (24, 1024)) -> dict[str, torch.Tensor]:
    """The keys identification reads of an s2G: text embedding, speaker projection, decoder
    (first upsampling kernel, input channels)."""
    kernel, channels = decoder
    return {"enc_p.text_embedding.weight": torch.zeros(732, 4), "sv_emb.weight": torch.zeros(4, 20480),
            "dec.conv_pre.weight": torch.zeros(channels, 4, 7), "dec.ups.0.weight": torch.zeros(channels, 8, kernel)}


def text_embedding_only() -> torch.nn.Module:
    """A model holding an s2G's text embedding and nothing else: the rest of a file is unexpected."""
    model = torch.nn.Module()
    model.enc_p = torch.nn.Module()
    model.enc_p.text_embedding = torch.nn.Embedding(732, 4)
    return model


def test_the_command_lines_accept_the_new_version(fake_version):
    from GPT_SoVITS.AR.cli import build_parser as s1_parser
    from GPT_SoVITS.prepare.__main__ import build_parser as prepare_parser
    from GPT_SoVITS.prepare.stages import stage_keys
    from GPT_SoVITS.s2.cli import build_parser as s2_parser
    from tools.download_pretrained import selected_items

    assert prepare_parser().parse_args(["--list", "a.list", "--exp", "e", "--version", "v2Fake"]).version == "v2Fake"
    assert s2_parser().parse_args(["--exp", "e", "--version", "v2Fake"]).version == "v2Fake"
    assert s1_parser().parse_args(["--exp", "e", "--version", "v2Fake"]).version == "v2Fake"
    assert "v2Fake train on the speaker vectors" in s2_parser().format_help().replace("\n", " ").replace("  ", " ")
    assert stage_keys("v2Fake") == ("text", "ssl", "sv", "semantic")
    assert selected_items(None, "v2Fake") == ["cnhubert", "s2G_v2ProPlus", "s2D_v2ProPlus", "s1v3", "sv"]


def test_the_ui_offers_the_new_version_with_its_folders_and_config_flag(fake_version, tmp_path):
    import gradio

    from GPT_SoVITS.webui.app import _version_choice
    from GPT_SoVITS.webui.settings import parse_settings

    radio = _version_choice(gradio, lambda key: key)
    assert [choice[0] for choice in radio.choices][-1] == "v2Fake"
    config = tmp_path / "fake.json"
    config.write_text("{}", encoding="utf-8")
    settings = parse_settings(["--root", str(tmp_path), "--s2v2Fake-config", str(config)], {})
    assert settings.s2_config_for("v2Fake") == config
    assert settings.sovits_weights_for("v2Fake") == tmp_path / "SoVITS_weights_v2Fake"


def test_weights_compat_identifies_the_new_version_by_content_and_by_its_version_bytes(fake_version, tmp_path):
    from GPT_SoVITS import weights_compat as wc

    assert wc.identify({"weight": fake_generator_weights()}).version == "v2Fake"
    assert wc.identify({"weight": fake_generator_weights((16, 512))}).version == "v2Pro"  # the common decoder
    buffer = io.BytesIO()
    torch.save({"weight": fake_generator_weights(), "config": {}}, buffer)
    marked = tmp_path / "fake.pth"
    marked.write_bytes(b"07" + buffer.getvalue()[2:])  # upstream's bytes for this version over the zip's PK
    checkpoint = wc.read_checkpoint(marked)
    assert checkpoint[wc.HEADER_KEY] == "v2Fake" and wc.identify(checkpoint).version == "v2Fake"
    discriminators = {f"discriminators.{i}.conv_post.weight": torch.zeros(1, 1, 3) for i in range(10)}
    assert wc.identify({"weight": discriminators}).version == "v2Fake"  # a scale and its 9 periods


def test_the_models_build_the_new_versions_discriminator(fake_version):
    from GPT_SoVITS.module.discriminators import MultiPeriodDiscriminator

    assert len(MultiPeriodDiscriminator(version="v2Fake").discriminators) == 1 + len(FAKE.disc_periods)
    assert versions.is_pro_version("v2Fake") and "v2Fake" in versions.pro_versions()


def test_errors_that_list_versions_name_the_new_one(fake_version, tmp_path):
    from GPT_SoVITS import weights_compat as wc
    from GPT_SoVITS.model_files import load_sovits

    with pytest.raises(ConfigError, match="choose one of v2, v2Pro, v2ProPlus, v2Fake"):
        versions.get_version("v9")
    with pytest.raises(CheckpointError, match=r"version \(v2, v2Pro, v2ProPlus or v2Fake\)\?"):
        wc.load_into(text_embedding_only(), {"weight": fake_generator_weights()}, table="v2")
    upstream_v4 = tmp_path / "v4.pth"
    upstream_v4.write_bytes(b"04\x03\x04" + bytes(60))
    with pytest.raises(CheckpointError, match=r"use the v2, v2Pro, v2ProPlus or v2Fake pretrained files"):
        wc.read_checkpoint(upstream_v4)
    stored_v3 = tmp_path / "v3.pth"
    wc.save_checkpoint(stored_v3, fake_generator_weights(), config={}, info="", table="v2", version="v3", half=False)
    with pytest.raises(CheckpointError, match=r"use v1, v2, v2Pro, v2ProPlus or v2Fake weights"):
        load_sovits(stored_v3)
