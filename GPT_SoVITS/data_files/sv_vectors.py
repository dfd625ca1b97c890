"""Stage 2-get-sv's per-utterance files `7-sv_cn/<name>.pt`: one speaker vector [1, 20480].

Upstream's format: a tensor of shape [1, 20480], float32, or float16 when the stage ran in half
precision on a GPU. One writer (atomic: a present file is a finished utterance) and one strict
reader for the SoVITS trainer. Pro experiments only; v2 never reads or writes them.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import torch

from GPT_SoVITS.atomic import torch_save_atomic
from GPT_SoVITS.data_files.features import read_float_tensor
from GPT_SoVITS.data_files.layout import sv_path
from GPT_SoVITS.errors import DataError

SV_DIM = 20480  # ERes2NetV2's fused map: 2048 channels x 10 frequency rows (GPT_SoVITS.sv)
SV_DTYPES = (torch.float32, torch.float16)
RERUN = "delete it and rerun stage 2-get-sv (button 1b with a Pro version)"


def write_sv_vector(opt_dir: str | os.PathLike, name: str, vector: torch.Tensor) -> Path:
    """Write `vector` ([20480] or [1, 20480], float32 or float16) as `7-sv_cn/<name>.pt`, atomically."""
    vector = vector.detach().to("cpu")
    if vector.numel() != SV_DIM or vector.dtype not in SV_DTYPES:
        raise ValueError(f"a speaker vector is {SV_DIM} float32/float16 values, got {tuple(vector.shape)} {vector.dtype}")
    path = sv_path(opt_dir, name)
    torch_save_atomic(vector.reshape(1, SV_DIM).clone(), path)
    return path


def read_sv_vector(path: str | os.PathLike) -> torch.Tensor:
    """The vector [20480] as float32 (fp16 files are upcast, as upstream's collate does).

    `DataError` naming the file when it is missing, unreadable, not a float [1, 20480] tensor or
    holds NaN/inf.
    """
    path = Path(path)
    vector = read_float_tensor(path, f"[1, {SV_DIM}]", "run stage 2-get-sv (button 1b with a Pro version) first", RERUN)
    if tuple(vector.shape) != (1, SV_DIM):
        raise DataError(f"{path}: expected shape [1, {SV_DIM}], got {list(vector.shape)}; {RERUN}")
    vector = vector[0].float()
    if not math.isfinite(float(vector.sum())):
        raise DataError(f"{path}: the speaker vector holds NaN or inf; {RERUN}")
    return vector


def sv_finished(opt_dir: str | os.PathLike, name: str) -> bool:
    """Whether stage 2-get-sv wrote `name`'s vector."""
    return sv_path(opt_dir, name).is_file()
