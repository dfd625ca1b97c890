"""English G2P: the unknown-word model's PER, dictionary agreement inside Russian text, speed.

    python bench/en_g2p.py [--words 2000] [--sentences 1000]

1. PER of the unknown-word model (g2p-en's arrays, `text/english/oov_model.py`) on a seeded
   random sample of dictionary words (letters only, 2-20 long), against the closest listed
   variant, with and without stress digits. g2p-en's weights were trained on NLTK's copy of
   CMUdict and its training split is not published, so no dictionary word is known to be held
   out from it: the figure is an upper bound of its quality on new words (docs/benchmarks.md).
2. Per-word agreement on our set of Russian sentences with English words
   (`bench/data/ru_en_sentences.tsv`, written for this project): each expected English word's
   phones, as `clean_text(text, "ru")` gives them, against the dictionary's listed variants
   (all-caps words also accept their letter names); words the dictionary lacks are listed apart.
3. Speed, 1 thread, process CPU time: generated Russian sentences without Latin
   (`bench/ru_g2p.py`'s templates) and our mixed sentences (first pass, then warm), English
   and translit side by side.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])  # run by path: import from the repo root

from bench.ru_g2p import edit_distance, make_sentences  # noqa: E402
from GPT_SoVITS.text import clean_text  # noqa: E402
from GPT_SoVITS.text.english import cmudict, oov_model  # noqa: E402
from GPT_SoVITS.text.english.g2p import spell  # noqa: E402
from GPT_SoVITS.text.russian.frontend import split_tokens  # noqa: E402

SENTENCES = Path(__file__).resolve().parent / "data" / "ru_en_sentences.tsv"


def _plain(phones) -> list[str]:
    return [p.rstrip("012") for p in phones]


def model_per(count: int, seed: int = 0) -> dict[str, float]:
    """PER (with / without stress digits) and word accuracy of the model on sampled dictionary words."""
    words = sorted(w for w in cmudict.entries() if w.isalpha() and w.isascii() and 2 <= len(w) <= 20)
    sample = random.Random(seed).sample(words, count)
    errors = plain_errors = length = right = 0
    for word in sample:
        predicted = list(oov_model.predict(word) or ())
        variants = cmudict.readings(word)
        best = min(variants, key=lambda v: edit_distance(list(v), predicted))
        errors += edit_distance(list(best), predicted)
        plain_errors += min(edit_distance(_plain(v), _plain(predicted)) for v in variants)
        length += len(best)
        right += any(list(v) == predicted for v in variants)
    return {"per": errors / length, "per_plain": plain_errors / length, "word_acc": right / count,
            "pool": len(words), "count": count}


def read_set() -> list[tuple[str, list[str]]]:
    rows = [line.split("\t") for line in SENTENCES.read_text(encoding="utf-8").splitlines()[1:] if line.strip()]
    return [(text, expected.split()) for text, expected in rows]


def token_phones(text: str) -> dict[str, list[str]]:
    cleaned = clean_text(text, "ru")
    out, start = {}, 0
    for token, count in zip(split_tokens(cleaned.norm_text), cleaned.word2ph):
        out.setdefault(token, cleaned.phones[start:start + count])
        start += count
    return out


def sentence_agreement(rows: list[tuple[str, list[str]]]) -> dict[str, object]:
    listed = right = plain_right = 0
    misses, unlisted = [], []
    for text, expected in rows:
        phones = token_phones(text)
        for word in expected:
            ours = phones.get(word)
            variants = [list(v) for v in cmudict.readings(word)]
            if word.isupper() and len(word) > 1:
                variants.append(list(spell(word)))
            if not cmudict.readings(word):
                unlisted.append(f"{word} [{' '.join(ours or ['MISSING'])}]")
                continue
            listed += 1
            right += ours in variants
            plain_right += ours is not None and _plain(ours) in [_plain(v) for v in variants]
            if ours not in variants:
                misses.append(f"{word}: ours {' '.join(ours or ['MISSING'])} / dict {' '.join(variants[0])}")
    return {"listed": listed, "right": right, "plain_right": plain_right, "misses": misses, "unlisted": unlisted,
            "words": sum(len(e) for _, e in rows), "sentences": len(rows)}


def sentences_per_second(texts: list[str], latin: str) -> float:
    start = time.process_time()
    for text in texts:
        clean_text(text, "ru", latin)
    return len(texts) / (time.process_time() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=2000, help="dictionary words sampled for the model's PER")
    parser.add_argument("--sentences", type=int, default=1000, help="generated Russian sentences for speed")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    rows = read_set()
    clean_text("Прогрев: модель ударений загружается один раз.", "ru")  # load silero-stress outside the timing
    start = time.process_time()
    cmudict.entries()
    load = time.process_time() - start
    mixed = [text for text, _ in rows]
    first_english = sentences_per_second(mixed, "english")
    warm_english = sentences_per_second(mixed, "english")
    first_translit = sentences_per_second(mixed, "translit")
    warm_translit = sentences_per_second(mixed, "translit")
    russian = make_sentences(args.sentences)
    russian_english = sentences_per_second(russian, "english")
    russian_translit = sentences_per_second(russian, "translit")
    agreement = sentence_agreement(rows)
    per = model_per(args.words)
    listed = agreement["listed"]
    print("| metric | value | target |")
    print("|---|---|---|")
    print(f"| English words of the mixed set ({agreement['sentences']} sentences, {agreement['words']} words) "
          f"listed in CMUdict | {listed} | |")
    print(f"| ... given a listed pronunciation (any variant, stress digits included) | "
          f"{100 * agreement['right'] / listed:.1f} % ({agreement['right']} of {listed}) | >= 95 % |")
    print(f"| ... same, stress digits ignored | {100 * agreement['plain_right'] / listed:.1f} % | |")
    print(f"| unknown-word model PER, {per['count']} sampled dictionary words of {per['pool']} (seed 0; see caveat) "
          f"| {100 * per['per']:.1f} % | <= 15 % |")
    print(f"| ... PER without stress digits / words exactly right | {100 * per['per_plain']:.1f} % / "
          f"{100 * per['word_acc']:.1f} % | |")
    print(f"| sentences/s, Russian without Latin ({len(russian)} generated), latin=english / translit | "
          f"{russian_english:.0f} / {russian_translit:.0f} | >= 300 |")
    print(f"| sentences/s, mixed set, latin=english, first pass / warm | {first_english:.0f} / {warm_english:.0f} "
          "| >= 150 |")
    print(f"| sentences/s, mixed set, latin=translit, first pass / warm | {first_translit:.0f} / {warm_translit:.0f} | |")
    print(f"| CMU dictionary load (once per process) | {load:.2f} s | |")
    print("\nmisses:", *agreement["misses"], sep="\n  ")
    print("not in the dictionary (read by structure or the model):", *agreement["unlisted"], sep="\n  ")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
