"""The GPT's number format on the CPU: fp32 (default), bf16 weights, or dynamic int8 linear layers.

Single-stream decoding on the CPU reads every GPT weight once per token, so it is bound by
memory traffic; fewer bytes per weight can make it faster. bf16 converts the whole GPT (the
KV cache and activations follow); int8 quantises the weights of its `nn.Linear` layers with
torch's dynamic quantisation (activations quantised per step), except `bert_proj`, whose weight
dtype the GPT reads. The attention's packed q/k/v projection is a plain parameter, not a
Linear, and stays fp32. docs/benchmarks.md measures speed and top-1 agreement with fp32; the
default stays fp32 until a variant is measured faster at >= 99 % agreement. On CUDA only
`half` applies.
"""

from __future__ import annotations

import dataclasses
import logging

import torch
from torch import nn

from GPT_SoVITS.errors import ConfigError
from GPT_SoVITS.inference.params import CPU_PRECISIONS

logger = logging.getLogger(__name__)


def check_cpu_precision(precision: str) -> str:
    if precision not in CPU_PRECISIONS:
        raise ConfigError(f"cpu_precision must be one of {', '.join(CPU_PRECISIONS)}, got {precision!r}")
    return precision


def convert_gpt(model: nn.Module, precision: str) -> nn.Module:
    """`model` (an eval-mode fp32 GPT on the CPU) in `precision`; fp32 returns it unchanged."""
    check_cpu_precision(precision)
    if precision == "bf16":
        return model.to(torch.bfloat16)
    if precision == "int8":
        from torch.ao.quantization import quantize_dynamic

        names = {name for name, module in model.named_modules() if isinstance(module, nn.Linear) and name != "bert_proj"}
        return quantize_dynamic(model, names, dtype=torch.qint8)
    return model


def apply_cpu_precision(loaded, precision: str, device: str | torch.device):
    """A `LoadedModel` whose GPT is in `precision` when it runs on the CPU (unchanged elsewhere)."""
    check_cpu_precision(precision)
    if precision == "fp32" or torch.device(device).type != "cpu":
        return loaded
    logger.info("%s: GPT in %s on the CPU", loaded.path.name, precision)
    return dataclasses.replace(loaded, model=convert_gpt(loaded.model, precision))
