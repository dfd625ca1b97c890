"""Train the GPT (s1): `python GPT_SoVITS/s1_train.py --config_file TEMP/tmp_s1.yaml`.

A thin entry point, started the way the web UI starts upstream's; the work is in
`GPT_SoVITS.AR.train`. With several visible GPUs and no torchrun around it, it relaunches
itself under torchrun so the UI's multi-GPU choice is honoured.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script by path: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description="Train the GPT-SoVITS GPT (s1) stage.")
    parser.add_argument("--config_file", "-c", required=True, help="tmp_s1.yaml written by the web UI")
    args = parser.parse_args(argv)
    if os.environ.get("_CUDA_VISIBLE_DEVICES") and "CUDA_VISIBLE_DEVICES" not in os.environ:
        os.environ["CUDA_VISIBLE_DEVICES"] = os.environ["_CUDA_VISIBLE_DEVICES"]
    from GPT_SoVITS.AR.train import train
    from GPT_SoVITS.AR.train_config import load_config
    from GPT_SoVITS.distributed import relaunch_under_torchrun, under_torchrun, visible_gpu_count
    from GPT_SoVITS.errors import GptSovitsError
    from GPT_SoVITS.logging_setup import setup_logging

    setup_logging()
    try:
        config = load_config(args.config_file)
        if visible_gpu_count() > 1 and not under_torchrun():  # the UI's multi-GPU choice
            return relaunch_under_torchrun(__file__, argv, visible_gpu_count())
        result = train(config)
    except GptSovitsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if int(os.environ.get("RANK", "0")) == 0:
        print(f"GPT training done: {result.epochs_done} epochs, {result.steps} steps, last loss {result.last_loss:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
