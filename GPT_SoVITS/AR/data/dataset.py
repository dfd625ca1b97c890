"""GPT training data: pairs `2-name2text.txt` with `6-name2semantic.tsv`, filters, batches.

Reading ends with a `DataReport` of everything that was left out and why (names in only one
file, malformed lines, unknown phones, utterances too long or with implausible speaking
rates), never a silent skip. Phonemes are numbered by the training symbol table; BERT
features come from `3-bert/<name>.pt` where stage 1 wrote one, zeros otherwise.
Collate left-pads phonemes (the model reads its logits from the last phoneme position).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.utils.data import Dataset

from GPT_SoVITS.data_files.layout import BERT_DIM, BERT_DIR
from GPT_SoVITS.data_files.list_file import ListProblem
from GPT_SoVITS.data_files.name2semantic import iter_name2semantic
from GPT_SoVITS.data_files.name2text import iter_name2text
from GPT_SoVITS.data_files.report import DataReport
from GPT_SoVITS.data_files.sampler import BucketBatchSampler  # noqa: F401  (the trainer's sampler)
from GPT_SoVITS.errors import DataError, UnknownSymbolError
from GPT_SoVITS.text.symbols import PAD_ID, SymbolTable

logger = logging.getLogger(__name__)

SEMANTIC_RATE = 25  # tokens per second
SEMANTIC_PAD = 1024  # = EOS; the model masks it


@dataclass(frozen=True)
class DataLimits:
    """Upstream's s1 filters: at most `max_sec` of tokens, `max_phones`, and a phones/s window."""

    max_sec: float = 54.0
    max_phones: int = 540
    min_phones_per_sec: float = 3.0
    max_phones_per_sec: float = 25.0


@dataclass(frozen=True)
class Utterance:
    """One training pair; `bert_path` is None when stage 1 wrote no BERT file (non-Chinese)."""

    name: str
    phone_ids: tuple[int, ...]
    codes: tuple[int, ...]
    bert_path: Path | None


def read_name2text(path: Path, report: DataReport) -> dict[str, tuple[list[str], int]]:
    """name -> (phones, line number) from `2-name2text.txt`; malformed lines are dropped and reported."""
    rows: dict[str, tuple[list[str], int]] = {}
    for row in iter_name2text(path):
        if isinstance(row, ListProblem):
            report.drop("malformed", str(row))
        else:
            rows[row.name] = (row.phones, row.line_number)
    return rows


def read_name2semantic(path: Path, report: DataReport) -> dict[str, tuple[list[int], int]]:
    """name -> (codes, line number) from `6-name2semantic.tsv`; malformed lines are dropped and reported."""
    rows: dict[str, tuple[list[int], int]] = {}
    for row in iter_name2semantic(path):
        if isinstance(row, ListProblem):
            report.drop("malformed", str(row))
        else:
            rows[row.name] = (row.codes, row.line_number)
    return rows


def _filter_reason(n_phones: int, n_codes: int, limits: DataLimits) -> tuple[str, str] | None:
    """(category, detail) of why upstream's filters drop an utterance, or None to keep it."""
    seconds = n_codes / SEMANTIC_RATE
    if seconds > limits.max_sec:
        return "too long", f"{seconds:.1f} s > max_sec {limits.max_sec:g}"
    if n_phones > limits.max_phones:
        return "too many phones", f"{n_phones} > {limits.max_phones}"
    rate = n_phones / seconds
    if not limits.min_phones_per_sec <= rate <= limits.max_phones_per_sec:
        return "phones per second", f"{rate:.1f} outside [{limits.min_phones_per_sec:g}, {limits.max_phones_per_sec:g}]"
    return None


def read_utterances(
    phoneme_path: str | Path, semantic_path: str | Path, table: SymbolTable, limits: DataLimits = DataLimits()
) -> tuple[list[Utterance], DataReport]:
    """Join the two files by name, number phonemes by `table`, apply the filters; report the rest."""
    phoneme_path, semantic_path = Path(phoneme_path), Path(semantic_path)
    for path in (phoneme_path, semantic_path):
        if not path.is_file():
            raise DataError(f"{path}: not found; run the dataset formatting stages (1a-1c) first")
    report = DataReport("GPT data")
    texts = read_name2text(phoneme_path, report)
    semantics = read_name2semantic(semantic_path, report)
    for name in sorted(set(texts) ^ set(semantics)):
        where = f"{semantic_path}" if name in semantics else f"{phoneme_path}"
        report.drop("in one file only", f"{where}: {name!r} has no partner in the other file")
    bert_dir = phoneme_path.parent / BERT_DIR
    utterances = []
    for name, (codes, _) in semantics.items():
        if name not in texts:
            continue
        phones, number = texts[name]
        try:
            ids = table.to_ids(phones, where=f"{phoneme_path}:{number}")
        except UnknownSymbolError as error:
            report.unknown_symbols[error.symbol] += 1
            report.drop("unknown symbol", str(error))
            continue
        reason = _filter_reason(len(ids), len(codes), limits)
        if reason is not None:
            report.drop(reason[0], f"{phoneme_path}:{number}: {name!r} dropped, {reason[0]}: {reason[1]}")
            continue
        bert_path = bert_dir / f"{name}.pt"
        utterances.append(Utterance(name, tuple(ids), tuple(codes), bert_path if bert_path.is_file() else None))
    report.kept = len(utterances)
    return utterances, report


def load_bert(utterance: Utterance) -> torch.Tensor:
    """[1024, n_phones] float features: the stage-1 file, or zeros when there is none."""
    n = len(utterance.phone_ids)
    if utterance.bert_path is None:
        return torch.zeros(BERT_DIM, n)
    bert = torch.load(utterance.bert_path, map_location="cpu", weights_only=True)
    if not isinstance(bert, torch.Tensor) or tuple(bert.shape) != (BERT_DIM, n):
        shape = tuple(bert.shape) if isinstance(bert, torch.Tensor) else type(bert).__name__
        raise DataError(f"{utterance.bert_path}: expected BERT features [{BERT_DIM}, {n}], got {shape}; re-run stage 1 (1a)")
    return bert.float()


class Text2SemanticDataset(Dataset):
    """Utterances repeated until an epoch holds at least `min_items` (upstream uses 100)."""

    def __init__(self, utterances: list[Utterance], min_items: int = 100):
        if not utterances:
            raise DataError("GPT data: no usable utterances; see the report lines above for why each was dropped")
        self.utterances = utterances
        self.repeat = max(1, math.ceil(min_items / len(utterances)))

    def __len__(self) -> int:
        return len(self.utterances) * self.repeat

    def __getitem__(self, index: int) -> dict:
        utterance = self.utterances[index % len(self.utterances)]
        return {
            "phoneme_ids": torch.tensor(utterance.phone_ids, dtype=torch.long),
            "semantic_ids": torch.tensor(utterance.codes, dtype=torch.long),
            "bert_feature": load_bert(utterance),
        }

    def token_length(self, index: int) -> int:
        return len(self.utterances[index % len(self.utterances)].codes)

    def lengths(self) -> list[int]:
        """Token counts of every item, for the bucket sampler."""
        return [self.token_length(index) for index in range(len(self))]


def collate(items: list[dict]) -> dict[str, torch.Tensor]:
    """Batch items: phonemes and BERT LEFT-padded (0 / zeros), semantic tokens right-padded (1024)."""
    n = max(len(item["phoneme_ids"]) for item in items)
    t = max(len(item["semantic_ids"]) for item in items)
    phonemes = torch.full((len(items), n), PAD_ID, dtype=torch.long)
    bert = torch.zeros(len(items), BERT_DIM, n)
    semantic = torch.full((len(items), t), SEMANTIC_PAD, dtype=torch.long)
    for row, item in enumerate(items):
        length = len(item["phoneme_ids"])
        phonemes[row, n - length :] = item["phoneme_ids"]
        bert[row, :, n - length :] = item["bert_feature"]
        semantic[row, : len(item["semantic_ids"])] = item["semantic_ids"]
    return {
        "phoneme_ids": phonemes,
        "phoneme_ids_len": torch.tensor([len(i["phoneme_ids"]) for i in items], dtype=torch.long),
        "semantic_ids": semantic,
        "semantic_ids_len": torch.tensor([len(i["semantic_ids"]) for i in items], dtype=torch.long),
        "bert_feature": bert,
    }
