"""The command-line flags both trainers share for training without the UI (`--exp NAME ...`).

`s2_train.py` and `s1_train.py` take either upstream's config file (`--config` / `--config_file`,
as the web UI starts them) or `--exp` plus these flags, from which they build the very config the
UI's button would write. This module only parses flags; building configs is `s2.options` /
`AR.train_config`, training is the trainers'.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

from GPT_SoVITS.atomic import write_text_atomic
from GPT_SoVITS.config_files import parse_gpu_numbers
from GPT_SoVITS.errors import ConfigError, GptSovitsError
from GPT_SoVITS.pretrained import PRETRAINED, pretrained_path

#: Flags of the `--exp` mode shared by both trainers (argparse dests).
SHARED_FLAGS = ("epochs", "batch_size", "save_every", "gpus", "half", "if_save_latest", "if_save_every_weights",
                "logs_dir", "weights_dir", "base_config", "write_config", "min_epoch_items")


def add_exp_flags(parser: argparse.ArgumentParser, config_flag: str, *, epochs: int, batch_size: int, save_every: int,
                  weights_dir: str, base_config: str) -> argparse._ArgumentGroup:
    """`--exp` (exclusive with `config_flag`) and the shared flags; the numbers are the UI's defaults."""
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("-c", config_flag, dest="config", metavar="FILE", help="the config file the web UI writes (TEMP/...)")
    source.add_argument("--exp", metavar="NAME", help="experiment name: trains <logs-dir>/<exp>, prepared by python -m GPT_SoVITS.prepare")
    flags = parser.add_argument_group("with --exp (defaults are the web UI's)")
    flags.add_argument("--epochs", type=int, metavar="N", help=f"epochs (default {epochs})")
    flags.add_argument("--batch-size", type=int, metavar="N", help=f"utterances per batch (default {batch_size})")
    flags.add_argument("--save-every", type=int, metavar="N", help=f"save (and export) every N epochs (default {save_every})")
    flags.add_argument("--min-epoch-items", type=int, metavar="N",
                       help="a dataset of fewer utterances is repeated to about N items per epoch, as upstream does "
                       "(default: the base config's, 100); 0: never repeat (short epochs, more of them)")
    flags.add_argument("--gpus", metavar="IDS", help="GPU numbers, e.g. 0-1: one process each (default 0; ignored without CUDA)")
    flags.add_argument("--half", action=argparse.BooleanOptionalAction, help="fp16 mixed precision on CUDA (default on)")
    flags.add_argument("--if-save-latest", action=argparse.BooleanOptionalAction,
                       help="keep only the newest export/state (default on)")
    flags.add_argument("--if-save-every-weights", action=argparse.BooleanOptionalAction,
                       help="export inference weights at every save, not only at the end (default on)")
    flags.add_argument("--logs-dir", type=Path, metavar="DIR", help="parent folder of experiments (default logs)")
    flags.add_argument("--weights-dir", type=Path, metavar="DIR", help=f"where exports go (default {weights_dir})")
    flags.add_argument("--base-config", type=Path, metavar="FILE", help=f"config to start from (default {base_config})")
    flags.add_argument("--write-config", type=Path, metavar="FILE", help="only write the config to this file (train it later with -c)")
    return flags


def refuse_exp_flags_with_config(parser: argparse.ArgumentParser, args: argparse.Namespace,
                                 exp_flags: tuple[str, ...]) -> None:
    """The `--exp` flags would silently do nothing next to a config file: say so instead."""
    given = [name for name in exp_flags if getattr(args, name) is not None]
    if args.config and given:
        parser.error(f"--{given[0].replace('_', '-')} applies with --exp; with a config file, edit the file instead")


def pretrained_help(key: str, what: str, none: str) -> str:
    """Help text of a `--pretrained-<key>` flag, naming the default file as the README does."""
    return f"{what} ('' = {none}; default {PRETRAINED[key].path})"


def given_or(flag: Any, default: Any) -> Any:
    """A flag's value, or the UI's default when the flag was not given."""
    return default if flag is None else flag


def pretrained_flag(flag: str | None, key: str) -> str:
    """A `--pretrained-<key>` flag: not given -> the default location; '' -> none; else an absolute path.

    A file that is not there stops the run before any work, saying how to get it or go without.
    """
    if flag is not None and not flag.strip():
        return ""
    path = pretrained_path(key) if flag is None else Path(flag).expanduser().resolve()
    if not path.is_file():
        raise ConfigError(f"--pretrained-{key} {path}: file not found; python tools/download_pretrained.py fetches "
                          f"the pretrained weights, or pass --pretrained-{key} '' to start from random weights")
    return str(path)


def folder_flag(flag: Path | None, default: str) -> Path:
    """A folder flag as an absolute path (the UI writes absolute paths too)."""
    return (flag or Path(default)).expanduser().resolve()


def set_visible_gpus(gpu_ids: list[str]) -> None:
    """Upstream copies its GPU field into CUDA_VISIBLE_DEVICES; torchrun workers inherit it (and keep it)."""
    if gpu_ids and "WORLD_SIZE" not in os.environ:
        os.environ["CUDA_VISIBLE_DEVICES"] = ",".join(gpu_ids)


def select_gpus(gpus: str | None) -> list[str]:
    """`--gpus` (default "0") as ids, made the visible devices; call before CUDA is first queried."""
    ids = parse_gpu_numbers(given_or(gpus, "0"))
    set_visible_gpus(ids)
    return ids


def write_config_file(path: Path, text: str, command: str) -> int:
    """`--write-config`: write the built config atomically and say how to train it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, text)
    print(f"wrote {path}; train with: {command} {path}")
    return 0


def run_trainer_command(parser: argparse.ArgumentParser, argv: Sequence[str], exp_flags: tuple[str, ...],
                        run: Callable[[argparse.Namespace, Sequence[str]], int]) -> int:
    """Parse `argv`, then `run(args, argv)`; our errors end as one `error:` line and exit code 1."""
    from GPT_SoVITS.logging_setup import setup_logging

    args = parser.parse_args(argv)
    refuse_exp_flags_with_config(parser, args, exp_flags)
    setup_logging()
    try:
        if args.exp is not None and not args.exp.strip():
            raise ConfigError("--exp: empty experiment name; give the name used with python -m GPT_SoVITS.prepare")
        return run(args, argv)
    except GptSovitsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
