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


def test_a_read_only_logs_folder_fails_before_any_training(tmp_path, read_only_folder, monkeypatch):
    """The state folder is checked at start: no epoch is trained only to fail at its save."""
    from GPT_SoVITS.AR import train as train_module

    folder, cause = read_only_folder
    config = load_config(train_yaml(tmp_path, epochs=1))
    config = type(config)(**{**vars(config), "output_dir": folder / "logs_s1_v2"})
    steps = []
    monkeypatch.setattr(train_module, "train_step", lambda *args: steps.append(1) or {"loss/sum": 1.0})
    with pytest.raises(OutputError, match=f"^{folder / 'logs_s1_v2'}: cannot create its folder|: {cause}"):
        train(config)
    assert steps == []


def test_a_killed_export_is_rewritten_and_stale_temporary_files_are_removed(tmp_path, caplog):
    import logging

    config = load_config(train_yaml(tmp_path, epochs=1))
    first = train(config)
    export = first.exports[-1]
    saved = wc_weights(export)
    export.unlink()  # as if it was lost after the state named it
    (export.parent / f".{export.name}.0badc0de.tmp").write_bytes(b"half")
    (config.state_path.parent / ".last.pt.12345678.tmp").write_bytes(b"half")
    with caplog.at_level(logging.INFO):
        again = train(config)
    assert again.steps == first.steps and "already trained 1 of 1 epochs: nothing to do" in caplog.text
    assert sorted(p.name for p in export.parent.iterdir()) == [export.name]
    assert _temp_files(tmp_path) == []
    rewritten = wc_weights(export)
    assert all(torch.equal(rewritten[k], saved[k]) for k in saved)


def wc_weights(path):
    from GPT_SoVITS import weights_compat as wc

    return wc.read_checkpoint(path)["weight"]


def test_a_hostile_resume_file_is_refused_as_unsafe_without_weights_only_advice(tmp_path):
    config = train_yaml(tmp_path, epochs=1)
    state = tmp_path / "logs" / "exp" / "logs_s1_v2" / "ckpt" / "last.pt"
    state.parent.mkdir(parents=True)

    class Hostile:
        def __reduce__(self):
            return (print, ("pwned",))

    torch.save({"model": Hostile()}, state)
    done = subprocess.run([sys.executable, "GPT_SoVITS/s1_train.py", "--config_file", str(config)], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and "Traceback" not in done.stderr and "pwned" not in done.stdout
    assert "weights_only" not in done.stderr, done.stderr[-2000:]
    assert f"error: {state}: refused as unsafe: this training state holds objects that would run code" in done.stderr


def test_the_cli_says_when_nothing_is_left_to_train(tmp_path):
    config = train_yaml(tmp_path, epochs=1)
    command = [sys.executable, "GPT_SoVITS/s1_train.py", "--config_file", str(config)]
    assert subprocess.run(command, cwd=REPO_ROOT, capture_output=True, timeout=300).returncode == 0
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "nan" not in done.stdout, done.stdout
    assert "GPT training: nothing left to train (1 epochs, 6 steps done before; raise the epochs to continue)" in done.stdout
