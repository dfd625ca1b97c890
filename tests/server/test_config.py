"""tts_infer.yaml: upstream's layout (misspelt key included), our voices: and server: sections, their errors."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import yaml

from GPT_SoVITS.errors import ConfigError
from GPT_SoVITS.server.cli import missing_files, missing_message
from GPT_SoVITS.server.config import default_allowed_folders, read_server_config
from tests.conftest import REPO_ROOT

UPSTREAM = REPO_ROOT.parent / "shared" / "reference" / "configs" / "tts_infer.yaml"


def write(tmp_path: Path, config: dict) -> Path:
    path = tmp_path / "tts_infer.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def custom(**extra) -> dict:
    return {"custom": {"t2s_weights_path": "GPT_weights_v2/a-e15.ckpt", "vits_weights_path": "SoVITS_weights_v2/a.pth",
                       "cnhuhbert_base_path": "GPT_SoVITS/pretrained_models/chinese-hubert-base",
                       "bert_base_path": "unused", "device": "cpu", "is_half": False, "version": "v2", **extra}}


def test_shipped_config_has_upstreams_layout_and_reads(tmp_path):
    shipped = yaml.safe_load((REPO_ROOT / "GPT_SoVITS" / "configs" / "tts_infer.yaml").read_text(encoding="utf-8"))
    for section in ("custom", "v2", "v2Pro", "v2ProPlus"):
        assert "cnhuhbert_base_path" in shipped[section]  # upstream's spelling
    config = read_server_config(REPO_ROOT / "GPT_SoVITS" / "configs" / "tts_infer.yaml", root=tmp_path)
    assert config.weights.cnhuhbert_base_path == tmp_path / "GPT_SoVITS/pretrained_models/chinese-hubert-base"
    assert config.server.allowed_folders == default_allowed_folders(tmp_path)
    assert config.server.api_key is None and config.voices == {}


@pytest.mark.skipif(not UPSTREAM.is_file(), reason="the shared reference folder is not next to the repository")
def test_upstreams_own_config_reads_unchanged(tmp_path):
    config = read_server_config(UPSTREAM, root=tmp_path)
    assert config.weights.t2s_weights_path.name.startswith("s1bert25hz") and config.weights.device == "cuda"


def test_voices_and_server_sections(tmp_path, monkeypatch):
    monkeypatch.delenv("GSV_API_KEY", raising=False)
    path = write(tmp_path, {**custom(), "voices": {"anna": {
        "ref_audio_path": "references/anna.wav", "prompt_text": "Привет.", "prompt_lang": "ru", "top_k": 5,
        "aux_ref_audio_paths": ["references/b.wav"], "vits_weights_path": "/abs/s.pth"}},
        "server": {"allowed_folders": ["references", "/data/voices"], "api_key": "k", "queue_size": 0}})
    config = read_server_config(path, root=tmp_path)
    anna = config.voices["anna"]
    assert anna.ref_audio_path == tmp_path / "references/anna.wav" and anna.defaults == {"top_k": 5}
    assert anna.aux_ref_audio_paths == (tmp_path / "references/b.wav",)
    assert anna.vits_weights_path == Path("/abs/s.pth") and anna.t2s_weights_path is None
    assert config.server.allowed_folders == (tmp_path / "references", Path("/data/voices"))
    assert config.server.api_key == "k" and config.server.queue_size == 0
    monkeypatch.setenv("GSV_API_KEY", "from-env")
    assert read_server_config(path, root=tmp_path).server.api_key == "from-env"


@pytest.mark.parametrize("config, message", [
    ({}, r"section 'custom' is missing"),
    ({"custom": {"t2s_weights_path": "a"}}, r"custom.vits_weights_path is missing"),
    ({**custom(), "server": {"max_text_char": 5}}, r"server: unknown key 'max_text_char'; did you mean 'max_text_chars'"),
    ({**custom(), "server": {"workers": "two"}}, r"server.workers must be an integer, got 'two'"),
    ({**custom(), "server": {"workers": 0}}, r"server.workers must be >= 1, got 0"),
    ({**custom(), "server": {"allowed_folders": "references"}}, r"server.allowed_folders must be a non-empty list"),
    ({**custom(), "voices": {"anna": {"ref_audio_path": "a.wav", "prompt_text": "x"}}}, r"voices.anna.prompt_lang is missing"),
    ({**custom(), "voices": {"anna": {"ref_audio_path": "a.wav", "prompt_text": "x", "prompt_lang": "ru",
                                      "promt_text": "y"}}}, r"voices.anna: unknown key 'promt_text'; did you mean 'prompt_text'"),
    ({**custom(), "voices": {"anna": {"ref_audio_path": "a.wav", "prompt_text": "x", "prompt_lang": "ru",
                                      "top_k": "many"}}}, r"voices.anna: top_k: Input should be a valid integer"),
])
def test_config_errors_name_the_key(tmp_path, config, message):
    with pytest.raises(ConfigError, match=message):
        read_server_config(write(tmp_path, config), root=tmp_path)


def test_unknown_custom_key_is_a_warning(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        read_server_config(write(tmp_path, custom(t2s_weight_path="x")), root=tmp_path)
    assert "unknown key custom.t2s_weight_path is not used" in caplog.text and "did you mean custom.t2s_weights_path" in caplog.text


def test_missing_files_say_which_file_goes_where(tmp_path):
    config = read_server_config(write(tmp_path, {**custom(), "voices": {"anna": {
        "ref_audio_path": "references/anna.wav", "prompt_text": "x", "prompt_lang": "ru"}}}), root=tmp_path)
    message = missing_message(config, missing_files(config))
    for line in ("custom.t2s_weights_path: GPT weights", f"{tmp_path / 'GPT_weights_v2/a-e15.ckpt'}",
                 "custom.cnhuhbert_base_path: chinese-hubert-base folder", "voices.anna.ref_audio_path: reference clip",
                 "tools/download_pretrained.py"):
        assert line in message
