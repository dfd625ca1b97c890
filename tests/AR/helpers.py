"""Tiny GPT configs and synthetic experiment folders for the GPT tests (seconds on CPU)."""

from __future__ import annotations

import copy
import random
from pathlib import Path

import torch
import yaml

from tests.conftest import REPO_ROOT

from GPT_SoVITS.text.symbols import SymbolTable, get_table

TEST_TABLE = "v2+artest"


def upstream_config() -> dict:
    """configs/s1longer-v2.yaml as a dict (the full-size GPT)."""
    return yaml.safe_load((REPO_ROOT / "configs" / "s1longer-v2.yaml").read_text(encoding="utf-8"))


def tiny_config(**model_overrides) -> dict:
    """The upstream config with a 2-layer, 32-wide model (same vocabularies)."""
    config = copy.deepcopy(upstream_config())
    config["model"].update(embedding_dim=32, hidden_dim=32, head=2, n_layer=2, linear_units=64, dropout=0)
    config["model"].update(model_overrides)
    return config


def appended_table() -> SymbolTable:
    """v2 plus three new symbols with look-alikes, named `v2+artest` (not registered: the tests
    pass the table itself, so no test leaves it behind in the global registry)."""
    base = get_table("v2")
    symbols = base.symbols + ("ar_test_a", "ar_test_o", "ar_test_x")
    similar = {"ar_test_a": ("a1", "AA1"), "ar_test_o": ("OW1",), "ar_test_x": ()}
    return SymbolTable(TEST_TABLE, symbols, similar, base_name="v2")


def russian_or_test_table() -> SymbolTable:
    """`v2+ru` when the Russian inventory exists, else the appended test table."""
    from GPT_SoVITS.text.symbols import default_table_name

    return get_table("v2+ru") if default_table_name() == "v2+ru" else appended_table()


PHONES = ("AA1", "B", "D", "EH1", "F", "K", "L", "M", "N", "S", "T", "a1", "i1", "u1")


def synthetic_pairs(count: int, seed: int = 0, min_len: int = 4, max_len: int = 10) -> list[tuple[str, list[str], list[int]]]:
    """(name, phones, codes): random phones, codes a deterministic pattern of them (2 per phone)."""
    rng = random.Random(seed)
    pairs = []
    for index in range(count):
        phones = [rng.choice(PHONES) for _ in range(rng.randint(min_len, max_len))]
        codes = []
        for position, phone in enumerate(phones):
            base = (PHONES.index(phone) * 37) % 1024
            codes += [base, (base + 1 + position % 2) % 1024]
        pairs.append((f"utt{index:03d}.wav", phones, codes))
    return pairs


def write_experiment(root: Path, pairs, *, extra_text_lines=(), extra_semantic_lines=()) -> tuple[Path, Path]:
    """Write `2-name2text.txt` and `6-name2semantic.tsv` as the prepare stages do."""
    root.mkdir(parents=True, exist_ok=True)
    text_lines = [f"{name}\t{' '.join(phones)}\tNone\ttext {name}" for name, phones, _ in pairs]
    semantic_lines = ["item_name\tsemantic_audio"] + [f"{name}\t{' '.join(map(str, codes))}" for name, _, codes in pairs]
    phoneme_path, semantic_path = root / "2-name2text.txt", root / "6-name2semantic.tsv"
    phoneme_path.write_text("\n".join([*text_lines, *extra_text_lines]) + "\n", encoding="utf-8")
    semantic_path.write_text("\n".join([*semantic_lines, *extra_semantic_lines]) + "\n", encoding="utf-8")
    return phoneme_path, semantic_path


def train_yaml(root: Path, *, epochs: int = 2, batch_size: int = 4, pretrained: str = "", lr: float = 3e-3,
               table: str = "v2", **train_overrides) -> Path:
    """A tmp_s1.yaml as the web UI writes it, over a synthetic experiment in `root`."""
    phoneme_path, semantic_path = write_experiment(root / "logs" / "exp", synthetic_pairs(12))
    config = tiny_config()
    train = dict(epochs=epochs, batch_size=batch_size, save_every_n_epoch=1, if_save_latest=True,
                 if_save_every_weights=True, half_weights_save_dir=str(root / "GPT_weights_v2"),
                 exp_name="exp", precision="32", if_dpo=False)
    config["train"].update({**train, **train_overrides})
    config["data"]["num_workers"] = 0
    config["data"]["min_items_per_epoch"] = 16
    config.update(pretrained_s1=pretrained, train_semantic_path=str(semantic_path), train_phoneme_path=str(phoneme_path),
                  output_dir=str(root / "logs" / "exp" / "logs_s1_v2"), symbol_table=table,
                  adamw={"lr": lr, "warmup_steps": 2})
    path = root / "TEMP" / "tmp_s1.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def batch_from(pairs, table: SymbolTable) -> dict[str, torch.Tensor]:
    """Collate synthetic pairs into a training batch (zeros for BERT)."""
    from GPT_SoVITS.AR.data.dataset import collate

    items = [{"phoneme_ids": torch.tensor(table.to_ids(phones)), "semantic_ids": torch.tensor(codes),
              "bert_feature": torch.zeros(1024, len(phones))} for _, phones, codes in pairs]
    return collate(items)


FLIP_MARGIN = 1e-4  # batch invariance: a token may differ only where the two best logits are closer than this


def flip_margin(model, phones: torch.Tensor, prompt: torch.Tensor, tokens: list[int], position: int) -> float:
    """The gap between the two best logits where a decode chose differently (teacher-forced)."""
    y = torch.cat((prompt[0], torch.tensor(tokens[:position], dtype=torch.long))).unsqueeze(0)
    with torch.inference_mode():
        logits, _ = model.logits_and_targets(phones.unsqueeze(0), torch.tensor([phones.numel()]), y,
                                             torch.tensor([y.shape[1]]), torch.zeros(1, 1024, phones.numel()))
    best = logits[0, prompt.shape[1] + position].float().topk(2).values
    return float(best[0] - best[1])
