"""Reading checkpoint files safely: format sniffing, allow-listed unpickling, dtype checks.

Returns plain dicts (`{"weight": state dict, "config": dict, ...}`); it never executes code
from a file and says nothing about what the weights are (that is `identification`). Its error
messages never quote the file's bytes (a path typed into the UI may name any file): they say
what kind of file it is not, and name the decoder's error type only.
"""

from __future__ import annotations

import io
import json
import pickle
from pathlib import Path
from typing import Any, Mapping

import torch

from GPT_SoVITS.errors import CheckpointError, describe_non_file
from GPT_SoVITS.weights_compat.header import SUPPORTED_MARKED, marked_family, restore_zip_magic

#: Key `read_checkpoint` adds for a file with upstream's version bytes: the family they name.
HEADER_KEY = "header_version"
# Weights are stored in these; anything else where a weight belongs is a damaged or foreign file.
WEIGHT_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)
# Integer tensors that are counters, not weights: BatchNorm's (int64 in upstream's SV encoder).
INTEGER_BUFFER_SUFFIXES = ("num_batches_tracked",)


class HParamsStandIn:
    """Allow-listed stand-in for upstream's pickled `utils.HParams` config objects.

    Only attribute storage is reconstructed (the pickle's BUILD step fills `__dict__`); no
    upstream code runs. `to_dict` turns the nested objects back into the plain dict we use.
    """

    def to_dict(self) -> dict:
        return {key: plain(value) for key, value in vars(self).items()}


def plain(value: Any) -> Any:
    """`value` with every `HParamsStandIn` (at any depth) turned into a dict."""
    if isinstance(value, HParamsStandIn):
        return value.to_dict()
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(plain(item) for item in value)
    return value


_SAFE_EXTRA_GLOBALS = [(HParamsStandIn, "utils.HParams"), (HParamsStandIn, "GPT_SoVITS.utils.HParams")]


def _head(path: Path) -> bytes:
    if path.exists() and not path.is_file() and not path.is_dir():  # a pipe would block, a device never end
        raise CheckpointError(f"{path}: {describe_non_file(path)}, expected a checkpoint file")
    try:
        with path.open("rb") as handle:
            return handle.read(16)
    except FileNotFoundError:
        raise CheckpointError(f"{path}: checkpoint not found; check the path") from None
    except IsADirectoryError:
        raise CheckpointError(f"{path}: is a folder, expected a checkpoint file") from None


def sniff_format(path: Path) -> str:
    """'zip', 'marked' (a zip with upstream's version bytes in place of `PK`), 'pickle' or
    'safetensors' from the leading bytes; a clear error otherwise, and for the v3/v4 family."""
    head = _head(path)
    if head[:2] == b"PK":
        return "zip"
    family = marked_family(head)
    if family is not None and family not in SUPPORTED_MARKED:
        raise CheckpointError(
            f"{path}: this is an upstream {family} checkpoint (version marker {head[:2].decode()!r} in place of 'PK'); "
            f"GPT-SoVITS-RU supports the v1/v2 and v2Pro/v2ProPlus families only: use the v2, v2Pro or v2ProPlus "
            f"pretrained files (see docs/training.md)"
        )
    if family is not None:
        return "marked"
    if head[:1] == b"\x80":
        return "pickle"
    if len(head) >= 9 and head[8:9] == b"{":
        return "safetensors"
    raise CheckpointError(f"{path}: not a checkpoint (not a PyTorch or safetensors checkpoint file); was the right file given?")


def _read_safetensors(path: Path) -> dict:
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as handle:
            weight = {key: handle.get_tensor(key) for key in handle.keys()}
            metadata = handle.metadata() or {}
    except Exception as error:  # safetensors raises its own error types; their text may quote the header
        raise CheckpointError(
            f"{path}: not a readable safetensors checkpoint ({type(error).__name__}); re-download or re-export it"
        ) from None
    checkpoint: dict[str, Any] = {"weight": weight}
    for key in ("config", "symbols"):
        if key in metadata:
            try:
                checkpoint[key] = json.loads(metadata[key])
            except json.JSONDecodeError:
                raise CheckpointError(f"{path}: the {key!r} metadata of this safetensors file is not JSON; "
                                      f"re-export it") from None
    for key in ("info", "version"):
        if key in metadata:
            checkpoint[key] = metadata[key]
    return checkpoint


def _read_torch(path: Path, marked: bool = False) -> Any:
    """torch.load with weights_only; a marked file is read as upstream reads it, `PK` put back."""
    try:
        source = io.BytesIO(restore_zip_magic(path.read_bytes())) if marked else path
        with torch.serialization.safe_globals(_SAFE_EXTRA_GLOBALS):
            return torch.load(source, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise CheckpointError(
            f"{path}: refused to load: the file asks to run or build objects that are not plain weights; "
            f"nothing from it was executed. Only load checkpoints from sources you trust, or convert them to safetensors"
        ) from None
    except Exception as error:  # a damaged pickle stream fails in many ways (EOF, IndexError, KeyError, zip errors)
        raise CheckpointError(
            f"{path}: damaged or truncated checkpoint, or not a checkpoint ({type(error).__name__}); "
            f"download or export it again"
        ) from None


def read_checkpoint(path: str | Path) -> dict:
    """Read a checkpoint without executing code from it.

    Torch files load with `weights_only=True` (upstream's pickled `HParams` config is mapped to
    an allow-listed stand-in and returned as a plain dict); safetensors files load natively.
    Upstream's v2Pro/v2ProPlus exports (version bytes in place of `PK`) are read as upstream
    reads them, and `HEADER_KEY` then names the family the bytes say; v3/v4 files are refused.
    The result is a dict with at least `weight`; a bare state dict is wrapped as `{"weight": sd}`.
    A tensor of a non-float dtype where a weight belongs is refused, naming its key.
    """
    path = Path(path)
    form = sniff_format(path)
    loaded = _read_safetensors(path) if form == "safetensors" else _read_torch(path, marked=form == "marked")
    checkpoint = as_checkpoint(loaded, str(path))
    if form == "marked":
        checkpoint[HEADER_KEY] = marked_family(_head(path))
    return checkpoint


def as_checkpoint(loaded: Any, source: str) -> dict:
    """A read file or an in-memory (state) dict as a checked checkpoint dict `{"weight": ..., ...}`."""
    if isinstance(loaded, Mapping) and "weight" in loaded:
        checkpoint = dict(loaded)
    elif isinstance(loaded, Mapping) and loaded and all(isinstance(v, torch.Tensor) for v in loaded.values()):
        checkpoint = {"weight": loaded}
    else:
        raise CheckpointError(f"{source}: a torch file, but not a GPT-SoVITS checkpoint (no 'weight' state dict)")
    if not isinstance(checkpoint["weight"], Mapping):
        raise CheckpointError(f"{source}: 'weight' is not a state dict")
    check_weight_dtypes(checkpoint["weight"], source)
    if "config" in checkpoint:
        checkpoint["config"] = plain(checkpoint["config"])
    return checkpoint


def check_weight_dtypes(weight: Mapping[str, Any], source: str) -> None:
    """CheckpointError naming the keys whose values are not float tensors (integer counters aside).

    Loading would silently cast them: an int32 text embedding becomes rows of zeros and ones.
    """
    wrong = [
        f"{key} ({str(value.dtype).removeprefix('torch.')})" if isinstance(value, torch.Tensor) else f"{key} ({type(value).__name__})"
        for key, value in weight.items()
        if not (isinstance(value, torch.Tensor) and (value.dtype in WEIGHT_DTYPES or _is_integer_buffer(key, value)))
    ]
    if wrong:
        shown = ", ".join(wrong[:5]) + (f", ... ({len(wrong) - 5} more)" if len(wrong) > 5 else "")
        raise CheckpointError(
            f"{source}: {len(wrong)} weight(s) of the wrong type: {shown}; weights must be float16, bfloat16, float32 "
            f"or float64 tensors. The file is damaged or was written by a tool that changed their type: export it again"
        )


def _is_integer_buffer(key: str, value: torch.Tensor) -> bool:
    return key.endswith(INTEGER_BUFFER_SUFFIXES) and value.dtype in (torch.int32, torch.int64)
