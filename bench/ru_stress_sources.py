"""Would a second stress dictionary lift word stress above silero's? One table per dev source.

    pip install --no-deps ru-accent-poet==0.1.5   # accent.dic, read by the frontend (MIT package)
    pip install --no-deps tsnorm                  # optional: its Wiktionary word forms (MIT package, 130 MB)
    python bench/ru_stress_sources.py [DEV_TSV]

Round 3 (issue 31) adds ru-accent-poet's accent.dic, read through the frontend's own reader
(`GPT_SoVITS/text/russian/stress_dictionary.py`), and the frontend as wired ("frontend": the
dictionary's single readings over silero, with every other step of `accentuate`).

Issue 19 asks for a second offline model or dictionary whose licence allows shipping and which
installs from a package. tsnorm ships a pickled table of Wiktionary word forms with their
stressed letters; it is read here through an unpickler that refuses every class, so nothing in
the file can run code, and tsnorm itself (which wants spaCy and a downloaded spaCy model) is
never imported.

The dev set's two sources are scored apart, because one of them is not independent of
Wiktionary: its WikiPron rows (CC BY-SA) were scraped from Wiktionary, so a Wiktionary
dictionary finds its own answers there. Only the Zaliznyak rows (Giella lang-rus) say whether
the dictionary helps on words it was not made from. "Combined" takes the dictionary's stress
where it lists exactly one for the word and silero's otherwise, the way it would be wired in.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import pickle
import sys
from collections import Counter
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])  # run by path: import from the repo root

from bench.ru_g2p import default_dev, stress_target, stressed_index  # noqa: E402
from GPT_SoVITS.text.russian import stress, stress_dictionary  # noqa: E402
from GPT_SoVITS.text.russian.lexicon import VOWELS  # noqa: E402


class _DataOnlyUnpickler(pickle.Unpickler):
    """Plain dicts, lists, strings and numbers only: any class reference is refused."""

    def find_class(self, module: str, name: str):
        raise pickle.UnpicklingError(f"refused to load {module}.{name}: a data-only file was expected")


def tsnorm_stresses() -> dict[str, set[int]] | None:
    """Word form -> stressed-vowel indices (single-stress entries) from tsnorm's Wiktionary
    data, or None when tsnorm is not installed. Its `stress_pos` is a letter index."""
    spec = importlib.util.find_spec("tsnorm")
    if spec is None or not spec.submodule_search_locations:
        return None
    data = Path(next(iter(spec.submodule_search_locations))) / "dictionary" / "wordforms.dat"
    with open(data, "rb") as handle:
        forms = _DataOnlyUnpickler(handle).load()
    table: dict[str, set[int]] = {}
    for word, entries in forms.items():
        for entry in entries:
            letters = entry["stress_pos"] if isinstance(entry["stress_pos"], list) else [entry["stress_pos"]]
            if len(letters) == 1:
                table.setdefault(word.lower(), set()).add(sum(c in VOWELS for c in word[: letters[0]].lower()))
    return table


def accent_dic_stresses(words: list[str]) -> dict[str, set[int]] | None:
    """Word -> stressed-vowel indices accent.dic lists, or None when ru-accent-poet is missing."""
    if not stress_dictionary.readings("абажур"):
        return None
    return {word: {stressed_index(r) for r in stress_dictionary.readings(word)} for word in words}


def silero_alone(word: str) -> str:
    """`accentuate` with the dictionary switched off (silero and the agreement check only)."""
    single = stress_dictionary.single_reading
    stress_dictionary.single_reading = lambda _word: None
    try:
        return stress.accentuate(word)
    finally:
        stress_dictionary.single_reading = single


def score(rows: list[dict[str, str]], listed: dict[str, set[int]]) -> Counter:
    """Counts per dev source: words, silero right, covered, single-reading entries and those
    right, the combined reading (the dictionary's single reading, silero's otherwise) right,
    and the frontend as wired right."""
    counts: Counter = Counter()
    for row in rows:
        word, gold = row["word"].lower(), stress_target(row)
        if gold is None:
            continue
        source = row["source"]
        ours = stressed_index(silero_alone(word))
        readings = listed.get(word) or listed.get(word.replace("ё", "е")) or set()
        single = next(iter(readings)) if len(readings) == 1 else None
        combined = ours if single is None else single
        counts.update({(source, "words"): 1, (source, "silero"): ours == gold,
                       (source, "covered"): bool(readings), (source, "single"): single is not None,
                       (source, "single_right"): single == gold, (source, "combined"): combined == gold,
                       (source, "frontend"): stressed_index(stress.accentuate(word)) == gold})
        if combined != ours:
            counts[source, "changed"] += 1
            counts[source, "fixed" if combined == gold else "broken" if ours == gold else "other"] += 1
    return counts


def print_table(name: str, counts: Counter) -> None:
    print(f"\n{name}\n")
    print("| dev source | words | silero | dictionary covers | its single readings right | combined | "
          "changed: fixed / broken | frontend as wired |")
    print("|---|---|---|---|---|---|---|---|")
    for source in sorted({source for source, _ in counts}):
        n = counts[source, "words"]
        print(f"| {source} | {n} | {counts[source, 'silero']} ({counts[source, 'silero'] / n:.2%}) | "
              f"{counts[source, 'covered']} | {counts[source, 'single_right']} of {counts[source, 'single']} | "
              f"{counts[source, 'combined']} ({counts[source, 'combined'] / n:.2%}) | "
              f"{counts[source, 'fixed']} / {counts[source, 'broken']} | "
              f"{counts[source, 'frontend']} ({counts[source, 'frontend'] / n:.2%}) |")
    total = sum(counts[s, "words"] for s, k in counts if k == "words")
    both = sum(counts[s, "frontend"] for s, k in counts if k == "words")
    silero = sum(counts[s, "silero"] for s, k in counts if k == "words")
    print(f"| all | {total} | {silero} ({silero / total:.2%}) | | | | | {both} ({both / total:.2%}) |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dev", nargs="?", default=default_dev(), help="ru_g2p_dev.tsv path")
    args = parser.parse_args(argv)
    with open(args.dev, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    words = [row["word"].lower() for row in rows]
    sources = {"accent.dic (ru-accent-poet 0.1.5)": accent_dic_stresses(words), "tsnorm (Wiktionary)": tsnorm_stresses()}
    for name, listed in sources.items():
        if listed is None:
            print(f"\n{name}: not installed (pip install --no-deps ru-accent-poet==0.1.5 / tsnorm)")
            continue
        print_table(name, score(rows, listed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
