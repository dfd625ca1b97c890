"""The s2 config as the trainer reads it (tmp_s2.json), export naming and pruning, the training-state file."""

from __future__ import annotations

import json

import pytest
import torch

from GPT_SoVITS.errors import CheckpointError, ConfigError
from GPT_SoVITS.module.config import S2Config
from GPT_SoVITS.s2 import checkpoints
from GPT_SoVITS.config_files import read_s2_config as read_config
from GPT_SoVITS.s2.options import check_trainable
from GPT_SoVITS.text.symbols import get_table
from tests.conftest import REPO_ROOT
from tests.s2.configs import tiny_config


def test_config_reads_ui_keys(tmp_path):
    config = S2Config.from_dict(tiny_config(tmp_path, tmp_path, batch_size=3, text_low_lr_rate=0.25, gpu_numbers="0-1",
                                            if_save_latest="false"))
    check_trainable(config)
    assert config.train.batch_size == 3 and config.train.text_low_lr_rate == 0.25
    assert config.gpu_ids() == ["0", "1"]
    assert config.train.if_save_latest is False
    assert config.state_dir == tmp_path / "logs" / "logs_s2_v2"
    assert config.model.freeze_quantizer is True and config.table_name == "v2"


def test_one_set_of_defaults_upstreams_values():
    """Keys missing from a config take configs/s2.json's values (epochs 100, batch 32), the UI's
    for the keys it adds, and ours for ours: the trainer and the model read the same object."""
    defaults = S2Config.from_dict({"train": {}})
    shipped = json.loads((REPO_ROOT / "configs" / "s2.json").read_text(encoding="utf-8"))
    for section in ("train", "data", "model"):
        for key, value in shipped[section].items():
            assert getattr(getattr(defaults, section), key) == value, (section, key)
    train = defaults.train
    assert (train.epochs, train.batch_size, train.save_every_epoch, train.if_save_latest) == (100, 32, 4, True)
    assert (train.min_epoch_items, train.num_workers, train.max_steps, train.spec_cache) == (100, 2, None, True)
    nulls = S2Config.from_dict({"train": {"pretrained_s2D": None, "save_every_epoch": None}}).train
    assert (nulls.pretrained_s2D, nulls.save_every_epoch) == ("", 4)  # null = not set, for the UI's keys


def test_config_refuses_bad_values(tmp_path):
    with pytest.raises(ConfigError, match=r"train.batch_size: must be at least 1"):
        check_trainable(S2Config.from_dict(tiny_config(tmp_path, tmp_path, batch_size=0)))
    with pytest.raises(ConfigError, match=r"train.epochs: expected int"):
        S2Config.from_dict(tiny_config(tmp_path, tmp_path, epochs="many"))
    with pytest.raises(ConfigError, match=r"exp_dir .*not a folder"):
        check_trainable(S2Config.from_dict(tiny_config(tmp_path / "absent", tmp_path)))
    with pytest.raises(ConfigError, match=r"train.pretrained_s2G .*absent.pth: file not found"):
        check_trainable(S2Config.from_dict(tiny_config(tmp_path, tmp_path, pretrained_s2G=str(tmp_path / "absent.pth"))))
    with pytest.raises(ConfigError, match=r"train.amp_dtype: expected one of float16, bfloat16, got 'fp8'"):
        check_trainable(S2Config.from_dict(tiny_config(tmp_path, tmp_path, amp_dtype="fp8")))


@pytest.mark.parametrize("amp_dtype,fp16_run,device,expected", [
    ("float16", True, "cuda", torch.float16), ("bfloat16", True, "cuda", torch.bfloat16),
    ("bfloat16", False, "cuda", None), ("bfloat16", True, "cpu", None),  # fp32 without fp16_run or off CUDA
])
def test_amp_dtype_picks_the_autocast_dtype_on_cuda_only(tmp_path, amp_dtype, fp16_run, device, expected):
    from GPT_SoVITS.s2.trainer import autocast_dtype

    config = S2Config.from_dict(tiny_config(tmp_path, tmp_path, amp_dtype=amp_dtype, fp16_run=fp16_run))
    check_trainable(config)
    assert autocast_dtype(config.train, torch.device(device)) == expected
    assert "amp_dtype" not in config.export_dict()["train"]  # ours: left out of exported weights


def test_misspelt_and_unknown_keys_are_named_with_a_suggestion_and_kept(tmp_path, caplog):
    raw = tiny_config(tmp_path, tmp_path, maxSteps=3)  # ours, misspelt
    raw["model"]["hiden_channels"] = 192  # upstream's, misspelt
    raw["train"]["brand_new_upstream_key"] = [1, 2]
    with caplog.at_level("WARNING"):
        config = S2Config.from_dict(raw, source="tmp_s2.json")
    warnings = sorted(r.getMessage() for r in caplog.records if r.levelname == "WARNING")
    assert len(warnings) == 3, warnings
    assert warnings[0].startswith("tmp_s2.json: unknown key model.hiden_channels ")
    assert warnings[0].endswith("did you mean model.hidden_channels?")
    assert warnings[1].startswith("tmp_s2.json: unknown key train.brand_new_upstream_key ") and "did you mean" not in warnings[1]
    assert warnings[2].startswith("tmp_s2.json: unknown key train.maxSteps ")
    assert warnings[2].endswith("did you mean train.max_steps?")
    assert config.train.max_steps is None  # a misspelt key does not set the value it resembles
    assert config.to_dict() == raw  # ...and is kept, as is every unknown key
    exported = config.export_dict()
    assert exported["train"]["maxSteps"] == 3 and exported["model"]["hiden_channels"] == 192


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
