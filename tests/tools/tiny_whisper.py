"""A tiny Whisper model for offline ASR tests, converted by CTranslate2's own converter.

The tokenizer is built with the `tokenizers` library in Whisper's multilingual layout (50257
byte-level text tokens, one of them empty as CTranslate2 expects, then the special tokens;
the converter appends 1501 timestamps). The decoder is set so its output depends on position
only: whatever the audio, it says `мама мыла раму` and stops, and detects Russian. The encoder
stays random. So the real faster-whisper path runs and its output is known.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import torch

SPOKEN = (" мама", " мыла", " раму")
TEXT = "мама мыла раму"
D_MODEL = 16
TEXT_TOKENS = 50257  # Whisper's multilingual text vocabulary size
PROMPT_LENGTH = 4  # <|startoftranscript|> <|ru|> <|transcribe|> then <|notimestamps|> or a timestamp


def _byte_alphabet() -> dict[int, str]:
    """Byte -> the printable character standing for it in a byte-level BPE vocabulary."""
    printable = set(range(33, 127)) | set(range(161, 173)) | set(range(174, 256))
    table, shifted = {}, 0
    for byte in range(256):
        if byte in printable:
            table[byte] = chr(byte)
        else:
            table[byte] = chr(256 + shifted)
            shifted += 1
    return table


def _languages() -> list[str]:
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    # 99 languages: with Cantonese the vocabulary would be large-v3's 51866 tokens.
    return [code for code in _LANGUAGE_CODES if code != "yue"]


def build_tokenizer(folder: Path):
    import tokenizers
    from tokenizers import AddedToken, decoders, models, pre_tokenizers

    alphabet = _byte_alphabet()

    def byte_level(text: str) -> str:
        return "".join(alphabet[byte] for byte in text.encode("utf-8"))

    vocab = {alphabet[byte]: byte for byte in range(256)}
    letters = "абвгдежзийклмнопрстуфхцчшщыэюя"
    fillers = itertools.chain(SPOKEN, (" " + "".join(c) for n in (2, 3, 4) for c in itertools.product(letters, repeat=n)))
    for word in fillers:
        if len(vocab) == TEXT_TOKENS - 1:
            break
        vocab.setdefault(byte_level(word), len(vocab))
    vocab[""] = TEXT_TOKENS - 1  # CTranslate2 reads a multilingual model from this empty token
    tokenizer = tokenizers.Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    specials = ["<|endoftext|>", "<|startoftranscript|>", *(f"<|{code}|>" for code in _languages()),
                "<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>", "<|nocaptions|>",
                "<|notimestamps|>"]
    tokenizer.add_special_tokens([AddedToken(token, special=True, normalized=False) for token in specials])
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(folder / "tokenizer.json"))
    (folder / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "PreTrainedTokenizerFast"}))
    return tokenizer, {word: vocab[byte_level(word)] for word in SPOKEN}


def _set_decoder(model, spoken_ids: list[int], eot: int, russian: int) -> None:
    """Make the decoder's logits a function of position only (see the module docstring)."""
    from scipy.linalg import hadamard

    rows = torch.tensor(hadamard(D_MODEL), dtype=torch.float32)[1:]  # zero-mean, orthogonal: LayerNorm keeps them
    decoder = model.model.decoder
    with torch.no_grad():
        decoder.embed_tokens.weight.zero_()
        for layer in decoder.layers:  # every block adds nothing to the residual stream
            for linear in (layer.self_attn.out_proj, layer.encoder_attn.out_proj, layer.fc2):
                linear.weight.zero_()
                linear.bias.zero_()
        positions = decoder.embed_positions.weight
        positions[:] = rows[len(spoken_ids) + 1]  # every later position says end of text
        positions[:PROMPT_LENGTH - 1] = rows[0]
        for offset in range(len(spoken_ids)):
            positions[PROMPT_LENGTH - 1 + offset] = rows[offset + 1]
        model.proj_out.weight.normal_(0.0, 0.01)
        model.proj_out.weight[russian] = 0.5 * rows[0]  # language detection at the first position
        for offset, token in enumerate(spoken_ids):
            model.proj_out.weight[token] = rows[offset + 1]
        model.proj_out.weight[eot] = rows[len(spoken_ids) + 1]


def build_tiny_whisper(folder: Path, seed: int = 0) -> Path:
    """Write the Transformers model to `folder/hf` and its CTranslate2 conversion to `folder/ct2`."""
    import ctranslate2
    from transformers import WhisperConfig, WhisperForConditionalGeneration

    hf_dir, ct2_dir = folder / "hf", folder / "ct2"
    tokenizer, spoken = build_tokenizer(hf_dir)
    eot, sot = tokenizer.token_to_id("<|endoftext|>"), tokenizer.token_to_id("<|startoftranscript|>")
    config = WhisperConfig(
        vocab_size=tokenizer.get_vocab_size() + 1501, num_mel_bins=80, d_model=D_MODEL, encoder_layers=1,
        decoder_layers=1, encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32,
        decoder_ffn_dim=32, max_source_positions=1500, max_target_positions=448, decoder_start_token_id=sot,
        eos_token_id=eot, pad_token_id=eot, bos_token_id=eot, suppress_tokens=[], begin_suppress_tokens=[eot],
        tie_word_embeddings=False)
    torch.manual_seed(seed)
    model = WhisperForConditionalGeneration(config)
    _set_decoder(model, [spoken[word] for word in SPOKEN], eot, tokenizer.token_to_id("<|ru|>"))
    model.save_pretrained(hf_dir)
    (hf_dir / "preprocessor_config.json").write_text(json.dumps(
        {"feature_size": 80, "sampling_rate": 16000, "hop_length": 160, "chunk_length": 30, "n_fft": 400}))
    lang_to_id = {f"<|{code}|>": tokenizer.token_to_id(f"<|{code}|>") for code in _languages()}

    class Converter(ctranslate2.converters.TransformersConverter):
        def load_model(self, model_class, model_name_or_path, **kwargs):
            loaded = super().load_model(model_class, model_name_or_path, **kwargs)
            # Transformers 5 drops `lang_to_id` from a saved generation config; the converter reads
            # the language tokens from it.
            loaded.generation_config.lang_to_id = lang_to_id
            return loaded

    Converter(str(hf_dir), copy_files=["tokenizer.json", "preprocessor_config.json"]).convert(
        str(ct2_dir), quantization="int8", force=True)
    return ct2_dir


def silence(seconds: float, sr: int = 16000) -> np.ndarray:
    return np.zeros(int(seconds * sr), dtype=np.float32)
