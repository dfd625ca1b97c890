"""The trainer as the UI starts it: `python GPT_SoVITS/s2_train.py --config tmp_s2.json`, and under torchrun."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch

from GPT_SoVITS.text.symbols import get_table
from tests.conftest import REPO_ROOT
from tests.s2.configs import tiny_config
from tests.s2.experiment import make_experiment


def _run(args, tmp_path, timeout=600):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": ""}
    return subprocess.run([sys.executable, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def test_bad_config_exits_1_with_one_clear_line(tmp_path):
    config = tiny_config(tmp_path / "no-such-exp", tmp_path)
    path = tmp_path / "tmp_s2.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    result = _run(["GPT_SoVITS/s2_train.py", "--config", str(path)], tmp_path)
    assert result.returncode == 1
    assert "error: data.exp_dir" in result.stderr and "not a folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_no_usable_data_is_reported(tmp_path):
    exp = tmp_path / "exp"
    exp.mkdir()
    (exp / "2-name2text.txt").write_text("a.wav\tzz_unknown\tNone\tx\n", encoding="utf-8")
    path = tmp_path / "tmp_s2.json"
    path.write_text(json.dumps(tiny_config(exp, tmp_path)), encoding="utf-8")
    result = _run(["GPT_SoVITS/s2_train.py", "--config", str(path)], tmp_path)
    assert result.returncode == 1
    assert "no usable utterances" in result.stderr and "unknown phone 1" in result.stderr


@pytest.mark.slow
def test_torchrun_two_processes_on_cpu(tmp_path):
    exp = make_experiment(tmp_path / "exp", get_table("v2"), count=4, seconds=(1.3, 1.4))
    config = tiny_config(exp, tmp_path, batch_size=1, epochs=1, segment_size=1280, gpu_numbers="0-1")
    path = tmp_path / "tmp_s2.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    result = _run(["-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                   "tests/s2/ddp_entry.py", "--config", str(path)], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "2 process(es) on cpu" in result.stderr
    assert "s2 training finished at epoch 1, step 2" in result.stdout  # 4 batches split over 2 ranks
    state = torch.load(tmp_path / "logs" / "logs_s2_v2" / "state_latest.pt", weights_only=True)
    assert (state["epoch"], state["step"]) == (1, 2)
    assert (tmp_path / "weights" / "tiny_e1_s2.pth").is_file()
    folder = tmp_path / "logs" / "logs_s2_v2"  # only rank 0 writes the curves: one event file, one line a step
    assert len(list(folder.glob("events.out.tfevents.*"))) == 1
    assert [json.loads(line)["step"] for line in (folder / "metrics.jsonl").read_text().splitlines()] == [1, 2]


@pytest.mark.parametrize("version,base", [("v2", "s2.json"), ("v2ProPlus", "s2v2ProPlus.json")])
def test_exp_flags_write_the_config_the_ui_writes(tmp_path, version, base):
    """`--exp` (`--version`) and the UI's SoVITS button build the same tmp_s2.json, byte for byte."""
    from GPT_SoVITS.s2.options import SoVITSChoices
    from GPT_SoVITS.webui.configs import write_s2_config

    root, pretrained = tmp_path / "root", tmp_path / "pre"
    pretrained.mkdir()
    for name in ("s2G.pth", "s2D.pth"):
        (pretrained / name).write_bytes(b"weights")
    choices = SoVITSChoices("голос", batch_size=3, epochs=2, text_low_lr_rate=0.3, save_every_epoch=1,
                            if_save_latest=False, pretrained_s2G=str(pretrained / "s2G.pth"),
                            pretrained_s2D=str(pretrained / "s2D.pth"))
    ui_file = write_s2_config(REPO_ROOT / "configs" / base, choices, root, cuda=False, version=version)
    cli_file = tmp_path / "cli.json"
    result = _run(["GPT_SoVITS/s2_train.py", "--exp", "голос", "--batch-size", "3", "--epochs", "2",
                   "--text-lr-rate", "0.3", "--save-every", "1", "--no-if-save-latest", "--version", version,
                   "--pretrained-s2G", str(pretrained / "s2G.pth"), "--pretrained-s2D", str(pretrained / "s2D.pth"),
                   "--logs-dir", str(root / "logs"), "--weights-dir", str(root / f"SoVITS_weights_{version}"),
                   "--write-config", str(cli_file)], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"wrote {cli_file}; train with: python GPT_SoVITS/s2_train.py --config {cli_file}" in result.stdout
    assert cli_file.read_bytes() == ui_file.read_bytes()


def test_exp_flag_mistakes_are_one_line_each(tmp_path):
    result = _run(["GPT_SoVITS/s2_train.py", "--config", "x.json", "--epochs", "3"], tmp_path)
    assert result.returncode == 2 and "--epochs applies with --exp; with a config file, edit the file instead" in result.stderr
    missing = tmp_path / "none" / "s2G.pth"
    result = _run(["GPT_SoVITS/s2_train.py", "--exp", "voice", "--pretrained-s2G", str(missing),
                   "--logs-dir", str(tmp_path)], tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"error: --pretrained-s2G {missing}: file not found; python tools/download_pretrained.py" in result.stderr
    result = _run(["GPT_SoVITS/s2_train.py", "--exp", "voice", "--pretrained-s2G", "", "--pretrained-s2D", "",
                   "--logs-dir", str(tmp_path / "logs")], tmp_path)
    assert result.returncode == 1 and f"error: data.exp_dir {tmp_path / 'logs' / 'voice'}: not a folder" in result.stderr


def test_end_of_run_line_lists_only_exports_still_on_disk(tmp_path):
    from GPT_SoVITS.s2.cli import finished_line
    from GPT_SoVITS.s2.trainer import TrainResult

    pruned, kept = tmp_path / "voice_e1_s2.pth", tmp_path / "voice_e2_s4.pth"
    kept.write_bytes(b"weights")  # e1 was exported, then removed by "keep only the latest export"
    result = TrainResult(epoch=2, step=4, exports=[pruned, kept])
    assert finished_line(result) == f"s2 training finished at epoch 2, step 4; exported: {kept}"
    kept.unlink()
    assert finished_line(result).endswith("; exported: none")


def test_version_flag_picks_the_pro_config_pretrained_files_and_folders(tmp_path, monkeypatch, capsys):
    """`--version v2ProPlus`: configs/s2v2ProPlus.json, the v2ProPlus pretrained G/D at their default places."""
    from GPT_SoVITS import pretrained
    from GPT_SoVITS.s2.cli import main

    monkeypatch.setattr(pretrained, "REPO_ROOT", tmp_path / "checkout")  # where the default files are looked for
    for key in ("s2G_v2ProPlus", "s2D_v2ProPlus"):
        pretrained.pretrained_path(key).parent.mkdir(parents=True, exist_ok=True)
        pretrained.pretrained_path(key).write_bytes(b"weights")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "tmp_s2.json"
    assert main(["--exp", "voice", "--version", "v2ProPlus", "--write-config", str(out)]) == 0
    config = json.loads(out.read_text(encoding="utf-8"))
    plus = json.loads((REPO_ROOT / "configs" / "s2v2ProPlus.json").read_text(encoding="utf-8"))
    assert config["model"] == {**plus["model"], "version": "v2ProPlus"} and config["version"] == "v2ProPlus"
    assert config["train"]["pretrained_s2G"] == str(tmp_path / "checkout/GPT_SoVITS/pretrained_models/v2Pro/s2Gv2ProPlus.pth")
    assert config["train"]["pretrained_s2D"] == str(tmp_path / "checkout/GPT_SoVITS/pretrained_models/v2Pro/s2Dv2ProPlus.pth")
    assert config["save_weight_dir"] == str(tmp_path / "SoVITS_weights_v2ProPlus")
    with pytest.raises(SystemExit):
        main(["--exp", "voice", "--version", "v3"])
    assert "invalid choice: 'v3'" in capsys.readouterr().err


def test_the_repetition_minimum_is_a_flag_of_both_trainers(tmp_path):
    """Issue 27 item 5: `--min-epoch-items N` sets train.min_epoch_items (s2) and data.min_items_per_epoch (s1);
    without it the base config's value stays; a negative value is refused in one line."""
    import yaml

    from GPT_SoVITS.AR.cli import main as s1_main
    from GPT_SoVITS.s2.cli import main as s2_main

    common = ["--exp", "voice", "--logs-dir", str(tmp_path / "logs"), "--pretrained-s2G", "", "--pretrained-s2D", ""]
    assert s2_main([*common, "--min-epoch-items", "0", "--write-config", str(tmp_path / "a.json")]) == 0
    assert json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))["train"]["min_epoch_items"] == 0
    assert s2_main([*common, "--write-config", str(tmp_path / "b.json")]) == 0
    assert "min_epoch_items" not in json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))["train"]  # 100
    assert s2_main([*common, "--min-epoch-items", "-3", "--write-config", str(tmp_path / "c.json")]) == 1
    assert not (tmp_path / "c.json").exists()
    gpt = ["--exp", "voice", "--logs-dir", str(tmp_path / "logs"), "--pretrained-s1", ""]
    assert s1_main([*gpt, "--min-epoch-items", "20", "--write-config", str(tmp_path / "s1.yaml")]) == 0
    assert yaml.safe_load((tmp_path / "s1.yaml").read_text(encoding="utf-8"))["data"]["min_items_per_epoch"] == 20
