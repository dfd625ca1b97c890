"""SoVITS trainer files on a full disk: a failed save names the path and keeps the last good state."""

from __future__ import annotations

import pytest
import torch

from GPT_SoVITS.errors import OutputError
from GPT_SoVITS.s2 import checkpoints
from GPT_SoVITS.text.symbols import get_table


def _state(epoch: int, size: int) -> checkpoints.TrainingState:
    table = get_table("v2")
    weights = {"w": torch.full((size,), float(epoch))}
    return checkpoints.TrainingState(
        epoch=epoch, step=10 * epoch, generator=weights, discriminator={}, optim_g={}, optim_d={}, sched_g={},
        sched_d={}, scaler={}, rng=checkpoints.rng_state(), symbols=table.symbols,
    )


def test_failed_state_save_keeps_the_previous_state(small_disk):
    disk = small_disk(256 * 1024)
    path = checkpoints.state_path(disk.path / "logs_s2_v2")
    checkpoints.save_training_state(path, _state(1, 1000))
    disk.fill()
    with pytest.raises(OutputError, match=f"^{path}: cannot write it: no space left on device"):
        checkpoints.save_training_state(path, _state(2, 100_000))
    kept = checkpoints.load_training_state(path, get_table("v2"))
    assert (kept.epoch, kept.step) == (1, 10) and torch.equal(kept.generator["w"], torch.full((1000,), 1.0))
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temp file left


def test_failed_export_names_the_file(small_disk):
    disk = small_disk(64 * 1024)
    disk.fill()
    with pytest.raises(OutputError, match=r"SoVITS_weights_v2/voice_e2_s20\.pth: cannot write it: no space left"):
        checkpoints.export_weights({"dec.w": torch.zeros(50_000)}, disk.path / "SoVITS_weights_v2", "voice", 2, 20,
                                   {"model": {}}, get_table("v2"), "v2")
    assert not (disk.path / "SoVITS_weights_v2" / "voice_e2_s20.pth").exists()
