"""Where a trainer process runs: single-process, or one process per device under torchrun.

Both trainers share this: joining the torchrun (DDP) process group — nccl on CUDA, gloo on
CPU — leaving it cleanly, and re-launching a command under torchrun when the user picked
several GPUs but started it as a plain process (the web UI does, like upstream).
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import torch
import torch.distributed as dist

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Runtime:
    """This process's rank among `world_size` processes and its device."""

    rank: int
    world_size: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        """Only the main process logs, shows progress and writes files."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def start_runtime() -> Runtime:
    """Join the torchrun process group when launched by torchrun, else run single-process."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    cuda = torch.cuda.is_available()
    if world_size <= 1:
        return Runtime(0, 1, torch.device("cuda" if cuda else "cpu"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if cuda:
        torch.cuda.set_device(local_rank)
    device = torch.device("cuda", local_rank) if cuda else torch.device("cpu")
    if not dist.is_initialized():
        dist.init_process_group("nccl" if cuda else "gloo")
    return Runtime(dist.get_rank(), dist.get_world_size(), device)


def barrier(runtime: Runtime) -> None:
    """Wait for every process (no-op single-process)."""
    if runtime.distributed:
        dist.barrier()


def shutdown(runtime: Runtime) -> None:
    """Leave the process group, if one was joined."""
    if runtime.distributed and dist.is_initialized():
        with contextlib.suppress(RuntimeError):
            dist.destroy_process_group()


def visible_gpu_count() -> int:
    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def under_torchrun() -> bool:
    return "WORLD_SIZE" in os.environ


def relaunch_under_torchrun(script: str | Path, args: Sequence[str], processes: int) -> int:
    """Run `script args` as `processes` torchrun workers and return their exit code.

    torchrun (`torch.distributed.run --standalone`) replaces upstream's mp.spawn; the
    workers inherit this environment, CUDA_VISIBLE_DEVICES included.
    """
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}",
               str(Path(script).resolve()), *args]
    logger.info("starting %d training processes: %s", processes, " ".join(command))
    return subprocess.run(command, check=False).returncode
