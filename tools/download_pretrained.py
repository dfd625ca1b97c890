"""Fetch the public GPT-SoVITS pretrained weights of every version in GPT_SoVITS/versions.py into GPT_SoVITS/pretrained_models/.

Run once while online: `python tools/download_pretrained.py [--version VERSION] [--only cnhubert s2G ...] [--force]`.
Without `--version`/`--only` every item of every version is fetched; `--version` fetches what that
version uses (the Pro versions: their s2G/s2D under v2Pro/, s1v3.ckpt, the speaker encoder sv/).
Files come from the Hugging Face repository lj1995/GPT-SoVITS; items already present are kept.
`--whisper large-v3` fetches a faster-whisper model for `tools.asr` instead (with `--only`, both).
Nothing else in the project downloads (`tools.asr --download` is the same Whisper fetch); tests never call this.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

logger = logging.getLogger("download_pretrained")


def _download(hub_file: str, target_root: Path) -> Path:
    """Download one file of the hub repository to `target_root/<hub_file>`."""
    from huggingface_hub import hf_hub_download

    from GPT_SoVITS.pretrained import HF_REPO

    return Path(hf_hub_download(repo_id=HF_REPO, filename=hub_file, local_dir=str(target_root)))


def fetch(keys: list[str], force: bool = False) -> list[str]:
    """Download the items `keys`; returns the problems met (empty when everything is in place)."""
    from GPT_SoVITS.pretrained import PRETRAINED, PRETRAINED_DIR, is_present, pretrained_path

    for key in keys:
        item = PRETRAINED[key]
        if is_present(key) and not force:
            logger.info("%s: already at %s", key, pretrained_path(key))
            continue
        for hub_file in item.hub_files:
            logger.info("downloading %s ...", hub_file)
            try:
                path = _download(hub_file, REPO_ROOT / PRETRAINED_DIR)
            except Exception as error:  # network, HTTP and hub errors share no base class
                # Offline or unreachable: every other file would fail the same way, slowly.
                return [f"{hub_file}: {type(error).__name__}: {error}"]
            logger.info("saved %s", path)
    return []


def _fetch_whisper(size: str) -> bool:
    """Download a faster-whisper model into GPT_SoVITS/pretrained_models/faster-whisper-<size>."""
    from GPT_SoVITS.errors import GptSovitsError
    from tools.whisper_models import download_whisper

    try:
        print(f"Whisper {size} ready in {download_whisper(size)}")
    except GptSovitsError as error:
        print(f"error: {error}", file=sys.stderr)
        return False
    return True


def selected_items(only: list[str] | None, version: str | None) -> list[str]:
    """The items to fetch: `--only` and `--version`'s items together, else every item."""
    from GPT_SoVITS.pretrained import PRETRAINED
    from GPT_SoVITS.versions import get_version

    if not only and not version:
        return list(PRETRAINED)
    chosen = [*(only or ()), *(get_version(version).pretrained_keys if version else ())]
    return list(dict.fromkeys(chosen))


def main(argv: list[str] | None = None) -> int:
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))  # run by path from anywhere
    from GPT_SoVITS.logging_setup import setup_logging
    from GPT_SoVITS.pretrained import PRETRAINED, missing_pretrained, missing_pretrained_message
    from GPT_SoVITS.versions import VERSIONS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=sorted(PRETRAINED), help="items to fetch (default: all)")
    parser.add_argument("--version", choices=list(VERSIONS),
                        help="fetch the items this model version uses (with --only: both sets)")
    parser.add_argument("--force", action="store_true", help="download again even when present")
    parser.add_argument("--whisper", metavar="SIZE",
                        help="fetch this faster-whisper model for tools.asr (e.g. large-v3) instead of the items above")
    args = parser.parse_args(argv)
    setup_logging()
    try:
        import huggingface_hub  # noqa: F401  (installed with transformers)
    except ImportError:
        print("error: huggingface_hub is not installed: pip install huggingface_hub", file=sys.stderr)
        return 1
    if args.whisper and not _fetch_whisper(args.whisper):
        return 1
    if args.whisper and not args.only and not args.version:
        return 0
    keys = selected_items(args.only, args.version)
    problems = fetch(keys, force=args.force)
    if problems:
        print("Could not download (are you online? is huggingface.co reachable?):", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        still_missing = missing_pretrained({key: None for key in keys})
        if still_missing:
            print(missing_pretrained_message(still_missing), file=sys.stderr)
        return 1
    print(f"pretrained weights ready in {REPO_ROOT / 'GPT_SoVITS/pretrained_models'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
