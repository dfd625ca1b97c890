"""The web UI's model-version choice: which files it lists, which stages the buttons run, which
configs and folders the training buttons use (the browser test runs the whole Pro flow)."""

from __future__ import annotations

import dataclasses
import json

import pytest
import yaml

from GPT_SoVITS.errors import ConfigError
from GPT_SoVITS.prepare.stage_env import StageEnv
from GPT_SoVITS.webui import dataset, training
from GPT_SoVITS.webui.app import pretrained_notice
from GPT_SoVITS.webui.configs import SoVITSChoices
from GPT_SoVITS.webui.settings import parse_settings
from tests.conftest import REPO_ROOT


def test_notice_lists_the_chosen_versions_files(tmp_path):
    settings = dataclasses.replace(parse_settings(["--root", str(tmp_path)], {}), repo_root=tmp_path / "repo")
    v2, plus = pretrained_notice(settings, "v2"), pretrained_notice(settings, "v2ProPlus")
    assert "s2G2333k.pth" in v2 and "s1bert25hz" in v2 and "sv/" not in v2 and "s1v3" not in v2
    assert "v2Pro/s2Gv2ProPlus.pth" in plus and "v2Pro/s2Dv2ProPlus.pth" in plus and "s1v3.ckpt" in plus
    assert "sv/pretrained_eres2netv2w24s4ep4.ckpt" in plus and "s2G2333k.pth" not in plus
    assert "download_pretrained.py --only cnhubert s2G_v2ProPlus s2D_v2ProPlus s1v3 sv" in plus


def test_button_1b_also_runs_2_get_sv_for_pro_versions():
    assert dataset.version_stages(("ssl",), "v2") == ("ssl",)
    assert dataset.version_stages(("ssl",), "v2Pro") == ("ssl", "sv")
    assert dataset.version_stages(dataset.STAGES, "v2ProPlus") == ("text", "ssl", "sv", "semantic")
    assert dataset.version_stages(("semantic",), "v2ProPlus") == ("semantic",)


def test_pro_dataset_request_passes_version_sv_and_the_pro_config(tmp_path):
    (tmp_path / "data.list").write_text("a.wav|spk|ru|Привет.\n", encoding="utf-8")
    settings = parse_settings(["--root", str(tmp_path)], {})
    fields = dict(list_path="data.list", wav_dir="", exp_name="voice", gpu_numbers="0", half=False,
                  hubert_dir="hub", s2g_path="g.pth", cuda=False)
    with pytest.raises(ConfigError, match=r"speaker encoder of v2Pro/v2ProPlus.*sv/pretrained_eres2netv2w24s4ep4\.ckpt"):
        dataset.check_request(settings, ("ssl",), **fields, version="v2ProPlus")
    request = dataset.check_request(settings, ("text",), **fields, version="v2ProPlus")
    env = StageEnv.from_environ(dataset.stage_environment(request, 0, cuda=False))
    assert env.version == "v2ProPlus" and env.s2config_path == str(REPO_ROOT / "configs" / "s2v2ProPlus.json")
    assert env.sv_path == str(settings.default_pretrained("sv"))


def test_pro_sovits_button_writes_the_pro_config_and_needs_speaker_vectors(tmp_path):
    tiny = tmp_path / "tiny_plus.json"
    tiny.write_text((REPO_ROOT / "configs" / "s2v2ProPlus.json").read_text(encoding="utf-8"), encoding="utf-8")
    settings = parse_settings(["--root", str(tmp_path / "root"), "--s2v2ProPlus-config", str(tiny)], {})
    assert settings.s2_config_for("v2ProPlus") == tiny and settings.s2_config_for("v2Pro").name == "s2v2Pro.json"
    exp = settings.exp_dir("voice")
    for name in ("4-cnhubert", "5-wav32k"):
        (exp / name).mkdir(parents=True)
    (exp / "2-name2text.txt").write_text("", encoding="utf-8")
    choices = SoVITSChoices("voice")
    with pytest.raises(ConfigError, match="7-sv_cn missing; run the dataset formatting tab first with a v2Pro/v2ProPlus"):
        training.sovits_spec(settings, choices, cuda=False, version="v2ProPlus")
    training.sovits_spec(settings, choices, cuda=False, version="v2")  # v2 does not need them
    (exp / "7-sv_cn").mkdir()
    spec = training.sovits_spec(settings, choices, cuda=False, version="v2ProPlus")
    config = json.loads((tmp_path / "root" / "TEMP" / "tmp_s2.json").read_text(encoding="utf-8"))
    assert spec.argv[-1] == str(tmp_path / "root" / "TEMP" / "tmp_s2.json")
    assert config["model"]["version"] == "v2ProPlus" and config["model"]["upsample_initial_channel"] == 768
    assert config["save_weight_dir"] == str(tmp_path / "root" / "SoVITS_weights_v2ProPlus")
    assert settings.sovits_weights_for("v2ProPlus") == tmp_path / "root" / "SoVITS_weights_v2ProPlus"
    assert settings.gpt_weights_for("v2Pro") == tmp_path / "root" / "GPT_weights_v2Pro"


def test_a_pro_gpt_run_from_the_ui_renders_its_samples_through_the_experiments_pro_sovits_export(tmp_path, monkeypatch):
    from GPT_SoVITS.webui import app

    settings = parse_settings(["--root", str(tmp_path)], {})
    exp = settings.exp_dir("voice")
    exp.mkdir(parents=True)
    for name in training.S1_NEEDS:
        (exp / name).write_text("", encoding="utf-8")
    for version, step in (("v2", 90), ("v2ProPlus", 40), ("v2ProPlus", 80)):  # v2's export is the newest on disk
        folder = settings.sovits_weights_for(version)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"voice_e{step // 10}_s{step}.pth").write_bytes(b"export")
    started = []
    monkeypatch.setattr(training, "stream_training", lambda *args, **kwargs: iter(started.append(args) or ()))
    form = dict(exp_name="voice", gpu_numbers="0", half=False, batch_size=2, epochs=1, save_every_n_epoch=1,
                if_save_latest=True, if_save_every_weights=False, pretrained_s1="")
    list(app.Callbacks(settings, cuda=False).train_gpt(**form, version="v2ProPlus"))
    config = yaml.safe_load((tmp_path / "TEMP" / "tmp_s1.yaml").read_text(encoding="utf-8"))
    assert config["sample_sovits"] == str(tmp_path / "SoVITS_weights_v2ProPlus" / "voice_e8_s80.pth")
    assert started[0][4] == settings.gpt_weights_for("v2ProPlus")  # the exports listed are the Pro GPT's
    list(app.Callbacks(settings, cuda=False).train_gpt(**form, version="v2"))
    config = yaml.safe_load((tmp_path / "TEMP" / "tmp_s1.yaml").read_text(encoding="utf-8"))
    assert config["sample_sovits"] == str(tmp_path / "SoVITS_weights_v2" / "voice_e9_s90.pth")
