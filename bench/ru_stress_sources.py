"""Would a second stress dictionary lift word stress above silero's? One table per dev source.

    pip install --no-deps tsnorm          # its Wiktionary word-form data (MIT package, 130 MB)
    python bench/ru_stress_sources.py [DEV_TSV]

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
from GPT_SoVITS.text.russian import stress  # noqa: E402
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


def score(rows: list[dict[str, str]], listed: dict[str, set[int]]) -> Counter:
    """Counts per dev source: words, silero right, covered, single-reading entries and those
    right, and the combined reading right."""
    counts: Counter = Counter()
    for row in rows:
        word, gold = row["word"].lower(), stress_target(row)
        if gold is None:
            continue
        source = row["source"]
        ours = stressed_index(stress.accentuate(word))
        readings = listed.get(word) or listed.get(word.replace("ё", "е")) or set()
        single = next(iter(readings)) if len(readings) == 1 else None
        combined = ours if single is None else single
        counts.update({(source, "words"): 1, (source, "silero"): ours == gold,
                       (source, "covered"): bool(readings), (source, "single"): single is not None,
                       (source, "single_right"): single == gold, (source, "combined"): combined == gold})
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dev", nargs="?", default=default_dev(), help="ru_g2p_dev.tsv path")
    args = parser.parse_args(argv)
    listed = tsnorm_stresses()
    if listed is None:
        print("tsnorm is not installed: pip install --no-deps tsnorm (its data is all this bench reads)")
        return 1
    with open(args.dev, encoding="utf-8", newline="") as handle:
        counts = score(list(csv.DictReader(handle, delimiter="\t")), listed)
    print("| dev source | words | silero | dictionary covers | its single readings right | combined |")
    print("|---|---|---|---|---|---|")
    for source in sorted({source for source, _ in counts}):
        n = counts[source, "words"]
        print(f"| {source} | {n} | {counts[source, 'silero']} ({counts[source, 'silero'] / n:.2%}) | "
              f"{counts[source, 'covered']} | {counts[source, 'single_right']} of {counts[source, 'single']} | "
              f"{counts[source, 'combined']} ({counts[source, 'combined'] / n:.2%}) |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
