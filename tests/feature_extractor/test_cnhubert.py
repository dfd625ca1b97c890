"""load_cnhubert / ssl_features: legacy folders load their real weights; errors say where to put them."""

from __future__ import annotations

import json

import pytest
import torch
from transformers import HubertConfig, HubertModel

from GPT_SoVITS.errors import CheckpointError, ConfigError
from GPT_SoVITS.feature_extractor import cnhubert
from GPT_SoVITS.feature_extractor.cnhubert import load_cnhubert, modernise_keys, ssl_features
from GPT_SoVITS.manifest import read_manifest
from tests.conftest import DATA_DIR, manifest_path
from tests.feature_extractor.tiny_hubert import legacy_state_dict, save_legacy_folder, tiny_hubert


def _outputs(model, audio):
    with torch.no_grad():
        return model(audio).last_hidden_state


def test_legacy_folder_loads_every_weight(tmp_path):
    original = tiny_hubert(seed=3)
    folder = save_legacy_folder(original, tmp_path / "chinese-hubert-base")
    assert "encoder.pos_conv_embed.conv.weight_g" in torch.load(folder / "pytorch_model.bin", weights_only=True)

    loaded = load_cnhubert(folder)

    assert not loaded.training
    assert next(loaded.parameters()).dtype == torch.float32  # config says float16; CPU needs float32
    expected, actual = original.state_dict(), loaded.state_dict()
    assert set(expected) == set(actual)
    for key in expected:
        assert torch.equal(expected[key], actual[key]), key
    audio = torch.randn(1, 8000, generator=torch.Generator().manual_seed(1))
    assert torch.equal(_outputs(original, audio), _outputs(loaded, audio))


def test_fallback_maps_legacy_names_when_transformers_does_not(tmp_path, monkeypatch):
    original = tiny_hubert(seed=4)
    folder = save_legacy_folder(original, tmp_path / "hubert")
    real_from_pretrained = HubertModel.from_pretrained

    def forgetful(*args, **kwargs):
        # Simulate a transformers that leaves the legacy positional-conv weights unloaded.
        model, info = real_from_pretrained(*args, **kwargs)
        with torch.no_grad():
            model.encoder.pos_conv_embed.conv.parametrizations.weight.original1.zero_()
        info["missing_keys"] = {"encoder.pos_conv_embed.conv.parametrizations.weight.original1"}
        return model, info

    monkeypatch.setattr(HubertModel, "from_pretrained", forgetful)
    loaded = load_cnhubert(folder)
    audio = torch.randn(1, 6400, generator=torch.Generator().manual_seed(2))
    assert torch.equal(_outputs(original, audio), _outputs(loaded, audio))


def test_modernised_real_manifest_matches_the_installed_hubert():
    config = HubertConfig(**json.loads((DATA_DIR / "chinese_hubert_base_config.json").read_text()))
    with torch.device("meta"):
        model = HubertModel(config)
    own = {key: tuple(value.shape) for key, value in model.state_dict().items()}
    manifest = {entry.key: entry.shape for entry in read_manifest(manifest_path("cnhubert"))}

    renamed = modernise_keys({key: torch.empty(0) for key in manifest}, set(own))

    assert set(renamed) == set(own)
    old_names = dict(zip(renamed, manifest))
    assert all(own[key] == manifest[old_names[key]] for key in own)


def test_missing_key_is_an_error_naming_it(tmp_path):
    original = tiny_hubert()
    state = legacy_state_dict(original)
    del state["encoder.layers.0.attention.k_proj.weight"]
    folder = save_legacy_folder(original, tmp_path / "hubert", state=state)
    with pytest.raises(CheckpointError, match="encoder.layers.0.attention.k_proj.weight"):
        load_cnhubert(folder)


def test_missing_folder_says_where_to_put_it(tmp_path):
    with pytest.raises(CheckpointError, match=r"chinese-hubert-base.*tools/download_pretrained.py"):
        load_cnhubert(tmp_path / "chinese-hubert-base")


def test_incomplete_folder_errors(tmp_path):
    folder = tmp_path / "hubert"
    folder.mkdir()
    with pytest.raises(ConfigError, match="config.json is missing"):
        load_cnhubert(folder)
    tiny_hubert().config.save_pretrained(folder)
    with pytest.raises(CheckpointError, match="has no model.safetensors or pytorch_model.bin"):
        load_cnhubert(folder)
    (folder / "pytorch_model.bin").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="pytorch_model.bin"):
        cnhubert.read_state_dict(folder / "pytorch_model.bin")


def test_modern_safetensors_folder_loads(tmp_path):
    original = tiny_hubert(seed=5)
    original.save_pretrained(tmp_path / "hubert")
    loaded = load_cnhubert(tmp_path / "hubert")
    audio = torch.randn(1, 4000, generator=torch.Generator().manual_seed(3))
    assert torch.equal(_outputs(original, audio), _outputs(loaded, audio))


@pytest.mark.parametrize("samples, frames", [(16000, 49), (32000, 99), (400, 1), (7999, 24)])
def test_ssl_features_shape_and_rate(samples, frames):
    model = tiny_hubert()
    audio = torch.randn(samples, generator=torch.Generator().manual_seed(0))
    features = ssl_features(model, audio)
    assert features.shape == (1, 768, frames)
    assert frames == (samples - 400) // 320 + 1  # 50 frames/s at 16 kHz
    assert torch.equal(features, ssl_features(model, audio.unsqueeze(0)))
    assert torch.equal(features, _outputs(model, audio.unsqueeze(0)).transpose(1, 2))


def test_ssl_features_rejects_batches():
    with pytest.raises(ValueError, match=r"\[S\] or \[1, S\]"):
        ssl_features(tiny_hubert(), torch.zeros(2, 1600))


class _Hostile:
    def __reduce__(self):
        return (print, ("pwned",))


def test_a_hostile_pickle_is_refused_as_unsafe_without_weights_only_advice(tmp_path, capsys):
    folder = save_legacy_folder(tiny_hubert(seed=3), tmp_path / "chinese-hubert-base")
    weights = folder / "pytorch_model.bin"
    torch.save({"encoder.layers.0.attention.k_proj.weight": _Hostile()}, weights)
    for load in (lambda: load_cnhubert(folder), lambda: cnhubert.read_state_dict(weights)):
        with pytest.raises(CheckpointError) as error:
            load()
        message = str(error.value)
        assert message.startswith(f"{weights}: refused as unsafe: this file holds objects that would run code")
        assert "weights_only" not in message and error.value.__cause__ is None
    assert "pwned" not in capsys.readouterr().out
