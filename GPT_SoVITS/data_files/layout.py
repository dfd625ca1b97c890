"""Names of the files in an experiment folder (`logs/<exp>/`) and of the stages' part files.

Upstream's names, which users and the UI know; every reader and writer takes them from here.
"""

from __future__ import annotations

import os
from pathlib import Path

NAME2TEXT = "2-name2text.txt"
BERT_DIR = "3-bert"
BERT_DIM = 1024  # features per phone in 3-bert/<name>.pt ([1024, n_phones]); the GPT's BERT input width
SSL_DIR = "4-cnhubert"
WAV_DIR = "5-wav32k"
NAME2SEMANTIC = "6-name2semantic.tsv"
SV_DIR = "7-sv_cn"  # Pro versions only: speaker vectors from stage 2-get-sv
FAILED_TXT = "failed.txt"
#: Every stage in run order, as they name their part files (`failed-<stage>-<i>.tsv`); "sv"
#: runs for the experiments of Pro versions (speaker vectors) only (`prepare.stages.stage_keys`).
STAGE_KEYS = ("text", "ssl", "sv", "semantic")


def name2text_part(opt_dir: str | os.PathLike, i_part: int) -> Path:
    """Stage 1's output of part `i_part`, merged into `2-name2text.txt`."""
    return Path(opt_dir) / f"2-name2text-{i_part}.txt"


def name2semantic_part(opt_dir: str | os.PathLike, i_part: int) -> Path:
    """Stage 3's output of part `i_part`, merged into `6-name2semantic.tsv`."""
    return Path(opt_dir) / f"6-name2semantic-{i_part}.tsv"


def ssl_path(opt_dir: str | os.PathLike, name: str) -> Path:
    """Stage 2's HuBERT features of utterance `name`."""
    return Path(opt_dir) / SSL_DIR / f"{name}.pt"


def wav32k_path(opt_dir: str | os.PathLike, name: str) -> Path:
    """Stage 2's 32 kHz copy of utterance `name` (the name keeps its extension)."""
    return Path(opt_dir) / WAV_DIR / name


def sv_path(opt_dir: str | os.PathLike, name: str) -> Path:
    """Stage 2-get-sv's speaker vector of utterance `name` (`7-sv_cn/a.wav.pt`)."""
    return Path(opt_dir) / SV_DIR / f"{name}.pt"


def part_index(path: Path) -> int:
    """The part number at the end of a part file's stem (`2-name2text-3.txt` -> 3)."""
    return int(path.stem.rsplit("-", 1)[1])


def part_files(opt_dir: str | os.PathLike, pattern: str) -> list[Path]:
    """Part files matching `pattern` (e.g. `2-name2text-*.txt`), in part order, whatever their count."""
    found = [path for path in Path(opt_dir).glob(pattern) if path.stem.rsplit("-", 1)[-1].isdigit()]
    return sorted(found, key=part_index)
