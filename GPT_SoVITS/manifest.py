"""State-dict manifests: the key/shape lists that real pretrained weights must load into.

A manifest is a TSV of `key<TAB>shape<TAB>dtype` with shapes written `1024x768`. Tests and
benchmarks use it two ways: to check that our modules have exactly upstream's parameter
names and shapes, and to build random upstream-format checkpoints without downloading any.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch


@dataclass(frozen=True)
class ManifestEntry:
    key: str
    shape: tuple[int, ...]
    dtype: str


def read_manifest(path: str | Path) -> list[ManifestEntry]:
    """Parse a manifest file into entries, in file order."""
    entries = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        key, shape, dtype = line.split("\t")
        dims = tuple(int(d) for d in shape.split("x")) if shape else ()
        entries.append(ManifestEntry(key, dims, dtype))
    return entries


def manifest_shapes(entries: list[ManifestEntry]) -> dict[str, tuple[int, ...]]:
    return {entry.key: entry.shape for entry in entries}


def state_dict_shapes(state_dict: dict[str, torch.Tensor]) -> dict[str, tuple[int, ...]]:
    return {key: tuple(value.shape) for key, value in state_dict.items()}


def shape_differences(actual: dict[str, tuple[int, ...]], expected: dict[str, tuple[int, ...]]) -> list[str]:
    """Human-readable differences between two key->shape maps (empty when equal)."""
    problems = [f"missing {key} {expected[key]}" for key in expected if key not in actual]
    problems += [f"unexpected {key} {actual[key]}" for key in actual if key not in expected]
    problems += [
        f"shape of {key}: {actual[key]} vs expected {expected[key]}"
        for key in expected
        if key in actual and tuple(actual[key]) != tuple(expected[key])
    ]
    return problems


def random_state_dict(
    entries: list[ManifestEntry],
    *,
    dtype: torch.dtype = torch.float16,
    seed: int = 0,
    overrides: dict[str, tuple[int, ...]] | None = None,
) -> dict[str, torch.Tensor]:
    """Random tensors with the manifest's keys and shapes (as a pretrained file holds them).

    `overrides` replaces shapes (e.g. a text embedding of another row count). Codebook
    `inited` buffers are set to 1, as in a trained checkpoint.
    """
    generator = torch.Generator().manual_seed(seed)
    overrides = overrides or {}
    state = {}
    for entry in entries:
        shape = overrides.get(entry.key, entry.shape)
        if entry.key.endswith("._codebook.inited"):
            state[entry.key] = torch.ones(shape, dtype=dtype)
        else:
            state[entry.key] = (torch.randn(shape, generator=generator) * 0.02).to(dtype)
    return state


class ManifestModule(torch.nn.Module):
    """A stand-in module whose state dict has exactly a manifest's keys and shapes.

    Lets tests and benchmarks exercise checkpoint loading at full size without the real
    networks; `overrides` changes shapes (e.g. the text-embedding rows of another table) and
    `strip` drops a key prefix (s1 checkpoints carry `model.`, the bare model does not).
    """

    def __init__(self, entries: list[ManifestEntry], overrides: dict[str, tuple[int, ...]] | None = None, strip: str = ""):
        super().__init__()
        for entry in entries:
            key = entry.key[len(strip):] if strip and entry.key.startswith(strip) else entry.key
            shape = (overrides or {}).get(entry.key, entry.shape)
            *path, leaf = key.split(".")
            owner: torch.nn.Module = self
            for part in path:
                if part not in owner._modules:
                    owner.add_module(part, torch.nn.Module())
                owner = owner._modules[part]
            owner.register_parameter(leaf, torch.nn.Parameter(torch.empty(shape).normal_(0, 0.02)))
