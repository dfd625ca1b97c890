"""Synthesis (TTS) from GPT (s1) + SoVITS (s2G) weights: API for the CLI, the web UI and the bench.

`TTS.from_files(gpt, sovits, hubert_dir)` then `.synthesize(ref_wav, ref_text, text)` or
`.stream(...)`; several voices in one process: `ModelPool(...).get(gpt, sovits)`. The UI uses
`service.get_tts` / `service.synthesize` / `list_weights` (one default pool).
"""

from GPT_SoVITS.inference.loading import list_weights
from GPT_SoVITS.inference.params import PieceResult, SynthesisParams, SynthesisResult, Timings
from GPT_SoVITS.inference.pool import ModelPool
from GPT_SoVITS.inference.service import get_tts, synthesize
from GPT_SoVITS.inference.tts import TTS

__all__ = ["ModelPool", "PieceResult", "SynthesisParams", "SynthesisResult", "TTS", "Timings", "get_tts",
           "list_weights", "synthesize"]
