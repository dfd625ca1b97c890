"""The GPT (s1) text-to-semantic model: phonemes (+ BERT features) -> 25 Hz semantic tokens.

One decoder-only transformer reads the phonemes of the whole utterance, then predicts semantic
tokens one at a time. Training is teacher-forced (`forward`); synthesis is autoregressive with
a key/value cache (`infer`). Parameter names and shapes equal upstream's `Text2SemanticDecoder`
(without the `model.` prefix its Lightning wrapper adds), so pretrained weights load through
weights_compat. This module holds no data loading, optimisation or file handling.
"""

from __future__ import annotations

import logging
from typing import Any, Mapping

import torch
import torch.nn.functional as F
from torch import nn

from GPT_SoVITS.AR.modules.embedding import SinePositionalEmbedding, TokenEmbedding
from GPT_SoVITS.AR.modules.transformer import KVCache, TransformerStack
from GPT_SoVITS.AR.sampling import sample_next_token
from GPT_SoVITS.data_files.layout import BERT_DIM
from GPT_SoVITS.errors import ConfigError, DataError
from GPT_SoVITS.text.symbols import SymbolTable, get_table

logger = logging.getLogger(__name__)

SEMANTIC_RATE = 25  # tokens per second
# Upstream's inference forbids EOS for the first 11 steps ("at least ~0.4 s"): without it the
# pretrained GPT sometimes ends a short target after one or two tokens.
MIN_NEW_TOKENS = 11
_REQUIRED = ("vocab_size", "embedding_dim", "head", "n_layer", "EOS")


def _model_section(config: Mapping[str, Any]) -> Mapping[str, Any]:
    """The `model` section of a whole s1 config (a bare model section is accepted too)."""
    section = config.get("model", config)
    if not isinstance(section, Mapping):
        raise ConfigError("s1 config: `model` must be a mapping of model settings")
    missing = [key for key in _REQUIRED if key not in section]
    if missing:
        raise ConfigError(f"s1 config: model section lacks {missing}; start from configs/s1longer-v2.yaml")
    return section


class Text2SemanticDecoder(nn.Module):
    """Decoder-only transformer over [phonemes ; semantic tokens].

    Shapes (B batch, N phonemes, T tokens, D width 512, V 1025 = 1024 codes + EOS):
    phonemes [B, N] (left-padded with 0), BERT [B, 1024, N], tokens [B, T] (padded with EOS).
    Phonemes attend to all phonemes; tokens attend to all phonemes and to earlier tokens.
    """

    EOS = 1024  # class default; each instance reads its own from the config

    def __init__(self, config: Mapping[str, Any], table: SymbolTable | str | None = None):
        super().__init__()
        model = _model_section(config)
        self.config = dict(config)
        self.EOS = int(model["EOS"])
        self.vocab_size = int(model["vocab_size"])
        if self.EOS != self.vocab_size - 1:
            raise ConfigError(f"s1 config: EOS {self.EOS} must be vocab_size - 1 = {self.vocab_size - 1}")
        if isinstance(table, str):
            table = get_table(table)
        self.table = table
        phonemes = len(table) if table is not None else int(model["phoneme_vocab_size"])
        dim = int(model["embedding_dim"])
        self.dim = dim
        embed_dropout = float(model.get("dropout", 0.0))
        layer_dropout = float(model.get("layer_dropout", 0.1))  # upstream fixes 0.1
        ffn_dim = int(model.get("linear_units", 2048))
        self.bert_proj = nn.Linear(BERT_DIM, dim)
        self.ar_text_embedding = TokenEmbedding(dim, phonemes, embed_dropout)
        self.ar_text_position = SinePositionalEmbedding(dim, layer_dropout)
        self.ar_audio_embedding = TokenEmbedding(dim, self.vocab_size, embed_dropout)
        self.ar_audio_position = SinePositionalEmbedding(dim, layer_dropout)
        self.h = TransformerStack(int(model["n_layer"]), dim, int(model["head"]), ffn_dim, layer_dropout)
        self.ar_predict_layer = nn.Linear(dim, self.vocab_size, bias=False)

    @property
    def max_sec(self) -> float:
        """Longest utterance (seconds) the training data filter allows: `data.max_sec` (54)."""
        return float(self.config.get("data", {}).get("max_sec", 54))

    @property
    def phoneme_vocab_size(self) -> int:
        return self.ar_text_embedding.vocab_size

    # --- embedding and masks -------------------------------------------------------------

    def embed_phonemes(self, phonemes: torch.Tensor, bert: torch.Tensor, positions: torch.Tensor | None = None):
        """[B, N] ids + [B, 1024, N] BERT -> [B, N, D] with positions (0 = first real phoneme)."""
        x = self.ar_text_embedding(phonemes) + self.bert_proj(bert.transpose(1, 2).to(self.bert_proj.weight.dtype))
        return self.ar_text_position(x, positions)

    def embed_tokens(self, tokens: torch.Tensor, start: int = 0) -> torch.Tensor:
        """[B, T] semantic ids -> [B, T, D], positions counted from `start`."""
        positions = torch.arange(start, start + tokens.shape[1], device=tokens.device).unsqueeze(0)
        return self.ar_audio_position(self.ar_audio_embedding(tokens), positions)

    @staticmethod
    def structure_mask(n_phonemes: int, n_tokens: int, device: torch.device) -> torch.Tensor:
        """bool [L, L] (L = N + T), True = may attend: phonemes see phonemes, tokens see causally."""
        length = n_phonemes + n_tokens
        mask = torch.ones(length, length, dtype=torch.bool, device=device).tril()
        mask[:n_phonemes, :n_phonemes] = True
        mask[n_phonemes:, :n_phonemes] = True
        return mask

    # --- training ------------------------------------------------------------------------

    def logits_and_targets(
        self, x: torch.Tensor, x_lens: torch.Tensor, y: torch.Tensor, y_lens: torch.Tensor, bert: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Teacher-forced logits [B, T+1, V] and their targets [B, T+1] (tokens then EOS).

        Logits are read from the last phoneme position onward: the last phoneme predicts the
        first token and the last token predicts EOS. Phonemes must be left-padded so that the
        last phoneme of every row sits at index N-1; token padding becomes EOS (input and target).
        """
        n, t = x.shape[1], y.shape[1]
        arange_n = torch.arange(n, device=x.device)
        pad = (n - x_lens).unsqueeze(1)  # [B, 1] left padding per row
        x_valid = arange_n.unsqueeze(0) >= pad  # [B, N]
        y_valid = torch.arange(t, device=y.device).unsqueeze(0) < y_lens.unsqueeze(1)  # [B, T]
        y_in = y.masked_fill(~y_valid, self.EOS)
        x_emb = self.embed_phonemes(x, bert, (arange_n.unsqueeze(0) - pad).clamp(min=0))
        xy = torch.cat((x_emb, self.embed_tokens(y_in)), dim=1)  # [B, N+T, D]
        keys = torch.cat((x_valid, y_valid), dim=1)  # [B, N+T]
        mask = self.structure_mask(n, t, x.device).unsqueeze(0) & keys.unsqueeze(1)  # [B, L, L]
        hidden = self.h(xy, mask.unsqueeze(1))
        logits = self.ar_predict_layer(hidden[:, n - 1 :])  # [B, T+1, V]
        targets = F.pad(y_in, (0, 1), value=self.EOS)
        return logits, targets

    def forward(
        self, x: torch.Tensor, x_lens: torch.Tensor, y: torch.Tensor, y_lens: torch.Tensor, bert_feature: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(summed cross-entropy over every position of the padded batch, top-3 accuracy w/o EOS)."""
        logits, targets = self.logits_and_targets(x, x_lens, y, y_lens, bert_feature)
        loss = F.cross_entropy(logits.float().transpose(1, 2), targets, reduction="sum")
        return loss, top_k_accuracy(logits.detach(), targets, k=3, ignore_index=self.EOS)

    # --- synthesis -----------------------------------------------------------------------

    def _next_logits(self, x_emb: torch.Tensor, tokens: torch.Tensor, cache: KVCache | None) -> torch.Tensor:
        """Logits [1, V] for the token after `tokens` [1, L]; with a cache only new positions run."""
        n = x_emb.shape[1]
        if cache is not None and cache.length > 0:
            step = self.embed_tokens(tokens[:, -1:], start=tokens.shape[1] - 1)
            hidden = self.h(step, None, cache)  # the new token may attend to everything cached
        else:
            xy = torch.cat((x_emb, self.embed_tokens(tokens)), dim=1)
            mask = self.structure_mask(n, tokens.shape[1], x_emb.device)
            hidden = self.h(xy, mask, cache)
        return self.ar_predict_layer(hidden[:, -1])

    @torch.inference_mode()
    def infer(
        self,
        phones: torch.Tensor,
        bert: torch.Tensor,
        prompt: torch.Tensor,
        *,
        top_k: int | None = 15,
        top_p: float | None = 1.0,
        temperature: float = 1.0,
        repetition_penalty: float = 1.35,
        max_new_tokens: int = 1500,
        generator: torch.Generator | None = None,
        use_cache: bool = True,
        min_new_tokens: int = MIN_NEW_TOKENS,
    ) -> torch.Tensor:
        """Generate semantic tokens after `prompt` until EOS or `max_new_tokens`.

        phones [1, N]: reference-text phones followed by target-text phones; bert [1, 1024, N];
        prompt [1, P]: the reference audio's semantic tokens (P may be 0). Returns [1, T_new],
        the new tokens only (prompt and EOS excluded). EOS cannot be chosen before
        `min_new_tokens` tokens exist (upstream: 11, at least 1); afterwards it ends generation
        when it is sampled or is the most likely token (that step's sample is discarded).
        """
        _check_infer_inputs(phones, bert, prompt, self.phoneme_vocab_size)
        x_emb = self.embed_phonemes(phones, bert)
        tokens = prompt.to(torch.long)
        cache = KVCache.empty(len(self.h.layers)) if use_cache else None
        for step in range(max_new_tokens):
            logits = self._next_logits(x_emb, tokens, cache).float()
            if step < max(1, min_new_tokens):
                logits[:, self.EOS] = float("-inf")
            chosen = sample_next_token(
                logits, tokens, top_k=top_k, top_p=top_p, temperature=temperature,
                repetition_penalty=repetition_penalty, generator=generator,
            )
            if int(chosen) == self.EOS or int(logits.argmax(dim=-1)) == self.EOS:
                break
            tokens = torch.cat((tokens, chosen), dim=1)
        else:
            logger.warning("GPT stopped at max_new_tokens=%d without EOS", max_new_tokens)
        return tokens[:, prompt.shape[1] :]


def _check_infer_inputs(phones: torch.Tensor, bert: torch.Tensor, prompt: torch.Tensor, n_symbols: int) -> None:
    """Shape checks with messages that say what the caller passed (batch size 1 only)."""
    if phones.dim() != 2 or phones.shape[0] != 1 or phones.shape[1] == 0:
        raise DataError(f"GPT infer: phones must be [1, N>0], got {tuple(phones.shape)}")
    if bert.dim() != 3 or bert.shape[0] != 1 or bert.shape[1] != BERT_DIM or bert.shape[2] != phones.shape[1]:
        raise DataError(f"GPT infer: bert must be [1, {BERT_DIM}, {phones.shape[1]}], got {tuple(bert.shape)}")
    if prompt.dim() != 2 or prompt.shape[0] != 1:
        raise DataError(f"GPT infer: prompt must be [1, P], got {tuple(prompt.shape)}")
    if int(phones.max()) >= n_symbols or int(phones.min()) < 0:
        raise DataError(f"GPT infer: phone ids must lie in [0, {n_symbols}); the model's table is smaller")


def top_k_accuracy(logits: torch.Tensor, targets: torch.Tensor, k: int, ignore_index: int) -> torch.Tensor:
    """Share of positions whose target is among the k best logits, ignoring `ignore_index` targets."""
    keep = targets != ignore_index
    if not bool(keep.any()):
        return torch.zeros((), device=logits.device)
    best = logits.topk(min(k, logits.shape[-1]), dim=-1).indices  # [..., k]
    hit = (best == targets.unsqueeze(-1)).any(dim=-1)
    return hit[keep].float().mean()


def build_text2semantic(config: Mapping[str, Any], table: SymbolTable | str | None) -> Text2SemanticDecoder:
    """The GPT for `config` (whole s1 dict) with one phoneme row per symbol of `table`."""
    return Text2SemanticDecoder(config, table)
