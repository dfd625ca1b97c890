"""A torchrun worker for the GPU check: join the process group (NCCL on CUDA, gloo on a CPU), check
an all-reduce and one DDP backward pass across the ranks, and have rank 0 write the result.

    python -m torch.distributed.run --standalone --nproc_per_node=N bench/gpucheck/ddp_probe.py OUT.json
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel


def probe() -> dict:
    """Run the checks on this rank; every rank returns the same dict."""
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    cuda = torch.cuda.is_available()
    if cuda:
        torch.cuda.set_device(local_rank)
    device = torch.device("cuda", local_rank) if cuda else torch.device("cpu")
    dist.init_process_group("nccl" if cuda else "gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    total = torch.tensor([rank + 1.0], device=device)
    dist.all_reduce(total)
    # Rank r feeds inputs of value r + 1 to a bias-free linear layer; DDP averages the gradients,
    # so every rank must hold 4 * mean(r + 1) = 2 (world + 1) in every element.
    model = DistributedDataParallel(torch.nn.Linear(8, 1, bias=False).to(device),
                                    device_ids=[local_rank] if cuda else None)
    model(torch.full((4, 8), rank + 1.0, device=device)).sum().backward()
    gradient = model.module.weight.grad
    expected = 2.0 * (world + 1)
    gradients = [torch.zeros_like(gradient) for _ in range(world)]
    dist.all_gather(gradients, gradient)
    result = {
        "backend": dist.get_backend(),
        "world_size": world,
        "all_reduce_ok": float(total) == world * (world + 1) / 2,
        "ddp_gradient_ok": all(torch.allclose(g, torch.full_like(g, expected)) for g in gradients),
        "devices": [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())] if cuda else ["cpu"],
    }
    dist.barrier()
    dist.destroy_process_group()
    return result


def main(argv: list[str]) -> int:
    result = probe()
    if int(os.environ.get("RANK", "0")) == 0:
        Path(argv[0]).write_text(json.dumps(result), encoding="utf-8")
    return 0 if result["all_reduce_ok"] and result["ddp_gradient_ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
