"""Files the SoVITS trainer writes: the resumable training state, inference exports, config copy.

The training state (`<s2_ckpt_dir>/logs_s2_<v>/state_latest.pt`) is ours: everything needed to
continue bit-for-bit (G, D, optimisers, schedulers, scaler, RNG, epoch, step, symbol table).
Exports are upstream-format inference weights written through `weights_compat.save_checkpoint`
(v2Pro/v2ProPlus ones with upstream's version bytes in place of `PK`, as its exports have them).
Pretrained weights are *read* only through `weights_compat.load_into` (in the trainer).
"""

from __future__ import annotations

import glob
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import torch

from GPT_SoVITS import weights_compat as wc
from GPT_SoVITS.atomic import remove_stale_temps as remove_temps
from GPT_SoVITS.atomic import torch_save_atomic, write_text_atomic
from GPT_SoVITS.errors import CheckpointError, GptSovitsError
from GPT_SoVITS.text.symbols import SymbolTable
from GPT_SoVITS.versions import is_pro_version

logger = logging.getLogger(__name__)

STATE_FILE = "state_latest.pt"
STATE_FORMAT = 1


@dataclass(frozen=True)
class TrainingState:
    """A loaded resume file; the `*_state` fields are state dicts to load into live objects."""

    epoch: int  # last finished epoch
    step: int  # optimiser steps taken so far (global, all epochs)
    generator: dict
    discriminator: dict
    optim_g: dict
    optim_d: dict
    sched_g: dict
    sched_d: dict
    scaler: dict
    rng: dict
    symbols: tuple[str, ...]


def state_path(state_dir: Path) -> Path:
    return Path(state_dir) / STATE_FILE


def save_training_state(path: Path, state: TrainingState) -> None:
    """Write the resume file atomically (an interrupted save leaves the previous one intact)."""
    payload = {
        "format": STATE_FORMAT,
        "epoch": state.epoch,
        "step": state.step,
        "generator": state.generator,
        "discriminator": state.discriminator,
        "optim_g": state.optim_g,
        "optim_d": state.optim_d,
        "sched_g": state.sched_g,
        "sched_d": state.sched_d,
        "scaler": state.scaler,
        "rng": state.rng,
        "symbols": list(state.symbols),
    }
    torch_save_atomic(payload, path)
    logger.info("saved the training state (epoch %d, step %d) to %s", state.epoch, state.step, path)


def load_training_state(path: Path, table: SymbolTable) -> TrainingState:
    """Read a resume file written by `save_training_state` (weights only, no code execution).

    Refuses a state trained with another symbol table: its text embedding rows mean other
    symbols, so continuing would silently scramble them.
    """
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # truncated zip, foreign pickle, ...
        raise CheckpointError(f"{path}: unreadable training state ({error}); delete it to start from the pretrained weights") from None
    if not isinstance(payload, dict) or payload.get("format") != STATE_FORMAT:
        raise CheckpointError(f"{path}: not a training state of this trainer (format {payload.get('format') if isinstance(payload, dict) else None})")
    symbols = tuple(payload["symbols"])
    if symbols != table.symbols:
        raise CheckpointError(
            f"{path}: this state was trained with a {len(symbols)}-symbol table, but the config asks for "
            f"{table.name!r} ({len(table)} symbols); set symbol_table back or move the state away to start afresh"
        )
    return TrainingState(
        epoch=int(payload["epoch"]), step=int(payload["step"]), generator=payload["generator"],
        discriminator=payload["discriminator"], optim_g=payload["optim_g"], optim_d=payload["optim_d"],
        sched_g=payload["sched_g"], sched_d=payload["sched_d"], scaler=payload["scaler"],
        rng=payload["rng"], symbols=symbols,
    )


def rng_state() -> dict[str, Any]:
    """Torch RNG states (CPU and each CUDA device) so a resumed run draws the same slices."""
    state: dict[str, Any] = {"cpu": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: Mapping[str, Any]) -> None:
    torch.set_rng_state(state["cpu"])
    if torch.cuda.is_available() and "cuda" in state and len(state["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(state["cuda"])


# --- exports ----------------------------------------------------------------------------------


def export_name(name: str, epoch: int, step: int) -> str:
    """Upstream's naming of fine-tuned SoVITS weights: `<name>_e<epoch>_s<step>.pth`."""
    return f"{name}_e{epoch}_s{step}.pth"


def export_weights(
    generator_state: Mapping[str, torch.Tensor], save_weight_dir: Path, name: str, epoch: int, step: int,
    config: Mapping, table: SymbolTable, version: str,
) -> Path:
    """Write inference weights (fp16, without the training-only `enc_q`) in upstream's format."""
    path = Path(save_weight_dir) / export_name(name, epoch, step)
    wc.save_checkpoint(
        path, generator_state, config=dict(config), info=f"{epoch}epoch_{step}iteration",
        table=table, version=version, half=True, exclude=("enc_q.*",), upstream_header=is_pro_version(version),
    )
    logger.info("exported inference weights %s", path)
    return path


def promised_export(save_weight_dir: Path, name: str, epoch: int, step: int, epochs: int, save_every_epoch: int,
                    if_save_every_weights: bool) -> Path | None:
    """The export a state saved at (`epoch`, `step`) promises: the trainer saves the state first, then
    exports on save epochs (with if_save_every_weights) and at the last epoch; None when it promises none."""
    if epoch <= 0 or not (epoch >= epochs or (if_save_every_weights and epoch % save_every_epoch == 0)):
        return None
    return Path(save_weight_dir) / export_name(name, epoch, step)


def readable_export(path: Path) -> bool:
    """Whether `path` exists and reads as a checkpoint (a kill may leave none; a damaged one counts as none)."""
    if not path.is_file():
        return False
    try:
        wc.read_checkpoint(path)
    except GptSovitsError:
        return False
    return True


def remove_stale_temps(state_dir: Path, save_weight_dir: Path, name: str) -> None:
    """Remove what a killed save of this run left: temporary state and export files."""
    remove_temps(state_dir, STATE_FILE)
    remove_temps(save_weight_dir, f"{glob.escape(name)}_e*_s*.pth")


def previous_exports(save_weight_dir: Path, name: str) -> list[Path]:
    """This experiment's exports in a folder, oldest step first."""
    pattern = re.compile(rf"^{re.escape(name)}_e(\d+)_s(\d+)\.pth$")
    found = []
    for path in Path(save_weight_dir).glob(f"{name}_e*_s*.pth"):
        match = pattern.match(path.name)
        if match:
            found.append((int(match.group(2)), int(match.group(1)), path))
    return [path for _, _, path in sorted(found)]


def prune_exports(save_weight_dir: Path, name: str, keep: Path) -> list[Path]:
    """Delete this experiment's other exports (`if_save_latest`); returns what was removed."""
    removed = []
    for path in previous_exports(save_weight_dir, name):
        if path.resolve() != Path(keep).resolve():
            path.unlink(missing_ok=True)
            removed.append(path)
    if removed:
        logger.info("removed %d older export(s): %s", len(removed), ", ".join(p.name for p in removed))
    return removed


def write_config_copy(s2_ckpt_dir: Path, config: Mapping) -> Path:
    """Copy the run's config to `<s2_ckpt_dir>/config.json`, as upstream does."""
    path = Path(s2_ckpt_dir) / "config.json"
    write_text_atomic(path, json.dumps(dict(config), indent=2, ensure_ascii=False) + "\n")
    return path
