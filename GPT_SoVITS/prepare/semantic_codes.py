"""Stage 3's batched extraction: the semantic codes of several utterances in one pass.

Frames of all utterances are concatenated rather than padded: code k of an utterance reads only
its frames 2k and 2k+1, so a batch gives exactly the one-by-one codes. The folded exact search
(`module/code_search.py`) does the work; a model it cannot fold goes through its own quantizer.
File reading, batching plans and output lines stay in `semantic.py`.
"""

from __future__ import annotations

import logging
from typing import Sequence

import torch

from GPT_SoVITS.module.code_search import SemanticCodeSearch
from GPT_SoVITS.module.commons import group_frames
from GPT_SoVITS.module.models import SynthesizerTrn

logger = logging.getLogger(__name__)


def code_search_for(model: SynthesizerTrn) -> SemanticCodeSearch | None:
    """The folded search for `model`, or None (use the model's own quantizer) when it cannot be folded."""
    try:
        return SemanticCodeSearch.for_model(model)
    except ValueError as reason:
        logger.info("semantic codes through the model's quantizer (%s)", reason)
        return None


def quantizer_codes(model: SynthesizerTrn, features: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    """Codes [T_i // s] of each feature tensor [768, T_i] through the model's `ssl_proj` and
    quantizer (first layer's codes), all utterances' frame groups in one product."""
    stride = model.ssl_proj.stride[0]
    grouped = [group_frames(f.unsqueeze(0), stride)[0] for f in features]  # [T_i // s, 768 * s] each
    codes = model.quantizer.encode_rows(model.project_ssl(torch.cat(grouped)))[0]
    return list(codes.split([g.size(0) for g in grouped]))


def extract_codes(model: SynthesizerTrn, features: Sequence[torch.Tensor],
                  search: SemanticCodeSearch | None = None) -> list[torch.Tensor]:
    """Codes [T_i // 2] of each feature tensor [768, T_i], computed in one pass (on the model's
    device and dtype), returned on the CPU."""
    search = search or code_search_for(model)
    param = next(model.parameters())
    with torch.inference_mode():
        batch = [f.to(device=param.device, dtype=param.dtype) for f in features]
        codes = search.codes_of(batch) if search is not None else quantizer_codes(model, batch)
        return [c.cpu() for c in codes]
