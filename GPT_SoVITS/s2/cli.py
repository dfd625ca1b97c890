"""Command line of the SoVITS trainer: `python GPT_SoVITS/s2_train.py --config TEMP/tmp_s2.json`.

Started by the web UI exactly like upstream. `train.gpu_numbers` ("0-1") selects the GPUs; with
more than one GPU and no torchrun around us, the command re-launches itself under torchrun (one
process per GPU), which replaces upstream's mp.spawn. Errors of ours end with one line and exit 1.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Sequence

from GPT_SoVITS.errors import GptSovitsError

logger = logging.getLogger(__name__)


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Fine-tune the SoVITS (s2) model of an experiment")
    parser.add_argument("-c", "--config", required=True, help="the s2 config JSON (the UI writes TEMP/tmp_s2.json)")
    return parser.parse_args(argv)


def _select_gpus(gpu_ids: list[str]) -> None:
    """Upstream copies gpu_numbers into CUDA_VISIBLE_DEVICES; torchrun children inherit it."""
    if gpu_ids and "WORLD_SIZE" not in os.environ:
        os.environ["CUDA_VISIBLE_DEVICES"] = ",".join(gpu_ids)


def main(argv: Sequence[str] | None = None) -> int:
    from GPT_SoVITS.logging_setup import setup_logging

    args = _parse(argv)
    setup_logging()
    try:
        from GPT_SoVITS.config_files import read_s2_config
        from GPT_SoVITS.s2.options import TrainOptions

        config = read_s2_config(args.config)
        options = TrainOptions.from_config(config)
        _select_gpus(options.gpu_list())
        from GPT_SoVITS.distributed import relaunch_under_torchrun, under_torchrun, visible_gpu_count

        processes = min(visible_gpu_count(), len(options.gpu_list()))
        if processes > 1 and not under_torchrun():
            return relaunch_under_torchrun(sys.argv[0], ["--config", args.config], processes)
        from GPT_SoVITS.s2.trainer import run_from_config

        result = run_from_config(config)
    except GptSovitsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if int(os.environ.get("RANK", "0")) == 0:
        exports = ", ".join(str(p) for p in result.exports) or "none"
        print(f"s2 training finished at epoch {result.epoch}, step {result.step}; exported: {exports}")
    return 0
