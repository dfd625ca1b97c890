"""The speaker encoder as the versions with speaker vectors use it: 16 kHz audio -> fbank -> ERes2NetV2 -> [B, 20480].

`load_speaker_encoder` reads the pretrained file through `weights_compat` (no code from the
file runs) and loads it with its strict key and shape check (`load_strictly`). Not a stage: reading wavs,
resampling and saving vectors belong to the callers.
"""

from __future__ import annotations

import logging
from pathlib import Path
import torch

from GPT_SoVITS.errors import CheckpointError
from GPT_SoVITS.sv.eres2netv2 import ERes2NetV2
from GPT_SoVITS.sv.fbank import batch_fbank
from GPT_SoVITS.weights_compat import load_strictly, read_checkpoint

logger = logging.getLogger(__name__)

EMBEDDING_DIM = 20480  # 2048 channels x 10 frequency rows of the fused layer-3/4 map
SV_FILE_NAME = "pretrained_eres2netv2w24s4ep4.ckpt"
_OPTIONAL_KEYS = "*.num_batches_tracked"  # BatchNorm step counters: unused in eval, torch fills them in


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
    loaded = load_strictly(model, weight, str(path), f"not the ERes2NetV2 speaker encoder this project expects "
                           f"({SV_FILE_NAME})", f"Use upstream's {SV_FILE_NAME} (python tools/download_pretrained.py --only sv)",
                           allow_missing=(_OPTIONAL_KEYS,))
    logger.info("speaker encoder: %d tensors loaded from %s", loaded, path.name)
    return model.to(device=device, dtype=dtype).eval()
