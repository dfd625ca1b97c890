"""Start-up settings, interface languages, the pretrained notice and the dataset form checks."""

import dataclasses

import pytest

from GPT_SoVITS.errors import ConfigError
from GPT_SoVITS.webui import dataset
from GPT_SoVITS.webui.app import Callbacks, pretrained_notice
from GPT_SoVITS.i18n import EN, RU, resolve_lang, translator
from GPT_SoVITS.webui.settings import parse_settings
from tests.conftest import REPO_ROOT


def test_defaults_bind_localhost_9874_at_the_repo_root():
    settings = parse_settings([], {})
    assert (settings.host, settings.port, settings.lang) == ("127.0.0.1", 9874, "en")
    assert settings.root == REPO_ROOT
    assert settings.s2_config == REPO_ROOT / "configs" / "s2.json"
    assert settings.s1_config == REPO_ROOT / "configs" / "s1longer-v2.yaml"


def test_flags_and_environment(tmp_path):
    config = tmp_path / "s2.json"
    config.write_text("{}")
    settings = parse_settings(["--listen", "--port", "8000", "--lang", "ru", "--s2-config", str(config)],
                              {"GPT_SOVITS_ROOT": str(tmp_path)})
    assert (settings.host, settings.port, settings.lang, settings.root) == ("0.0.0.0", 8000, "ru", tmp_path)
    assert settings.s2_config == config
    assert settings.sovits_weights_for("v2") == tmp_path / "SoVITS_weights_v2"
    assert settings.gpt_weights_for("v2") == tmp_path / "GPT_weights_v2"
    assert not hasattr(settings, "sovits_weights_dir") and not hasattr(settings, "gpt_weights_dir")  # no version-less folder
    assert parse_settings([], {"GPT_SOVITS_UI_LANG": "ru"}).lang == "ru"
    assert parse_settings(["--lang", "en"], {"GPT_SOVITS_UI_LANG": "ru"}).lang == "en"


def test_bad_settings_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="--s1-config: file .*nope.yaml not found"):
        parse_settings(["--s1-config", str(tmp_path / "nope.yaml")], {})
    with pytest.raises(ConfigError, match="interface language 'de'"):
        resolve_lang(None, {"GPT_SOVITS_UI_LANG": "de"})
    with pytest.raises(ConfigError, match="--port 70000"):
        parse_settings(["--port", "70000"], {})
    with pytest.raises(ConfigError, match="--tts-voices 0: expected 1 or more"):
        parse_settings(["--tts-voices", "0"], {})


def test_synthesis_pool_size_and_cpu_precision_flags():
    assert (parse_settings([], {}).tts_max_pairs, parse_settings([], {}).cpu_precision) == (2, "fp32")
    settings = parse_settings(["--tts-voices", "3", "--cpu-precision", "int8"], {})
    assert (settings.tts_max_pairs, settings.cpu_precision) == (3, "int8")


def test_both_languages_have_every_label():
    from GPT_SoVITS import ui_messages as messages

    assert set(EN) == set(RU)
    assert set(messages.EN) == set(messages.RU) and not set(messages.EN) & set(EN)
    assert set(messages.GRADIO_TEXTS["en"]) == set(messages.GRADIO_TEXTS["ru"])
    assert translator("ru")("tab_dataset") == "1. Подготовка данных"
    assert all(RU[key] for key in RU)


def test_pretrained_notice_names_missing_files_under_root(tmp_path):
    # An empty checkout (repo_root) and root, whatever this machine has installed.
    settings = dataclasses.replace(parse_settings(["--root", str(tmp_path)], {}), repo_root=tmp_path / "repo")
    notice = pretrained_notice(settings)
    assert notice.startswith("**Pretrained weights are missing:**")
    assert "s2G2333k.pth" in notice and "chinese-hubert-base" in notice and "download_pretrained.py" in notice
    s2g = tmp_path / "GPT_SoVITS" / "pretrained_models" / "gsv-v2final-pretrained" / "s2G2333k.pth"
    s2g.parent.mkdir(parents=True)
    s2g.write_bytes(b"x")  # present under root: no longer listed
    assert "s2G2333k.pth" not in pretrained_notice(settings) and "s2D2333k.pth" in pretrained_notice(settings)


def _run_dataset(callbacks, stages, **fields):
    """The dataset button's callback as the UI registers it (slot claimed, errors as status lines)."""
    import gradio

    from GPT_SoVITS.webui.job_events import job_stream

    values = dict(exp_name="voice", gpu_numbers="", half=False, list_path="", wav_dir="", hubert_dir="",
                  s2g_path="")
    values.update(fields)
    button = job_stream(gradio, callbacks.tr, callbacks.slots, dataset.SLOT, callbacks.dataset_runner(stages))
    return list(button(*values.values()))


def test_dataset_buttons_report_bad_inputs_in_the_status(tmp_path):
    callbacks = Callbacks(parse_settings(["--root", str(tmp_path)], {}), cuda=False)
    (tmp_path / "data.list").write_text("a.wav|spk|ru|Привет.\n", encoding="utf-8")
    assert _run_dataset(callbacks, ("text",), exp_name="../up") [-1].startswith("error: experiment name '../up'")
    assert _run_dataset(callbacks, ("text",), list_path="missing.list") == [
        f"error: .list file: file {tmp_path / 'missing.list'} not found"]
    status = _run_dataset(callbacks, ("text",), list_path="data.list", wav_dir="nowhere")[-1]
    assert status == f"error: audio folder: folder {tmp_path / 'nowhere'} not found"
    status = _run_dataset(callbacks, dataset.STAGES, list_path="data.list", hubert_dir="hub", s2g_path="s2G.pth")[-1]
    assert status.startswith("error: Pretrained weights are missing:")
    assert str(tmp_path / "hub") in status and str(tmp_path / "s2G.pth") in status
    status = _run_dataset(callbacks, ("text",), list_path="data.list", gpu_numbers="0-x")[-1]
    assert status.startswith("error: GPU numbers '0-x'")
    assert not (tmp_path / "logs").exists()  # nothing was started


def test_dataset_button_errors_in_russian(tmp_path):
    callbacks = Callbacks(parse_settings(["--root", str(tmp_path), "--lang", "ru"], {}), cuda=False)
    (tmp_path / "data.list").write_text("a.wav|spk|ru|Привет.\n", encoding="utf-8")
    assert _run_dataset(callbacks, ("text",), exp_name="") == [
        "ошибка: имя эксперимента пусто: укажите имя, например my_voice"]
    assert _run_dataset(callbacks, ("text",), list_path="missing.list") == [
        f"ошибка: файл .list: файл {tmp_path / 'missing.list'} не найден"]
    status = _run_dataset(callbacks, dataset.STAGES, list_path="data.list", hubert_dir="hub", s2g_path="s2G.pth")[-1]
    assert status.startswith("ошибка: Нет предобученных весов:\n") and str(tmp_path / "hub") in status
    assert pretrained_notice(callbacks.settings).startswith("**Нет предобученных весов:**")


def test_stage_environment_matches_the_stage_interface(tmp_path):
    from GPT_SoVITS.prepare.stage_env import StageEnv

    (tmp_path / "data.list").write_text("a.wav|spk|ru|Привет.\n", encoding="utf-8")
    settings = parse_settings(["--root", str(tmp_path)], {})
    request = dataset.check_request(settings, ("text",), list_path="data.list", wav_dir="", exp_name="voice",
                                    gpu_numbers="0-1", half=True, hubert_dir="hub", s2g_path="g.pth", cuda=True)
    env = dataset.stage_environment(request, 1, cuda=True)
    parsed = StageEnv.from_environ(env)
    assert (parsed.i_part, parsed.all_parts, parsed.is_half) == (1, 2, True)
    assert parsed.opt_dir == tmp_path / "logs" / "voice" and parsed.inp_text == tmp_path / "data.list"
    assert parsed.cuda_visible_devices == "1"
    assert parsed.s2config_path == str(settings.s2_config)
    cpu = dataset.stage_environment(dataset.check_request(
        settings, ("text",), list_path="data.list", wav_dir="", exp_name="voice", gpu_numbers="0-1", half=True,
        hubert_dir="hub", s2g_path="g.pth", cuda=False), 0, cuda=False)
    assert "_CUDA_VISIBLE_DEVICES" not in cpu and cpu["is_half"] == "False" and cpu["all_parts"] == "2"
