"""Where faster-whisper (CTranslate2) models live, how they are named, fetched and placed on a device.

A model is given by size name (`large-v3`, looked up as
`GPT_SoVITS/pretrained_models/faster-whisper-<size>/`) or by a folder. Nothing here downloads
unless `download_whisper` is called (the `--download` flag); a missing model is a `ConfigError`
that says which folder to fill and how.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Sequence

from GPT_SoVITS.errors import ConfigError
from GPT_SoVITS.pretrained import PRETRAINED_DIR, REPO_ROOT

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "large-v3"
REQUIRED_FILES = ("model.bin", "config.json", "tokenizer.json")  # without tokenizer.json faster-whisper goes online
DEVICES = ("auto", "cpu", "cuda")
COMPUTE_TYPES = ("auto", "int8", "int8_float16", "float16", "float32")


def model_sizes() -> list[str]:
    """The size names faster-whisper knows (tiny ... large-v3, turbo)."""
    from faster_whisper import available_models

    return list(available_models())


def whisper_folder(size: str, root: str | os.PathLike | None = None) -> Path:
    """The folder a size-named model is looked for in (under `root`, default the repository)."""
    return Path(root or REPO_ROOT) / PRETRAINED_DIR / f"faster-whisper-{size}"


def missing_files(folder: Path) -> list[str]:
    return [name for name in REQUIRED_FILES if not (folder / name).is_file()]


def hub_repo(size: str) -> str:
    """The Hugging Face repository faster-whisper downloads `size` from."""
    from faster_whisper import utils

    return getattr(utils, "_MODELS", {}).get(size, f"Systran/faster-whisper-{size}")


def missing_model_message(size: str, folder: Path) -> str:
    return (
        f"Whisper model {size!r} not found: expected a faster-whisper (CTranslate2) model in\n"
        f"  {folder}\n"
        f"with {', '.join(REQUIRED_FILES)} (plus preprocessor_config.json and vocabulary.*). "
        "Fetch it once while online:\n"
        f"  python -m tools.asr --download --model {size}\n"
        f"  (or: hf download {hub_repo(size)} --local-dir {folder})\n"
        "or give a folder that holds such a model as the model. Nothing is downloaded without --download."
    )


def _looks_like_path(text: str) -> bool:
    return any(sep in text for sep in ("/", "\\")) or text.startswith(".") or Path(text).expanduser().is_dir()


def resolve_model(model: str, roots: Sequence[Path] = ()) -> Path:
    """The model folder for a size name or a path; `ConfigError` saying what is missing and how to get it."""
    model = (model or "").strip() or DEFAULT_MODEL
    if _looks_like_path(model):
        folder = Path(model).expanduser()
        if not folder.is_dir():
            raise ConfigError(f"Whisper model folder {folder} not found")
        missing = missing_files(folder)
        if missing:
            raise ConfigError(f"{folder}: not a faster-whisper model folder, {', '.join(missing)} missing "
                              "(convert a Whisper model with ct2-transformers-converter --copy_files tokenizer.json "
                              "preprocessor_config.json, or fetch a converted one)")
        return folder
    sizes = model_sizes()
    if model not in sizes:
        raise ConfigError(f"Whisper model {model!r}: expected a size ({', '.join(sizes)}) or a model folder")
    candidates = [whisper_folder(model, root) for root in (*roots, REPO_ROOT)]
    for folder in candidates:
        if not missing_files(folder):
            return folder
    raise ConfigError(missing_model_message(model, candidates[0]))


def download_whisper(size: str, root: str | os.PathLike | None = None) -> Path:
    """Fetch a size-named model into its folder (network; only on the user's explicit request)."""
    from faster_whisper import download_model

    if size not in model_sizes():
        raise ConfigError(f"Whisper model size {size!r}: expected one of {', '.join(model_sizes())}")
    folder = whisper_folder(size, root)
    logger.info("downloading %s from %s into %s ...", size, hub_repo(size), folder)
    try:
        download_model(size, output_dir=str(folder))
    except Exception as error:  # network, HTTP and hub errors share no base class
        raise ConfigError(f"could not download Whisper {size} ({type(error).__name__}: {error}); are you online?\n"
                          + missing_model_message(size, folder)) from None
    return folder


def choose_device(device: str = "auto", compute_type: str = "auto") -> tuple[str, str]:
    """(device, compute type): CUDA with float16 when a GPU is there, else the CPU with int8."""
    if device not in DEVICES:
        raise ConfigError(f"device {device!r}: expected one of {', '.join(DEVICES)}")
    if compute_type not in COMPUTE_TYPES:
        raise ConfigError(f"compute type {compute_type!r}: expected one of {', '.join(COMPUTE_TYPES)}")
    if device == "auto":
        import ctranslate2

        device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    if compute_type == "auto":
        compute_type = "float16" if device == "cuda" else "int8"
    return device, compute_type
