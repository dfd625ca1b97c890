"""`python -m GPT_SoVITS.prepare --list data.list --exp NAME`: prepare a dataset in one command.

Runs stages 1-3 (and 2-get-sv with `--version v2Pro`/`v2ProPlus`) as the web UI does (see
GPT_SoVITS/prepare/pipeline.py and docs/dataset.md).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from GPT_SoVITS.errors import GptSovitsError
from GPT_SoVITS.logging_setup import setup_logging
from GPT_SoVITS.prepare.pipeline import PipelineConfig, PipelineResult, StageUpdate, run_pipeline
from GPT_SoVITS.prepare.progress import loading_text
from GPT_SoVITS.pretrained import PRETRAINED, pretrained_path
from GPT_SoVITS.versions import DEFAULT_VERSION, VERSIONS

logger = logging.getLogger("GPT_SoVITS.prepare")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m GPT_SoVITS.prepare",
        description="Prepare a training set: text -> phones (stage 1), audio -> 32 kHz wav + HuBERT "
        "features (stage 2), for v2Pro/v2ProPlus also speaker vectors (stage 2-get-sv), features -> semantic "
        "tokens (stage 3), into <logs-dir>/<exp>/. A rerun processes new and fixed lines only.",
    )
    parser.add_argument("--list", required=True, type=Path, help=".list file: wav_path|speaker|language|text per line")
    parser.add_argument("--wav-dir", default="", help="folder holding the audio (default: the paths in the .list)")
    parser.add_argument("--exp", required=True, help="experiment name: outputs go to <logs-dir>/<exp>/")
    parser.add_argument("--parts", type=int, default=1, help="processes per stage (the UI's GPU list length)")
    parser.add_argument("--hubert", type=Path, default=pretrained_path("cnhubert"), help="chinese-hubert-base folder")
    parser.add_argument("--version", default=DEFAULT_VERSION, choices=list(VERSIONS),
                        help="model version (default %(default)s); v2Pro/v2ProPlus add stage 2-get-sv")
    parser.add_argument("--s2g", type=Path, default=None,
                        help=f"pretrained SoVITS generator for stage 3 (default: the version's, {PRETRAINED['s2G'].path} "
                        f"for v2, {PRETRAINED['s2G_v2ProPlus'].path} for v2ProPlus)")
    parser.add_argument("--s2-config", type=Path, default=None,
                        help="SoVITS config for stage 3 (default: the version's, configs/s2.json for v2)")
    parser.add_argument("--sv", type=Path, default=pretrained_path("sv"),
                        help=f"speaker encoder for stage 2-get-sv (v2Pro/v2ProPlus; default {PRETRAINED['sv'].path})")
    parser.add_argument("--half", action="store_true", help="half precision on CUDA (ignored on CPU)")
    parser.add_argument("--logs-dir", type=Path, default=Path("logs"), help="parent folder of experiments")
    parser.add_argument("--latin", default="english", choices=["english", "translit"],
                        help="Latin words in Russian lines: English phones (default) or the old reading as Russian "
                        "sounds, for models fine-tuned without English (docs/russian.md)")
    return parser


class TerminalProgress:
    """A tqdm bar per running stage (utterances handled of those pending) and a log line per change."""

    def __init__(self) -> None:
        self.bar = None
        self.said: set[tuple[str, str]] = set()

    def __call__(self, update: StageUpdate) -> None:
        if update.state != "running":
            self.close()
            return
        progress = update.progress
        for model in progress.loading if progress else ():
            if (update.stage.key, model) not in self.said:
                self.said.add((update.stage.key, model))
                logger.info("%s: %s", update.stage.script, loading_text(model))
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=0, desc=update.stage.script, unit="utt")
        if progress is not None and progress.reporting:
            self.bar.total, self.bar.n = progress.total, progress.done
            self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging()
    config = _config(args)
    display = TerminalProgress()
    try:
        result = run_pipeline(config, display)
    except GptSovitsError as error:
        display.close()
        print(f"error: {error}", file=sys.stderr)
        return 1
    _print_result(config, result)
    return 0


def _config(args: argparse.Namespace) -> PipelineConfig:
    return PipelineConfig(
        list_path=args.list,
        exp_name=args.exp,
        wav_dir=args.wav_dir,
        parts=args.parts,
        hubert_dir=args.hubert,
        s2g=args.s2g,
        s2_config=args.s2_config,
        half=args.half,
        logs_dir=args.logs_dir,
        version=args.version,
        sv_path=args.sv,
        latin=args.latin,
    )


def _print_result(config: PipelineConfig, result: PipelineResult) -> None:
    outcome = result.outcome
    for line in result.summaries.values():
        print(line)
    first = f" (first failed in: {outcome.breakdown()})" if outcome.failed else ""
    print(f"{outcome.failed} utterance(s) failed{first}, listed in {result.failed_txt}")
    print(f"ready for training: {outcome.ready_for_training} of {outcome.total} utterances in {config.opt_dir}")


if __name__ == "__main__":
    sys.exit(main())
