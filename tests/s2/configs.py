"""Small s2 training configs for tests and benchmarks (the real 32 kHz framing, tiny channels)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from tests.conftest import REPO_ROOT

#: Small generator: channels shrunk, one resblock kernel, 8-frame (5120-sample) segments.
TINY_MODEL = {
    "inter_channels": 16,
    "hidden_channels": 16,
    "filter_channels": 32,
    "n_heads": 2,
    "n_layers": 1,
    "kernel_size": 3,
    "p_dropout": 0.0,
    "resblock_kernel_sizes": [3],
    "resblock_dilation_sizes": [[1, 3]],
    "upsample_initial_channel": 32,
    "gin_channels": 16,
}


def tiny_config(exp_dir: Path, work: Path, *, model: dict | None = None, version: str = "v2", **train) -> dict:
    """configs/s2.json (configs/s2<version>.json for v2Pro/v2ProPlus, at the sizes of the tiny Pro
    pretrained files of tests/pro_fixtures) with a tiny model, writing everything under `work`;
    `train` overrides keys."""
    if version == "v2":
        config = copy.deepcopy(json.loads((REPO_ROOT / "configs" / "s2.json").read_text(encoding="utf-8")))
        config["model"].update(TINY_MODEL)
    else:
        from tests.pro_fixtures import tiny_pro_config

        config = tiny_pro_config(version)
    config["model"].update(model or {})
    config["model"]["version"] = version
    config["train"].update({
        "batch_size": 2, "epochs": 2, "segment_size": 5120, "fp16_run": True, "learning_rate": 2e-4,
        "pretrained_s2G": "", "pretrained_s2D": "", "if_save_latest": True, "if_save_every_weights": True,
        "save_every_epoch": 1, "gpu_numbers": "0", "log_interval": 1, "min_epoch_items": 1, "num_workers": 0,
    })
    config["train"].update(train)
    config["data"]["exp_dir"] = str(exp_dir)
    config.update({
        "s2_ckpt_dir": str(work / "logs"), "save_weight_dir": str(work / "weights"), "name": "tiny",
        "symbol_table": "v2", "version": version,
    })
    return config
