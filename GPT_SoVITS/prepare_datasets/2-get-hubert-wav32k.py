"""Stage 2 as the web UI runs it: `python GPT_SoVITS/prepare_datasets/2-get-hubert-wav32k.py` with
the stage environment variables (see GPT_SoVITS/prepare/stage_env.py). Logic: prepare/ssl_stage.py."""

import logging
import sys
from pathlib import Path


def main() -> int:
    from GPT_SoVITS.errors import GptSovitsError
    from GPT_SoVITS.logging_setup import setup_logging
    from GPT_SoVITS.prepare.stage_env import StageEnv

    setup_logging()
    try:
        env = StageEnv.from_environ()
        env.apply_cuda_devices()  # before torch initialises CUDA
        from GPT_SoVITS.prepare.ssl_stage import run_ssl_stage

        run_ssl_stage(env)
    except GptSovitsError as error:
        logging.getLogger("2-get-hubert-wav32k").error("%s", error)
        return 1
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run by path from the repo root
    sys.exit(main())
