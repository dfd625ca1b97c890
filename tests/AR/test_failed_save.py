"""The GPT trainer on a full disk and a read-only folder: one clear error, the last state kept."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from GPT_SoVITS.AR.train import train
from GPT_SoVITS.AR.train_config import load_config
from GPT_SoVITS.errors import OutputError
from tests.AR.helpers import train_yaml
from tests.conftest import REPO_ROOT


def _temp_files(root) -> list[str]:
    return [p.name for p in root.rglob("*.tmp")]


def test_full_disk_stops_training_and_keeps_the_last_good_state(small_disk):
    disk = small_disk(6 * 1024 * 1024)  # room for one epoch's state (1.7 MB) and exports, then filled
    config = load_config(train_yaml(disk.path, epochs=2))
    assert train(config, stop_after_epoch=1).epochs_done == 1
    saved = torch.load(config.state_path, weights_only=True)
    filler = disk.fill()
    with pytest.raises(OutputError, match="cannot write it: no space left on device; free some space, then run again"):
        train(config)
    state = torch.load(config.state_path, weights_only=True)  # still the complete epoch-1 state
    assert (state["epoch"], state["step"]) == (saved["epoch"], saved["step"]) == (1, 6)
    assert all(torch.equal(state["model"][k], saved["model"][k]) for k in saved["model"])
    assert _temp_files(disk.path) == []
    filler.unlink()  # space freed: the same command carries on from epoch 1
    result = train(config)
    assert (result.epochs_done, result.steps) == (2, 12)


def test_cli_reports_a_read_only_output_folder_in_one_line(tmp_path, read_only_folder):
    folder, cause = read_only_folder
    config = train_yaml(tmp_path, epochs=1, half_weights_save_dir=str(folder))
    done = subprocess.run([sys.executable, "GPT_SoVITS/s1_train.py", "--config_file", str(config)], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert errors[0].startswith(f"error: {folder / 'exp-e1.ckpt'}: cannot write it: {cause}; ")
