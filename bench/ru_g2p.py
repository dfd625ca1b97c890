"""Benchmark of the Russian frontend: stress accuracy, phoneme error rate and speed.

Usage: python bench/ru_g2p.py [DEV_TSV] [--sentences N]
DEV_TSV defaults to ../shared/reference/ru_g2p_dev.tsv relative to the repo root; it is read
at run time only (CC BY-SA / GPL data is never copied into the project). Speed is measured
on generated sentences (our own templates) with one torch thread.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
import time
import unicodedata
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# Run by path: import GPT_SoVITS from the repository root, not from bench/.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))  # a bench script run by path, not a library module

from GPT_SoVITS.text.russian import g2p, normalizer, stress  # noqa: E402
from GPT_SoVITS.text.russian.frontend import phonemize  # noqa: E402
from GPT_SoVITS.text.russian.lexicon import VOWELS  # noqa: E402

DEFAULT_DEV = REPO_ROOT.parent / "shared" / "reference" / "ru_g2p_dev.tsv"
INVENTORY = REPO_ROOT / "GPT_SoVITS" / "text" / "russian" / "phonemes.tsv"

# IPA normalisation (RUSSIAN_NOTES §4, plus folding of allophones our symbols leave to context)
_DROP = "ˈˌ.ːˑ‿͡"
_ALIASES = (("tʃʲ", "tɕ"), ("dʑ", "tɕ"), ("dz", "ts"), ("ɑ", "a"), ("ʌ", "ɐ"), ("ɭ", "l"), ("ɫ", "l"),
            ("ʃ", "ʂ"), ("ʒ", "ʐ"), ("y", "ɨ"), ("æ", "a"), ("ɵ", "o"), ("ɛ", "e"), ("ʉ", "u"), ("ʊ", "u"),
            ("ɡ", "g"))
_SEGMENT_RE = re.compile(r"(ts|tɕ|[^ʲ])ʲ?")


def normalize_ipa(ipa: str) -> list[str]:
    """Segments of an IPA string after the documented normalisation."""
    ipa = ipa.replace("⁽ʲ⁾", "")
    ipa = "".join(c for c in unicodedata.normalize("NFD", ipa) if not unicodedata.combining(c) or c == "\u0361")
    for char in _DROP:
        ipa = ipa.replace(char, "")
    for old, new in _ALIASES:
        ipa = ipa.replace(old, new)
    return [match.group(0) for match in _SEGMENT_RE.finditer(ipa)]


def edit_distance(a: list[str], b: list[str]) -> int:
    """Levenshtein distance between two segment lists."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


def stressed_index(word: str) -> int | None:
    """Index among the vowels of the vowel after the first `+`."""
    if "+" not in word:
        return None
    return sum(1 for c in word[: word.index("+")] if c in VOWELS)


def evaluate(rows: list[dict[str, str]]) -> dict[str, float]:
    """Stress accuracy over words of 2+ vowels with a gold stress index, and PER against WikiPron (predicted and gold stress)."""
    ipa_of = {row["symbol"]: row["ipa"] for row in csv.DictReader(INVENTORY.open(encoding="utf-8"), delimiter="\t")}
    right = total = errors = length = gold_errors = exact = ipa_words = 0
    for row in rows:
        word = row["word"].lower()
        predicted = stress.accentuate(word)
        if sum(c in VOWELS for c in word) >= 2 and int(row["stress_idx"]) >= 0:
            total += 1
            right += stressed_index(predicted) == int(row["stress_idx"])
        if not row["ipa_narrow"]:
            continue
        reference = normalize_ipa(row["ipa_narrow"])
        ours = [s for p in g2p.word_phones(predicted) for s in normalize_ipa(ipa_of[p])]
        gold_word = row["stressed"].lower() or predicted  # a few compounds have no gold stress
        gold = [s for p in g2p.word_phones(gold_word) for s in normalize_ipa(ipa_of[p])]
        distance = edit_distance(ours, reference)
        errors, length, ipa_words = errors + distance, length + len(reference), ipa_words + 1
        gold_errors += edit_distance(gold, reference)
        exact += distance == 0
    return {"stress": right / max(total, 1), "stress_words": total, "per": errors / max(length, 1),
            "per_gold": gold_errors / max(length, 1), "exact": exact / max(ipa_words, 1), "ipa_words": ipa_words}


def make_sentences(count: int, seed: int = 0) -> list[str]:
    """Book-like sentences from our own templates; about one in four has a number or abbreviation."""
    rng = random.Random(seed)
    who = ["Старый рыбак", "Моя сестра", "Наш учитель", "Молодой врач", "Соседская девочка", "Капитан корабля",
           "Усталый путник", "Бабушка", "Мальчик с собакой", "Незнакомый человек в сером пальто"]
    did = ["долго смотрел на", "осторожно открыла", "неожиданно вспомнил про", "тихо рассказывала о",
           "внимательно читал", "весело обсуждали", "никак не мог забыть", "с улыбкой показала",
           "молча разглядывал", "вдруг заметил"]
    what = ["тёмное море", "старинный замок", "письмо от отца", "следы в зимнем лесу", "новую книгу",
            "далёкие звёзды", "окно соседнего дома", "дорогу через поле", "пожелтевшую фотографию", "свой сад"]
    tail = ["и улыбнулся.", "— это было странно!", "и ничего не сказал бы.", "пока за окном шёл дождь.",
            "как будто видел это впервые.", "и тяжело вздохнул.", "— неужели всё это правда?",
            "хотя вечер уже наступил…", "и решил, что завтра вернётся сюда снова.",
            "в 1987 году.", ", т.е. почти всё время.", "в 10:30 утра.", "за 250 рублей."]
    return [f"{rng.choice(who)} {rng.choice(did)} {rng.choice(what)} {rng.choice(tail)}" for _ in range(count)]


def time_frontend(sentences: list[str]) -> dict[str, float]:
    """Seconds spent in normalisation, stress and G2P over `sentences` (one thread)."""
    import torch

    torch.set_num_threads(1)
    start = time.perf_counter()
    stress.accentuate("проверка загрузки модели")
    load = time.perf_counter() - start
    spent = {"normalise": 0.0, "stress": 0.0, "g2p": 0.0}
    for sentence in sentences:
        t0 = time.perf_counter()
        text = normalizer.normalize(sentence).text
        t1 = time.perf_counter()
        accented = stress.accentuate(text)
        t2 = time.perf_counter()
        phonemize(accented)
        t3 = time.perf_counter()
        spent["normalise"] += t1 - t0
        spent["stress"] += t2 - t1
        spent["g2p"] += t3 - t2
    return {**spent, "load": load}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dev", nargs="?", default=str(DEFAULT_DEV), help="ru_g2p_dev.tsv path")
    parser.add_argument("--sentences", type=int, default=1000)
    args = parser.parse_args(argv)
    with open(args.dev, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    spent = time_frontend(make_sentences(args.sentences))
    quality = evaluate(rows)
    total = spent["normalise"] + spent["stress"] + spent["g2p"]
    print(f"| metric | value | target |\n|---|---|---|")
    print(f"| stress accuracy ({quality['stress_words']} words, 2+ vowels) | {quality['stress']:.2%} | >= 98.5% |")
    print(f"| PER vs WikiPron ({quality['ipa_words']} words, predicted stress) | {quality['per']:.2%} | <= 3% |")
    print(f"| PER with gold stress | {quality['per_gold']:.2%} | |")
    print(f"| words exactly right (predicted stress) | {quality['exact']:.1%} | |")
    print(f"| sentences/s, 1 thread ({args.sentences} sentences) | {args.sentences / total:.0f} | >= 100 |")
    for part in ("normalise", "stress", "g2p"):
        print(f"| {part} time per sentence | {1000 * spent[part] / args.sentences:.2f} ms | |")
    print(f"| silero-stress load (once) | {spent['load']:.1f} s | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
