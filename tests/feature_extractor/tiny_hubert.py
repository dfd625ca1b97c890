"""A tiny random HubertModel saved like chinese-hubert-base, for stage 2 and loader tests.

Hidden size stays 768 (stage 2's contract is [1, 768, T]) and the convolution stack keeps the
real kernels and strides (receptive field 400, stride 320: 50 frames/s at 16 kHz); everything
else is shrunk so the model builds and runs in well under a second.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from transformers import HubertConfig, HubertModel

LEGACY_NAMES = {
    "parametrizations.weight.original0": "weight_g",
    "parametrizations.weight.original1": "weight_v",
}


def tiny_hubert_config(**overrides) -> HubertConfig:
    settings = dict(
        hidden_size=768,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        conv_dim=[32] * 7,
        conv_kernel=[10, 3, 3, 3, 3, 2, 2],
        conv_stride=[5, 2, 2, 2, 2, 2, 2],
        conv_bias=False,
        feat_extract_norm="group",
        do_stable_layer_norm=False,
        feat_proj_layer_norm=True,
        num_conv_pos_embeddings=16,
        num_conv_pos_embedding_groups=16,
    )
    settings.update(overrides)
    return HubertConfig(**settings)


def tiny_hubert(seed: int = 0, **overrides) -> HubertModel:
    torch.manual_seed(seed)
    return HubertModel(tiny_hubert_config(**overrides)).eval()


def legacy_state_dict(model: HubertModel) -> dict[str, torch.Tensor]:
    """The model's weights under the names transformers 4.30 wrote (weight_g / weight_v)."""
    state = {}
    for key, value in model.state_dict().items():
        for new, old in LEGACY_NAMES.items():
            key = key.replace(new, old)
        state[key] = value.clone()
    return state


def save_legacy_folder(model: HubertModel, folder: Path, state: dict[str, torch.Tensor] | None = None) -> Path:
    """Save like the real chinese-hubert-base: config.json saying float16 + legacy pytorch_model.bin."""
    folder.mkdir(parents=True, exist_ok=True)
    model.config.save_pretrained(folder)
    config = json.loads((folder / "config.json").read_text())
    config.pop("dtype", None)
    config.update(torch_dtype="float16", transformers_version="4.30.2")
    (folder / "config.json").write_text(json.dumps(config))
    torch.save(legacy_state_dict(model) if state is None else state, folder / "pytorch_model.bin")
    return folder
