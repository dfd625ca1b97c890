"""Tiny v2Pro/v2ProPlus SoVITS configs and pretrained files for the pipeline, trainer, synthesis and UI tests.

The configs are `configs/s2v2Pro*.json` with small channels; ProPlus keeps its first upsampling
kernel (20), which is what tells it from v2Pro at any width. Files are written through
`weights_compat.save_checkpoint` in upstream's pretrained layout (G with `enc_q`), so every consumer
loads them with the real loading code. The speaker-vector input stays full size (20480).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import torch

from GPT_SoVITS import weights_compat as wc
from GPT_SoVITS.module.config import S2Config
from GPT_SoVITS.module.discriminators import MultiPeriodDiscriminator
from GPT_SoVITS.module.models import build_generator
from GPT_SoVITS.text.symbols import SymbolTable, default_table_name, get_table
from tests.conftest import REPO_ROOT

TINY_PRO_MODEL = {
    "inter_channels": 16, "hidden_channels": 16, "filter_channels": 32, "n_heads": 2, "n_layers": 1,
    "kernel_size": 3, "resblock_kernel_sizes": [3], "resblock_dilation_sizes": [[1, 3]], "gin_channels": 24,
}
TINY_DECODER = {"v2Pro": 32, "v2ProPlus": 48}  # upsample_initial_channel (upstream: 512 and 768)


def tiny_pro_config(version: str) -> dict:
    """configs/s2<version>.json with a tiny model and `model.version` set (as the UI writes it)."""
    config = copy.deepcopy(json.loads((REPO_ROOT / "configs" / f"s2{version}.json").read_text(encoding="utf-8")))
    config["model"].update(TINY_PRO_MODEL, upsample_initial_channel=TINY_DECODER[version], version=version)
    config["train"].update(segment_size=5120, log_interval=1, min_epoch_items=1, num_workers=0)
    return config


def write_tiny_pro_config(path: Path, version: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(tiny_pro_config(version), indent=2), encoding="utf-8")
    return path


def save_tiny_pro_s2g(path: Path, version: str, table: str | SymbolTable | None = None, seed: int = 0,
                      export: bool = False) -> Path:
    """A random tiny generator in upstream's pretrained layout (`enc_q` kept, no version bytes), or
    with `export` in its inference-export layout (no `enc_q`, version bytes in place of `PK`)."""
    table = get_table(table or default_table_name()) if not isinstance(table, SymbolTable) else table
    config = S2Config.from_dict(tiny_pro_config(version))
    torch.manual_seed(seed)
    generator = build_generator(config, table)
    wc.save_checkpoint(path, generator.state_dict(), config=config.export_dict(), info="pretrained", table=table,
                       version=version, exclude=("enc_q.*",) if export else (), upstream_header=export)
    return path


def save_pro_s2d(path: Path, version: str, seed: int = 0) -> Path:
    """A random Pro discriminator (periods up to 23; it has no width to shrink: 63 M parameters)."""
    torch.manual_seed(seed)
    discriminator = MultiPeriodDiscriminator(version=version)
    wc.save_checkpoint(path, discriminator.state_dict(), config={}, info="pretrained", table=None, version=version)
    return path
