"""Trainer settings from tmp_s2.json, export naming and pruning, the training-state file."""

from __future__ import annotations

import json

import pytest
import torch

from GPT_SoVITS.errors import CheckpointError, ConfigError
from GPT_SoVITS.s2 import checkpoints
from GPT_SoVITS.config_files import read_s2_config as read_config
from GPT_SoVITS.s2.options import TrainOptions
from GPT_SoVITS.text.symbols import get_table
from tests.s2.configs import tiny_config


def test_options_read_ui_keys(tmp_path):
    config = tiny_config(tmp_path, tmp_path, batch_size=3, text_low_lr_rate=0.25, gpu_numbers="0-1", if_save_latest="false")
    options = TrainOptions.from_config(config)
    assert options.batch_size == 3 and options.text_low_lr_rate == 0.25
    assert options.gpu_list() == ["0", "1"]
    assert options.if_save_latest is False
    assert options.state_dir == tmp_path / "logs" / "logs_s2_v2"
    assert options.freeze_quantizer is True and options.symbol_table == "v2"


def test_options_refuse_bad_values_and_typos(tmp_path):
    with pytest.raises(ConfigError, match=r"train.batch_size: must be at least 1"):
        TrainOptions.from_config(tiny_config(tmp_path, tmp_path, batch_size=0))
    with pytest.raises(ConfigError, match=r"train.epochs: expected int"):
        TrainOptions.from_config(tiny_config(tmp_path, tmp_path, epochs="many"))
    with pytest.raises(ConfigError, match=r"did you mean train.max_steps"):
        TrainOptions.from_config(tiny_config(tmp_path, tmp_path, maxSteps=3))
    with pytest.raises(ConfigError, match=r"exp_dir .*not a folder"):
        TrainOptions.from_config(tiny_config(tmp_path / "absent", tmp_path))


def test_read_config_names_file_and_line(tmp_path):
    path = tmp_path / "tmp_s2.json"
    path.write_text('{"train": {\n "epochs": ,\n}}', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"tmp_s2.json:2: not valid JSON"):
        read_config(path)
    path.write_text(json.dumps({"train": {}}), encoding="utf-8")
    assert read_config(path) == {"train": {}}


def test_export_names_and_pruning(tmp_path):
    assert checkpoints.export_name("voice", 8, 120) == "voice_e8_s120.pth"
    for name in ("voice_e4_s60.pth", "voice_e8_s120.pth", "voice2_e8_s120.pth", "voice_e8_s120.pth.bak"):
        (tmp_path / name).write_bytes(b"x")
    assert [p.name for p in checkpoints.previous_exports(tmp_path, "voice")] == ["voice_e4_s60.pth", "voice_e8_s120.pth"]
    removed = checkpoints.prune_exports(tmp_path, "voice", tmp_path / "voice_e8_s120.pth")
    assert [p.name for p in removed] == ["voice_e4_s60.pth"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["voice2_e8_s120.pth", "voice_e8_s120.pth", "voice_e8_s120.pth.bak"]


def _state(symbols) -> checkpoints.TrainingState:
    return checkpoints.TrainingState(
        epoch=3, step=42, generator={"w": torch.ones(2)}, discriminator={"v": torch.zeros(1)},
        optim_g={}, optim_d={}, sched_g={}, sched_d={}, scaler={}, rng=checkpoints.rng_state(), symbols=tuple(symbols),
    )


def test_training_state_round_trip_and_table_guard(tmp_path):
    table = get_table("v2")
    path = tmp_path / "state_latest.pt"
    checkpoints.save_training_state(path, _state(table.symbols))
    loaded = checkpoints.load_training_state(path, table)
    assert (loaded.epoch, loaded.step) == (3, 42)
    assert torch.equal(loaded.generator["w"], torch.ones(2))
    with pytest.raises(CheckpointError, match=r"732-symbol table.*'v1' \(322 symbols\)"):
        checkpoints.load_training_state(path, get_table("v1"))
    path.write_bytes(b"PK\x03\x04broken")
    with pytest.raises(CheckpointError, match=r"state_latest.pt: unreadable training state"):
        checkpoints.load_training_state(path, table)


def test_config_copy(tmp_path):
    path = checkpoints.write_config_copy(tmp_path / "exp", {"train": {"epochs": 2}, "name": "ру"})
    assert json.loads(path.read_text(encoding="utf-8")) == {"train": {"epochs": 2}, "name": "ру"}
