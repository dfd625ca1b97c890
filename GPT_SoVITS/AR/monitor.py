"""What the GPT trainer shows while it trains: the curves of each step and, at each export, the
semantic tokens a greedy decode gives for one fixed utterance, rendered to audio through a SoVITS
export when one is given (`sample_sovits`) and the trainer's caller gave a renderer (this package
loads no SoVITS: `GPT_SoVITS.training_samples.render_gpt_sample` does), else logged as text only.

The decode has no prompt: the GPT reads the utterance's phones alone, so the tokens show what it
learned of the language, and SoVITS gives them the utterance's own timbre. The files are written by
`GPT_SoVITS.training_log`; nothing here trains or changes the GPT's weights.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Callable

import torch

from GPT_SoVITS.AR.data.dataset import SEMANTIC_RATE, Utterance, load_bert
from GPT_SoVITS.errors import GptSovitsError
from GPT_SoVITS.text.symbols import SymbolTable
from GPT_SoVITS.training_log import DisabledLog, TrainingLog

logger = logging.getLogger(__name__)

EXTRA_TOKENS = 25  # a decode may run 1 s past twice the recording's length before it is cut
#: (sovits_path, tokens, utterance, wav_path, table, device) -> (audio [S], sampling rate); raises GptSovitsError.
SampleRenderer = Callable[[Path, torch.Tensor, Utterance, Path, SymbolTable, torch.device], tuple[torch.Tensor, int]]


def step_scalars(loss: float, accuracy: float, grad_norm: float, target_positions: int, lr: float,
                 scaler: torch.amp.GradScaler) -> dict[str, float]:
    """One step's curves under their TensorBoard tags (docs/training.md says what each means).

    `loss` is the summed cross-entropy the optimiser minimises; `target_positions` the real targets
    of the batch (tokens plus one EOS per utterance), which `loss/per_token` divides it by.
    """
    values = {"loss/sum": loss, "loss/per_token": loss / max(1, target_positions), "accuracy/top3": accuracy,
              "lr": lr, "grad_norm": grad_norm}
    if scaler.is_enabled():
        values["amp/scale"] = scaler.get_scale()
    return values


@torch.no_grad()
def sample_token_limit(model: torch.nn.Module, utterance: Utterance) -> int:
    """Twice the recording's token count plus `EXTRA_TOKENS`, at most the model's `max_sec`."""
    return min(2 * len(utterance.codes) + EXTRA_TOKENS, int(model.max_sec * SEMANTIC_RATE))


def greedy_tokens(model: torch.nn.Module, utterance: Utterance) -> torch.Tensor:
    """Tokens [T] the GPT gives for `utterance`'s phones (top-1 every step, no prompt, no penalty).

    Cut at twice the recording's token count plus `EXTRA_TOKENS` (at most the model's `max_sec`),
    so a model that has not learned to stop still ends. Eval mode; the model's mode is restored.
    """
    device = next(model.parameters()).device
    phones = torch.tensor(utterance.phone_ids, dtype=torch.long, device=device).unsqueeze(0)
    bert = load_bert(utterance).unsqueeze(0).to(device)
    limit = sample_token_limit(model, utterance)
    was_training = model.training
    model.eval()
    try:  # top-1 still draws a sample: on a forked RNG, so training's random stream is untouched
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            tokens = model.infer(phones, bert, torch.zeros(1, 0, dtype=torch.long, device=device), top_k=1,
                                 top_p=1.0, temperature=1.0, repetition_penalty=1.0, max_new_tokens=limit)
    finally:
        model.train(was_training)
    return tokens[0].cpu()


def log_sample(log: TrainingLog | DisabledLog, model: torch.nn.Module, utterance: Utterance, step: int, *,
               sovits_path: Path | None, wav_path: Path, table: SymbolTable,
               render: SampleRenderer | None = None) -> None:
    """Decode `utterance` greedily and log its tokens (text) and, given a SoVITS export and a
    renderer, their audio.

    Decoding and rendering take a while on a large model (minutes on a CPU) after the last step:
    each phase is announced and timed in the log, which the UI shows, so the wait is not silent.
    """
    started = time.monotonic()
    then = f", then rendering them through {sovits_path.name}" if sovits_path is not None else ""
    logger.info("step %d: sample: decoding the tokens of %s (at most %d)%s; training waits for it", step,
                utterance.name, sample_token_limit(model, utterance), then)
    try:
        tokens = greedy_tokens(model, utterance)
    except GptSovitsError as error:  # e.g. the held-out utterance's BERT file, never read by training
        logger.warning("step %d: no sample decoded (%s); training goes on", step, error)
        return
    log.text("sample/tokens", step, f"{utterance.name}: {len(tokens)} tokens (the recording has "
             f"{len(utterance.codes)}): {' '.join(map(str, tokens.tolist()))}")
    if sovits_path is None or render is None:
        why = "no sample_sovits to render them with" if sovits_path is None else "no sample renderer given"
        logger.info("step %d: %d sample tokens of %s logged (%s)", step, len(tokens), utterance.name, why)
        return
    if len(tokens) == 0:
        logger.warning("step %d: the GPT gave no tokens for %s; nothing to render", step, utterance.name)
        return
    logger.info("step %d: sample: %d tokens decoded in %.1f s; rendering the audio", step, len(tokens),
                time.monotonic() - started)
    device = next(model.parameters()).device
    try:
        audio, rate = render(sovits_path, tokens, utterance, wav_path, table, device)
    except GptSovitsError as error:
        logger.warning("step %d: sample not rendered (%s); the tokens are logged", step, error)
        return
    path = log.audio("sample/gpt", step, audio, rate)
    logger.info("step %d: sample of %s rendered through %s in %.1f s in all%s", step, utterance.name,
                sovits_path.name, time.monotonic() - started, f" to {path}" if path else "")
