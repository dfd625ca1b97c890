"""Load the GPT (s1) and SoVITS (s2G) weights for synthesis, and list the exported ones.

Both files go through weights_compat: each file says (stored `symbols`, else its row count)
which symbol table its text embedding uses, the model is built for exactly that table and
loaded strictly. The two tables must agree, since the GPT and SoVITS both read the same phone
ids. A v2Pro/v2ProPlus SoVITS file (identified by its content and upstream's version bytes)
also needs the speaker encoder, loaded here too. Building the HuBERT model and running
anything is not done here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import torch

from GPT_SoVITS import weights_compat as wc
from GPT_SoVITS.errors import CheckpointError, ConfigError
from GPT_SoVITS.text.symbols import SymbolTable
from GPT_SoVITS.versions import VERSIONS, is_pro_version

logger = logging.getLogger(__name__)

SUPPORTED_SOVITS_VERSIONS = ("v1", "v2", "v2Pro", "v2ProPlus")
SV_SAMPLE_RATE = 32000  # the speaker encoder's input is resampled from 32 kHz, as upstream


@dataclass(frozen=True)
class LoadedModel:
    """A model ready for inference, the table it was built for and the file's config."""

    model: torch.nn.Module
    table: SymbolTable
    config: Any
    path: Path
    version: str = "v2"  # the architecture read from the file (v2Pro/v2ProPlus need speaker vectors)

    @property
    def needs_speaker_vector(self) -> bool:
        return is_pro_version(self.version)


def _read(path: Path, kind: str, what: str) -> tuple[dict, wc.CheckpointInfo]:
    checkpoint = wc.read_checkpoint(path)
    try:
        info = wc.identify(checkpoint)
    except CheckpointError as error:
        raise CheckpointError(f"{path}: {error}") from None
    if info.kind != kind:
        raise CheckpointError(
            f"{path}: expected {what} weights but this is an {info.kind} checkpoint; "
            f"check which file goes where (GPT: .ckpt from GPT_weights_<version>/, SoVITS: .pth from "
            f"SoVITS_weights_<version>/)"
        )
    if not isinstance(checkpoint.get("config"), Mapping):
        raise ConfigError(f"{path}: the checkpoint has no 'config' dict; inference needs the model settings stored with it")
    return checkpoint, info


def _load(module: torch.nn.Module, checkpoint: dict, path: Path, table: SymbolTable, kind: str, **allow) -> None:
    try:
        wc.load_into(module, checkpoint, table=table, kind=kind, **allow)
    except CheckpointError as error:
        raise CheckpointError(f"{path}: {error}") from None
    logger.info("%s: %s weights for table %s (%d symbols)", path.name, kind, table.name, len(table))


def load_gpt(path: str | Path, device: str | torch.device = "cpu", half: bool = False) -> LoadedModel:
    """The GPT of a `.ckpt` file (upstream pretrained or exported), in eval mode on `device`."""
    from GPT_SoVITS.AR.models.t2s_model import build_text2semantic

    path = Path(path)
    checkpoint, info = _read(path, "s1", "GPT (s1)")
    config = dict(checkpoint["config"])
    model = build_text2semantic(config, info.table)
    _load(model, checkpoint, path, info.table, "s1")
    model = model.eval().to(device)
    return LoadedModel(model.half() if half else model, info.table, config, path)


def load_sovits(path: str | Path, device: str | torch.device = "cpu", half: bool = False) -> LoadedModel:
    """The SoVITS generator of a `.pth` file, in eval mode on `device`, weight norm folded.

    Inference-format files lack the posterior encoder `enc_q` (training only): allowed missing.
    """
    from GPT_SoVITS.module.config import S2Config
    from GPT_SoVITS.module.models import build_generator

    path = Path(path)
    checkpoint, info = _read(path, "s2G", "SoVITS (s2G)")
    if info.version not in SUPPORTED_SOVITS_VERSIONS:
        raise CheckpointError(f"{path}: SoVITS {info.version} weights are not supported; use v2, v2Pro or v2ProPlus weights")
    config = S2Config.from_dict(checkpoint["config"], source=f"{path}: config")
    config.model.version = info.version  # the content decides (ref encoder width, Pro layers), not the stored config
    if is_pro_version(info.version) and config.data.sampling_rate != SV_SAMPLE_RATE:
        raise ConfigError(f"{path}: a {info.version} model works at {SV_SAMPLE_RATE} Hz (its speaker vectors are "
                          f"computed from 32 kHz audio); the stored config says {config.data.sampling_rate}")
    model = build_generator(config, info.table)
    _load(model, checkpoint, path, info.table, "s2G", allow_missing=("enc_q.*",))
    model.remove_weight_norm()
    model = model.eval().to(device)
    return LoadedModel(model.half() if half else model, info.table, config, path, info.version)


def load_sv_for(sovits: LoadedModel, sv_path: str | Path | None, device: str | torch.device = "cpu",
                half: bool = False) -> torch.nn.Module | None:
    """The speaker encoder a v2Pro/v2ProPlus SoVITS model needs (None for v2), from `sv_path` or
    its default place; a missing file is one error naming the model, the place and the fix."""
    if not sovits.needs_speaker_vector:
        return None
    from GPT_SoVITS.pretrained import pretrained_path
    from GPT_SoVITS.sv import load_speaker_encoder

    path = Path(sv_path) if sv_path else pretrained_path("sv")
    try:
        return load_speaker_encoder(path, device=device, dtype=torch.float16 if half else torch.float32)
    except CheckpointError as error:
        raise CheckpointError(
            f"{sovits.path.name} is a {sovits.version} model, which needs the speaker encoder: {error}. Fetch it with "
            f"`python tools/download_pretrained.py --only sv`, or give its path (--sv FILE)") from None


def check_same_table(gpt: LoadedModel, sovits: LoadedModel) -> SymbolTable:
    """The shared symbol table, or a `CheckpointError` naming both files and tables."""
    if gpt.table != sovits.table:
        raise CheckpointError(
            f"the GPT weights {gpt.path.name} use symbol table {gpt.table.name!r} ({len(gpt.table)} symbols) but the "
            f"SoVITS weights {sovits.path.name} use {sovits.table.name!r} ({len(sovits.table)} symbols); both read the "
            f"same phone ids, so pick a GPT and a SoVITS file trained with the same table"
        )
    return gpt.table


def list_weights(root: str | Path = ".") -> tuple[list[Path], list[Path]]:
    """Exported weights under `root`: (`GPT_weights_<v>/*.ckpt`, `SoVITS_weights_<v>/*.pth`) of every
    version (v2, v2Pro, v2ProPlus, in that order), each folder sorted by name.

    Missing folders give empty lists (nothing trained yet).
    """
    root = Path(root)

    def files(folder: str, pattern: str) -> list[Path]:
        return sorted(p for p in (root / folder).glob(pattern) if p.is_file()) if (root / folder).is_dir() else []

    gpt = [path for version in VERSIONS.values() for path in files(version.gpt_weights_dir, "*.ckpt")]
    sovits = [path for version in VERSIONS.values() for path in files(version.sovits_weights_dir, "*.pth")]
    return gpt, sovits
