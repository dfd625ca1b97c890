"""Readings of words the CMU dictionary lacks: g2p-en's GRU encoder-decoder, run in numpy.

The weights are `checkpoint20.npz` inside the g2p-en wheel (Apache-2.0). Importing `g2p_en`
would import NLTK and download its tagger and dictionary at run time, so the package is only
*located* (`importlib.util.find_spec` does not execute it) and its array file read with
`allow_pickle=False`. The network is a one-layer GRU encoder over the letters and a GRU
decoder emitting ARPAbet greedily (no attention), re-implemented here from the array shapes.
Without the package, unknown words are spelled letter by letter (logged once).
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

GRAPHEMES = ("<pad>", "<unk>", "</s>", *"abcdefghijklmnopqrstuvwxyz")
PHONEMES = (
    "<pad>", "<unk>", "<s>", "</s>",
    "AA0", "AA1", "AA2", "AE0", "AE1", "AE2", "AH0", "AH1", "AH2", "AO0", "AO1", "AO2", "AW0", "AW1", "AW2",
    "AY0", "AY1", "AY2", "B", "CH", "D", "DH", "EH0", "EH1", "EH2", "ER0", "ER1", "ER2", "EY0", "EY1", "EY2",
    "F", "G", "HH", "IH0", "IH1", "IH2", "IY0", "IY1", "IY2", "JH", "K", "L", "M", "N", "NG", "OW0", "OW1",
    "OW2", "OY0", "OY1", "OY2", "P", "R", "S", "SH", "T", "TH", "UH0", "UH1", "UH2", "UW", "UW0", "UW1",
    "UW2", "V", "W", "Y", "Z", "ZH",
)
_START, _END, _MAX_STEPS = 2, 3, 24
_ARRAYS = ("enc_emb", "enc_w_ih", "enc_w_hh", "enc_b_ih", "enc_b_hh",
           "dec_emb", "dec_w_ih", "dec_w_hh", "dec_b_ih", "dec_b_hh", "fc_w", "fc_b")
_LOCK = threading.Lock()
_STATE: dict[str, object] = {}


def checkpoint_path() -> Path | None:
    """Where the installed g2p-en wheel keeps its weights, without importing the package."""
    spec = importlib.util.find_spec("g2p_en")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "checkpoint20.npz"
    return path if path.is_file() else None


def _load() -> dict[str, np.ndarray] | None:
    with _LOCK:
        if "weights" not in _STATE:
            path = checkpoint_path()
            weights = None
            if path is None:
                logger.warning("g2p-en is not installed: English words missing from the CMU dictionary "
                               "will be spelled letter by letter (pip install g2p-en)")
            else:
                with np.load(path, allow_pickle=False) as archive:
                    weights = {name: archive[name].astype(np.float32) for name in _ARRAYS}
            _STATE["weights"] = weights
        return _STATE["weights"]  # type: ignore[return-value]


def available() -> bool:
    """Whether the unknown-word model can be used."""
    return _load() is not None


def _gru_step(x: np.ndarray, h: np.ndarray, w: dict[str, np.ndarray], prefix: str) -> np.ndarray:
    """One GRU cell step (gates ordered reset, update, new as in PyTorch's GRU)."""
    gi = x @ w[f"{prefix}_w_ih"].T + w[f"{prefix}_b_ih"]
    gh = h @ w[f"{prefix}_w_hh"].T + w[f"{prefix}_b_hh"]
    size = h.shape[-1]
    reset = 1.0 / (1.0 + np.exp(-(gi[:size] + gh[:size])))
    update = 1.0 / (1.0 + np.exp(-(gi[size:2 * size] + gh[size:2 * size])))
    new = np.tanh(gi[2 * size:] + reset * gh[2 * size:])
    return (1.0 - update) * new + update * h


@lru_cache(maxsize=16384)
def predict(word: str) -> tuple[str, ...] | None:
    """ARPAbet of a lower-case Latin `word` by the model; None when the model is not installed."""
    weights = _load()
    if weights is None:
        return None
    letters = [GRAPHEMES.index(c) if c in GRAPHEMES[3:] else 1 for c in word.lower()] + [2]
    h = np.zeros(weights["enc_w_hh"].shape[1], np.float32)
    for index in letters:
        h = _gru_step(weights["enc_emb"][index], h, weights, "enc")
    phones: list[str] = []
    previous = _START
    for _ in range(_MAX_STEPS):
        h = _gru_step(weights["dec_emb"][previous], h, weights, "dec")
        previous = int(np.argmax(weights["fc_w"] @ h + weights["fc_b"]))
        if previous == _END:
            break
        if previous > _END:
            phones.append("UW0" if PHONEMES[previous] == "UW" else PHONEMES[previous])
    return tuple(phones)
