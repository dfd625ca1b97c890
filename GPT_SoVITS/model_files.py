"""The one loader of a model from its weights file: the GPT (s1) and the SoVITS generator (s2G).

Stage 3, synthesis, the GPT trainer's samples and the benchmarks all build their models here:
read and identify the file through weights_compat, check its kind and version against the
version table, build the network for the right symbol table and architecture, load it strictly
(`load_into`), and hand it back ready for inference. Each file says (stored `symbols`, else its
row count) which symbol table its text embedding uses; the model is built for that table unless
the caller asks for another (stage 3 builds the project's table and adapts the rows by name).
It sits above `module/` and `AR/` (whose networks it builds) and below `prepare/` and
`inference/` (which call it).
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
from GPT_SoVITS.versions import DEFAULT_VERSION, is_pro_version, listed, loadable_families

logger = logging.getLogger(__name__)

SV_SAMPLE_RATE = 32000  # the speaker encoder's input is resampled from 32 kHz, as upstream


@dataclass(frozen=True)
class LoadedModel:
    """A model ready for inference, the table it was built for and the file's config."""

    model: torch.nn.Module
    table: SymbolTable
    config: Any
    path: Path
    version: str = DEFAULT_VERSION  # the architecture read from the file (`is_pro_version`: speaker vectors)

    @property
    def needs_speaker_vector(self) -> bool:
        return is_pro_version(self.version)


def _read(path: Path, kind: str, what: str) -> tuple[dict, wc.CheckpointInfo]:
    checkpoint = wc.read_checkpoint(path)
    info = wc.identify(checkpoint, str(path))
    if info.kind != kind:
        raise CheckpointError(
            f"{path}: expected {what} weights but this is an {info.kind} checkpoint; "
            f"check which file goes where (GPT: .ckpt from GPT_weights_<version>/, SoVITS: .pth from "
            f"SoVITS_weights_<version>/)"
        )
    return checkpoint, info


def _stored_config(checkpoint: Mapping, path: Path) -> Mapping:
    if not isinstance(checkpoint.get("config"), Mapping):
        raise ConfigError(f"{path}: the checkpoint has no 'config' dict; inference needs the model settings stored with it")
    return checkpoint["config"]


def _ready(model: torch.nn.Module, device: str | torch.device, half: bool) -> torch.nn.Module:
    model = model.eval().to(device)
    return model.half() if half else model


def load_gpt(path: str | Path, device: str | torch.device = "cpu", half: bool = False) -> LoadedModel:
    """The GPT of a `.ckpt` file (upstream pretrained or exported), in eval mode on `device`."""
    from GPT_SoVITS.AR.models.t2s_model import build_text2semantic

    path = Path(path)
    checkpoint, info = _read(path, "s1", "GPT (s1)")
    config = dict(_stored_config(checkpoint, path))
    model = build_text2semantic(config, info.table)
    wc.load_into(model, checkpoint, table=info.table, kind="s1", source_path=path)
    return LoadedModel(_ready(model, device, half), info.table, config, path, info.version)


def load_sovits(path: str | Path, device: str | torch.device = "cpu", half: bool = False, *,
                config: Any = None, table: SymbolTable | str | None = None) -> LoadedModel:
    """The SoVITS generator of a `.pth` file, in eval mode on `device`, weight norm folded.

    `config` (an `S2Config`) replaces the file's stored one (stage 3 reads upstream's pretrained
    files, which store none); `table` builds the model for another table than the file's, adapting
    the text embedding by symbol name. The architecture version always comes from the content.
    Inference-format files lack the posterior encoder `enc_q` (training only): allowed missing.
    """
    from GPT_SoVITS.module.config import S2Config
    from GPT_SoVITS.module.models import build_generator

    path = Path(path)
    checkpoint, info = _read(path, "s2G", "SoVITS (s2G)")
    if info.version not in loadable_families():
        raise CheckpointError(f"{path}: SoVITS {info.version} weights are not supported; use "
                              f"{listed(loadable_families())} weights")
    if config is None:
        config = S2Config.from_dict(_stored_config(checkpoint, path), source=f"{path}: config")
    config.model.version = info.version  # the content decides (ref encoder width, Pro layers), not the config
    if is_pro_version(info.version) and config.data.sampling_rate != SV_SAMPLE_RATE:
        raise ConfigError(f"{path}: a {info.version} model works at {SV_SAMPLE_RATE} Hz (its speaker vectors are "
                          f"computed from 32 kHz audio); the config says {config.data.sampling_rate}")
    target = wc.resolve_table(table) if table is not None else info.table
    model = build_generator(config, target)
    wc.load_into(model, checkpoint, table=target, kind="s2G", allow_missing=("enc_q.*",), source_path=path)
    model.remove_weight_norm()
    return LoadedModel(_ready(model, device, half), target, config, path, info.version)
