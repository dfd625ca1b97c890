"""Benchmark of the Russian frontend: stress accuracy, phoneme error rate (folded and
unfolded), homograph accuracy and speed, in one table.

Usage: python bench/ru_g2p.py [DEV_TSV] [--sentences N]
DEV_TSV defaults to shared/reference/ru_g2p_dev.tsv in the first folder above the repo that
has it; it is read at run time only (CC BY-SA / GPL data is never copied into the project).
Homographs: tests/text/data/homographs_ru*.tsv (our sentences: dev, the round-1 held-out split
and the round-2 held-out set), with and without our context rules. Stress is also counted with
accepted variants where gruut-lang-ru (MIT, optional: `pip install gruut-lang-ru`) is installed:
a miss whose stress and gold stress that dictionary both lists for the word. Speed: generated sentences (our own templates, caches warm as
over a book) and the homograph sentences on a first pass (new text), one torch thread,
timed in process CPU time (what one core spends; wall time on a shared machine is not).
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sqlite3
import sys
import time
import unicodedata
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# Run by path: import GPT_SoVITS from the repository root, not from bench/.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))  # a bench script run by path, not a library module

from GPT_SoVITS.text.russian import g2p, homographs, normalizer, stress, stress_dictionary  # noqa: E402
from GPT_SoVITS.text.russian.frontend import phonemize  # noqa: E402
from GPT_SoVITS.text.russian.lexicon import VOWELS  # noqa: E402
from tests.text.homograph_set import SPLITS, expected_reading, read_homograph_set, target_reading  # noqa: E402

DEV_NAME = Path("shared") / "reference" / "ru_g2p_dev.tsv"
INVENTORY = REPO_ROOT / "GPT_SoVITS" / "text" / "russian" / "phonemes.tsv"

# IPA normalisation (RUSSIAN_NOTES §4). "Folded" also merges the allophones our symbols leave
# to context: æ->a, ɵ->o, ɛ->e, ʉ->u, ʊ->u (each is predictable from the neighbouring
# consonants' softness and the stress, which the phones carry).
_DROP = "ˈˌ.ːˑ‿͡"
_ALIASES = (("tʃʲ", "tɕ"), ("dʑ", "tɕ"), ("dz", "ts"), ("ɑ", "a"), ("ʌ", "ɐ"), ("ɭ", "l"), ("ɫ", "l"),
            ("ʃ", "ʂ"), ("ʒ", "ʐ"), ("y", "ɨ"), ("ɡ", "g"))
_FOLDS = (("æ", "a"), ("ɵ", "o"), ("ɛ", "e"), ("ʉ", "u"), ("ʊ", "u"))
_SEGMENT_RE = re.compile(r"(ts|tɕ|[^ʲ])ʲ?")
_SOFT = ("ʲ", "tɕ", "ɕ", "j", "ʑ")


def normalize_ipa(ipa: str, fold: bool = True) -> list[str]:
    """Segments of an IPA string after the documented normalisation (allophones folded or not)."""
    ipa = ipa.replace("⁽ʲ⁾", "")
    ipa = "".join(c for c in unicodedata.normalize("NFD", ipa) if not unicodedata.combining(c) or c == "\u0361")
    for char in _DROP:
        ipa = ipa.replace(char, "")
    for old, new in _ALIASES + (_FOLDS if fold else ()):
        ipa = ipa.replace(old, new)
    return [match.group(0) for match in _SEGMENT_RE.finditer(ipa)]


def realise_allophones(phones: list[str], ipa_of: dict[str, str]) -> list[str]:
    """Our phones as IPA with the context allophones spelled out (stressed a between soft
    consonants -> æ, stressed o after a soft one -> ɵ, stressed e after a hard one or none ->
    ɛ, u between soft -> ʉ): shows how much of the unfolded error context explains."""
    segments = [normalize_ipa(ipa_of[p], fold=False)[0] if ipa_of[p] else "" for p in phones]
    out = []
    for i, (phone, segment) in enumerate(zip(phones, segments)):
        before = segments[i - 1] if i else ""
        after = segments[i + 1] if i + 1 < len(segments) else ""
        soft_before, soft_after = before.endswith(_SOFT), after.endswith(_SOFT)
        if phone == "ru_a1" and soft_before and soft_after:
            segment = "æ"
        elif phone == "ru_o1" and soft_before:
            segment = "ɵ"
        elif phone == "ru_e1" and not soft_before and before not in ("ʂ", "ʐ", "ts"):
            segment = "ɛ"
        elif phone in ("ru_u1", "ru_uh") and soft_before and soft_after:
            segment = "ʉ"
        out.append(segment)
    return out


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


def stress_target(row: dict[str, str]) -> int | None:
    """The gold stressed-vowel index of a dev row the stress metric counts: words of 2+ vowels
    with a gold index (a few compounds have none); None for the others."""
    gold = int(row["stress_idx"])
    return gold if gold >= 0 and sum(c in VOWELS for c in row["word"].lower()) >= 2 else None


def _per(words: list[tuple[str, str]], ipa_of: dict[str, str], mode: str) -> float:
    """PER over (accented word, reference IPA) pairs; mode: folded, unfolded or realised."""
    errors = length = 0
    for accented, ipa in words:
        phones = list(g2p.word_phones(accented))
        if mode == "realised":
            ours, reference = realise_allophones(phones, ipa_of), normalize_ipa(ipa, fold=False)
        else:
            fold = mode == "folded"
            ours = [s for p in phones for s in normalize_ipa(ipa_of[p], fold)]
            reference = normalize_ipa(ipa, fold)
        errors, length = errors + edit_distance(ours, reference), length + len(reference)
    return errors / max(length, 1)


def dictionary_stresses(words: list[str]) -> dict[str, set[int]] | None:
    """Stressed-vowel indices gruut-lang-ru's lexicon lists for each word (its stressed vowel
    phoneme carries `ː`), or None when the package is not installed."""
    try:
        from gruut_lang_ru import get_lang_dir
    except ImportError:
        return None
    vowel_phoneme = re.compile(r"^[aeiouɨæɵʉɛɪʊəɐ]")
    found: dict[str, set[int]] = {word: set() for word in words}
    with sqlite3.connect(get_lang_dir() / "lexicon.db") as lexicon:
        for word in words:
            rows = lexicon.execute("SELECT phonemes FROM word_phonemes WHERE word = ? OR word LIKE ?", (word, word + "(%)"))
            for (phonemes,) in rows:
                vowels = [p for p in phonemes.split() if vowel_phoneme.match(p)]
                stressed = [i for i, p in enumerate(vowels) if "ː" in p]
                if len(stressed) == 1 and len(vowels) == sum(c in VOWELS for c in word):
                    found[word].add(stressed[0])
    return found


def evaluate(rows: list[dict[str, str]]) -> dict[str, float]:
    """Stress accuracy over words of 2+ vowels with a gold stress index (strict, and counting a
    miss whose two stresses a dictionary both lists), and PER against WikiPron with predicted
    and with gold stress, folded, unfolded and context-realised."""
    ipa_of = {row["symbol"]: row["ipa"] for row in csv.DictReader(INVENTORY.open(encoding="utf-8"), delimiter="\t")}
    right = total = 0
    predicted, gold, misses = [], [], []
    for row in rows:
        word = row["word"].lower()
        accented = stress.accentuate(word)
        gold_index = stress_target(row)
        if gold_index is not None:
            total += 1
            ok = stressed_index(accented) == gold_index
            right += ok
            if not ok:
                misses.append((word, stressed_index(accented), gold_index))
        if row["ipa_narrow"]:
            predicted.append((accented, row["ipa_narrow"]))
            gold.append((row["stressed"].lower() or accented, row["ipa_narrow"]))  # a few compounds lack gold stress
    result: dict[str, float] = {"stress": right / max(total, 1), "stress_words": total, "ipa_words": len(predicted)}
    listed = dictionary_stresses([word for word, _, _ in misses])
    if listed is not None:
        variants = sum(ours in listed[word] and gold_index in listed[word] for word, ours, gold_index in misses)
        result["stress_variants"] = (right + variants) / max(total, 1)
        result["variant_misses"] = variants
    result["misses"] = len(misses)
    for mode in ("folded", "unfolded", "realised"):
        result[f"per_{mode}"] = _per(predicted, ipa_of, mode)
        result[f"per_gold_{mode}"] = _per(gold, ipa_of, mode)
    return result


def homograph_accuracy() -> dict[str, float]:
    """Accuracy on our homograph sets per split, with our rules and with silero's solver alone,
    and sentences/s of the full frontend on these sentences as new text (first pass)."""
    cases = read_homograph_set()

    def score(split: str, kind: str | None = None) -> float:
        chosen = [c for c in cases if c.split == split and kind in (None, c.kind)]
        right = sum(target_reading(stress.accentuate(normalizer.normalize(c.sentence).text), c.word) == expected_reading(c)
                    for c in chosen)
        return right / len(chosen)

    start = time.process_time()
    result = {split: score(split) for split in SPLITS}
    result["cold_sentences_per_s"] = len(cases) / (time.process_time() - start)
    resolve, possible = homographs.resolve, homographs.is_possible
    homographs.resolve, homographs.is_possible = (lambda *args: None), (lambda *args: True)
    try:
        result.update({f"{split}_silero": score(split) for split in SPLITS})
    finally:
        homographs.resolve, homographs.is_possible = resolve, possible
    result.update({f"{split}_n": sum(c.split == split for c in cases) for split in SPLITS})
    for kind in ("case", "lexical"):  # round 3's set says which kind of pair each sentence is
        result[f"heldout3_{kind}"] = score("heldout3", kind)
        result[f"heldout3_{kind}_n"] = sum(c.split == "heldout3" and c.kind == kind for c in cases)
    return result


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
    start, wall = time.process_time(), time.perf_counter()
    stress_dictionary.readings("абажур")  # builds accent.dic's index (once per process)
    dictionary_load, dictionary_wall = time.process_time() - start, time.perf_counter() - wall
    start = time.process_time()
    stress.accentuate("проверка загрузки модели")
    load = time.process_time() - start
    spent = {"normalise": 0.0, "stress": 0.0, "g2p": 0.0}
    for sentence in sentences:
        t0 = time.process_time()
        text = normalizer.normalize(sentence).text
        t1 = time.process_time()
        accented = stress.accentuate(text)
        t2 = time.process_time()
        phonemize(accented)
        t3 = time.process_time()
        spent["normalise"] += t1 - t0
        spent["stress"] += t2 - t1
        spent["g2p"] += t3 - t2
    return {**spent, "load": load, "dictionary_load": dictionary_load, "dictionary_wall": dictionary_wall}


def default_dev() -> str:
    """shared/reference/ru_g2p_dev.tsv in the nearest folder above the repository that has it."""
    for folder in REPO_ROOT.parents:
        if (folder / DEV_NAME).is_file():
            return str(folder / DEV_NAME)
    return str(REPO_ROOT.parent / DEV_NAME)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dev", nargs="?", default=default_dev(), help="ru_g2p_dev.tsv path")
    parser.add_argument("--sentences", type=int, default=1000)
    args = parser.parse_args(argv)
    with open(args.dev, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    spent = time_frontend(make_sentences(args.sentences))
    homograph = homograph_accuracy()
    q = evaluate(rows)
    total = spent["normalise"] + spent["stress"] + spent["g2p"]
    variants = (f"{q['stress_variants']:.2%} ({q['variant_misses']} of {q['misses']} misses are listed variants)"
                if "stress_variants" in q else "n/a (gruut-lang-ru not installed)")
    print("| metric | value | target |\n|---|---|---|")
    print(f"| stress accuracy ({q['stress_words']} words, 2+ vowels), strict | {q['stress']:.2%} | >= 99.2% |")
    print(f"| stress accuracy, a dictionary variant counted as right | {variants} | |")
    print(f"| PER folded vs WikiPron ({q['ipa_words']} words, predicted stress) | {q['per_folded']:.2%} | <= 1.2% |")
    print(f"| PER unfolded (predicted stress) | {q['per_unfolded']:.2%} | |")
    print(f"| PER unfolded, allophones realised from context (predicted stress) | {q['per_realised']:.2%} | |")
    print(f"| PER folded / unfolded / realised with gold stress | {q['per_gold_folded']:.2%} / "
          f"{q['per_gold_unfolded']:.2%} / {q['per_gold_realised']:.2%} | |")
    names = {"dev": "dev", "heldout": "held-out, round 1", "heldout2": "held-out, round 2",
             "heldout3": "held-out, round 3 (new)"}
    for split in SPLITS:
        print(f"| homographs, {names[split]} ({homograph[split + '_n']} sentences): ours / silero alone | "
              f"{homograph[split]:.1%} / {homograph[split + '_silero']:.1%} | {'>= 97%' if split in ('dev', 'heldout3') else ''} |")
    for kind in ("case", "lexical"):
        print(f"| homographs, held-out round 3, {kind} pairs ({homograph[f'heldout3_{kind}_n']} sentences): ours | "
              f"{homograph[f'heldout3_{kind}']:.1%} | |")
    print(f"| sentences/s, 1 thread ({args.sentences} generated sentences, warm caches) | {args.sentences / total:.0f} | >= 300 |")
    print(f"| sentences/s, 1 thread (homograph sentences, first pass) | {homograph['cold_sentences_per_s']:.0f} | |")
    for part in ("normalise", "stress", "g2p"):
        print(f"| {part} time per sentence | {1000 * spent[part] / args.sentences:.2f} ms | |")
    print(f"| silero-stress load (once) | {spent['load']:.1f} s | |")
    print(f"| stress dictionary index, first call (once): process CPU / wall | {spent['dictionary_load']:.2f} s / "
          f"{spent['dictionary_wall']:.2f} s | <= ~1 s |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
