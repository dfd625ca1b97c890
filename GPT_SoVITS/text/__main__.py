"""Command line: `python -m GPT_SoVITS.text ru "Текст"` prints the normalised text, stress and phones.

A look-inside tool for a frontend; the accented line is shown for Russian (other
languages have no stress step). `--explain` adds, for Russian, one line per word saying
which source set its stress (user mark, user lexicon, written ё, a homograph rule, the
dictionary, silero, ...).
"""

from __future__ import annotations

import argparse
import sys

from GPT_SoVITS.errors import GptSovitsError
from GPT_SoVITS.logging_setup import setup_logging
from GPT_SoVITS.text import languages
from GPT_SoVITS.text.cleaner import clean_text


def _accented(text: str, code: str) -> str:
    """The stress-marked normalised text (Russian only)."""
    if languages.get_language(code).code != "ru":
        return "(no stress step for this language)"
    from GPT_SoVITS.text.russian.frontend import accented_text

    return accented_text(text)


def _explained(text: str, code: str) -> list[str]:
    """One line per word of the normalised text: the word, its reading and what set it."""
    if languages.get_language(code).code != "ru":
        return ["(no stress step for this language)"]
    from GPT_SoVITS.text.russian.normalizer import normalize
    from GPT_SoVITS.text.russian.stress import explain

    choices = explain(normalize(text).text)
    width = max((len(choice.word) for choice in choices), default=0)
    return [f"  {choice.word:<{width}}  {choice.reading:<{width + 1}}  {choice.source}" for choice in choices]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m GPT_SoVITS.text", description=__doc__.splitlines()[0])
    parser.add_argument("language", help=f"language code ({', '.join(languages.supported_codes())})")
    parser.add_argument("text", help="the text to clean")
    parser.add_argument("--explain", action="store_true", help="say which source set each word's stress (Russian)")
    args = parser.parse_args(argv)
    setup_logging()
    try:
        cleaned = clean_text(args.text, args.language)
        accented = _accented(args.text, args.language)
        explained = _explained(args.text, args.language) if args.explain else []
    except GptSovitsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"normalised: {cleaned.norm_text}")
    print(f"accented:   {accented}")
    print(f"phones:     {' '.join(cleaned.phones)}")
    if explained:
        print("stress:")
        print("\n".join(explained))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
