"""The speaker encoder as v2Pro uses it: 16 kHz audio -> fbank -> ERes2NetV2 -> [B, 20480].

`load_speaker_encoder` reads the pretrained file through `weights_compat` (no code from the
file runs) and checks every key and shape before loading. Not a stage: reading wavs,
resampling and saving vectors belong to the callers.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Mapping

import torch

from GPT_SoVITS.errors import CheckpointError
from GPT_SoVITS.sv.eres2netv2 import ERes2NetV2
from GPT_SoVITS.sv.fbank import batch_fbank
from GPT_SoVITS.weights_compat import read_checkpoint

logger = logging.getLogger(__name__)

EMBEDDING_DIM = 20480  # 2048 channels x 10 frequency rows of the fused layer-3/4 map
SV_FILE_NAME = "pretrained_eres2netv2w24s4ep4.ckpt"
_OPTIONAL_SUFFIX = ".num_batches_tracked"  # BatchNorm step counters: unused in eval, torch fills them in


class SpeakerEncoder(ERes2NetV2):
    """ERes2NetV2 (width 24, scale 4, expansion 4) with its fbank front end: `embed(wav16k)`."""

    @torch.no_grad()
    def embed(self, wav16k: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Speaker vectors of 16 kHz waves [B, N] (float in [-1, 1]) -> [B, 20480].

        Each row is one utterance of N samples, as upstream embeds it (fbank, then the
        time-averaged fused map). For a zero-padded batch of clips of mixed lengths, `lengths`
        [B] gives each row's real sample count; the result then equals embedding each clip alone.
        The output has the model's dtype and device; the fbank is computed in float32 on the CPU.
        """
        if wav16k.dim() != 2:
            raise ValueError(f"wav16k must be [B, N] (16 kHz samples), got shape {tuple(wav16k.shape)}")
        if lengths is not None and (lengths.shape != (wav16k.size(0),) or not bool((lengths <= wav16k.size(1)).all())):
            raise ValueError(f"lengths must be [B] sample counts of at most N={wav16k.size(1)}, got {lengths.tolist()}")
        feats, frames = batch_fbank(wav16k, lengths)
        parameter = self.conv1.weight
        feats = feats.to(device=parameter.device, dtype=parameter.dtype)
        padded = lengths is not None and bool((frames != frames.max()).any())
        return self.pooled_embedding(feats, frames if padded else None)


def _key_problems(weight: Mapping[str, torch.Tensor], expected: Mapping[str, torch.Tensor]) -> list[str]:
    missing = [k for k in expected if k not in weight and not k.endswith(_OPTIONAL_SUFFIX)]
    unexpected = [k for k in weight if k not in expected]
    misshaped = [
        f"{k}: file {tuple(weight[k].shape)} vs model {tuple(expected[k].shape)}"
        for k in expected if k in weight and tuple(weight[k].shape) != tuple(expected[k].shape)
    ]
    problems = []
    for title, keys in (("missing", missing), ("unexpected", unexpected), ("mis-shaped", misshaped)):
        if keys:
            shown = ", ".join(keys[:10]) + (f", ... ({len(keys) - 10} more)" if len(keys) > 10 else "")
            problems.append(f"  {title} ({len(keys)}): {shown}")
    return problems


def load_speaker_encoder(path: str | Path, *, device: str | torch.device = "cpu",
                         dtype: torch.dtype = torch.float32) -> SpeakerEncoder:
    """The pretrained speaker encoder from `path` (upstream's bare ERes2NetV2 state dict, fp16
    or fp32), in eval mode on `device` in `dtype`.

    Raises `CheckpointError` naming the file when it is missing, unreadable, or does not hold
    exactly the ERes2NetV2 keys and shapes (every problem listed).
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(
            f"{path}: speaker-encoder weights not found; put upstream's {SV_FILE_NAME} there "
            f"(GPT_SoVITS/pretrained_models/sv/ by default)")
    weight = read_checkpoint(path)["weight"]
    model = SpeakerEncoder()
    problems = _key_problems(weight, model.state_dict())
    if problems:
        raise CheckpointError(
            f"{path}: not the ERes2NetV2 speaker encoder this project expects ({SV_FILE_NAME}):\n"
            + "\n".join(problems))
    model.load_state_dict(weight, strict=False)  # strictness checked above; step counters may be absent
    logger.info("speaker encoder: %d tensors loaded from %s", len(weight), path.name)
    return model.to(device=device, dtype=dtype).eval()
