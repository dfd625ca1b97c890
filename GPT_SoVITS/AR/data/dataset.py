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
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import torch
from torch.utils.data import Dataset, Sampler

from GPT_SoVITS.errors import DataError, UnknownSymbolError
from GPT_SoVITS.prepare.list_file import ListProblem
from GPT_SoVITS.prepare.name2text import iter_name2text
from GPT_SoVITS.text.symbols import PAD_ID, SymbolTable

logger = logging.getLogger(__name__)

SEMANTIC_RATE = 25  # tokens per second
SEMANTIC_PAD = 1024  # = EOS; the model masks it
BERT_DIM = 1024


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


@dataclass
class DataReport:
    """What reading kept and dropped; `line()` is the one summary line the trainer logs."""

    kept: int = 0
    dropped: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    unknown_symbols: Counter = field(default_factory=Counter)

    def drop(self, reason: str, message: str) -> None:
        self.dropped[reason] += 1
        self.problems.append(message)

    def line(self) -> str:
        parts = ", ".join(f"{reason} {count}" for reason, count in sorted(self.dropped.items())) or "none"
        unknown = ""
        if self.unknown_symbols:
            unknown = "; unknown symbols: " + ", ".join(f"{s!r} x{n}" for s, n in self.unknown_symbols.most_common())
        return f"GPT data: kept {self.kept}, dropped {sum(self.dropped.values())} ({parts}){unknown}"


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
    """name -> (codes, line number) from `6-name2semantic.tsv` (header `item_name\\tsemantic_audio`)."""
    rows: dict[str, tuple[list[int], int]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or (number == 1 and line.startswith("item_name\t")):
            continue
        fields = line.split("\t")
        try:
            if len(fields) != 2:
                raise ValueError(f"expected 2 tab-separated fields name, codes, got {len(fields)}")
            codes = [int(c) for c in fields[1].split()]
            if not codes or min(codes) < 0 or max(codes) >= SEMANTIC_PAD:
                raise ValueError(f"codes must be 1 or more integers in [0, {SEMANTIC_PAD})")
        except ValueError as error:
            report.drop("malformed", f"{path}:{number}: {error}")
            continue
        rows[fields[0]] = (codes, number)
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
            raise DataError(f"{path}: not found; run the dataset formatting stages (1A-1C) first")
    report = DataReport()
    texts = read_name2text(phoneme_path, report)
    semantics = read_name2semantic(semantic_path, report)
    for name in sorted(set(texts) ^ set(semantics)):
        where = f"{semantic_path}" if name in semantics else f"{phoneme_path}"
        report.drop("in one file only", f"{where}: {name!r} has no partner in the other file")
    bert_dir = phoneme_path.parent / "3-bert"
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
        raise DataError(f"{utterance.bert_path}: expected BERT features [{BERT_DIM}, {n}], got {shape}; re-run stage 1A")
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


class BucketBatchSampler(Sampler):
    """Batches of similar token length, in a seeded per-epoch random order, split across ranks.

    Items are sorted by length and cut into batches (little padding); the batch order is
    shuffled with `seed + epoch` so a resumed run sees the same batches as an uninterrupted
    one. Every rank gets the same number of batches (the remainder is dropped under DDP).
    """

    def __init__(self, dataset: Text2SemanticDataset, batch_size: int, *, seed: int = 0, rank: int = 0, world_size: int = 1):
        self.dataset = dataset
        self.batch_size = max(1, batch_size)
        self.seed, self.rank, self.world_size = seed, rank, world_size
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def _all_batches(self) -> list[list[int]]:
        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        jitter = torch.randperm(len(self.dataset), generator=generator).tolist()  # random ties order
        order = sorted(range(len(self.dataset)), key=lambda i: (self.dataset.token_length(i), jitter[i]))
        batches = [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        shuffled = torch.randperm(len(batches), generator=generator).tolist()
        return [batches[i] for i in shuffled]

    def __iter__(self) -> Iterator[list[int]]:
        batches = self._all_batches()
        usable = len(batches) - len(batches) % self.world_size if self.world_size > 1 else len(batches)
        return iter(batches[self.rank : usable : self.world_size])

    def __len__(self) -> int:
        total = math.ceil(len(self.dataset) / self.batch_size)
        return total // self.world_size if self.world_size > 1 else total
