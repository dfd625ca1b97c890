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
    ("- just\n- a list\n", "x.yaml: not a GPT config"),
])
def test_bad_s1_config_names_the_file(tmp_path, text, message):
    (tmp_path / "x.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        read_s1_config(tmp_path / "x.yaml")


def test_missing_configs_say_what_to_use(tmp_path):
    with pytest.raises(ConfigError, match="SoVITS config not found; use configs/s2.json"):
        read_s2_config(tmp_path / "none.json")
    with pytest.raises(ConfigError, match="GPT config not found; start from configs/s1longer-v2.yaml"):
        read_s1_config(tmp_path / "none.yaml")


def _s1_raw() -> dict:
    import yaml

    raw = yaml.safe_load((REPO_ROOT / "configs" / "s1longer-v2.yaml").read_text(encoding="utf-8"))
    return {**raw, "train_semantic_path": "s.tsv", "train_phoneme_path": "p.txt", "output_dir": "out"}


def _s2_raw() -> dict:
    raw = read_s2_config(REPO_ROOT / "configs" / "s2.json")
    return {**raw, "data": {**raw["data"], "exp_dir": "logs/x"}}


@pytest.mark.parametrize("value,expected", [(False, False), ("false", False), ("False", False), (0, False),
                                            ("0", False), (True, True), ("true", True), ("True", True), (1, True)])
def test_both_trainers_read_booleans_strictly_the_same_way(value, expected):
    from GPT_SoVITS.AR.train_config import S1TrainConfig
    from GPT_SoVITS.module.config import S2Config

    s1 = _s1_raw()
    s1["train"] = {**s1["train"], "if_save_latest": value}
    assert S1TrainConfig.from_dict(s1, "tmp_s1.yaml").if_save_latest is expected  # bool("False") was True
    s2 = _s2_raw()
    s2["train"] = {**s2["train"], "fp16_run": value}
    assert S2Config.from_dict(s2, source="tmp_s2.json").train.fp16_run is expected


@pytest.mark.parametrize("value", ["yes", "", 2, [], None])
def test_an_unclear_boolean_is_a_config_error_naming_file_and_key(value):
    from GPT_SoVITS.AR.train_config import S1TrainConfig
    from GPT_SoVITS.module.config import S2Config

    s1 = _s1_raw()
    s1["train"] = {**s1["train"], "if_save_every_weights": value}
    if value is None:  # null for a key the UI adds means "not set": the UI's default
        assert S1TrainConfig.from_dict(s1, "tmp_s1.yaml").if_save_every_weights is True
        return
    with pytest.raises(ConfigError, match=r"^tmp_s1\.yaml: train\.if_save_every_weights: expected true or false, got "):
        S1TrainConfig.from_dict(s1, "tmp_s1.yaml")
    s2 = _s2_raw()
    s2["train"] = {**s2["train"], "grad_ckpt": value}
    with pytest.raises(ConfigError, match=r"^tmp_s2\.json: train\.grad_ckpt: expected true or false, got "):
        S2Config.from_dict(s2, source="tmp_s2.json")


def test_a_bad_s1_value_is_a_config_error_naming_the_key_not_a_value_error():
    from GPT_SoVITS.AR.train_config import S1TrainConfig

    for section, key, value in (("train", "gradient_clip", "abc"), ("data", "max_sec", "long"),
                                ("adamw", "lr", [1]), ("train", "seed", 1.5)):
        raw = _s1_raw()
        raw[section] = {**raw.get(section, {}), key: value}
        with pytest.raises(ConfigError, match=rf"^tmp_s1\.yaml: {section}\.{key}: expected "):
            S1TrainConfig.from_dict(raw, "tmp_s1.yaml")
    raw = _s1_raw()
    raw["train"] = "not a section"
    with pytest.raises(ConfigError, match=r"^tmp_s1\.yaml: train: expected a mapping"):
        S1TrainConfig.from_dict(raw, "tmp_s1.yaml")


def test_the_s2_config_round_trips_through_the_one_reader():
    from GPT_SoVITS.module.config import S2Config

    raw = _s2_raw()
    raw["train"]["future_key"] = {"kept": True}
    raw["top_level_future"] = 3
    assert S2Config.from_dict(raw, source="x").to_dict() == raw
