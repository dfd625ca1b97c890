"""What the GPU check runs on: device, torch/CUDA/cuDNN/NCCL versions, free memory, and which of
the project's optional packages and tools are there. Reading only; nothing is changed.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import shutil
from typing import Any

import torch

#: Packages whose absence changes what the check can do (audio decoding, the Russian frontend).
PACKAGES = ("transformers", "librosa", "soundfile", "soxr", "numba", "scipy", "silero-stress", "ru-normalizr",
            "pymorphy3", "pymorphy3-dicts-ru", "tensorboard")
GIB = 1024**3


def no_cuda_line() -> str | None:
    """One line saying why there is nothing to check here, or None when a CUDA device is visible."""
    if torch.cuda.is_available():
        return None
    build = f"CUDA {torch.version.cuda} build" if torch.version.cuda else "CPU-only build"
    return (f"gpu_check: no CUDA device here (torch {torch.__version__}, {build}); nothing to check. Run it on a "
            f"GPU machine, or add --device cpu --tiny for a dry run of every step on this CPU.")


def package_versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "missing"
    return versions


def describe(device: torch.device) -> dict[str, Any]:
    """The environment as plain values (for the report's header and the first printed lines)."""
    info: dict[str, Any] = {
        "device": str(device),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "cpu_cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "espeak-ng": shutil.which("espeak-ng") or "missing",
    }
    if device.type == "cuda":
        info.update(_cuda_details(device))
    info["packages"] = package_versions()
    return info


def _cuda_details(device: torch.device) -> dict[str, Any]:
    free, total = torch.cuda.mem_get_info(device)
    properties = torch.cuda.get_device_properties(device)
    return {
        "gpu": properties.name,
        "gpus_visible": torch.cuda.device_count(),
        "capability": f"{properties.major}.{properties.minor}",
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version(),
        "nccl": nccl_version(),
        "memory_free_gib": round(free / GIB, 1),
        "memory_total_gib": round(total / GIB, 1),
        "bf16_supported": torch.cuda.is_bf16_supported(),
        "tf32_matmul": torch.backends.cuda.matmul.allow_tf32,
        "tf32_cudnn": torch.backends.cudnn.allow_tf32,
    }


def nccl_version() -> str:
    """NCCL's version as torch reports it, or why there is none (a build without NCCL)."""
    try:
        import torch.cuda.nccl as nccl

        version = nccl.version()
    except (ImportError, AttributeError, RuntimeError) as error:
        return f"unavailable ({error})"
    return ".".join(map(str, version)) if isinstance(version, tuple) else str(version)


def header_lines(info: dict[str, Any]) -> list[str]:
    """The first printed lines: device, versions and memory, then the packages."""
    main = {k: v for k, v in info.items() if k != "packages"}
    packages = ", ".join(f"{k} {v}" for k, v in info.get("packages", {}).items())
    return ["[gpu_check] " + ", ".join(f"{k} {v}" for k, v in main.items()), f"[gpu_check] packages: {packages}"]
