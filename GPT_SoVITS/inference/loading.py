"""Synthesis's models: the GPT (s1) and SoVITS (s2G) weights through the one loader
(`GPT_SoVITS.model_files`), the speaker encoder a SoVITS file with speaker vectors needs, the
check that both files use one symbol table, and the list of exported weights.

The two tables must agree, since the GPT and SoVITS both read the same phone ids. Building the
HuBERT model and running anything is not done here.
"""

from __future__ import annotations

from pathlib import Path

import torch

from GPT_SoVITS.errors import CheckpointError
from GPT_SoVITS.model_files import SV_SAMPLE_RATE, LoadedModel, load_gpt, load_sovits
from GPT_SoVITS.text.symbols import SymbolTable
from GPT_SoVITS.versions import VERSIONS

__all__ = ["SV_SAMPLE_RATE", "LoadedModel", "check_same_table", "list_weights", "load_gpt", "load_sovits", "load_sv_for"]


def load_sv_for(sovits: LoadedModel, sv_path: str | Path | None, device: str | torch.device = "cpu",
                half: bool = False) -> torch.nn.Module | None:
    """The speaker encoder a SoVITS model with speaker vectors needs (None otherwise), from `sv_path` or
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
    version (in the version table's order), each folder sorted by name.

    Missing folders give empty lists (nothing trained yet).
    """
    root = Path(root)

    def files(folder: str, pattern: str) -> list[Path]:
        return sorted(p for p in (root / folder).glob(pattern) if p.is_file()) if (root / folder).is_dir() else []

    gpt = [path for version in VERSIONS.values() for path in files(version.gpt_weights_dir, "*.ckpt")]
    sovits = [path for version in VERSIONS.values() for path in files(version.sovits_weights_dir, "*.pth")]
    return gpt, sovits
