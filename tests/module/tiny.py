"""A tiny SoVITS config for fast tests (also imported by the s2-trainer tests).

The data part keeps the real 32 kHz / hop 640 / n_fft 2048 framing so spectrogram sizes are
the real ones; only channel counts and layer counts shrink.
"""

from __future__ import annotations

from GPT_SoVITS.module.config import S2Config

TINY_MODEL = {
    "inter_channels": 16,
    "hidden_channels": 16,
    "filter_channels": 32,
    "n_heads": 2,
    "n_layers": 2,
    "kernel_size": 3,
    "p_dropout": 0.1,
    "resblock": "1",
    "resblock_kernel_sizes": [3],
    "resblock_dilation_sizes": [[1, 3]],
    "upsample_rates": [10, 8, 2, 2, 2],
    "upsample_initial_channel": 32,
    "upsample_kernel_sizes": [16, 16, 8, 2, 2],
    "n_layers_q": 3,
    "use_spectral_norm": False,
    "gin_channels": 32,
    "semantic_frame_rate": "25hz",
    "freeze_quantizer": True,
    "version": "v2",
}


def tiny_s2_config(segment_frames: int = 8, batch_size: int = 2, **model_overrides) -> S2Config:
    """An `S2Config` with small channels; segment_size = segment_frames * 640 samples."""
    config = S2Config.from_file(_s2_json())
    values = config.to_dict()
    values["model"] = {**TINY_MODEL, **model_overrides}
    values["train"]["segment_size"] = segment_frames * values["data"]["hop_length"]
    values["train"]["batch_size"] = batch_size
    return S2Config.from_dict(values)


def _s2_json():
    from tests.conftest import REPO_ROOT

    return REPO_ROOT / "configs" / "s2.json"
