"""Command line of the GPT trainer (`GPT_SoVITS/s1_train.py`):

    python GPT_SoVITS/s1_train.py --config_file TEMP/tmp_s1.yaml              # as the web UI starts it
    python GPT_SoVITS/s1_train.py --exp my_voice --epochs 15 --batch-size 8   # without the UI
    python GPT_SoVITS/s1_train.py --exp my_voice --version v2ProPlus          # from s1v3.ckpt, as upstream

`--exp` builds the config the UI's GPT button would write (`configs/s1longer-v2.yaml` + the
flags, through `GPT_SoVITS.AR.train_config.build_s1_config`). With several visible GPUs and no
torchrun around it, the command relaunches itself under torchrun so the GPU choice is honoured.
Errors of ours end with one line and exit 1.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path
from typing import Sequence

from GPT_SoVITS import trainer_cli as flags
from GPT_SoVITS.pretrained import REPO_ROOT
from GPT_SoVITS.versions import DEFAULT_VERSION, VERSIONS, get_version

BASE_CONFIG = REPO_ROOT / "configs" / "s1longer-v2.yaml"
#: The `--exp` flags (argparse dests); next to `--config_file` they are refused.
EXP_FLAGS = (*flags.SHARED_FLAGS, "pretrained_s1", "num_workers", "sample_sovits", "version")


def build_parser() -> argparse.ArgumentParser:
    from GPT_SoVITS.AR.train_config import GPTChoices

    ui = GPTChoices("")
    parser = argparse.ArgumentParser(
        prog="python GPT_SoVITS/s1_train.py",
        description="Train the GPT (s1) model of an experiment: from a config file (--config_file, as the web "
        "UI does) or from an experiment name and flags (--exp), which build the config the UI would write.")
    group = flags.add_exp_flags(parser, "--config_file", epochs=ui.epochs, batch_size=ui.batch_size,
                                save_every=ui.save_every_n_epoch, weights_dir="GPT_weights_<version>",
                                base_config="configs/s1longer-v2.yaml")
    group.add_argument("--version", choices=list(VERSIONS),
                       help=f"model version (default {DEFAULT_VERSION}): picks the pretrained GPT (v2Pro/v2ProPlus: "
                       f"upstream's s1v3.ckpt; the GPT itself is the same model) and the weights folder")
    group.add_argument("--pretrained-s1", metavar="FILE", help=flags.pretrained_help("s1", "pretrained GPT", "from scratch")
                       + "; with --version v2Pro/v2ProPlus GPT_SoVITS/pretrained_models/s1v3.ckpt")
    group.add_argument("--num-workers", type=int, metavar="N",
                       help="data loader processes (0 = load in the training process; default: what this machine has)")
    group.add_argument("--sample-sovits", metavar="FILE",
                       help="a SoVITS export (.pth) to render the sample of each save through (default: log the "
                       "sample's semantic tokens only); config key sample_sovits")
    return parser


def config_from_flags(args: argparse.Namespace) -> dict:
    """The config the UI's GPT button would write for these flags (absolute paths)."""
    from GPT_SoVITS.AR.train_config import GPTChoices, base_num_workers, build_s1_config, suggested_workers
    from GPT_SoVITS.config_files import read_s1_config

    ui = GPTChoices(args.exp)
    model = get_version(args.version)
    gpus = flags.select_gpus(args.gpus)  # before CUDA is first asked about, so the choice applies here
    import torch

    base = read_s1_config(args.base_config or BASE_CONFIG)
    choices = GPTChoices(
        exp_name=args.exp,
        batch_size=flags.given_or(args.batch_size, ui.batch_size),
        epochs=flags.given_or(args.epochs, ui.epochs),
        save_every_n_epoch=flags.given_or(args.save_every, ui.save_every_n_epoch),
        if_save_latest=flags.given_or(args.if_save_latest, ui.if_save_latest),
        if_save_every_weights=flags.given_or(args.if_save_every_weights, ui.if_save_every_weights),
        pretrained_s1=flags.pretrained_flag(args.pretrained_s1, model.s1),
        gpu_numbers=gpus,
        half=flags.given_or(args.half, ui.half),
        num_workers=flags.given_or(args.num_workers, suggested_workers(base_num_workers(base))),
        sample_sovits=_sample_sovits_flag(args.sample_sovits),
    )
    return build_s1_config(base, choices, flags.folder_flag(args.logs_dir, "logs"),
                           flags.folder_flag(args.weights_dir, model.gpt_weights_dir), torch.cuda.is_available(),
                           model.name)


def _sample_sovits_flag(flag: str | None) -> str:
    """`--sample-sovits FILE` as an absolute path ('' when not given); a missing file stops before any work."""
    from GPT_SoVITS.errors import ConfigError

    if not flag or not flag.strip():
        return ""
    path = Path(flag).expanduser().resolve()
    if not path.is_file():
        raise ConfigError(f"--sample-sovits {path}: file not found; give a SoVITS export (SoVITS_weights_<version>/)")
    return str(path)


def _run(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from GPT_SoVITS.AR.train_config import S1TrainConfig, load_config, s1_config_text

    if args.config and os.environ.get("_CUDA_VISIBLE_DEVICES") and "CUDA_VISIBLE_DEVICES" not in os.environ:
        os.environ["CUDA_VISIBLE_DEVICES"] = os.environ["_CUDA_VISIBLE_DEVICES"]  # the UI's GPU field, as upstream
    if args.exp is not None:
        raw = config_from_flags(args)
        if args.write_config:
            return flags.write_config_file(args.write_config, s1_config_text(raw),
                                           "python GPT_SoVITS/s1_train.py --config_file")
        config = S1TrainConfig.from_dict(raw, str(args.base_config or BASE_CONFIG))
    else:
        config = load_config(args.config)
    from GPT_SoVITS.AR.train import train
    from GPT_SoVITS.distributed import relaunch_under_torchrun, under_torchrun, visible_gpu_count

    if visible_gpu_count() > 1 and not under_torchrun():  # the UI's (or --gpus') multi-GPU choice
        return relaunch_under_torchrun(sys.argv[0], argv, visible_gpu_count())
    result = train(config)
    if int(os.environ.get("RANK", "0")) == 0:
        if math.isnan(result.last_loss):  # no step in this run
            print(f"GPT training: nothing left to train ({result.epochs_done} epochs, {result.steps} steps done "
                  f"before; raise the epochs to continue)")
        else:
            print(f"GPT training done: {result.epochs_done} epochs, {result.steps} steps, "
                  f"last loss {result.last_loss:.2f}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    return flags.run_trainer_command(build_parser(), argv, EXP_FLAGS, _run)
