"""chinese-hubert-base: load the local HuBERT folder and turn 16 kHz audio into SSL features.

Used by stage 2 (`4-cnhubert/<name>.pt`) and by synthesis for the reference audio. It loads only
from a local folder (nothing downloads); `tools/download_pretrained.py` fetches the folder.
"""

from __future__ import annotations

import logging
import os
import pickle
from pathlib import Path

import torch

from GPT_SoVITS.errors import CheckpointError, ConfigError

logger = logging.getLogger(__name__)

WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")

# The real folder was saved by transformers 4.30 with the old weight-norm names for the
# positional convolution; current transformers registers it as a parametrization.
LEGACY_KEY_SUFFIXES = {
    ".weight_g": ".parametrizations.weight.original0",
    ".weight_v": ".parametrizations.weight.original1",
}


def _where_to_put_it(model_dir: Path) -> str:
    return (
        f"put the chinese-hubert-base folder (config.json + pytorch_model.bin or model.safetensors) at "
        f"{model_dir}, e.g. with `python tools/download_pretrained.py` (see docs/dataset.md)"
    )


def find_weights_file(model_dir: str | os.PathLike) -> Path:
    """The weights file of a HuBERT folder; `CheckpointError` saying where to put it if absent."""
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise CheckpointError(f"HuBERT folder {model_dir} not found: {_where_to_put_it(model_dir)}")
    if not (model_dir / "config.json").is_file():
        raise ConfigError(f"{model_dir / 'config.json'} is missing: {_where_to_put_it(model_dir)}")
    for name in WEIGHT_FILES:
        if (model_dir / name).is_file():
            return model_dir / name
    raise CheckpointError(f"{model_dir} has no {' or '.join(WEIGHT_FILES)}: {_where_to_put_it(model_dir)}")


def refused_as_unsafe(error: BaseException) -> bool:
    """Whether torch's safe loading refused a pickle that would run code (its text then advises
    `weights_only=False`, advice never to pass on)."""
    return isinstance(error, pickle.UnpicklingError) or "weights_only" in str(error)


def unsafe_error(weights_file: Path) -> CheckpointError:
    return CheckpointError(f"{weights_file}: refused as unsafe: this file holds objects that would run code when "
                           f"loaded, which is never done here; replace it with the real HuBERT weights "
                           f"({_where_to_put_it(weights_file.parent)})")


def read_state_dict(weights_file: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Read a HuBERT weights file safely (safetensors, or torch.load with weights_only)."""
    weights_file = Path(weights_file)
    try:
        if weights_file.suffix == ".safetensors":
            from safetensors.torch import load_file

            return load_file(str(weights_file))
        state = torch.load(weights_file, map_location="cpu", weights_only=True)
    except Exception as error:  # truncated zips, foreign pickles and bad headers raise many types
        if refused_as_unsafe(error):
            raise unsafe_error(weights_file) from None
        raise CheckpointError(f"{weights_file}: cannot read HuBERT weights ({error}); download it again") from None
    if not isinstance(state, dict):
        raise CheckpointError(f"{weights_file}: expected a state dict, found {type(state).__name__}")
    return state


def modernise_keys(state_dict: dict[str, torch.Tensor], model_keys: set[str]) -> dict[str, torch.Tensor]:
    """Rename legacy `weight_g`/`weight_v` keys to the names `model_keys` uses (pure dict->dict)."""
    renamed = {}
    for key, value in state_dict.items():
        new_key = key
        for old, new in LEGACY_KEY_SUFFIXES.items():
            if key.endswith(old) and key not in model_keys and key[: -len(old)] + new in model_keys:
                new_key = key[: -len(old)] + new
        renamed[new_key] = value
    return renamed


def _load_by_hand(model: torch.nn.Module, weights_file: Path) -> None:
    """Strictly load `weights_file` into `model`, mapping legacy names; error lists what is off."""
    own = model.state_dict()
    state = modernise_keys(read_state_dict(weights_file), set(own))
    missing = sorted(set(own) - set(state) - {"masked_spec_embed"})
    mismatched = sorted(k for k in own if k in state and tuple(state[k].shape) != tuple(own[k].shape))
    if missing or mismatched:
        details = [f"missing {k}" for k in missing[:10]] + [
            f"shape of {k}: {tuple(state[k].shape)} vs model {tuple(own[k].shape)}" for k in mismatched[:10]
        ]
        raise CheckpointError(
            f"{weights_file} does not fit its config.json ({len(missing)} missing, {len(mismatched)} mis-shaped): "
            + "; ".join(details)
        )
    unexpected = sorted(set(state) - set(own))
    if unexpected:
        logger.warning("%s: ignoring %d keys HubertModel does not have, e.g. %s", weights_file, len(unexpected), unexpected[:3])
    with torch.no_grad():
        for key, value in own.items():
            if key in state:
                value.copy_(state[key].to(value.dtype))


def load_cnhubert(model_dir: str | os.PathLike, device: str | torch.device = "cpu", half: bool = False):
    """Load a local chinese-hubert-base folder as a `transformers.HubertModel` in eval mode.

    Weights load in float32 (the real config says float16, which would be slow or unsupported
    on CPU), then move to `device`, in half precision when `half` and the device is CUDA.
    Every key must arrive: a key transformers left freshly initialised is an error.
    """
    from transformers import HubertModel

    weights_file = find_weights_file(model_dir)
    try:
        model, info = HubertModel.from_pretrained(
            str(model_dir), local_files_only=True, dtype=torch.float32, output_loading_info=True
        )
    except (OSError, ValueError, RuntimeError, pickle.UnpicklingError) as error:
        if refused_as_unsafe(error):
            raise unsafe_error(weights_file) from None
        raise CheckpointError(f"{model_dir}: cannot load HuBERT ({error}); {_where_to_put_it(Path(model_dir))}") from None
    left_out = set(info.get("missing_keys", ())) | set(info.get("mismatched_keys", ()) or ())
    if left_out:
        # Transformers did not map some names (e.g. an older or newer legacy layout): load by hand.
        logger.info("%s: %d keys not mapped by transformers, loading them by name", model_dir, len(left_out))
        _load_by_hand(model, weights_file)
    model = model.eval().to(device)
    if half and torch.device(device).type == "cuda":
        model = model.half()
    logger.info("loaded HuBERT from %s on %s%s", model_dir, device, " (fp16)" if half else "")
    return model


def ssl_features(model: torch.nn.Module, wav16k: torch.Tensor) -> torch.Tensor:
    """HuBERT's last hidden state for 16 kHz audio `[S]` or `[1, S]`, as `[1, 768, T]`.

    The audio goes in as it is: upstream bypasses the feature extractor's normalisation, and
    the pretrained quantizer expects features of exactly that input. The result stays on the
    model's device and dtype; T = floor((S - 400) / 320) + 1 for the real model (50 frames/s).
    """
    if wav16k.dim() == 1:
        wav16k = wav16k.unsqueeze(0)
    if wav16k.dim() != 2 or wav16k.shape[0] != 1:
        raise ValueError(f"ssl_features expects audio [S] or [1, S], got {tuple(wav16k.shape)}")
    parameter = next(model.parameters())
    with torch.no_grad():
        hidden = model(wav16k.to(device=parameter.device, dtype=parameter.dtype)).last_hidden_state
    return hidden.transpose(1, 2)  # [1, T, 768] -> [1, 768, T]
