"""The environment interface of the stage scripts, exactly as the web UI sets it.

Upstream passes every parameter through `os.environ`; we keep those names and parse them
once here into a typed record, refusing a bad value before any work starts.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from GPT_SoVITS.errors import ConfigError
from GPT_SoVITS.pretrained import PRETRAINED

logger = logging.getLogger(__name__)

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no", ""}


def _flag(env: Mapping[str, str], key: str, default: bool = False) -> bool:
    value = env.get(key)
    if value is None:
        return default
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ConfigError(f"environment variable {key}={value!r}: expected True or False")


def _int(env: Mapping[str, str], key: str, default: int) -> int:
    value = env.get(key, "")
    if value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"environment variable {key}={value!r}: expected an integer") from None


def _latin(env: Mapping[str, str]) -> str:
    from GPT_SoVITS.text.russian.latin import ENV_VAR, MODES

    value = env.get(ENV_VAR, "").strip().lower() or "english"
    if value not in MODES:
        raise ConfigError(f"environment variable {ENV_VAR}={value!r}: expected one of {', '.join(MODES)}")
    return value


@dataclass(frozen=True)
class StageEnv:
    """Parameters shared by the stages plus each stage's model path."""

    inp_text: Path
    inp_wav_dir: str
    exp_name: str
    opt_dir: Path
    i_part: int
    all_parts: int
    is_half: bool
    version: str
    cuda_visible_devices: str | None
    bert_pretrained_dir: str
    cnhubert_base_dir: str
    pretrained_s2G: str
    s2config_path: str
    sv_path: str = str(PRETRAINED["sv"].path)  # stage 2-get-sv's speaker encoder (v2Pro/v2ProPlus)
    progress_file: Path | None = None  # ours, set by the pipeline: where the part reports its progress
    latin: str = "english"  # ours: how stage 1 reads Latin words in Russian lines ($GPT_SOVITS_LATIN)

    @classmethod
    def from_environ(cls, env: Mapping[str, str] | None = None) -> "StageEnv":
        """Read the variables the UI sets; `inp_text` and `opt_dir` (or `exp_name`) are required."""
        env = os.environ if env is None else env
        inp_text = env.get("inp_text", "").strip()
        if not inp_text:
            raise ConfigError("environment variable inp_text is not set: point it at the .list file")
        exp_name = env.get("exp_name", "").strip()
        opt_dir = env.get("opt_dir", "").strip() or (f"logs/{exp_name}" if exp_name else "")
        if not opt_dir:
            raise ConfigError("set opt_dir (the experiment folder, e.g. logs/<exp_name>) or exp_name")
        i_part, all_parts = _int(env, "i_part", 0), _int(env, "all_parts", 1)
        if all_parts < 1 or not 0 <= i_part < all_parts:
            raise ConfigError(f"i_part={i_part}, all_parts={all_parts}: need 0 <= i_part < all_parts")
        return cls(
            inp_text=Path(inp_text),
            inp_wav_dir=env.get("inp_wav_dir", "").strip(),
            exp_name=exp_name or Path(opt_dir).name,
            opt_dir=Path(opt_dir),
            i_part=i_part,
            all_parts=all_parts,
            is_half=_flag(env, "is_half"),
            version=env.get("version", "v2").strip() or "v2",
            cuda_visible_devices=env.get("_CUDA_VISIBLE_DEVICES"),
            bert_pretrained_dir=env.get("bert_pretrained_dir", "GPT_SoVITS/pretrained_models/chinese-roberta-wwm-ext-large"),
            cnhubert_base_dir=env.get("cnhubert_base_dir", str(PRETRAINED["cnhubert"].path)),
            pretrained_s2G=env.get("pretrained_s2G", str(PRETRAINED["s2G"].path)),
            s2config_path=env.get("s2config_path", "configs/s2.json"),
            sv_path=env.get("sv_path", "").strip() or str(PRETRAINED["sv"].path),
            progress_file=Path(env["progress_file"]) if env.get("progress_file", "").strip() else None,
            latin=_latin(env),
        )

    def apply_cuda_devices(self) -> None:
        """Copy `_CUDA_VISIBLE_DEVICES` into `CUDA_VISIBLE_DEVICES`; call before CUDA is initialised."""
        if self.cuda_visible_devices is not None:
            os.environ["CUDA_VISIBLE_DEVICES"] = self.cuda_visible_devices


def choose_device(env: StageEnv, model: str) -> tuple[str, bool]:
    """(device, half) for a stage's `model`: CUDA when present (half precision if `is_half`), else
    the CPU in float32. Imports torch, so call it after `apply_cuda_devices`."""
    import torch

    if torch.cuda.is_available():
        return "cuda", env.is_half
    if env.is_half:
        logger.info("is_half=True but no CUDA device: running %s in float32 on the CPU", model)
    return "cpu", False
