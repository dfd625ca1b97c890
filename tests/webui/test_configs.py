"""TEMP/tmp_s2.json and TEMP/tmp_s1.yaml as the training buttons write them."""

import json

import pytest
import yaml

from GPT_SoVITS.errors import ConfigError
from GPT_SoVITS.webui.configs import GPTChoices, SoVITSChoices, write_s1_config, write_s2_config
from tests.conftest import REPO_ROOT

S2_BASE = REPO_ROOT / "configs" / "s2.json"
S1_BASE = REPO_ROOT / "configs" / "s1longer-v2.yaml"


def sovits_choices(**overrides):
    values = dict(exp_name="voice", batch_size=3, epochs=2, text_low_lr_rate=0.3, save_every_epoch=1,
                  if_save_latest=False, if_save_every_weights=True, pretrained_s2G="/p/s2G.pth",
                  pretrained_s2D="/p/s2D.pth", gpu_numbers=["0", "1"], half=True)
    values.update(overrides)
    return SoVITSChoices(**values)


def gpt_choices(**overrides):
    values = dict(exp_name="voice", batch_size=5, epochs=3, save_every_n_epoch=2, if_save_latest=True,
                  if_save_every_weights=False, pretrained_s1="/p/s1.ckpt", gpu_numbers=["1"], half=True)
    values.update(overrides)
    return GPTChoices(**values)


def test_s2_config_keys_and_values_on_cpu(tmp_path):
    path = write_s2_config(S2_BASE, sovits_choices(), tmp_path, cuda=False)
    assert path == tmp_path / "TEMP" / "tmp_s2.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    train = config["train"]
    assert (train["batch_size"], train["epochs"], train["text_low_lr_rate"]) == (3, 2, 0.3)
    assert (train["pretrained_s2G"], train["pretrained_s2D"]) == ("/p/s2G.pth", "/p/s2D.pth")
    assert (train["if_save_latest"], train["if_save_every_weights"], train["save_every_epoch"]) == (False, True, 1)
    assert train["fp16_run"] is False  # no CUDA: never fp16, whatever the checkbox says
    assert train["gpu_numbers"] == "0"
    assert config["model"]["version"] == "v2"
    exp_dir = str(tmp_path / "logs" / "voice")
    assert config["data"]["exp_dir"] == exp_dir and config["s2_ckpt_dir"] == exp_dir
    assert config["save_weight_dir"] == str(tmp_path / "SoVITS_weights_v2")
    assert config["name"] == "voice"
    base = json.loads(S2_BASE.read_text())
    assert train["learning_rate"] == base["train"]["learning_rate"]  # untouched keys kept
    assert config["model"]["hidden_channels"] == base["model"]["hidden_channels"]


def test_s2_config_on_cuda_keeps_gpus_and_fp16(tmp_path):
    config = json.loads(write_s2_config(S2_BASE, sovits_choices(), tmp_path, cuda=True).read_text())
    assert config["train"]["gpu_numbers"] == "0-1"
    assert config["train"]["fp16_run"] is True
    config = json.loads(write_s2_config(S2_BASE, sovits_choices(half=False), tmp_path, cuda=True).read_text())
    assert config["train"]["fp16_run"] is False


def test_s2_config_is_accepted_by_the_sovits_trainer(tmp_path):
    from GPT_SoVITS.module.config import S2Config
    from GPT_SoVITS.s2.options import check_trainable

    (tmp_path / "logs" / "voice").mkdir(parents=True)
    (tmp_path / "p").mkdir()
    for name in ("s2G.pth", "s2D.pth"):
        (tmp_path / "p" / name).write_bytes(b"weights")
    choices = sovits_choices(pretrained_s2G=str(tmp_path / "p" / "s2G.pth"), pretrained_s2D=str(tmp_path / "p" / "s2D.pth"))
    config = S2Config.from_file(write_s2_config(S2_BASE, choices, tmp_path, cuda=False))
    check_trainable(config)
    assert config.exp_dir == tmp_path / "logs" / "voice"
    assert config.weight_dir == tmp_path / "SoVITS_weights_v2"
    assert (config.train.epochs, config.train.batch_size, config.train.text_low_lr_rate) == (2, 3, 0.3)
    assert config.train.fp16_run is False and config.run_name == "voice"


def test_s1_config_keys_and_values_on_cpu(tmp_path):
    path = write_s1_config(S1_BASE, gpt_choices(), tmp_path, cuda=False)
    assert path == tmp_path / "TEMP" / "tmp_s1.yaml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    train = config["train"]
    assert (train["batch_size"], train["epochs"], train["save_every_n_epoch"]) == (5, 3, 2)
    assert (train["if_save_latest"], train["if_save_every_weights"]) == (True, False)
    assert train["half_weights_save_dir"] == str(tmp_path / "GPT_weights_v2")
    assert train["exp_name"] == "voice"
    assert train["precision"] == "32"
    exp_dir = tmp_path / "logs" / "voice"
    assert config["pretrained_s1"] == "/p/s1.ckpt"
    assert config["train_semantic_path"] == str(exp_dir / "6-name2semantic.tsv")
    assert config["train_phoneme_path"] == str(exp_dir / "2-name2text.txt")
    assert config["output_dir"] == str(exp_dir / "logs_s1_v2")
    assert config["model"] == yaml.safe_load(S1_BASE.read_text())["model"]


def test_s1_config_precision_on_cuda_and_empty_pretrained(tmp_path):
    config = yaml.safe_load(write_s1_config(S1_BASE, gpt_choices(pretrained_s1=""), tmp_path, cuda=True).read_text())
    assert config["train"]["precision"] == "16-mixed"
    assert config["pretrained_s1"] == ""


def test_s1_config_is_accepted_by_the_gpt_trainer(tmp_path):
    from GPT_SoVITS.AR.train_config import load_config

    config = load_config(write_s1_config(S1_BASE, gpt_choices(pretrained_s1=""), tmp_path, cuda=False))
    assert config.pretrained_s1 is None
    assert (config.epochs, config.batch_size, config.precision) == (3, 5, "32")
    assert config.half_weights_save_dir == tmp_path / "GPT_weights_v2"
    assert config.output_dir == tmp_path / "logs" / "voice" / "logs_s1_v2"


def test_unreadable_base_configs_are_named(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ConfigError, match="bad.json:1: not valid JSON"):
        write_s2_config(bad, sovits_choices(), tmp_path, cuda=False)
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("- a list\n")
    with pytest.raises(ConfigError, match="bad.yaml: not a GPT config"):
        write_s1_config(bad_yaml, gpt_choices(), tmp_path, cuda=False)


def test_s1_loader_workers_option(tmp_path):
    base_workers = yaml.safe_load(S1_BASE.read_text())["data"]["num_workers"]
    kept = yaml.safe_load(write_s1_config(S1_BASE, gpt_choices(), tmp_path, cuda=False).read_text())
    assert kept["data"]["num_workers"] == base_workers  # not chosen: the base config's
    chosen = yaml.safe_load(write_s1_config(S1_BASE, gpt_choices(num_workers=0), tmp_path, cuda=False).read_text())
    assert chosen["data"]["num_workers"] == 0


def test_gpt_form_loader_workers_field(tmp_path):
    from GPT_SoVITS.AR.train_config import suggested_workers
    from GPT_SoVITS.webui import training
    from GPT_SoVITS.webui.settings import parse_settings

    settings = parse_settings(["--root", str(tmp_path)], {})
    assert training.default_num_workers(settings) == suggested_workers(4)  # configs/ asks for 4
    form = dict(exp_name="voice", gpu_numbers="", half=False, batch_size=2, epochs=1, save_every_n_epoch=1,
                if_save_latest=True, if_save_every_weights=True, pretrained_s1="")
    assert training.gpt_choices(settings, **form, num_workers=0.0).num_workers == 0
    assert training.gpt_choices(settings, **form, num_workers=2).num_workers == 2
    with pytest.raises(ConfigError, match=r"data loader workers: expected a whole number >= 0, got -1"):
        training.gpt_choices(settings, **form, num_workers=-1)


def test_fine_tuning_tab_has_the_workers_field_in_russian(tmp_path):
    from GPT_SoVITS.webui import training
    from GPT_SoVITS.webui.app import build_app
    from GPT_SoVITS.i18n import EN, RU
    from GPT_SoVITS.webui.settings import parse_settings

    settings = parse_settings(["--root", str(tmp_path), "--lang", "ru"], {})
    app = build_app(settings, cuda=False)
    fields = [block for block in app.blocks.values() if getattr(block, "elem_id", None) == "s1_num_workers"]
    assert len(fields) == 1 and fields[0].label == RU["num_workers"] != EN["num_workers"]
    assert (fields[0].value, fields[0].minimum) == (training.default_num_workers(settings), 0)
