"""Stage 2's per-utterance files: HuBERT features `4-cnhubert/<name>.pt` and audio `5-wav32k/<name>`.

One strict reader of the features (stage 3 and the SoVITS trainer), one reader of the 32 kHz
wavs, and the writers stage 2 uses. The wav is written first and the `.pt` last, so an existing
`.pt` means the utterance is finished.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import torch

from GPT_SoVITS.atomic import atomic_output, torch_save_atomic
from GPT_SoVITS.data_files.layout import ssl_path, wav32k_path
from GPT_SoVITS.errors import DataError

SSL_DIM = 768  # chinese-hubert-base's hidden size
WAV_SR = 32000


def read_float_tensor(path: Path, shape: str, when_missing: str, fix: str) -> torch.Tensor:
    """A float tensor a stage saved (weights only), or a `DataError` naming `path`: `when_missing`
    says what to run when it is absent, `fix` what to do when it is unreadable or not a float
    tensor (`shape` describes the expected one)."""
    try:
        tensor = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise DataError(f"{path} is missing: {when_missing}") from None
    except Exception as error:  # torch raises many types for a corrupt or foreign file
        raise DataError(f"{path} cannot be read ({type(error).__name__}: {error}); {fix}") from None
    if not isinstance(tensor, torch.Tensor) or not tensor.is_floating_point():
        kind = f"a {tensor.dtype} tensor" if isinstance(tensor, torch.Tensor) else type(tensor).__name__
        raise DataError(f"{path}: expected a float tensor {shape}, got {kind}; {fix}")
    return tensor


def read_ssl_features(path: str | os.PathLike, min_frames: int = 2) -> torch.Tensor:
    """Features [768, T] (the file's float dtype) from a `.pt` holding exactly [1, 768, T].

    `DataError` naming the file when it is missing, unreadable, not a float tensor of that
    shape, shorter than `min_frames` (one semantic code needs 2) or holds NaN/inf.
    """
    path = Path(path)
    ssl = read_float_tensor(path, f"[1, {SSL_DIM}, T]", "stage 2 did not produce it (see its failures); run stage 2 first",
                            "delete it and rerun stage 2")
    if ssl.dim() != 3 or ssl.size(0) != 1 or ssl.size(1) != SSL_DIM:
        raise DataError(f"{path}: expected shape [1, {SSL_DIM}, T], got {list(ssl.shape)}; delete it and rerun stage 2")
    if ssl.size(2) < min_frames:
        raise DataError(f"{path}: only {ssl.size(2)} feature frame(s); the audio is too short (at least "
                        f"{min_frames} frames = {min_frames * 20} ms of speech are needed)")
    # NaN and inf survive a sum, 50x cheaper than isfinite().all(); that only confirms (a sum of
    # huge finite values can overflow).
    if not math.isfinite(float(ssl.sum())) and not bool(torch.isfinite(ssl).all()):
        raise DataError(f"{path}: features hold NaN or inf; delete it and rerun stage 2")
    return ssl[0]


def read_wav32k(path: str | os.PathLike, sampling_rate: int = WAV_SR) -> torch.Tensor:
    """A `5-wav32k` file as float32 in [-1, 1] (int16 / 32768, upstream's max_wav_value), shape [S]."""
    import soundfile

    try:
        audio, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError) as error:
        raise DataError(f"{path}: cannot read audio ({error}); re-run stage 2 (1b) for it") from None
    if rate != sampling_rate:
        raise DataError(f"{path}: {rate} Hz, expected {sampling_rate}; re-run stage 2 (1b) for it")
    return torch.from_numpy(audio.mean(axis=1))


def write_stage2_outputs(opt_dir: str | os.PathLike, name: str, wav32k: np.ndarray, features: torch.Tensor) -> None:
    """Write the int16 32 kHz wav, then the features [1, 768, T] (whose presence marks `name` done)."""
    from scipy.io import wavfile

    with atomic_output(wav32k_path(opt_dir, name)) as tmp:
        wavfile.write(tmp, WAV_SR, wav32k)
    torch_save_atomic(features.detach().cpu(), ssl_path(opt_dir, name))


def stage2_finished(opt_dir: str | os.PathLike, name: str) -> bool:
    """Whether stage 2 wrote both files of `name`."""
    return ssl_path(opt_dir, name).is_file() and wav32k_path(opt_dir, name).is_file()
