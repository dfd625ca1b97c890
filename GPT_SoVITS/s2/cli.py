"""Command line of the SoVITS trainer (`GPT_SoVITS/s2_train.py`):

    python GPT_SoVITS/s2_train.py --config TEMP/tmp_s2.json                   # as the web UI starts it
    python GPT_SoVITS/s2_train.py --exp my_voice --epochs 8 --batch-size 4    # without the UI
    python GPT_SoVITS/s2_train.py --exp my_voice --version <version>          # another version (versions.py)

`--exp` builds the config the UI's SoVITS button would write (`configs/s2.json`, or
`configs/s2<version>.json` with `--version`, + the flags, through `GPT_SoVITS.s2.options.build_s2_config`). `train.gpu_numbers` ("0-1") selects the GPUs;
with more than one GPU and no torchrun around us, the command re-launches itself under torchrun
(one process per GPU), which replaces upstream's mp.spawn. Errors of ours end with one line and exit 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

from GPT_SoVITS import trainer_cli as flags
from GPT_SoVITS.versions import DEFAULT_VERSION, VERSIONS, get_version, pro_text

#: The `--exp` flags (argparse dests); next to `--config` they are refused.
EXP_FLAGS = (*flags.SHARED_FLAGS, "text_lr_rate", "pretrained_s2G", "pretrained_s2D", "version")


def build_parser() -> argparse.ArgumentParser:
    from GPT_SoVITS.s2.options import SoVITSChoices

    ui = SoVITSChoices("")
    parser = argparse.ArgumentParser(
        prog="python GPT_SoVITS/s2_train.py",
        description="Fine-tune the SoVITS (s2) model of an experiment: from a config file (--config, as the "
        "web UI does) or from an experiment name and flags (--exp), which build the config the UI would write.")
    group = flags.add_exp_flags(parser, "--config", epochs=ui.epochs, batch_size=ui.batch_size,
                                save_every=ui.save_every_epoch, weights_dir="SoVITS_weights_<version>",
                                base_config="configs/s2.json, or configs/s2<version>.json")
    group.add_argument("--version", choices=list(VERSIONS),
                       help=f"model version (default {DEFAULT_VERSION}): picks the base config, the pretrained files "
                       f"and the weights folder; {pro_text()} train on the speaker vectors of stage 2-get-sv")
    group.add_argument("--text-lr-rate", type=float, metavar="RATE",
                       help=f"learning-rate ratio of the text embedding and encoder (default {ui.text_low_lr_rate})")
    group.add_argument("--pretrained-s2G", metavar="FILE", help=flags.pretrained_help("s2G", "pretrained generator", "random")
                       + "; with --version the version's s2G")
    group.add_argument("--pretrained-s2D", metavar="FILE",
                       help=flags.pretrained_help("s2D", "pretrained discriminator", "random")
                       + "; with --version the version's s2D")
    return parser


def config_from_flags(args: argparse.Namespace) -> dict:
    """The config the UI's SoVITS button would write for these flags (absolute paths)."""
    from GPT_SoVITS.config_files import read_s2_config
    from GPT_SoVITS.s2.options import SoVITSChoices, build_s2_config

    ui = SoVITSChoices(args.exp)
    model = get_version(args.version)
    gpus = flags.select_gpus(args.gpus)  # before CUDA is first asked about, so the choice applies here
    import torch

    choices = SoVITSChoices(
        exp_name=args.exp,
        batch_size=flags.given_or(args.batch_size, ui.batch_size),
        epochs=flags.given_or(args.epochs, ui.epochs),
        text_low_lr_rate=flags.given_or(args.text_lr_rate, ui.text_low_lr_rate),
        save_every_epoch=flags.given_or(args.save_every, ui.save_every_epoch),
        if_save_latest=flags.given_or(args.if_save_latest, ui.if_save_latest),
        if_save_every_weights=flags.given_or(args.if_save_every_weights, ui.if_save_every_weights),
        pretrained_s2G=flags.pretrained_flag(args.pretrained_s2G, model.s2G),
        pretrained_s2D=flags.pretrained_flag(args.pretrained_s2D, model.s2D),
        gpu_numbers=gpus,
        half=flags.given_or(args.half, ui.half),
        min_epoch_items=args.min_epoch_items,
    )
    return build_s2_config(read_s2_config(args.base_config or model.s2_config_path()), choices,
                           flags.folder_flag(args.logs_dir, "logs"),
                           flags.folder_flag(args.weights_dir, model.sovits_weights_dir), torch.cuda.is_available(),
                           model.name)


def _run(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from GPT_SoVITS.config_files import read_s2_config
    from GPT_SoVITS.module.config import S2Config
    from GPT_SoVITS.s2.options import check_trainable, s2_config_text

    if args.exp is not None:
        raw = config_from_flags(args)
        if args.write_config:
            return flags.write_config_file(args.write_config, s2_config_text(raw), "python GPT_SoVITS/s2_train.py --config")
        config = S2Config.from_dict(raw, source=str(args.base_config or get_version(args.version).s2_config_path()))
    else:
        config = S2Config.from_dict(read_s2_config(args.config), source=args.config)
    check_trainable(config)
    flags.set_visible_gpus(config.gpu_ids())  # train.gpu_numbers, as upstream
    from GPT_SoVITS.distributed import relaunch_under_torchrun, under_torchrun, visible_gpu_count

    processes = min(visible_gpu_count(), len(config.gpu_ids()))
    if processes > 1 and not under_torchrun():
        return relaunch_under_torchrun(sys.argv[0], argv, processes)
    from GPT_SoVITS.s2.trainer import run_from_config

    result = run_from_config(config)
    if int(os.environ.get("RANK", "0")) == 0:
        print(finished_line(result))
    return 0


def finished_line(result) -> str:
    """The end-of-run line; it lists only exports still on disk (keep-latest pruning deletes older ones)."""
    exports = ", ".join(str(p) for p in result.exports if p.exists()) or "none"
    return f"s2 training finished at epoch {result.epoch}, step {result.step}; exported: {exports}"


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    return flags.run_trainer_command(build_parser(), argv, EXP_FLAGS, _run)
