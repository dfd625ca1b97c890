"""The one reader per upstream config format."""

from __future__ import annotations

import pytest

from GPT_SoVITS.config_files import read_s1_config, read_s2_config
from GPT_SoVITS.errors import ConfigError
from tests.conftest import REPO_ROOT


def test_shipped_configs_read():
    assert read_s2_config(REPO_ROOT / "configs" / "s2.json")["data"]["hop_length"] == 640
    assert read_s1_config(REPO_ROOT / "configs" / "s1longer-v2.yaml")["model"]["phoneme_vocab_size"] == 732


@pytest.mark.parametrize("text,message", [
    ('{"train": 1', "x.json:1: not valid JSON"),
    ('{"data": {}}', "x.json: not an s2 config: expected a 'train' section"),
])
def test_bad_s2_config_names_the_file(tmp_path, text, message):
    (tmp_path / "x.json").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        read_s2_config(tmp_path / "x.json")


@pytest.mark.parametrize("text,message", [
    ("a: [1, 2", "x.yaml: not valid YAML"),
    ("- just\n- a list\n", "x.yaml: not an s1 config"),
])
def test_bad_s1_config_names_the_file(tmp_path, text, message):
    (tmp_path / "x.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        read_s1_config(tmp_path / "x.yaml")


def test_missing_configs_say_what_to_use(tmp_path):
    with pytest.raises(ConfigError, match="SoVITS config not found; use configs/s2.json"):
        read_s2_config(tmp_path / "none.json")
    with pytest.raises(ConfigError, match="GPT config not found; use configs/s1longer-v2.yaml"):
        read_s1_config(tmp_path / "none.yaml")
